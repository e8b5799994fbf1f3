// One epoll event loop and the thread that runs it. It owns a listening socket on the shared
// port and every connection that socket accepts: they live and die on this thread. Other
// threads reach them only through the inbox, which the loop takes when its eventfd wakes it.
#pragma once

#include "connection.hpp"
#include "outgoing_frame.hpp"
#include "settings.hpp"

#include <notify/header_list.hpp>
#include <notify/notify.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace notify::websocket {

using HeaderList = sdk::HeaderList;

// A connection id carries the index of the loop that owns it in its top 8 bits, then a 24-bit
// generation that changes each time a slot is reused, then its slot in the loop's table.
constexpr unsigned loop_index_shift = 56;
constexpr unsigned generation_shift = 32;

class ServiceLoop {
public:
    ServiceLoop(const Settings &settings, const notify_host_api &host, notify_host_ctx *ctx,
                uint8_t index);
    ~ServiceLoop();
    ServiceLoop(const ServiceLoop &) = delete;
    ServiceLoop &operator=(const ServiceLoop &) = delete;

    // Main thread. Binds `port` (0 = ephemeral) and prepares the loop that serves it.
    // `share_port` lets several loops listen on the same port. False with `error` on failure.
    bool listen(uint16_t port, bool share_port, std::string &error);
    uint16_t bound_port() const { return bound_port_; }
    void start_thread();

    // Core thread (thread-safe). Queue a frame for the ids of `conns` owned by this loop,
    // retaining it once for all of them.
    void post_frame(const notify_frame *frame, const uint64_t *conns, size_t count);
    // Core thread (thread-safe). Close `conn` after the frames already posted for it.
    void post_close(uint64_t conn, uint16_t code, std::string_view reason);
    // Main thread. Stop accepting and close every connection with 1001 after its queue.
    void post_shutdown();
    // Any thread. Accepted connections not yet gone.
    size_t live_connections() const { return live_connections_.load(); }

    // Main thread. Ends the service thread; connections still open are dropped and reported to
    // the host; frames still queued are released.
    void finish();

    uint64_t dropped_frames() const { return dropped_frames_.load(); }
    uint64_t slow_consumer_closes() const { return slow_consumer_closes_.load(); }
    // Deliveries skipped because the host had no bytes for the connection's encoding.
    uint64_t skipped_frames() const { return skipped_frames_.load(); }

private:
    struct Command {
        enum class Kind : uint8_t { frame, close, shutdown };
        Kind kind;
        uint64_t conn;              // Kind::close
        const notify_frame *frame;  // Kind::frame, retained once for this entry
        uint32_t first;             // Kind::frame: its recipients in the inbox's id list
        uint32_t count;
        uint16_t code;       // Kind::close
        std::string reason;  // Kind::close
    };

    void run();
    // After a round that passed client messages to the host: takes the frames the core makes
    // of them before writing, while that pays.
    void gather_frames();
    uint32_t now_ms() const;
    void accept_connections();
    // Out of descriptors, the listener leaves epoll for a while instead of waking it in vain.
    void set_listener_registered(bool registered);
    void stop_listening();
    void on_readable(Connection &conn);
    void on_request_bytes(Connection &conn, const uint8_t *data, size_t len);
    // Sends a complete HTTP response (a file, a refused handshake) and ends the connection.
    void answer(Connection &conn, const std::string &response);
    // `headers` are the upgrade request's: the host copies what it keeps of them during the
    // call, so the connection never holds them.
    void open_websocket(Connection &conn, notify_encoding encoding, const HeaderList &headers);
    // Feeds WebSocket bytes (unmasked in place) to the connection's frame reader.
    void on_frame_bytes(Connection &conn, uint8_t *data, size_t len);
    void deliver_message(Connection &conn, const ReadResult &message);
    void on_peer_close(Connection &conn, uint16_t code);
    void on_violation(Connection &conn, uint16_t code, const char *reason);
    void queue_control(Connection &conn, uint8_t opcode, const uint8_t *payload, size_t len);
    // The connection's control bytes, allocated on first use; appending to them is safe at any
    // time (what was written of them is counted from the front).
    static std::vector<uint8_t> &control_bytes(Connection &conn);
    // Writes what the connection has (the front frame's rest, control bytes, queued frames)
    // until the socket stops taking it, then waits for EPOLLOUT or moves the connection on
    // to its next phase.
    void write_out(Connection &conn);
    void consume_written(Connection &conn, size_t sent, size_t encoding);
    void set_waiting_writable(Connection &conn, bool waiting);
    // Registers the events the connection waits for (input unless the peer sent EOF, output
    // while the socket is full).
    void update_interest(Connection &conn);
    static bool has_unsent_output(const Connection &conn);
    // Frees the connection's control bytes, keeping the count of plain HTTP answers held.
    void release_control(Connection &conn);
    void list_for_flush(Connection &conn);
    void flush_listed_connections();
    // Keepalive pings, silent peers, and handshakes or closes past their deadline.
    void check_timers(uint32_t now);
    // Moves the inbox into the connections' queues; returns the number of frame recipients.
    size_t drain_inbox();
    void shut_down_connections();
    // The live connection with this id, or null (gone, or doomed to go this round).
    Connection *find(uint64_t id) const;
    void queue_frame(Connection &conn, OutgoingFrame &frame);
    // The wire form for `encoding`, built on first use; false when the host has none.
    bool prepare_wire(OutgoingFrame &frame, notify_encoding encoding);
    OutgoingFrame *take_frame(const notify_frame *frame);
    void drop_holder(OutgoingFrame *frame);
    void begin_close(Connection &conn, uint16_t code, std::string_view reason);
    // Marks the connection to be destroyed at the end of the round: events, deliveries and
    // flushes already on their way must not find it freed.
    void doom(Connection &conn);
    void destroy_doomed();
    void destroy(Connection *conn);
    // Drops the queued frames; the unsent rest of one partly written already is kept as
    // control bytes, so the stream stays framed.
    void release_unstarted_frames(Connection &conn);
    void release_queue(Connection &conn);
    void log(notify_log_level level, const std::string &message) const;
    // Called with inbox_mutex_ held: wakes the service thread unless a wake is on its way.
    void wake();  // under inbox_mutex_
    // Under inbox_mutex_: true when the caller must signal_wake() (after unlocking).
    bool claim_wake();
    void signal_wake();

