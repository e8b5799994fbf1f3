#include "service_loop.hpp"

#include "listener.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <cstring>
#include <memory>
#include <utility>

namespace notify::websocket {
namespace {

constexpr const char *subprotocol = "notify.json.v1";
constexpr const char *vhost_name = "notify-websocket";
constexpr const char *listener_protocol = "notify-listener";
// A connection being closed gets this long to take its queued frames and the close frame;
// then it is dropped, so a peer that stopped reading cannot hold it open.
constexpr int close_grace_seconds = 5;
// Send buffers grown past this by one large frame are given back after the write.
constexpr size_t send_buffer_keep = 256 * 1024;
constexpr size_t max_close_reason = 123;  // 125-byte control payload minus the code
constexpr uint16_t close_abnormal = 1006;
constexpr uint16_t close_no_status = 1005;

struct Session {
    Connection *connection;
};

std::string peer_address(struct lws *wsi) {
    sockaddr_in address{};
    socklen_t length = sizeof address;
    if (getpeername(lws_get_socket_fd(wsi), reinterpret_cast<sockaddr *>(&address), &length) != 0 ||
        address.sin_family != AF_INET) {
        return "unknown";
    }
    std::array<char, INET_ADDRSTRLEN> text{};
    inet_ntop(AF_INET, &address.sin_addr, text.data(), text.size());
    return std::string(text.data()) + ":" + std::to_string(ntohs(address.sin_port));
}

// Cut at most max_close_reason bytes without splitting a UTF-8 sequence (lws validates it).
std::string_view close_reason_prefix(std::string_view reason) {
    if (reason.size() <= max_close_reason) {
        return reason;
    }
    size_t cut = max_close_reason;
    while (cut > 0 && (static_cast<unsigned char>(reason[cut]) & 0xC0u) == 0x80u) {
        --cut;
    }
    return reason.substr(0, cut);
}

std::string header(struct lws *wsi, enum lws_token_indexes token) {
    const int length = lws_hdr_total_length(wsi, token);
    if (length <= 0) {
        return {};
    }
    std::string value(static_cast<size_t>(length) + 1, '\0');
    const int copied = lws_hdr_copy(wsi, value.data(), length + 1, token);
    value.resize(copied > 0 ? static_cast<size_t>(copied) : 0);
    return value;
}

int refuse_http(struct lws *wsi, unsigned int status) {
    // Answer, then hang up: a refused handshake gets no keep-alive.
    lws_return_http_status(wsi, status, nullptr);
    return -1;
}

void release_owned_message(void *release_ctx, uint8_t * /*data*/) {
    delete static_cast<std::vector<uint8_t> *>(release_ctx);
}

}  // namespace

int lws_event(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
              size_t len) {
    auto *loop = static_cast<ServiceLoop *>(lws_context_user(lws_get_context(wsi)));
    return loop->on_event(wsi, reason, user, in, len);
}

ServiceLoop::ServiceLoop(const Settings &settings, const notify_host_api &host,
                         notify_host_ctx *ctx, uint8_t index)
    : settings_(settings), host_(host), ctx_(ctx), index_(index) {}

ServiceLoop::~ServiceLoop() { finish(); }

bool ServiceLoop::listen(uint16_t port, bool share_port, std::string &error) {
    listen_fd_ = open_listener(settings_.host, port, share_port, error);
    if (listen_fd_ < 0) {
        return false;
    }
    bound_port_ = listener_port(listen_fd_);

    protocols_[0].name = subprotocol;
    protocols_[0].callback = lws_event;
    protocols_[0].per_session_data_size = sizeof(Session);
    protocols_[1].name = listener_protocol;
    protocols_[1].callback = lws_event;

    lws_context_creation_info info{};
    info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
    info.protocols = protocols_.data();
    info.vhost_name = vhost_name;
    info.user = this;
    info.gid = -1;
    info.uid = -1;
    info.options = LWS_SERVER_OPTION_VALIDATE_UTF8 |
                   LWS_SERVER_OPTION_HTTP_HEADERS_SECURITY_BEST_PRACTICES_ENFORCE;
    if (!settings_.static_root.empty()) {
        mount_.mountpoint = "/";
        mount_.mountpoint_len = 1;
        mount_.origin = settings_.static_root.c_str();
        mount_.def = "index.html";
        mount_.origin_protocol = LWSMPRO_FILE;
        info.mounts = &mount_;
    }
    if (settings_.ping_interval_s > 0) {
        keepalive_.secs_since_valid_ping = settings_.ping_interval_s;
        keepalive_.secs_since_valid_hangup = static_cast<uint16_t>(2 * settings_.ping_interval_s);
    }
    // Zero hangup time turns lws's validity checks off; without a policy lws would use its own.
    info.retry_and_idle_policy = &keepalive_;

    context_ = lws_create_context(&info);
    vhost_ = context_ != nullptr ? lws_get_vhost_by_name(context_, vhost_name) : nullptr;
    if (vhost_ != nullptr) {
        lws_sock_file_fd_type descriptor{};
        descriptor.filefd = listen_fd_;
        listener_ = lws_adopt_descriptor_vhost(vhost_, LWS_ADOPT_RAW_FILE_DESC, descriptor,
                                               listener_protocol, nullptr);
    }
    if (listener_ == nullptr) {
        error = "websocket: cannot start the libwebsockets service for " + settings_.host + ":" +
                std::to_string(bound_port_);
        ::close(listen_fd_);
        listen_fd_ = -1;
        return false;
    }
    std::lock_guard lock(inbox_mutex_);
    inbox_open_ = true;
    return true;
}

void ServiceLoop::start_thread() { thread_ = std::thread([this] { run(); }); }

void ServiceLoop::run() {
    while (!exit_requested_.load(std::memory_order_acquire)) {
        if (lws_service(context_, 0) < 0) {
            log(NOTIFY_LOG_ERROR, "websocket: service loop failed; thread " +
                                      std::to_string(index_) + " stops");
            break;
        }
    }
}

void ServiceLoop::post_frame(const notify_frame *frame, const uint64_t *conns, size_t count) {
    std::lock_guard lock(inbox_mutex_);
    if (!inbox_open_) {
        return;
    }
    bool posted = false;
    for (size_t i = 0; i < count; ++i) {
        if ((conns[i] >> loop_index_shift) != index_) {
            continue;
        }
        host_.frame_retain(frame);
        inbox_.push_back(Command{Command::Kind::frame, conns[i], frame, 0, {}});
        posted = true;
    }
    if (posted) {
        lws_cancel_service(context_);
    }
}

void ServiceLoop::post_close(uint64_t conn, uint16_t code, std::string_view reason) {
    std::lock_guard lock(inbox_mutex_);
    if (!inbox_open_) {
        return;
    }
    inbox_.push_back(Command{Command::Kind::close, conn, nullptr, code,
                             std::string(close_reason_prefix(reason))});
    lws_cancel_service(context_);
}

void ServiceLoop::post_shutdown() {
    std::lock_guard lock(inbox_mutex_);
    if (!inbox_open_) {
        return;
    }
    inbox_.push_back(Command{Command::Kind::shutdown, 0, nullptr, 0, {}});
    lws_cancel_service(context_);
}

void ServiceLoop::finish() {
    std::vector<Command> leftover;
    {
        std::lock_guard lock(inbox_mutex_);
        inbox_open_ = false;
        leftover.swap(inbox_);
    }
    for (const Command &command : leftover) {
        if (command.frame != nullptr) {
            host_.frame_release(command.frame);
        }
    }
    if (thread_.joinable()) {
        exit_requested_.store(true, std::memory_order_release);
        lws_cancel_service(context_);
        thread_.join();
    }
    if (context_ != nullptr) {
        // Runs CLOSED for every connection left, on this thread now that the loop is joined.
        lws_context_destroy(context_);
        context_ = nullptr;
    }
}

void ServiceLoop::log(notify_log_level level, const std::string &message) const {
    host_.log(ctx_, level, notify_str{message.data(), message.size()});
}

int ServiceLoop::on_event(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                          void *in, size_t len) {
    auto *session = static_cast<Session *>(user);
    Connection *conn = session != nullptr ? session->connection : nullptr;
    switch (reason) {
    case LWS_CALLBACK_RAW_RX_FILE:
        return accept_connections();
    case LWS_CALLBACK_RAW_CLOSE_FILE:
        listener_ = nullptr;
        listen_fd_ = -1;  // lws closed it
        return 0;
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        return confirm_upgrade(wsi, static_cast<const char *>(in));
    case LWS_CALLBACK_HTTP:
        // Reached only when no static_root mount answers the request.
        lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, nullptr);
        return lws_http_transaction_completed(wsi) != 0 ? -1 : 0;
    case LWS_CALLBACK_ESTABLISHED:
        on_established(wsi, user);
        return 0;
    case LWS_CALLBACK_RECEIVE:
        return conn != nullptr ? on_receive(*conn, in, len) : 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return conn != nullptr ? on_writeable(*conn) : 0;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (conn != nullptr && !conn->close_code) {
            const auto *payload = static_cast<const uint8_t *>(in);
            conn->close_code =
                len >= 2 ? static_cast<uint16_t>(payload[0] << 8 | payload[1]) : close_no_status;
        }
        return 0;
    case LWS_CALLBACK_CLOSED:
        on_closed(user);
        return 0;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        drain_inbox();
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

int ServiceLoop::accept_connections() {
    if (!accepting_) {
        return -1;  // the listener was shut down: let lws close it
    }
    for (;;) {
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) {
                continue;
            }
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                log(NOTIFY_LOG_ERROR,
                    std::string("websocket: accept failed: ") + std::strerror(errno));
            }
            return 0;
        }
        // On failure lws closes the socket itself.
        lws_adopt_socket_vhost(vhost_, fd);
    }
}

