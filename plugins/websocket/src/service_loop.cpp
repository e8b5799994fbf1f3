#include "service_loop.hpp"

#include "cluster_endpoints.hpp"
#include "control_frames.hpp"
#include "handshake.hpp"
#include "http_request.hpp"
#include "listener.hpp"
#include "static_files.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <thread>
#include <utility>

namespace notify::websocket {
namespace {

// epoll tags of the two descriptors that are not connections (connection ids never reach
// these values: the loop index in their top byte is below 64).
constexpr uint64_t listener_tag = ~uint64_t{0};
constexpr uint64_t wake_tag = ~uint64_t{0} - 1;
// A connection being closed gets this long to take its queued frames and the close frame, and
// to answer it; then it is dropped, so a peer that stopped reading cannot hold it open.
constexpr uint32_t close_grace_ms = 5000;
// A client gets this long to send its whole HTTP request after connecting.
constexpr uint32_t handshake_timeout_ms = 10000;
// After our last bytes, input is discarded for at most this long before the socket is closed.
constexpr uint32_t linger_ms = 2000;
constexpr size_t max_request_head = 8192;
constexpr size_t read_buffer_size = 64 * 1024;
// A client that keeps sending yields to the others after this many full reads per round.
constexpr int max_reads_per_event = 4;
// One sendmsg takes at most this many pieces and bytes; a longer queue takes several calls.
constexpr size_t max_write_pieces = 64;
constexpr size_t max_write_bytes = 256 * 1024;
constexpr int max_events = 256;
// After a round that passed client messages to the host, the loop yields up to this many times
// while each yield brings frames for at least gather_min_recipients connections.
constexpr unsigned max_gather_yields = 16;
constexpr size_t gather_min_recipients = 256;
// While gathering does not pay, it is tried once per this many rounds with input.
constexpr unsigned gather_probe_rounds = 16;
// Pongs are not queued for a connection with more control bytes than this still unsent.
constexpr size_t max_unsent_control = 4096;
// Accepts per round of events, so that a storm of new connections cannot starve the others.
constexpr int max_accepts_per_round = 64;
// Plain HTTP answers (static files) a loop holds at once; past this, new requests get 503.
constexpr size_t max_answer_bytes = 64 * 1024 * 1024;
// A recycled frame's wire buffer larger than this is freed rather than kept for reuse.
constexpr size_t wire_buffer_keep = 64 * 1024;
// Keepalive, handshake and close deadlines are checked this often.
constexpr uint32_t timer_check_interval_ms = 250;
// Out of descriptors: accepting pauses this long instead of spinning on the listener.
constexpr uint32_t accept_pause_ms = 100;
// OutgoingFrames kept for reuse; beyond this, frames are freed.
constexpr size_t spare_frames_keep = 1024;
constexpr uint64_t slot_mask = (uint64_t{1} << generation_shift) - 1;
constexpr uint32_t generation_mask = (uint32_t{1} << (loop_index_shift - generation_shift)) - 1;
constexpr uint16_t close_abnormal = 1006;
constexpr uint16_t close_no_status = 1005;

int64_t monotonic_ms() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return int64_t{now.tv_sec} * 1000 + now.tv_nsec / 1'000'000;
}

// Deadlines live on a wrapping 32-bit millisecond clock: compare by difference.
bool reached(uint32_t now, uint32_t deadline) {
    return static_cast<int32_t>(now - deadline) >= 0;
}

std::string peer_address(int fd) {
    sockaddr_in address{};
    socklen_t length = sizeof address;
    if (getpeername(fd, reinterpret_cast<sockaddr *>(&address), &length) != 0 ||
        address.sin_family != AF_INET) {
        return "unknown";
    }
    std::array<char, INET_ADDRSTRLEN> text{};
    inet_ntop(AF_INET, &address.sin_addr, text.data(), text.size());
    return std::string(text.data()) + ":" + std::to_string(ntohs(address.sin_port));
}

std::string plain_response(const char *status, std::string_view body) {
    std::string response = "HTTP/1.1 ";
    response += status;
    response += "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ";
    response += std::to_string(body.size() + 1);
    response += "\r\nConnection: close\r\n\r\n";
    response += body;
    response += '\n';
    return response;
}

void release_owned_message(void *release_ctx, uint8_t * /*data*/) {
    delete static_cast<std::vector<uint8_t> *>(release_ctx);
}

}  // namespace

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
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    epoll_event wake_event{};
    wake_event.events = EPOLLIN;
    wake_event.data.u64 = wake_tag;
    epoll_event listen_event{};
    listen_event.events = EPOLLIN;
    listen_event.data.u64 = listener_tag;
    if (epoll_fd_ < 0 || wake_fd_ < 0 ||
        epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &wake_event) != 0 ||
        epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &listen_event) != 0) {
        error = "websocket: cannot start the event loop for " + settings_.host + ":" +
                std::to_string(bound_port_) + ": " + std::strerror(errno);
        for (int *fd : {&epoll_fd_, &wake_fd_, &listen_fd_}) {
            if (*fd >= 0) {
                ::close(*fd);
                *fd = -1;
            }
        }
        return false;
    }
    accepting_ = true;
    listener_registered_ = true;
    read_buffer_ = std::make_unique<uint8_t[]>(read_buffer_size);
    clock_origin_ms_ = monotonic_ms();
    std::lock_guard lock(inbox_mutex_);
    inbox_open_ = true;
    return true;
}

