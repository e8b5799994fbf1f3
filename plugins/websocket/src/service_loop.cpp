#include "service_loop.hpp"

#include "listener.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <cstring>
#include <memory>
#include <thread>
#include <utility>

namespace notify::websocket {
namespace {

constexpr const char *json_subprotocol = "notify.json.v1";
constexpr const char *binary_subprotocol = "notify.binary.v1";
constexpr const char *vhost_name = "notify-websocket";
constexpr const char *listener_protocol = "notify-listener";
// A connection being closed gets this long to take its queued frames and the close frame;
// then it is dropped, so a peer that stopped reading cannot hold it open.
constexpr int close_grace_seconds = 5;
// Queued frames are written together up to this many bytes per lws_write; lws sends up to
// tx_packet_size per send() and buffers the rest, so the two match.
constexpr size_t coalesce_limit = 16 * 1024;
// lws gives every connection a receive buffer of this size for its whole life (4 KiB by
// default); longer client messages arrive in several RECEIVE chunks, which on_receive joins.
// Control frames (at most 125 bytes of payload) still fit one chunk.
constexpr size_t receive_chunk = 256;
// A write is put off for at most this many service iterations while a sender has unread bytes.
constexpr unsigned max_deferred_flushes = 64;
// A coalescing buffer grown past this by one burst is given back after the write.
constexpr size_t coalesce_buffer_keep = 256 * 1024;
// OutgoingFrames kept for reuse; beyond this, frames are freed.
constexpr size_t spare_frames_keep = 1024;
constexpr uint64_t slot_mask = (uint64_t{1} << generation_shift) - 1;
constexpr uint32_t generation_mask = (uint32_t{1} << (loop_index_shift - generation_shift)) - 1;
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