void ServiceLoop::stop_listening() {
    accepting_ = false;
    if (listener_ != nullptr) {
        // New connections are refused from now on; lws closes the descriptor on its own time.
        ::shutdown(listen_fd_, SHUT_RDWR);
        lws_set_timeout(listener_, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    }
}

int ServiceLoop::confirm_upgrade(struct lws *wsi, const char *upgrade) {
    if (upgrade == nullptr || std::strcmp(upgrade, "websocket") != 0) {
        return refuse_http(wsi, HTTP_STATUS_FORBIDDEN);
    }
    if (header(wsi, WSI_TOKEN_GET_URI) != settings_.path) {
        return refuse_http(wsi, HTTP_STATUS_NOT_FOUND);
    }
    // Browsers always send Origin; a client without one is not a browser page, which is all
    // an origin check can guard against.
    const std::string origin = header(wsi, WSI_TOKEN_ORIGIN);
    const auto &allowed = settings_.allowed_origins;
    if (!origin.empty() && !allowed.empty() &&
        std::find(allowed.begin(), allowed.end(), origin) == allowed.end()) {
        log(NOTIFY_LOG_INFO, "websocket: refused handshake from origin '" + origin + "'");
        return refuse_http(wsi, HTTP_STATUS_FORBIDDEN);
    }
    return 0;
}

void ServiceLoop::on_established(struct lws *wsi, void *session) {
    auto *conn = new Connection;
    conn->id = (uint64_t{index_} << loop_index_shift) | ++next_serial_;
    conn->wsi = wsi;
    static_cast<Session *>(session)->connection = conn;
    connections_.emplace(conn->id, conn);
    live_connections_.fetch_add(1);

    const std::string remote = peer_address(wsi);
    notify_conn_info info{};
    info.size = sizeof info;
    info.remote_address = notify_str{remote.data(), remote.size()};
    info.encoding = NOTIFY_ENCODING_JSON;
    const notify_status status = host_.conn_open(ctx_, conn->id, &info);
    if (status == NOTIFY_OK) {
        conn->opened = true;
        return;
    }
    begin_close(*conn, NOTIFY_CLOSE_POLICY,
                status == NOTIFY_ERR_CLOSED ? "server shutting down" : "connection refused");
}

int ServiceLoop::on_receive(Connection &conn, const void *in, size_t len) {
    if (!conn.opened || conn.pending_close) {
        return 0;
    }
    struct lws *wsi = conn.wsi;
    if (conn.message.size() + len > settings_.max_frame_size) {
        conn.message = {};
        conn.close_code = NOTIFY_CLOSE_TOO_BIG;
        static constexpr char reason[] = "message too big";
        lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
                         reinterpret_cast<unsigned char *>(const_cast<char *>(reason)),
                         sizeof reason - 1);
        return -1;
    }
    const bool complete = lws_is_final_fragment(wsi) != 0 && lws_remaining_packet_payload(wsi) == 0;
    const auto *bytes = static_cast<const uint8_t *>(in);
    if (complete && conn.message.empty()) {
        host_.conn_receive(ctx_, conn.id, notify_bytes{bytes, len});
        return 0;
    }
    conn.message.insert(conn.message.end(), bytes, bytes + len);
    if (!complete) {
        return 0;
    }
    if (host_.conn_receive_owned != nullptr) {
        auto *owned = new std::vector<uint8_t>(std::move(conn.message));
        host_.conn_receive_owned(
            ctx_, conn.id,
            notify_owned_bytes{owned->data(), owned->size(), release_owned_message, owned});
    } else {
        host_.conn_receive(ctx_, conn.id, notify_bytes{conn.message.data(), conn.message.size()});
    }
    conn.message = {};
    return 0;
}