void ServiceLoop::start_thread() { thread_ = std::thread([this] { run(); }); }

uint32_t ServiceLoop::now_ms() const {
    return static_cast<uint32_t>(monotonic_ms() - clock_origin_ms_);
}

void ServiceLoop::run() {
    std::array<epoll_event, max_events> events{};
    next_timer_check_ms_ = now_ms() + timer_check_interval_ms;
    while (!exit_requested_.load(std::memory_order_acquire)) {
        const int ready = epoll_wait(epoll_fd_, events.data(), max_events,
                                     static_cast<int>(timer_check_interval_ms));
        if (ready < 0 && errno != EINTR) {
            log(NOTIFY_LOG_ERROR, std::string("websocket: epoll_wait failed: ") +
                                      std::strerror(errno) + "; thread " +
                                      std::to_string(index_) + " stops");
            break;
        }
        messages_received_ = false;
        for (int i = 0; i < ready; ++i) {
            const epoll_event &event = events[static_cast<size_t>(i)];
            if (event.data.u64 == wake_tag) {
                uint64_t count = 0;
                [[maybe_unused]] const ssize_t got = ::read(wake_fd_, &count, sizeof count);
                drain_inbox();
                continue;
            }
            if (event.data.u64 == listener_tag) {
                accept_connections();
                continue;
            }
            Connection *conn = find(event.data.u64);
            if (conn == nullptr) {
                continue;  // ended earlier in this round
            }
            if ((event.events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)) != 0) {
                on_readable(*conn);
            }
            if ((event.events & EPOLLOUT) != 0 && conn->waiting_writable) {
                write_out(*conn);
            }
        }
        if (messages_received_) {
            gather_frames();
        }
        flush_listed_connections();
        const uint32_t now = now_ms();
        if (reached(now, next_timer_check_ms_)) {
            next_timer_check_ms_ = now + timer_check_interval_ms;
            check_timers(now);
        }
        destroy_doomed();
    }
}

void ServiceLoop::gather_frames() {
    // The core thread shares this core under load: letting it turn what was just read into
    // frames first means each subscriber gets one write per burst. One yield is not enough
    // when a burst fans out to thousands (the scheduler hands the CPU back before the core is
    // through), so it goes on while each yield brings a fan-out. When the messages read bring
    // no fan-out at once (durable publishes, answered after the broker's writer stored them),
    // yielding only hands the CPU around: measured, it cut acknowledged durable publishes from
    // 75k/s to 28k/s. So while the recent gatherings brought little (a moving average of their
    // recipients below gather_min_recipients), it is only tried once per gather_probe_rounds.
    if (gathered_average_ < gather_min_recipients &&
        ++rounds_since_gather_probe_ < gather_probe_rounds) {
        return;
    }
    rounds_since_gather_probe_ = 0;
    size_t gathered = 0;
    for (unsigned yields = 0; yields < max_gather_yields; ++yields) {
        std::this_thread::yield();
        const size_t recipients = drain_inbox();
        gathered += recipients;
        if (recipients < gather_min_recipients) {
            break;
        }
    }
    gathered_average_ = (3 * gathered_average_ + gathered) / 4;
}

void ServiceLoop::post_frame(const notify_frame *frame, const uint64_t *conns, size_t count) {
    bool must_wake = false;
    {
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
        must_wake = claim_wake();
    }
    if (must_wake) {
        signal_wake();
    }
}

