#include "server.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <cstring>
#include <future>
#include <utility>

namespace notify::udp {

namespace asio = boost::asio;

namespace {

constexpr size_t receive_buffer_size = 65536;
constexpr auto max_sweep_interval = std::chrono::milliseconds(1000);
constexpr auto min_sweep_interval = std::chrono::milliseconds(5);

void set_error(notify_error *err, const std::string &message) {
    std::strncpy(err->message, message.c_str(), sizeof err->message - 1);
    err->message[sizeof err->message - 1] = '\0';
}

uint64_t peer_key(const asio::ip::udp::endpoint &peer) {
    return uint64_t{peer.address().to_v4().to_uint()} << 16 | peer.port();
}

std::string printable(const asio::ip::udp::endpoint &peer) {
    return peer.address().to_string() + ":" + std::to_string(peer.port());
}

}  // namespace

Server::Server(const notify_host_api &host, notify_host_ctx *ctx, Settings settings)
    : host_(host),
      ctx_(ctx),
      settings_(std::move(settings)),
      work_(asio::make_work_guard(context_)),
      receive_buffer_(receive_buffer_size) {}

Server::~Server() { stop(); }

notify_status Server::start(notify_error *err) {
    cookies_.emplace(settings_.cookie_lifetime);
    boost::system::error_code ec;
    const asio::ip::udp::endpoint endpoint(asio::ip::make_address_v4(settings_.host, ec),
                                           settings_.port);
    auto &socket = socket_.emplace(context_);
    if (!ec) {
        socket.open(endpoint.protocol(), ec);
    }
    if (!ec) {
        socket.bind(endpoint, ec);
    }
    if (!ec) {
        socket.non_blocking(true, ec);
    }
    if (ec) {
        socket_.reset();
        set_error(err, "udp: cannot listen on " + settings_.listen + ": " + ec.message());
        return NOTIFY_ERR_IO;
    }
    const uint16_t port = socket.local_endpoint(ec).port();
    // A host that knows the limit refuses oversized client publishes with a reason; an older
    // host does not, and oversized frames are skipped and counted below.
    if (NOTIFY_HAS_FIELD(&host_, notify_host_api, set_max_frame_size) &&
        host_.set_max_frame_size != nullptr) {
        host_.set_max_frame_size(ctx_, max_frame_size());
    }
    sweep_timer_.emplace(context_);
    {
        std::lock_guard lock(inbox_mutex_);
        inbox_open_ = true;
    }
    receive_next();
    schedule_sweep();
    thread_ = std::thread([this] { context_.run(); });
    started_ = true;
    log(NOTIFY_LOG_INFO, "udp: listening on " + settings_.host + ":" + std::to_string(port) +
                             " (max_datagram " + std::to_string(settings_.max_datagram) + ")");
    return NOTIFY_OK;
}

void Server::stop() {
    if (!started_ || stopped_) {
        return;
    }
    stopped_ = true;
    std::promise<void> done;
    asio::post(context_, [this, &done] {
        drain_inbox();
        shutdown_sessions();
        done.set_value();
    });
    done.get_future().wait();
    {
        std::lock_guard lock(inbox_mutex_);
        inbox_open_ = false;
        for (const Command &command : inbox_) {
            if (command.frame != nullptr) {
                host_.frame_release(command.frame);
            }
        }
        inbox_.clear();
    }
    work_.reset();
    context_.stop();
    thread_.join();
    const uint64_t oversize = oversize_frames_.load();
    const uint64_t dropped = dropped_frames_.load();
    const uint64_t slow = slow_consumer_closes_.load();
    const uint64_t refused = refused_cookies_.load();
    const uint64_t malformed = malformed_datagrams_.load();
    if (oversize + dropped + slow + refused + malformed > 0) {
        log(NOTIFY_LOG_INFO,
            "udp: totals: " + std::to_string(oversize) + " frame(s) over max_datagram skipped, " +
                std::to_string(dropped) + " frame(s) dropped and " + std::to_string(slow) +
                " session(s) closed as slow consumers, " + std::to_string(refused) +
                " cookie(s) refused, " + std::to_string(malformed) +
                " malformed datagram(s) ignored");
    }
}

// ---- core thread -----------------------------------------------------------------------------

void Server::post_command(const Command &command) {
    std::lock_guard lock(inbox_mutex_);
    if (!inbox_open_) {
        if (command.frame != nullptr) {
            host_.frame_release(command.frame);
        }
        return;
    }
    if (inbox_.empty()) {
        asio::post(context_, [this] { drain_inbox(); });
    }
    inbox_.push_back(command);
}

void Server::deliver(const notify_frame *frame, const uint64_t *conns, size_t count) {
    for (size_t i = 0; i < count; ++i) {
        host_.frame_retain(frame);
        post_command(Command{conns[i], frame, 0});
    }
}

void Server::close(uint64_t conn, uint16_t code) { post_command(Command{conn, nullptr, code}); }

// ---- I/O thread: sending -----------------------------------------------------------------------

void Server::drain_inbox() {
    {
        std::lock_guard lock(inbox_mutex_);
        draining_.swap(inbox_);
    }
    for (const Command &command : draining_) {
        const auto found = session_of_conn_.find(command.conn);
        if (found == session_of_conn_.end()) {
            if (command.frame != nullptr) {
                host_.frame_release(command.frame);
            }
            continue;
        }
        Session &session = *sessions_.at(found->second);
        if (command.frame != nullptr) {
            enqueue(session, command.frame);
        } else {
            flush(session);
            end_session(session.id, command.code, true);
        }
    }
    draining_.clear();
    std::vector<uint64_t> ids;
    ids.swap(to_flush_);
    for (const uint64_t id : ids) {
        if (const auto found = sessions_.find(id); found != sessions_.end()) {
            flush(*found->second);
        }
    }
}

void Server::enqueue(Session &session, const notify_frame *frame) {
    if (session.queue.size() >= settings_.max_queue) {
        host_.frame_release(frame);
        if (settings_.slow_consumer == SlowConsumerPolicy::drop) {
            dropped_frames_.fetch_add(1);
            return;
        }
        slow_consumer_closes_.fetch_add(1);
        log(NOTIFY_LOG_WARN, "udp: session conn " + std::to_string(session.conn) + " (" +
                                 printable(session.peer) + "): send queue full (" +
                                 std::to_string(settings_.max_queue) + "), closing with 4001");
        end_session(session.id, NOTIFY_CLOSE_SLOW_CONSUMER, true);
        return;
    }
    if (session.queue.empty() && !session.waiting_for_socket) {
        to_flush_.push_back(session.id);
    }
    session.queue.push_back(frame);
}

void Server::flush(Session &session) {
    if (socket_full_) {
        wait_for_socket(session);
        return;
    }
    const size_t room = max_frame_size();
    while (!session.queue.empty()) {
        wire::Bytes datagram = wire::data_header(session.id, session.last_sequence + 1);
        while (!session.queue.empty()) {
            const notify_frame *frame = session.queue.front();
            const notify_bytes bytes = host_.frame_bytes(frame, NOTIFY_ENCODING_BINARY);
            if (bytes.len > room) {
                oversize_frames_.fetch_add(1);
                if (!session.oversize_logged) {
                    session.oversize_logged = true;
                    log(NOTIFY_LOG_WARN,
                        "udp: session conn " + std::to_string(session.conn) + ": a frame of " +
                            std::to_string(bytes.len) + " bytes does not fit max_datagram " +
                            std::to_string(settings_.max_datagram) +
                            "; skipped (later ones are only counted)");
                }
            } else if (datagram.size() + wire::frame_prefix_size + bytes.len >
                       settings_.max_datagram) {
                break;
            } else {
                wire::append_frame(datagram, wire::View(bytes.data, bytes.len));
            }
            session.queue.pop_front();
            host_.frame_release(frame);
        }
        if (datagram.size() == wire::data_header_size) {
            continue;
        }
        ++session.last_sequence;
        session.ring.push_back(std::move(datagram));
        if (session.ring.size() > settings_.replay_size) {
            session.ring.pop_front();
        }
        if (!send(session.ring.back(), session.peer)) {
            session.tail_unsent = true;
            wait_for_socket(session);
            return;
        }
    }
}

void Server::wait_for_socket(Session &session) {
    if (!session.waiting_for_socket) {
        session.waiting_for_socket = true;
        waiting_for_socket_.push_back(session.id);
    }
    if (socket_full_) {
        return;
    }
    socket_full_ = true;
    socket_->async_wait(asio::socket_base::wait_write,
                        [this](const boost::system::error_code &ec) {
                            if (!ec) {
                                on_socket_writable();
                            }
                        });
}

void Server::on_socket_writable() {
    socket_full_ = false;
    std::vector<uint64_t> ids;
    ids.swap(waiting_for_socket_);
    for (const uint64_t id : ids) {
        const auto found = sessions_.find(id);
        if (found == sessions_.end()) {
            continue;
        }
        Session &session = *found->second;
        session.waiting_for_socket = false;
        if (socket_full_) {
            wait_for_socket(session);
            continue;
        }
        if (session.tail_unsent) {
            if (!send(session.ring.back(), session.peer)) {
                wait_for_socket(session);
                continue;
            }
            session.tail_unsent = false;
        }
        flush(session);
    }
}

bool Server::send(wire::View bytes, const Endpoint &peer) {
    boost::system::error_code ec;
    socket_->send_to(asio::buffer(bytes.data(), bytes.size()), peer, 0, ec);
    return ec != asio::error::would_block && ec != asio::error::try_again &&
           ec != asio::error::no_buffer_space;
}

void Server::end_session(uint64_t session_id, uint16_t code, bool tell_peer) {
    const auto found = sessions_.find(session_id);
    if (found == sessions_.end()) {
        return;
    }
    std::unique_ptr<Session> session = std::move(found->second);
    sessions_.erase(found);
    session_of_conn_.erase(session->conn);
    session_of_peer_.erase(peer_key(session->peer));
    for (const notify_frame *frame : session->queue) {
        host_.frame_release(frame);
    }
    if (tell_peer) {
        send(wire::close(session->id, code), session->peer);
    }
    host_.conn_closed(ctx_, session->conn, code);
}

void Server::shutdown_sessions() {
    boost::system::error_code ignored;
    sweep_timer_->cancel();
    std::vector<uint64_t> ids;
    for (const auto &[id, session] : sessions_) {
        ids.push_back(id);
    }
    for (const uint64_t id : ids) {
        Session &session = *sessions_.at(id);
        // Queued frames get one best-effort try; nothing is left to answer a NACK afterwards.
        socket_full_ = false;
        flush(session);
        end_session(id, NOTIFY_CLOSE_GOING_AWAY, true);
    }
    waiting_for_socket_.clear();
    socket_->close(ignored);
}

// ---- I/O thread: receiving ---------------------------------------------------------------------

void Server::receive_next() {
    socket_->async_receive_from(
        asio::buffer(receive_buffer_), sender_,
        [this](const boost::system::error_code &ec, size_t size) {
            if (ec == asio::error::operation_aborted || !socket_->is_open()) {
                return;
            }
            if (!ec) {
                on_datagram(wire::View(receive_buffer_.data(), size), sender_);
            }
            receive_next();
        });
}

void Server::on_datagram(wire::View datagram, const Endpoint &peer) {
    const std::optional<wire::Type> type = wire::type_of(datagram);
    if (!type) {
        malformed_datagrams_.fetch_add(1);
        return;
    }
    switch (*type) {
    case wire::Type::hello:
        on_hello(datagram, peer);
        return;
    case wire::Type::connect:
        on_connect(datagram, peer);
        return;
    case wire::Type::data:
    case wire::Type::nack:
    case wire::Type::ping:
    case wire::Type::close:
        on_session_datagram(*type, datagram, peer);
        return;
    case wire::Type::cookie:
    case wire::Type::accept:
    case wire::Type::gap_lost:
    case wire::Type::pong:
        malformed_datagrams_.fetch_add(1);
        return;
    }
}

// The cookie (37 bytes) is smaller than the smallest HELLO answered (64): no amplification.
void Server::on_hello(wire::View datagram, const Endpoint &peer) {
    if (datagram.size() < wire::min_hello_size || datagram[1] != wire::version) {
        malformed_datagrams_.fetch_add(1);
        return;
    }
    const Cookie cookie = cookies_->make(peer.address().to_v4().to_uint(), peer.port());
    wire::Bytes reply{static_cast<uint8_t>(wire::Type::cookie)};
    reply.insert(reply.end(), cookie.begin(), cookie.end());
    send(reply, peer);
}

// Refusals are CLOSE datagrams (11 bytes) answering a 37-byte CONNECT.
void Server::on_connect(wire::View datagram, const Endpoint &peer) {
    if (datagram.size() != wire::connect_datagram_size) {
        malformed_datagrams_.fetch_add(1);
        return;
    }
    const wire::View cookie = datagram.subspan(1);
    const CookieCheck check =
        cookies_->check(peer.address().to_v4().to_uint(), peer.port(), cookie);
    if (check != CookieCheck::valid) {
        refused_cookies_.fetch_add(1);
        send(wire::close(0, check == CookieCheck::expired ? NOTIFY_CLOSE_EXPIRED
                                                          : NOTIFY_CLOSE_UNAUTHORIZED),
             peer);
        return;
    }
    open_session(peer, cookie);
}

void Server::open_session(const Endpoint &peer, wire::View cookie) {
    const wire::View mac = cookie.subspan(4);
    if (const auto existing = session_of_peer_.find(peer_key(peer));
        existing != session_of_peer_.end()) {
        Session &session = *sessions_.at(existing->second);
        if (std::equal(mac.begin(), mac.end(), session.cookie_mac.begin())) {
            // The client did not get our ACCEPT and repeats its CONNECT.
            session.last_seen = std::chrono::steady_clock::now();
            send(wire::session_header(wire::Type::accept, session.id), peer);
            return;
        }
        end_session(session.id, NOTIFY_CLOSE_REPLACED, false);
    }
    if (sessions_.size() >= settings_.max_sessions) {
        send(wire::close(0, NOTIFY_CLOSE_POLICY), peer);
        return;
    }
    auto session = std::make_unique<Session>();
    session->id = random_session_id();
    while (sessions_.contains(session->id)) {
        session->id = random_session_id();
    }
    session->conn = ++next_conn_;
    session->peer = peer;
    std::copy(mac.begin(), mac.end(), session->cookie_mac.begin());
    session->last_seen = std::chrono::steady_clock::now();

    const std::string remote = printable(peer);
    notify_conn_info info{};
    info.size = sizeof info;
    info.remote_address = notify_str{remote.data(), remote.size()};
    info.encoding = NOTIFY_ENCODING_BINARY;
    if (host_.conn_open(ctx_, session->conn, &info) != NOTIFY_OK) {
        send(wire::close(0, NOTIFY_CLOSE_POLICY), peer);
        return;
    }
    send(wire::session_header(wire::Type::accept, session->id), peer);
    session_of_conn_[session->conn] = session->id;
    session_of_peer_[peer_key(peer)] = session->id;
    sessions_[session->id] = std::move(session);
}

void Server::on_session_datagram(wire::Type type, wire::View datagram, const Endpoint &peer) {
    constexpr size_t session_header_size = 9;
    if (datagram.size() < session_header_size) {
        malformed_datagrams_.fetch_add(1);
        return;
    }
    const uint64_t id = wire::get_u64(datagram, 1);
    const auto found = sessions_.find(id);
    if (found == sessions_.end() || found->second->peer != peer) {
        // Tells a client whose session ended to start over; never answers a CLOSE (no ping-pong)
        // and never sends more than it got.
        if (type != wire::Type::close && datagram.size() >= wire::close_datagram_size) {
            send(wire::close(id, NOTIFY_CLOSE_EXPIRED), peer);
        }
        return;
    }
    Session &session = *found->second;
    session.last_seen = std::chrono::steady_clock::now();
    switch (type) {
    case wire::Type::data: {
        std::vector<wire::View> frames;
        if (!wire::split_frames(datagram, frames)) {
            malformed_datagrams_.fetch_add(1);
            return;
        }
        for (const wire::View frame : frames) {
            host_.conn_receive(ctx_, session.conn, notify_bytes{frame.data(), frame.size()});
        }
        return;
    }
    case wire::Type::nack:
        on_nack(session, datagram);
        return;
    case wire::Type::ping:
        send(wire::ping(wire::Type::pong, session.id, session.last_sequence), peer);
        return;
    case wire::Type::close:
        end_session(session.id, NOTIFY_CLOSE_NORMAL, false);
        return;
    default:
        return;
    }
}

void Server::on_nack(Session &session, wire::View datagram) {
    if (datagram.size() != wire::range_datagram_size) {
        malformed_datagrams_.fetch_add(1);
        return;
    }
    const uint64_t from = std::max<uint64_t>(wire::get_u64(datagram, 9), 1);
    const uint64_t to = std::min(wire::get_u64(datagram, 17), session.last_sequence);
    if (from > to) {
        return;
    }
    const uint64_t oldest = session.oldest_kept();
    if (from < oldest) {
        send(wire::range(wire::Type::gap_lost, session.id, from, std::min(to, oldest - 1)),
             session.peer);
    }
    // An unsent tail goes out when the socket drains; a full socket ends the resend and the
    // client asks again.
    const uint64_t last = session.tail_unsent ? session.last_sequence - 1 : session.last_sequence;
    for (uint64_t sequence = std::max(from, oldest); sequence <= std::min(to, last); ++sequence) {
        if (!send(session.ring[sequence - oldest], session.peer)) {
            return;
        }
    }
}

void Server::schedule_sweep() {
    const auto interval =
        std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(
                       settings_.session_timeout / 4),
                   min_sweep_interval, max_sweep_interval);
    sweep_timer_->expires_after(interval);
    sweep_timer_->async_wait([this](const boost::system::error_code &ec) {
        if (!ec) {
            sweep();
            schedule_sweep();
        }
    });
}

void Server::sweep() {
    const auto now = std::chrono::steady_clock::now();
    std::vector<uint64_t> expired;
    for (const auto &[id, session] : sessions_) {
        if (now - session->last_seen > settings_.session_timeout) {
            expired.push_back(id);
        }
    }
    for (const uint64_t id : expired) {
        end_session(id, NOTIFY_CLOSE_ABNORMAL, true);
    }
}

void Server::log(notify_log_level level, const std::string &message) const {
    host_.log(ctx_, level, notify_str{message.data(), message.size()});
}

}  // namespace notify::udp