    const Settings &settings_;
    const notify_host_api &host_;
    notify_host_ctx *const ctx_;
    const uint8_t index_;

    int epoll_fd_ = -1;
    int wake_fd_ = -1;  // eventfd: other threads post to the inbox and signal it
    int listen_fd_ = -1;
    bool accepting_ = false;
    bool listener_registered_ = false;
    uint16_t bound_port_ = 0;
    std::thread thread_;
    std::atomic<bool> exit_requested_{false};
    int64_t clock_origin_ms_ = 0;
    uint32_t next_timer_check_ms_ = 0;
    uint32_t accept_paused_until_ms_ = 0;
    bool accept_paused_ = false;
    // Client messages went to the host in the current round.
    bool messages_received_ = false;
    // Recipients the recent gatherings brought (a moving average; it starts high, so that
    // gathering is on until it proves useless), and rounds since the last one.
    size_t gathered_average_ = 4096;
    unsigned rounds_since_gather_probe_ = 0;
    // Bytes of plain HTTP answers (static files, refusals) held by connections of this loop.
    size_t answer_bytes_ = 0;

    std::mutex inbox_mutex_;
    std::vector<Command> inbox_;         // guarded by inbox_mutex_
    std::vector<uint64_t> inbox_conns_;  // guarded by inbox_mutex_: frame recipients
    bool inbox_open_ = false;  // guarded by inbox_mutex_; false before listen and after finish
    // guarded by inbox_mutex_: the loop was woken and has not taken the inbox yet, so later
    // posts need no wake of their own.
    bool wake_pending_ = false;
    // Service thread only: the swapped-out inbox.
    std::vector<Command> draining_;
    std::vector<uint64_t> draining_conns_;

    // Service thread only (or the main thread once the service thread is joined).
    // Connections by slot (the low bits of their id); free slots are reused.
    std::vector<Connection *> slots_;
    std::vector<uint32_t> free_slots_;
    std::vector<uint32_t> slot_generations_;
    // OutgoingFrames whose last holder is gone, kept with their buffers for the next frames.
    std::vector<std::unique_ptr<OutgoingFrame>> spare_frames_;
    // Ids of connections with something to write since the last flush; written after each
    // round of events. Ids, not pointers: a connection can end before its flush.
    std::vector<uint64_t> flush_list_;
    std::vector<Connection *> doomed_;
    // Where reads land; frames complete in one read go to the host from here without a copy.
    std::unique_ptr<uint8_t[]> read_buffer_;
    bool skip_logged_ = false;

    std::atomic<size_t> live_connections_{0};
    std::atomic<uint64_t> dropped_frames_{0};
    std::atomic<uint64_t> slow_consumer_closes_{0};
    std::atomic<uint64_t> skipped_frames_{0};
};

}  // namespace notify::websocket
