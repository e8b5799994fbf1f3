#include "session_table.hpp"

#include "wire_format.hpp"

#include <boost/asio/post.hpp>

#include <sys/random.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <utility>

namespace notify::http {
namespace net = boost::asio;

namespace {

constexpr unsigned status_ok = 200;
constexpr unsigned status_created = 201;
constexpr unsigned status_accepted = 202;
constexpr unsigned status_no_content = 204;
constexpr unsigned status_not_found = 404;
constexpr unsigned status_conflict = 409;
constexpr unsigned status_unavailable = 503;

const std::string unknown_session = error_body("unknown session");

}  // namespace

SessionTable::SessionTable(const Settings &settings, const notify_host_api &host,
                           notify_host_ctx *ctx, net::io_context &io)
    : settings_(settings), host_(host), ctx_(ctx), strand_(net::make_strand(io)) {}

Session *SessionTable::find(const std::string &token) {
    const auto found = by_token_.find(token);
    return found != by_token_.end() ? find(found->second) : nullptr;
}

Session *SessionTable::find(uint64_t conn) {
    const auto found = sessions_.find(conn);
    return found != sessions_.end() ? found->second.get() : nullptr;
}

std::string SessionTable::new_token() {
    static constexpr char hex[] = "0123456789abcdef";
    for (;;) {
        std::array<unsigned char, 16> bytes{};
        size_t filled = 0;
        while (filled < bytes.size()) {
            const ssize_t n = getrandom(bytes.data() + filled, bytes.size() - filled, 0);
            if (n > 0) {
                filled += static_cast<size_t>(n);
            }
        }
        std::string token;
        token.reserve(2 * bytes.size());
        for (const unsigned char byte : bytes) {
            token.push_back(hex[byte >> 4]);
            token.push_back(hex[byte & 0x0f]);
        }
        if (by_token_.count(token) == 0) {
            return token;
        }
    }
}

void SessionTable::create_session(const std::string &remote, const HeaderList &headers,
                                  const std::shared_ptr<Peer> &peer) {
    if (shutting_down_) {
        peer->respond(status_unavailable, error_body("server shutting down"));
        return;
    }
    if (sessions_.size() >= settings_.max_sessions) {
        peer->respond(status_unavailable,
                      error_body("too many sessions (max_sessions " +
                                 std::to_string(settings_.max_sessions) + ")"));
        return;
    }
    const uint64_t conn = ++next_conn_;
    notify_conn_info info{};
    info.size = sizeof info;
    info.remote_address = notify_str{remote.data(), remote.size()};
    info.encoding = NOTIFY_ENCODING_JSON;
    HeaderList::Views header_views;
    headers.fill(info, header_views);
    const notify_status status = host_.conn_open(ctx_, conn, &info);
    if (status != NOTIFY_OK) {
        peer->respond(status_unavailable,
                      error_body(status == NOTIFY_ERR_CLOSED ? "server shutting down"
                                                             : "session refused by the server"));
        return;
    }
    auto session = std::make_unique<Session>(conn, new_token(), strand_);
    Session &created = *session;
    by_token_.emplace(created.token, conn);
    sessions_.emplace(conn, std::move(session));
    live_sessions_.fetch_add(1);
    arm_idle(created);
    peer->respond(status_created, "{\"session\":\"" + created.token + "\"}");
}

void SessionTable::receive_commands(const std::string &token, const std::string &body,
                                    const std::shared_ptr<Peer> &peer) {
    Session *session = find(token);
    if (session == nullptr) {
        peer->respond(status_not_found, unknown_session);
        return;
    }
    if (session->closing) {
        peer->respond(status_conflict, error_body("session is closing"));
        return;
    }
    for (const std::string_view command : split_commands(body)) {
        host_.conn_receive(ctx_, session->conn,
                           notify_bytes{reinterpret_cast<const uint8_t *>(command.data()),
                                        command.size()});
    }
    peer->respond(status_accepted, "{}");
}

void SessionTable::delete_session(const std::string &token, const std::shared_ptr<Peer> &peer) {
    Session *session = find(token);
    if (session == nullptr) {
        peer->respond(status_not_found, unknown_session);
        return;
    }
    end_session(*session, NOTIFY_CLOSE_NORMAL, "session deleted");
    peer->respond(status_no_content, {});
}

void SessionTable::attach_poll(const std::string &token, std::shared_ptr<Peer> peer) {
    Session *session = find(token);
    if (session == nullptr) {
        peer->respond(status_not_found, unknown_session);
        return;
    }
    detach(*session, true);
    session->idle_timer.cancel();
    session->peer = std::move(peer);
    session->attachment = Attachment::poll;
    const uint64_t generation = ++session->generation;
    if (!session->pending.empty() || session->closing) {
        pump(*session);
        return;
    }
    session->poll_timer.expires_after(settings_.poll_timeout);
    session->poll_timer.async_wait(
        [this, conn = session->conn, generation](const boost::system::error_code &) {
            Session *held = find(conn);
            if (held != nullptr && held->generation == generation &&
                held->attachment == Attachment::poll) {
                detach(*held, true);
            }
        });
}

void SessionTable::attach_stream(const std::string &token, std::optional<uint64_t> last_event_id,
                                 std::shared_ptr<Peer> peer) {
    Session *session = find(token);
    if (session == nullptr) {
        peer->respond(status_not_found, unknown_session);
        return;
    }
    detach(*session, true);
    session->idle_timer.cancel();
    session->peer = std::move(peer);
    session->attachment = Attachment::stream;
    session->stream_busy = false;
    ++session->generation;
    session->peer->open_stream();

    std::string gap;
    // An id from the future is not one this session gave: the client starts afresh.
    if (last_event_id && *last_event_id <= session->last_seq) {
        const uint64_t asked = *last_event_id;
        uint64_t oldest = session->last_seq + 1;
        if (!session->replay.empty()) {
            oldest = std::min(oldest, session->replay.front().seq);
        }
        if (!session->pending.empty()) {
            oldest = std::min(oldest, session->pending.front().seq);
        }
        if (asked + 1 < oldest) {
            append_sse_event(gap, "gap",
                             "{\"last_event_id\":" + std::to_string(asked) +
                                 ",\"oldest\":" + std::to_string(oldest) + "}");
        }
        // Both are in seq order: merge them, keeping what the client has not seen once.
        std::deque<SequencedFrame> missed;
        auto replayed = session->replay.begin();
        auto queued = session->pending.begin();
        while (replayed != session->replay.end() || queued != session->pending.end()) {
            const SequencedFrame *next = nullptr;
            if (queued == session->pending.end() ||
                (replayed != session->replay.end() && replayed->seq <= queued->seq)) {
                next = &*replayed;
                if (queued != session->pending.end() && queued->seq == replayed->seq) {
                    ++queued;
                }
                ++replayed;
            } else {
                next = &*queued++;
            }
            if (next->seq > asked) {
                missed.push_back(*next);
            }
        }
        session->pending.swap(missed);
    }
    if (!gap.empty()) {
        session->stream_busy = true;
        session->peer->stream_send(std::move(gap), false);
    }
    arm_heartbeat(*session);
    pump(*session);
}

void SessionTable::stream_written(const std::string &token, const Peer *peer) {
    Session *session = find(token);
    if (session == nullptr || session->peer.get() != peer ||
        session->attachment != Attachment::stream) {
        return;
    }
    session->stream_busy = false;
    pump(*session);
}

void SessionTable::stream_gone(const std::string &token, const Peer *peer) {
    Session *session = find(token);
    if (session != nullptr && session->peer.get() == peer) {
        detach(*session, false);
        if (session->closing && session->pending.empty()) {
            end_session(*session, session->closing->code, session->closing->reason);
        }
    }
}

void SessionTable::post_frame(const notify_frame *frame, const uint64_t *conns, size_t count) {
    if (count == 0) {
        return;
    }
    std::lock_guard lock(inbox_mutex_);
    if (!inbox_open_) {
        return;
    }
    const bool wake = inbox_.empty();
    inbox_.push_back(Command{Command::Kind::frame, FrameRef(host_, frame),
                             std::vector<uint64_t>(conns, conns + count), 0, {}});
    if (wake) {
        net::post(strand_, [this] { drain_inbox(); });
    }
}

void SessionTable::post_close(uint64_t conn, uint16_t code, std::string_view reason) {
    std::lock_guard lock(inbox_mutex_);
    if (!inbox_open_) {
        return;
    }
    const bool wake = inbox_.empty();
    inbox_.push_back(Command{Command::Kind::close, std::nullopt, {conn}, code, std::string(reason)});
    if (wake) {
        net::post(strand_, [this] { drain_inbox(); });
    }
}

void SessionTable::post_shutdown() {
    std::lock_guard lock(inbox_mutex_);
    if (!inbox_open_) {
        return;
    }
    const bool wake = inbox_.empty();
    inbox_.push_back(Command{Command::Kind::shutdown, std::nullopt, {}, 0, {}});
    if (wake) {
        net::post(strand_, [this] { drain_inbox(); });
    }
}

void SessionTable::drain_inbox() {
    {
        std::lock_guard lock(inbox_mutex_);
        draining_.swap(inbox_);
    }
    for (Command &command : draining_) {
        switch (command.kind) {
        case Command::Kind::frame:
            for (const uint64_t conn : command.conns) {
                if (Session *session = find(conn)) {
                    queue_frame(*session, *command.frame);
                }
            }
            break;
        case Command::Kind::close:
            if (Session *session = find(command.conns.front())) {
                begin_close(*session, command.code, command.reason, false);
            }
            break;
        case Command::Kind::shutdown: {
            shutting_down_ = true;
            std::vector<uint64_t> conns;
            conns.reserve(sessions_.size());
            for (const auto &[conn, session] : sessions_) {
                conns.push_back(conn);
            }
            for (const uint64_t conn : conns) {
                if (Session *session = find(conn)) {
                    begin_close(*session, NOTIFY_CLOSE_GOING_AWAY, "server shutdown", true);
                }
            }
            break;
        }
        }
    }
    draining_.clear();
}

void SessionTable::queue_frame(Session &session, const FrameRef &frame) {
    if (session.closing) {
        return;
    }
    if (session.pending.size() >= settings_.max_queue) {
        if (settings_.slow_consumer == SlowConsumerPolicy::drop) {
            dropped_frames_.fetch_add(1);
            if (!session.dropping_logged) {
                session.dropping_logged = true;
                log(NOTIFY_LOG_WARN, "http: session " + std::to_string(session.conn) +
                                         " is slow: its queue of " +
                                         std::to_string(settings_.max_queue) +
                                         " frames is full, dropping new frames");
            }
            return;
        }
        log(NOTIFY_LOG_WARN, "http: session " + std::to_string(session.conn) +
                                 " is slow: its queue of " + std::to_string(settings_.max_queue) +
                                 " frames is full, closing it with 4001");
        slow_consumer_closes_.fetch_add(1);
        // The client is not taking frames: what is queued would only delay the close.
        session.pending.clear();
        end_session(session, NOTIFY_CLOSE_SLOW_CONSUMER, "slow consumer");
        return;
    }
    const uint64_t seq = ++session.last_seq;
    session.pending.push_back(SequencedFrame{seq, frame});
    if (settings_.replay_size > 0) {
        if (session.replay.size() >= settings_.replay_size) {
            session.replay.pop_front();
        }
        session.replay.push_back(SequencedFrame{seq, frame});
    }
    pump(session);
}

void SessionTable::pump(Session &session) {
    if (session.attachment == Attachment::poll) {
        if (session.pending.empty() && !session.closing) {
            return;
        }
        std::vector<std::string_view> frames;
        frames.reserve(session.pending.size());
        for (const SequencedFrame &entry : session.pending) {
            frames.push_back(entry.frame.json());
        }
        std::shared_ptr<Peer> peer = session.peer;
        peer->respond(status_ok, json_array(frames));
        session.pending.clear();
        detach(session, false);
    } else if (session.attachment == Attachment::stream) {
        if (session.stream_busy) {
            return;
        }
        if (!session.pending.empty()) {
            std::string batch;
            for (const SequencedFrame &entry : session.pending) {
                append_sse_frame(batch, entry.seq, entry.frame.json());
            }
            session.pending.clear();
            session.stream_busy = true;
            session.peer->stream_send(std::move(batch), false);
            return;
        }
    }
    if (session.closing && session.pending.empty()) {
        end_session(session, session.closing->code, session.closing->reason);
    }
}

void SessionTable::begin_close(Session &session, uint16_t code, std::string_view reason,
                               bool now) {
    if (!session.closing) {
        session.closing = CloseRequest{code, std::string(reason)};
    }
    if (now && session.attachment == Attachment::none) {
        // Nobody is there to take the rest: shutdown does not wait for the next poll.
        end_session(session, session.closing->code, session.closing->reason);
        return;
    }
    pump(session);
}

void SessionTable::end_session(Session &session, uint16_t code, std::string_view reason) {
    if (session.attachment == Attachment::stream) {
        std::string last;
        append_sse_event(last, "close", close_body(code, reason));
        session.peer->stream_send(std::move(last), true);
    } else if (session.attachment == Attachment::poll) {
        session.peer->respond(status_ok, "[]");
    }
    const uint64_t conn = session.conn;
    by_token_.erase(session.token);
    sessions_.erase(conn);  // destroys `session`, its timers and its frame references
    live_sessions_.fetch_sub(1);
    host_.conn_closed(ctx_, conn, code);
}

void SessionTable::detach(Session &session, bool release_peer) {
    if (session.attachment == Attachment::none) {
        return;
    }
    if (release_peer) {
        if (session.attachment == Attachment::poll) {
            session.peer->respond(status_ok, "[]");
        } else {
            session.peer->stream_send({}, true);
        }
    }
    session.peer.reset();
    session.attachment = Attachment::none;
    session.stream_busy = false;
    ++session.generation;
    session.poll_timer.cancel();
    session.heartbeat_timer.cancel();
    arm_idle(session);
}

void SessionTable::arm_idle(Session &session) {
    session.idle_timer.expires_after(settings_.session_timeout);
    session.idle_timer.async_wait(
        [this, conn = session.conn, generation = session.generation](
            const boost::system::error_code &) {
            Session *idle = find(conn);
            if (idle == nullptr || idle->generation != generation ||
                idle->attachment != Attachment::none) {
                return;
            }
            if (idle->closing) {
                end_session(*idle, idle->closing->code, idle->closing->reason);
            } else {
                end_session(*idle, NOTIFY_CLOSE_GOING_AWAY, "session timed out");
            }
        });
}

void SessionTable::arm_heartbeat(Session &session) {
    session.heartbeat_timer.expires_after(settings_.sse_heartbeat);
    session.heartbeat_timer.async_wait(
        [this, conn = session.conn, generation = session.generation](
            const boost::system::error_code &) {
            Session *streaming = find(conn);
            if (streaming == nullptr || streaming->generation != generation ||
                streaming->attachment != Attachment::stream) {
                return;
            }
            if (!streaming->stream_busy) {
                streaming->stream_busy = true;
                streaming->peer->stream_send(": ping\n\n", false);
            }
            arm_heartbeat(*streaming);
        });
}

void SessionTable::finish() {
    {
        std::lock_guard lock(inbox_mutex_);
        inbox_open_ = false;
        inbox_.clear();
    }
    for (const auto &[conn, session] : sessions_) {
        host_.conn_closed(ctx_, conn, NOTIFY_CLOSE_GOING_AWAY);
    }
    live_sessions_.store(0);
    by_token_.clear();
    sessions_.clear();
}

void SessionTable::log(notify_log_level level, const std::string &message) const {
    host_.log(ctx_, level, notify_str{message.data(), message.size()});
}

}  // namespace notify::http
