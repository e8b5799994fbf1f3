// Every session of one http transport instance, owned by one strand (the "session strand"):
// frames from the host, commands from clients, polls and streams all meet here, so no session
// needs a lock. The host's core thread reaches it only through the inbox.
#pragma once

#include "frame_ref.hpp"
#include "peer.hpp"
#include "session.hpp"
#include "settings.hpp"

#include <notify/header_list.hpp>
#include <notify/notify.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace notify::http {

using HeaderList = sdk::HeaderList;

class SessionTable {
public:
    using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;

    SessionTable(const Settings &settings, const notify_host_api &host, notify_host_ctx *ctx,
                 boost::asio::io_context &io);
    SessionTable(const SessionTable &) = delete;
    SessionTable &operator=(const SessionTable &) = delete;

    Strand &strand() { return strand_; }

    // Session strand. Each answers through `peer`.
    // `headers` are those of the request that creates the session, handed to the host for it
    // to copy what it keeps; the session does not hold them.
    void create_session(const std::string &remote, const HeaderList &headers,
                        const std::shared_ptr<Peer> &peer);
    void receive_commands(const std::string &token, const std::string &body,
                          const std::shared_ptr<Peer> &peer);
    void delete_session(const std::string &token, const std::shared_ptr<Peer> &peer);
    void attach_poll(const std::string &token, std::shared_ptr<Peer> peer);
    void attach_stream(const std::string &token, std::optional<uint64_t> last_event_id,
                       std::shared_ptr<Peer> peer);
    // Session strand, from a stream: a batch was written / the stream broke.
    void stream_written(const std::string &token, const Peer *peer);
    void stream_gone(const std::string &token, const Peer *peer);

    // Core thread (thread-safe). Queue a frame for `conns`, in order with close requests.
    void post_frame(const notify_frame *frame, const uint64_t *conns, size_t count);
    void post_close(uint64_t conn, uint16_t code, std::string_view reason);
    // Main thread. Refuse new sessions; close each with 1001 after what is queued.
    void post_shutdown();
    // Any thread.
    size_t live_sessions() const { return live_sessions_.load(); }
    uint64_t dropped_frames() const { return dropped_frames_.load(); }
    uint64_t slow_consumer_closes() const { return slow_consumer_closes_.load(); }

    // Main thread, once no thread runs the io_context: end what is left (conn_closed 1001) and
    // release every queued frame.
    void finish();

private:
    struct Command {
        enum class Kind : uint8_t { frame, close, shutdown };
        Kind kind;
        std::optional<FrameRef> frame;  // Kind::frame
        std::vector<uint64_t> conns;    // Kind::frame: its recipients; Kind::close: one
        uint16_t code;                  // Kind::close
        std::string reason;             // Kind::close
    };

    Session *find(const std::string &token);
    Session *find(uint64_t conn);
    void drain_inbox();
    void queue_frame(Session &session, const FrameRef &frame);
    // Hand what is queued to the poll or stream, and end a closing session once it is out.
    void pump(Session &session);
    void begin_close(Session &session, uint16_t code, std::string_view reason, bool now);
    void end_session(Session &session, uint16_t code, std::string_view reason);
    // Forget the peer (answering or ending it first when `release_peer`); arm the idle timer.
    void detach(Session &session, bool release_peer);
    void arm_idle(Session &session);
    void arm_heartbeat(Session &session);
    std::string new_token();
    void log(notify_log_level level, const std::string &message) const;

    const Settings &settings_;
    const notify_host_api &host_;
    notify_host_ctx *const ctx_;
    Strand strand_;

    std::mutex inbox_mutex_;
    std::vector<Command> inbox_;  // guarded by inbox_mutex_
    bool inbox_open_ = true;      // guarded by inbox_mutex_; false after finish
    std::vector<Command> draining_;

    // Session strand only (or the main thread once no thread runs the io_context).
    std::unordered_map<uint64_t, std::unique_ptr<Session>> sessions_;
    std::unordered_map<std::string, uint64_t> by_token_;
    uint64_t next_conn_ = 0;
    bool shutting_down_ = false;

    std::atomic<size_t> live_sessions_{0};
    std::atomic<uint64_t> dropped_frames_{0};
    std::atomic<uint64_t> slow_consumer_closes_{0};
};

}  // namespace notify::http