bool ServiceLoop::claim_wake() {
    if (wake_pending_) {
        return false;
    }
    wake_pending_ = true;
    return true;
}

// Outside inbox_mutex_: the write wakes this loop's thread, which on a shared core may run at
// once and would then block on the mutex its waker still held (two context switches and a
// futex call per wake-up, seen in issue 14's profile).
void ServiceLoop::signal_wake() {
    const uint64_t one = 1;
    [[maybe_unused]] const ssize_t written = ::write(wake_fd_, &one, sizeof one);
}

void ServiceLoop::wake() {
    if (claim_wake()) {
        signal_wake();
    }
}

void ServiceLoop::post_close(uint64_t conn, uint16_t code, std::string_view reason) {
    bool must_wake = false;
    {
        std::lock_guard lock(inbox_mutex_);
        if (!inbox_open_) {
            return;
        }
        inbox_.push_back(
            Command{Command::Kind::close, conn, nullptr, 0, 0, code, std::string(reason)});
        must_wake = claim_wake();
    }
    if (must_wake) {
        signal_wake();
    }
}

void ServiceLoop::post_shutdown() {
    bool must_wake = false;
    {
        std::lock_guard lock(inbox_mutex_);
        if (!inbox_open_) {
            return;
        }
        inbox_.push_back(Command{Command::Kind::shutdown, 0, nullptr, 0, 0, 0, {}});
        must_wake = claim_wake();
    }
    if (must_wake) {
        signal_wake();
    }
}

void ServiceLoop::finish() {
    std::vector<Command> leftover;
    {
        std::lock_guard lock(inbox_mutex_);
        inbox_open_ = false;
        leftover.swap(inbox_);
        inbox_conns_.clear();
        if (thread_.joinable()) {
            exit_requested_.store(true, std::memory_order_release);
            wake_pending_ = false;
            wake();
        }
    }
    for (const Command &command : leftover) {
        if (command.frame != nullptr) {
            host_.frame_release(command.frame);
        }
    }
    if (thread_.joinable()) {
        thread_.join();
    }
    // The thread is gone: what is left is dropped here and reported like any lost connection.
    for (Connection *conn : slots_) {
        if (conn != nullptr) {
            destroy(conn);
        }
    }
    doomed_.clear();
    for (int *fd : {&listen_fd_, &wake_fd_, &epoll_fd_}) {
        if (*fd >= 0) {
            ::close(*fd);
            *fd = -1;
        }
    }
}

void ServiceLoop::log(notify_log_level level, const std::string &message) const {
    host_.log(ctx_, level, notify_str{message.data(), message.size()});
}

void ServiceLoop::accept_connections() {
    // The listener is level-triggered: what is left in the backlog wakes the next round.
    for (int accepted = 0; accepting_ && accepted < max_accepts_per_round; ++accepted) {
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) {
                continue;
            }
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                // The pending connection stays in the backlog; polling the listener would only
                // spin until a descriptor is free again.
                log(NOTIFY_LOG_WARN, std::string("websocket: cannot accept: ") +
                                         std::strerror(errno) + "; pausing accepts for " +
                                         std::to_string(accept_pause_ms) + " ms");
                accept_paused_until_ms_ = now_ms() + accept_pause_ms;
                set_listener_registered(false);
            } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
                log(NOTIFY_LOG_ERROR,
                    std::string("websocket: accept failed: ") + std::strerror(errno));
            }
            return;
        }
        // Frames are written whole and coalesced already: Nagle would only hold them back.
        const int no_delay = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &no_delay, sizeof no_delay);

        uint32_t slot = 0;
        if (free_slots_.empty()) {
            slot = static_cast<uint32_t>(slots_.size());
            slots_.push_back(nullptr);
            slot_generations_.push_back(0);
        } else {
            slot = free_slots_.back();
            free_slots_.pop_back();
        }
        slot_generations_[slot] = (slot_generations_[slot] + 1) & generation_mask;
        const uint64_t id = (uint64_t{index_} << loop_index_shift) |
                            (uint64_t{slot_generations_[slot]} << generation_shift) | slot;
        auto *conn = new Connection(id, fd, settings_.max_frame_size);
        const uint32_t now = now_ms();
        conn->last_receive_ms = now;
        conn->deadline_ms = now + handshake_timeout_ms;
        epoll_event event{};
        event.events = EPOLLIN | EPOLLRDHUP;
        event.data.u64 = id;
        if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
            log(NOTIFY_LOG_ERROR, std::string("websocket: cannot watch an accepted socket: ") +
                                      std::strerror(errno));
            ::close(fd);
            delete conn;
            free_slots_.push_back(slot);
            continue;
        }
        slots_[slot] = conn;
        live_connections_.fetch_add(1);
    }
}