int ServiceLoop::on_writeable(Connection &conn) {
    struct lws *wsi = conn.wsi;
    if (!conn.queue.empty()) {
        const notify_frame *frame = conn.queue.front();
        conn.queue.pop_front();
        const notify_bytes bytes = host_.frame_bytes(frame, NOTIFY_ENCODING_JSON);
        conn.send_buffer.resize(LWS_PRE + bytes.len);
        if (bytes.len > 0) {
            std::memcpy(conn.send_buffer.data() + LWS_PRE, bytes.data, bytes.len);
        }
        host_.frame_release(frame);
        const int written =
            lws_write(wsi, conn.send_buffer.data() + LWS_PRE, bytes.len, LWS_WRITE_TEXT);
        if (conn.send_buffer.capacity() > send_buffer_keep) {
            conn.send_buffer = {};
        }
        if (written < 0 || static_cast<size_t>(written) < bytes.len) {
            return -1;
        }
        if (!conn.queue.empty() || conn.pending_close) {
            lws_callback_on_writable(wsi);
        }
        return 0;
    }
    if (conn.pending_close) {
        conn.close_code = conn.pending_close->code;
        std::string &reason = conn.pending_close->reason;
        lws_close_reason(wsi, static_cast<enum lws_close_status>(conn.pending_close->code),
                         reinterpret_cast<unsigned char *>(reason.data()), reason.size());
        return -1;
    }
    return 0;
}