    // The first protocol also serves clients that ask for no subprotocol.
    for (size_t i = 0; i < 2; ++i) {
        protocols_[i].name = i == 0 ? json_subprotocol : binary_subprotocol;
        protocols_[i].callback = lws_event;
        protocols_[i].per_session_data_size = sizeof(Session);
        protocols_[i].tx_packet_size = coalesce_limit;
        protocols_[i].rx_buffer_size = receive_chunk;
    }
    protocols_[2].name = listener_protocol;
    protocols_[2].callback = lws_event;

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
    unsigned deferred_flushes = 0;
    while (!exit_requested_.load(std::memory_order_acquire)) {
        if (lws_service(context_, 0) < 0) {
            log(NOTIFY_LOG_ERROR, "websocket: service loop failed; thread " +
                                      std::to_string(index_) + " stops");
            break;
        }
        // Write once per burst of publishes rather than once per lws read of them: while a
        // connection that just sent us messages has more bytes waiting, read them first.
        const bool more_input = unread_input_pending();
        if (flush_list_.empty() || (more_input && ++deferred_flushes < max_deferred_flushes)) {
            continue;
        }
        deferred_flushes = 0;
        // The core thread shares this core under load: let it turn what was just read into
        // frames, take those too, then write every listed connection once.
        std::this_thread::yield();
        drain_inbox();
        flush_listed_connections();
    }
}

void ServiceLoop::post_frame(const notify_frame *frame, const uint64_t *conns, size_t count) {
    std::lock_guard lock(inbox_mutex_);
    if (!inbox_open_) {
        return;
    }
    const size_t first = inbox_conns_.size();
    for (size_t i = 0; i < count; ++i) {
        if ((conns[i] >> loop_index_shift) == index_) {
            inbox_conns_.push_back(conns[i]);
        }
    }
    const size_t mine = inbox_conns_.size() - first;
    if (mine == 0) {
        return;
    }
    host_.frame_retain(frame);
    inbox_.push_back(Command{Command::Kind::frame, 0, frame, static_cast<uint32_t>(first),
                             static_cast<uint32_t>(mine), 0, {}});
    wake();
}

void ServiceLoop::wake() {
    if (!wake_pending_) {
        wake_pending_ = true;
        lws_cancel_service(context_);
    }
}

void ServiceLoop::post_close(uint64_t conn, uint16_t code, std::string_view reason) {
    std::lock_guard lock(inbox_mutex_);
    if (!inbox_open_) {
        return;
    }
    inbox_.push_back(Command{Command::Kind::close, conn, nullptr, 0, 0, code,
                             std::string(close_reason_prefix(reason))});
    wake();
}

void ServiceLoop::post_shutdown() {
    std::lock_guard lock(inbox_mutex_);
    if (!inbox_open_) {
        return;
    }
    inbox_.push_back(Command{Command::Kind::shutdown, 0, nullptr, 0, 0, 0, {}});
    wake();
}

void ServiceLoop::finish() {
    std::vector<Command> leftover;
    {
        std::lock_guard lock(inbox_mutex_);
        inbox_open_ = false;
        leftover.swap(inbox_);
        inbox_conns_.clear();
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
        // Frames are written whole and coalesced already: Nagle would only hold them back.
        const int no_delay = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &no_delay, sizeof no_delay);
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
    uint32_t slot = 0;
    if (free_slots_.empty()) {
        slot = static_cast<uint32_t>(slots_.size());
        slots_.push_back(nullptr);
        slot_generations_.push_back(0);
    } else {
        slot = free_slots_.back();
        free_slots_.pop_back();
    }
    slots_[slot] = conn;
    slot_generations_[slot] = (slot_generations_[slot] + 1) & generation_mask;
    const uint32_t generation = slot_generations_[slot];
    conn->id = (uint64_t{index_} << loop_index_shift) | (uint64_t{generation} << generation_shift) |
               slot;
    conn->wsi = wsi;
    // lws hands the vhost's own copy of the protocol list, so compare by name.
    const lws_protocols *protocol = lws_get_protocol(wsi);
    conn->encoding = protocol != nullptr && std::strcmp(protocol->name, binary_subprotocol) == 0
                         ? NOTIFY_ENCODING_BINARY
                         : NOTIFY_ENCODING_JSON;
    static_cast<Session *>(session)->connection = conn;
    live_connections_.fetch_add(1);

    const std::string remote = peer_address(wsi);
    notify_conn_info info{};
    info.size = sizeof info;
    info.remote_address = notify_str{remote.data(), remote.size()};
    info.encoding = conn->encoding;
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
    if (!conn.receive_listed) {
        conn.receive_listed = true;
        receive_list_.push_back(conn.id);
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
    if (conn.write_failed) {
        return -1;
    }
    if (!conn.queue.empty()) {
        if (!write_queued(conn)) {
            return -1;
        }
        if (!conn.queue.empty() || conn.pending_close) {
            lws_callback_on_writable(conn.wsi);
        }
        return 0;
    }
    if (conn.pending_close) {
        conn.close_code = conn.pending_close->code;
        std::string &reason = conn.pending_close->reason;
        lws_close_reason(conn.wsi, static_cast<enum lws_close_status>(conn.pending_close->code),
                         reinterpret_cast<unsigned char *>(reason.data()), reason.size());
        return -1;
    }
    return 0;
}

bool ServiceLoop::write_queued(Connection &conn) {
    const size_t encoding = conn.encoding == NOTIFY_ENCODING_BINARY ? 1 : 0;
    std::vector<uint8_t> &first = conn.queue.front()->wire[encoding];
    uint8_t *start = first.data() + LWS_PRE;
    size_t length = first.size() - LWS_PRE;
    size_t frames = 1;
    if (conn.queue.size() > 1 && length < coalesce_limit) {
        coalesce_buffer_.resize(LWS_PRE);
        coalesce_buffer_.insert(coalesce_buffer_.end(), start, start + length);
        for (; frames < conn.queue.size(); ++frames) {
            const std::vector<uint8_t> &next = conn.queue.at(frames)->wire[encoding];
            if (coalesce_buffer_.size() + next.size() - 2 * LWS_PRE > coalesce_limit) {
                break;
            }
            coalesce_buffer_.insert(coalesce_buffer_.end(), next.begin() + LWS_PRE, next.end());
        }
        start = coalesce_buffer_.data() + LWS_PRE;
        length = coalesce_buffer_.size() - LWS_PRE;
    }
    // The frames are complete WebSocket frames already: lws sends them as they are, keeps
    // whatever the socket did not take and asks for WRITEABLE once it has sent that.
    const int written = lws_write(conn.wsi, start, length, LWS_WRITE_RAW);
    for (size_t i = 0; i < frames; ++i) {
        drop_holder(conn.queue.front());
        conn.queue.pop_front();
    }
    if (coalesce_buffer_.capacity() > coalesce_buffer_keep) {
        coalesce_buffer_ = {};
    }
    return written >= 0 && static_cast<size_t>(written) >= length;
}

bool ServiceLoop::unread_input_pending() {
    bool pending = false;
    for (const uint64_t id : receive_list_) {
        Connection *conn = find(id);
        if (conn == nullptr) {
            continue;
        }
        conn->receive_listed = false;
        int unread = 0;
        if (!pending && ioctl(lws_get_socket_fd(conn->wsi), FIONREAD, &unread) == 0 &&
            unread > 0) {
            pending = true;
        }
    }
    receive_list_.clear();
    return pending;
}

void ServiceLoop::flush_listed_connections() {
    for (const uint64_t id : flush_list_) {
        Connection *conn = find(id);
        if (conn == nullptr) {
            continue;  // closed since its frames were queued
        }
        conn->flush_listed = false;
        if (conn->queue.empty() || conn->write_failed) {
            continue;
        }
        // Bytes of the previous write still wait in lws: it asked for WRITEABLE already, and
        // writing now would only append behind them.
        if (lws_partial_buffered(conn->wsi) != 0) {
            lws_callback_on_writable(conn->wsi);
            continue;
        }
        if (!write_queued(*conn)) {
            // Not inside this connection's callback, so it cannot return -1: lws kills it at
            // its next timeout check and reports CLOSED.
            conn->write_failed = true;
            release_queue(*conn);
            lws_set_timeout(conn->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
            continue;
        }
        if (!conn->queue.empty()) {
            lws_callback_on_writable(conn->wsi);
        }
    }
    flush_list_.clear();
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
    const auto table_slot = static_cast<uint32_t>(conn->id & slot_mask);
    slots_[table_slot] = nullptr;
    free_slots_.push_back(table_slot);
    live_connections_.fetch_sub(1);
}

void ServiceLoop::drain_inbox() {
    {
        std::lock_guard lock(inbox_mutex_);
        draining_.swap(inbox_);
        draining_conns_.swap(inbox_conns_);
        wake_pending_ = false;
    }
    for (Command &command : draining_) {
        switch (command.kind) {
        case Command::Kind::shutdown:
            shut_down_connections();
            break;
        case Command::Kind::close:
            if (Connection *conn = find(command.conn)) {
                begin_close(*conn, command.code, command.reason);
            }
            break;
        case Command::Kind::frame: {
            OutgoingFrame *frame = take_frame(command.frame);
            ++frame->holders;  // kept alive while its recipients are queued
            for (uint32_t i = command.first; i < command.first + command.count; ++i) {
                if (Connection *conn = find(draining_conns_[i])) {
                    queue_frame(*conn, *frame);
                }
            }
            drop_holder(frame);
            break;
        }
        }
    }
    draining_.clear();
    draining_conns_.clear();
}

void ServiceLoop::shut_down_connections() {
    stop_listening();
    for (Connection *conn : slots_) {
        if (conn != nullptr) {
            begin_close(*conn, NOTIFY_CLOSE_GOING_AWAY, "server shutdown");
        }
    }
}

Connection *ServiceLoop::find(uint64_t id) const {
    const uint64_t slot = id & slot_mask;
    if ((id >> loop_index_shift) != index_ || slot >= slots_.size()) {
        return nullptr;
    }
    Connection *conn = slots_[slot];
    return conn != nullptr && conn->id == id ? conn : nullptr;
}

OutgoingFrame *ServiceLoop::take_frame(const notify_frame *frame) {
    OutgoingFrame *out = nullptr;
    if (spare_frames_.empty()) {
        out = new OutgoingFrame;
    } else {
        out = spare_frames_.back().release();
        spare_frames_.pop_back();
    }
    out->frame = frame;
    return out;
}

void ServiceLoop::drop_holder(OutgoingFrame *frame) {
    if (--frame->holders > 0) {
        return;
    }
    host_.frame_release(frame->frame);
    frame->frame = nullptr;
    for (std::vector<uint8_t> &wire : frame->wire) {
        wire.clear();
    }
    if (spare_frames_.size() < spare_frames_keep) {
        spare_frames_.emplace_back(frame);
    } else {
        delete frame;
    }
}

bool ServiceLoop::prepare_wire(OutgoingFrame &frame, notify_encoding encoding) {
    const bool binary = encoding == NOTIFY_ENCODING_BINARY;
    std::vector<uint8_t> &wire = frame.wire[binary ? 1 : 0];
    if (!wire.empty()) {
        return true;
    }
    const notify_bytes bytes = host_.frame_bytes(frame.frame, encoding);
    if (binary && bytes.len == 0) {
        return false;
    }
    wire.reserve(LWS_PRE + 10 + bytes.len);
    wire.resize(LWS_PRE);
    append_ws_header(wire, binary, bytes.len);
    if (bytes.len > 0) {
        wire.insert(wire.end(), bytes.data, bytes.data + bytes.len);
    }
    return true;
}

void ServiceLoop::queue_frame(Connection &conn, OutgoingFrame &frame) {
    if (!conn.opened || conn.pending_close || conn.write_failed) {
        return;
    }
    if (!prepare_wire(frame, conn.encoding)) {
        skipped_frames_.fetch_add(1, std::memory_order_relaxed);
        if (!skip_logged_) {
            skip_logged_ = true;
            log(NOTIFY_LOG_WARN, "websocket: the host has no binary form of a frame; binary "
                                 "connections miss such frames (counted, logged once)");
        }
        return;
    }
    if (conn.queue.size() < settings_.max_queue) {
        conn.queue.push_back(&frame);
        ++frame.holders;
        if (!conn.flush_listed) {
            conn.flush_listed = true;
            flush_list_.push_back(conn.id);
        }
        return;
    }
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
    while (!conn.queue.empty()) {
        drop_holder(conn.queue.front());
        conn.queue.pop_front();
    }
}

}  // namespace notify::websocket