void ServiceLoop::set_listener_registered(bool registered) {
    if (listen_fd_ < 0 || listener_registered_ == registered) {
        return;
    }
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = listener_tag;
    epoll_ctl(epoll_fd_, registered ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, listen_fd_, &event);
    listener_registered_ = registered;
    accept_paused_ = !registered;
}

void ServiceLoop::stop_listening() {
    accepting_ = false;
    accept_paused_ = false;
    if (listen_fd_ >= 0) {
        // Closing the socket removes it from epoll and refuses new connections from now on.
        ::close(listen_fd_);
        listen_fd_ = -1;
        listener_registered_ = false;
    }
}

void ServiceLoop::on_readable(Connection &conn) {
    for (int reads = 0; reads < max_reads_per_event && !conn.doomed; ++reads) {
        const ssize_t got = ::recv(conn.fd, read_buffer_.get(), read_buffer_size, 0);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        }
        if (got == 0 && conn.end_after_write && has_unsent_output(conn)) {
            // The peer only shut its side: what we still owe it (an HTTP answer, the answer to
            // its close) goes out first. Reading stops, or level-triggered EOF would spin.
            conn.peer_eof = true;
            update_interest(conn);
            return;
        }
        if (got <= 0) {
            doom(conn);  // EOF or reset: reported with the close code seen so far, else 1006
            return;
        }
        const auto length = static_cast<size_t>(got);
        conn.last_receive_ms = now_ms();
        conn.ping_outstanding = false;
        switch (conn.phase) {
        case ConnectionPhase::handshaking:
            on_request_bytes(conn, read_buffer_.get(), length);
            break;
        case ConnectionPhase::open:
        case ConnectionPhase::closing:
            on_frame_bytes(conn, read_buffer_.get(), length);
            break;
        case ConnectionPhase::answering:
        case ConnectionPhase::lingering:
            break;  // input after what we answer is discarded
        }
        if (length < read_buffer_size) {
            return;
        }
    }
}

void ServiceLoop::on_request_bytes(Connection &conn, const uint8_t *data, size_t len) {
    // A request head usually arrives in one read: it is parsed where it landed, and only a
    // head split across reads is collected in a buffer of the connection's own.
    const std::string_view arrived(reinterpret_cast<const char *>(data), len);
    if (conn.request_head) {
        conn.request_head->append(arrived);
    }
    const std::string_view head = conn.request_head ? *conn.request_head : arrived;
    HttpRequest request;
    size_t head_length = 0;
    switch (parse_request_head(head, max_request_head, request, head_length)) {
    case HeadStatus::incomplete:
        if (!conn.request_head) {
            conn.request_head = std::make_unique<std::string>(arrived);
        }
        return;
    case HeadStatus::too_large:
        answer(conn, plain_response("431 Request Header Fields Too Large",
                                    "request head larger than " +
                                        std::to_string(max_request_head) + " bytes"));
        return;
    case HeadStatus::malformed:
        answer(conn, plain_response("400 Bad Request", "malformed HTTP request"));
        return;
    case HeadStatus::complete:
        break;
    }
    if (!is_websocket_upgrade(request)) {
        if (auto cluster = cluster_response(host_, ctx_, request)) {
            answer(conn, *cluster);
            return;
        }
        if (!settings_.static_mount.empty() &&
            request.target.starts_with(settings_.static_mount)) {
            HttpRequest within_mount = request;
            within_mount.target = request.target.substr(settings_.static_mount.size() - 1);
            answer(conn, static_response(settings_.static_mount_root, within_mount));
        } else {
            answer(conn, static_response(settings_.static_root, request));
        }
        return;
    }
    HandshakeDecision decision =
        decide_handshake(request, settings_.path, settings_.allowed_origins);
    if (!decision.accepted) {
        log(NOTIFY_LOG_INFO, "websocket: refused handshake from " + peer_address(conn.fd) +
                                 ": " + decision.refusal);
        answer(conn, decision.response);
        return;
    }
    // Frames a client sent right behind its request are read once the connection is open.
    std::string early_frames(head.substr(head_length));
    conn.request_head.reset();
    control_bytes(conn).assign(decision.response.begin(), decision.response.end());
    list_for_flush(conn);
    open_websocket(conn, decision.encoding, request.headers);
    if (!early_frames.empty() && conn.phase == ConnectionPhase::open) {
        on_frame_bytes(conn, reinterpret_cast<uint8_t *>(early_frames.data()),
                       early_frames.size());
    }
}