void ServiceLoop::on_closed(void *session) {
    auto *slot = static_cast<Session *>(session);
    if (slot == nullptr || slot->connection == nullptr) {
        return;
    }
    std::unique_ptr<Connection> conn(std::exchange(slot->connection, nullptr));
    if (conn->opened) {
        uint16_t code = close_abnormal;
        if (conn->close_code) {
            code = *conn->close_code;
        } else if (conn->pending_close) {
            code = conn->pending_close->code;  // dropped before its close frame could be sent
        }
        host_.conn_closed(ctx_, conn->id, code);
    }
    release_queue(*conn);
    connections_.erase(conn->id);
    live_connections_.fetch_sub(1);
}

void ServiceLoop::drain_inbox() {
    {
        std::lock_guard lock(inbox_mutex_);
        draining_.swap(inbox_);
    }
    for (Command &command : draining_) {
        if (command.kind == Command::Kind::shutdown) {
            stop_listening();
            for (auto &[id, conn] : connections_) {
                begin_close(*conn, NOTIFY_CLOSE_GOING_AWAY, "server shutdown");
            }
            continue;
        }
        const auto found = connections_.find(command.conn);
        Connection *conn = found != connections_.end() ? found->second : nullptr;
        if (command.kind == Command::Kind::frame) {
            if (conn != nullptr) {
                queue_frame(*conn, command.frame);
            } else {
                host_.frame_release(command.frame);
            }
        } else if (conn != nullptr) {
            begin_close(*conn, command.code, command.reason);
        }
    }
    draining_.clear();
}

void ServiceLoop::queue_frame(Connection &conn, const notify_frame *frame) {
    if (!conn.opened || conn.pending_close) {
        host_.frame_release(frame);
        return;
    }
    if (conn.queue.size() < settings_.max_queue) {
        conn.queue.push_back(frame);
        if (conn.queue.size() == 1) {
            lws_callback_on_writable(conn.wsi);
        }
        return;
    }
    host_.frame_release(frame);
    if (settings_.slow_consumer == SlowConsumerPolicy::drop) {
        dropped_frames_.fetch_add(1);
        if (!conn.dropping_logged) {
            conn.dropping_logged = true;
            log(NOTIFY_LOG_WARN, "websocket: connection " + std::to_string(conn.id) +
                                     " is slow: its queue of " +
                                     std::to_string(settings_.max_queue) +
                                     " frames is full, dropping new frames");
        }
        return;
    }
    // The peer is not reading: what is queued would only delay the close, so drop it.
    log(NOTIFY_LOG_WARN, "websocket: connection " + std::to_string(conn.id) +
                             " is slow: its queue of " + std::to_string(settings_.max_queue) +
                             " frames is full, closing it with 4001");
    release_queue(conn);
    slow_consumer_closes_.fetch_add(1);
    begin_close(conn, NOTIFY_CLOSE_SLOW_CONSUMER, "slow consumer");
}

void ServiceLoop::begin_close(Connection &conn, uint16_t code, std::string_view reason) {
    if (conn.pending_close) {
        return;
    }
    conn.pending_close = CloseRequest{code, std::string(reason)};
    lws_set_timeout(conn.wsi, PENDING_TIMEOUT_USER_OK, close_grace_seconds);
    lws_callback_on_writable(conn.wsi);
}

void ServiceLoop::release_queue(Connection &conn) {
    for (const notify_frame *frame : conn.queue) {
        host_.frame_release(frame);
    }
    conn.queue.clear();
}

}  // namespace notify::websocket