void ServiceLoop::answer(Connection &conn, const std::string &response) {
    conn.request_head.reset();
    conn.phase = ConnectionPhase::answering;
    conn.deadline_ms = now_ms() + close_grace_ms;
    conn.end_after_write = true;
    if (answer_bytes_ + response.size() > max_answer_bytes) {
        // Readers that do not read could otherwise pin any number of file copies.
        static const std::string busy =
            plain_response("503 Service Unavailable", "too many responses in progress");
        control_bytes(conn).assign(busy.begin(), busy.end());
    } else {
        control_bytes(conn).assign(response.begin(), response.end());
    }
    answer_bytes_ += conn.control->bytes.size();
    list_for_flush(conn);
}

void ServiceLoop::open_websocket(Connection &conn, notify_encoding encoding,
                                 const HeaderList &headers) {
    conn.phase = ConnectionPhase::open;
    conn.encoding = encoding;
    const std::string remote = peer_address(conn.fd);
    notify_conn_info info{};
    info.size = sizeof info;
    info.remote_address = notify_str{remote.data(), remote.size()};
    info.encoding = encoding;
    // On the stack: a connect should not pay an allocation for a view the host only reads.
    HeaderList::Views header_views;
    headers.fill(info, header_views);
    const notify_status status = host_.conn_open(ctx_, conn.id, &info);
    if (status == NOTIFY_OK) {
        conn.opened = true;
        return;
    }
    begin_close(conn, NOTIFY_CLOSE_POLICY,
                status == NOTIFY_ERR_CLOSED ? "server shutting down" : "connection refused");
}

void ServiceLoop::on_frame_bytes(Connection &conn, uint8_t *data, size_t len) {
    size_t done = 0;
    while (done < len && !conn.doomed && !conn.end_after_write) {
        const ReadResult result = conn.reader.read(data + done, len - done);
        done += result.consumed;
        switch (result.kind) {
        case ReadResult::Kind::need_more:
            return;
        case ReadResult::Kind::text:
        case ReadResult::Kind::binary:
            deliver_message(conn, result);
            break;
        case ReadResult::Kind::ping:
            // Only the latest ping needs an answer (RFC 6455 5.5.3): a peer that pings faster
            // than it reads gets no more than max_unsent_control bytes of pongs held for it.
            if (conn.control == nullptr ||
                conn.control->bytes.size() - conn.control->written < max_unsent_control) {
                queue_control(conn, ws_opcode_pong, result.data, result.size);
            }
            break;
        case ReadResult::Kind::pong:
            break;  // any input already counts as a sign of life
        case ReadResult::Kind::close:
            on_peer_close(conn, result.close_code);
            return;
        case ReadResult::Kind::violation:
            on_violation(conn, result.close_code, result.reason);
            return;
        }
    }
}

void ServiceLoop::deliver_message(Connection &conn, const ReadResult &message) {
    const bool wanted = conn.opened && conn.phase == ConnectionPhase::open && !conn.pending_close;
    if (!message.owned) {
        if (wanted) {
            messages_received_ = true;
            host_.conn_receive(ctx_, conn.id, notify_bytes{message.data, message.size});
        }
        return;
    }
    auto *owned = new std::vector<uint8_t>(conn.reader.take_message());
    if (!wanted) {
        delete owned;
        return;
    }
    messages_received_ = true;
    if (host_.conn_receive_owned != nullptr) {
        host_.conn_receive_owned(
            ctx_, conn.id,
            notify_owned_bytes{owned->data(), owned->size(), release_owned_message, owned});
    } else {
        host_.conn_receive(ctx_, conn.id, notify_bytes{owned->data(), owned->size()});
        delete owned;
    }
}

void ServiceLoop::on_peer_close(Connection &conn, uint16_t code) {
    if (conn.phase == ConnectionPhase::closing) {
        // The answer to our close: the handshake is complete once our close frame is out too
        // (both sides may have closed at once, ours still waiting for the socket).
        if (conn.control != nullptr) {
            conn.end_after_write = true;
            return;
        }
        doom(conn);
        return;
    }
    // The peer closes first: frames not yet started are not wanted any more; answer with the
    // same code and end once that is written.
    conn.close_code = code;
    release_unstarted_frames(conn);
    if (code == close_no_status) {
        append_control_frame(control_bytes(conn), ws_opcode_close, nullptr, 0);
    } else {
        const std::array<uint8_t, 2> payload{static_cast<uint8_t>(code >> 8),
                                             static_cast<uint8_t>(code)};
        append_control_frame(control_bytes(conn), ws_opcode_close, payload.data(), payload.size());
    }
    conn.phase = ConnectionPhase::closing;
    conn.deadline_ms = now_ms() + close_grace_ms;
    conn.end_after_write = true;
    list_for_flush(conn);
}

void ServiceLoop::on_violation(Connection &conn, uint16_t code, const char *reason) {
    log(NOTIFY_LOG_DEBUG, "websocket: connection " + std::to_string(conn.id) + " closed with " +
                              std::to_string(code) + ": " + reason);
    if (conn.phase == ConnectionPhase::closing) {
        doom(conn);
        return;
    }
    // A peer that broke the protocol gets our close frame and no further say.
    conn.close_code = code;
    release_unstarted_frames(conn);
    append_close_frame(control_bytes(conn), code, reason);
    conn.phase = ConnectionPhase::closing;
    conn.deadline_ms = now_ms() + close_grace_ms;
    conn.end_after_write = true;
    list_for_flush(conn);
}

void ServiceLoop::queue_control(Connection &conn, uint8_t opcode, const uint8_t *payload,
                                size_t len) {
    if (conn.phase != ConnectionPhase::open) {
        return;
    }
    append_control_frame(control_bytes(conn), opcode, payload, len);
    list_for_flush(conn);
}

std::vector<uint8_t> &ServiceLoop::control_bytes(Connection &conn) {
    if (!conn.control) {
        conn.control = std::make_unique<ControlBytes>();
    }
    return conn.control->bytes;
}

void ServiceLoop::list_for_flush(Connection &conn) {
    if (!conn.flush_listed) {
        conn.flush_listed = true;
        flush_list_.push_back(conn.id);
    }
}

void ServiceLoop::flush_listed_connections() {
    // write_out can list nothing new, so the list is stable while it is walked.
    for (const uint64_t id : flush_list_) {
        Connection *conn = find(id);
        if (conn == nullptr) {
            continue;  // ended since it was listed
        }
        conn->flush_listed = false;
        // A connection waiting for EPOLLOUT is written when the socket takes more.
        if (!conn->waiting_writable) {
            write_out(*conn);
        }
    }
    flush_list_.clear();
}

void ServiceLoop::write_out(Connection &conn) {
    if (conn.doomed) {
        return;
    }
    const size_t encoding = conn.encoding == NOTIFY_ENCODING_BINARY ? 1 : 0;
    std::array<iovec, max_write_pieces> pieces{};
    for (;;) {
        if (conn.queue.empty() && conn.pending_close && conn.phase == ConnectionPhase::open) {
            // Everything queued before the close went out: now the close frame.
            conn.close_code = conn.pending_close->code;
            append_close_frame(control_bytes(conn), conn.pending_close->code,
                               conn.pending_close->reason);
            conn.phase = ConnectionPhase::closing;
        }
        size_t count = 0;
        size_t total = 0;
        auto add = [&](const uint8_t *data, size_t len) {
            pieces[count].iov_base = const_cast<uint8_t *>(data);
            pieces[count].iov_len = len;
            ++count;
            total += len;
        };
        size_t next_frame = 0;
        if (!conn.queue.empty() && conn.front_written > 0) {
            const std::vector<uint8_t> &wire = conn.queue.front()->wire[encoding];
            add(wire.data() + conn.front_written, wire.size() - conn.front_written);
            next_frame = 1;
        }
        if (conn.control) {
            const ControlBytes &control = *conn.control;
            add(control.bytes.data() + control.written, control.bytes.size() - control.written);
        }
        for (; next_frame < conn.queue.size() && count < max_write_pieces &&
               total < max_write_bytes;
             ++next_frame) {
            const std::vector<uint8_t> &wire = conn.queue.at(next_frame)->wire[encoding];
            add(wire.data(), wire.size());
        }
        if (count == 0) {
            break;
        }
        ssize_t sent = 0;
        if (count == 1) {
            // At low rates most writes are one frame: send() skips sendmsg's iovec import.
            sent = ::send(conn.fd, pieces[0].iov_base, pieces[0].iov_len,
                          MSG_NOSIGNAL | MSG_DONTWAIT);
        } else {
            msghdr message{};
            message.msg_iov = pieces.data();
            message.msg_iovlen = count;
            sent = ::sendmsg(conn.fd, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
        }
        if (sent < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                set_waiting_writable(conn, true);
                return;
            }
            doom(conn);
            return;
        }
        consume_written(conn, static_cast<size_t>(sent), encoding);
        if (static_cast<size_t>(sent) < total) {
            set_waiting_writable(conn, true);
            return;
        }
    }
    set_waiting_writable(conn, false);
    if (conn.end_after_write && conn.peer_eof) {
        doom(conn);  // all written, and the peer has nothing more to say
        return;
    }
    if (conn.end_after_write && conn.phase != ConnectionPhase::lingering) {
        // Our side is done: signal EOF and wait for the peer's, so unread input cannot turn
        // the close into a reset that destroys what the peer has yet to read.
        ::shutdown(conn.fd, SHUT_WR);
        conn.phase = ConnectionPhase::lingering;
        conn.deadline_ms = now_ms() + linger_ms;
    }
}

void ServiceLoop::consume_written(Connection &conn, size_t sent, size_t encoding) {
    if (!conn.queue.empty() && conn.front_written > 0) {
        OutgoingFrame *front = conn.queue.front();
        const size_t rest = front->wire[encoding].size() - conn.front_written;
        if (sent < rest) {
            conn.front_written += static_cast<uint32_t>(sent);
            return;
        }
        sent -= rest;
        conn.front_written = 0;
        conn.queue.pop_front();
        drop_holder(front);
    }
    if (conn.control) {
        ControlBytes &control = *conn.control;
        const size_t rest = control.bytes.size() - control.written;
        if (sent < rest) {
            control.written += sent;
            return;
        }
        sent -= rest;
        release_control(conn);
    }
    while (sent > 0 && !conn.queue.empty()) {
        OutgoingFrame *front = conn.queue.front();
        const size_t size = front->wire[encoding].size();
        if (sent < size) {
            conn.front_written = static_cast<uint32_t>(sent);
            return;
        }
        sent -= size;
        conn.queue.pop_front();
        drop_holder(front);
    }
}

void ServiceLoop::set_waiting_writable(Connection &conn, bool waiting) {
    if (conn.waiting_writable == waiting) {
        return;
    }
    conn.waiting_writable = waiting;
    update_interest(conn);
}

void ServiceLoop::update_interest(Connection &conn) {
    epoll_event event{};
    event.events = (conn.peer_eof ? 0u : EPOLLIN | EPOLLRDHUP) |
                   (conn.waiting_writable ? EPOLLOUT : 0u);
    event.data.u64 = conn.id;
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, conn.fd, &event) != 0) {
        doom(conn);
    }
}

bool ServiceLoop::has_unsent_output(const Connection &conn) {
    return !conn.queue.empty() || conn.control != nullptr;
}

void ServiceLoop::check_timers(uint32_t now) {
    if (accept_paused_ && accepting_ && reached(now, accept_paused_until_ms_)) {
        set_listener_registered(true);
    }
    const uint32_t ping_ms = uint32_t{settings_.ping_interval_s} * 1000;
    for (Connection *conn : slots_) {
        if (conn == nullptr || conn->doomed) {
            continue;
        }
        conn->queue.trim();
        if (conn->phase != ConnectionPhase::open || conn->pending_close) {
            if (reached(now, conn->deadline_ms)) {
                doom(*conn);
            }
            continue;
        }
        if (ping_ms == 0) {
            continue;
        }
        const uint32_t silent = now - conn->last_receive_ms;
        if (silent >= 2 * ping_ms) {
            doom(*conn);  // reported as 1006: the peer vanished without a close
        } else if (silent >= ping_ms && !conn->ping_outstanding) {
            conn->ping_outstanding = true;
            queue_control(*conn, ws_opcode_ping, nullptr, 0);
        }
    }
    flush_listed_connections();
}

size_t ServiceLoop::drain_inbox() {
    {
        std::lock_guard lock(inbox_mutex_);
        draining_.swap(inbox_);
        draining_conns_.swap(inbox_conns_);
        wake_pending_ = false;
    }
    const size_t recipients = draining_conns_.size();
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
    return recipients;
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
    return conn != nullptr && conn->id == id && !conn->doomed ? conn : nullptr;
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
        if (wire.capacity() > wire_buffer_keep) {
            wire = std::vector<uint8_t>();  // one large message must not pin its size for good
        } else {
            wire.clear();
        }
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
    wire.reserve(10 + bytes.len);
    append_ws_header(wire, binary, bytes.len);
    if (bytes.len > 0) {
        wire.insert(wire.end(), bytes.data, bytes.data + bytes.len);
    }
    return true;
}

void ServiceLoop::queue_frame(Connection &conn, OutgoingFrame &frame) {
    if (!conn.opened || conn.phase != ConnectionPhase::open || conn.pending_close) {
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
    if (conn.queue.size() >= settings_.max_queue && !conn.waiting_writable) {
        // Full before this round's write: see what the socket takes before judging the peer.
        write_out(conn);
        if (conn.doomed) {
            return;
        }
    }
    if (conn.queue.size() < settings_.max_queue) {
        conn.queue.push_back(&frame);
        ++frame.holders;
        list_for_flush(conn);
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
    release_unstarted_frames(conn);
    slow_consumer_closes_.fetch_add(1);
    begin_close(conn, NOTIFY_CLOSE_SLOW_CONSUMER, "slow consumer");
}

void ServiceLoop::begin_close(Connection &conn, uint16_t code, std::string_view reason) {
    if (conn.doomed || conn.pending_close || conn.end_after_write) {
        return;
    }
    if (conn.phase != ConnectionPhase::open) {
        doom(conn);  // still handshaking: nothing to say goodbye to
        return;
    }
    conn.pending_close = std::make_unique<CloseRequest>(CloseRequest{code, std::string(reason)});
    // The whole close, the queue ahead of it included, must be over by then.
    conn.deadline_ms = now_ms() + close_grace_ms;
    list_for_flush(conn);
}

void ServiceLoop::doom(Connection &conn) {
    if (!conn.doomed) {
        conn.doomed = true;
        doomed_.push_back(&conn);
    }
}

void ServiceLoop::destroy_doomed() {
    for (Connection *conn : doomed_) {
        destroy(conn);
    }
    doomed_.clear();
}

void ServiceLoop::release_control(Connection &conn) {
    if (conn.control != nullptr && conn.phase == ConnectionPhase::answering) {
        answer_bytes_ -= conn.control->bytes.size();
    }
    // Control bytes are rare: give their memory back rather than keep it per connection.
    conn.control.reset();
}

void ServiceLoop::destroy(Connection *conn) {
    release_control(*conn);
    ::close(conn->fd);  // also takes it out of epoll
    if (conn->opened) {
        uint16_t code = close_abnormal;
        if (conn->close_code != 0) {
            code = conn->close_code;
        } else if (conn->pending_close) {
            code = conn->pending_close->code;  // dropped before its close frame could be sent
        }
        host_.conn_closed(ctx_, conn->id, code);
    }
    release_queue(*conn);
    const auto slot = static_cast<uint32_t>(conn->id & slot_mask);
    slots_[slot] = nullptr;
    free_slots_.push_back(slot);
    live_connections_.fetch_sub(1);
    delete conn;
}

void ServiceLoop::release_unstarted_frames(Connection &conn) {
    if (conn.front_written > 0) {
        // The stream must stay framed: the unsent rest of that frame goes out first, as bytes
        // of our own (nothing of `control` was written yet, it goes after the frame).
        const std::vector<uint8_t> &wire =
            conn.queue.front()->wire[conn.encoding == NOTIFY_ENCODING_BINARY ? 1 : 0];
        std::vector<uint8_t> &control = control_bytes(conn);
        control.insert(control.begin(), wire.begin() + conn.front_written, wire.end());
    }
    release_queue(conn);
}

void ServiceLoop::release_queue(Connection &conn) {
    while (!conn.queue.empty()) {
        drop_holder(conn.queue.front());
        conn.queue.pop_front();
    }
    conn.front_written = 0;
}

}  // namespace notify::websocket
