// One libwebsockets context and the thread that services it. The context listens on the shared
// port; the connections it accepts live and die on this thread. Other threads reach them only
// through the inbox, which the loop drains when lws_cancel_service() wakes it.
#pragma once

#include "connection.hpp"
#include "outgoing_frame.hpp"
#include "settings.hpp"

#include <notify/notify.h>

#include <libwebsockets.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace notify::websocket {

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

    // Main thread. Binds `port` (0 = ephemeral) and creates the context that serves it.
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
    // Any thread. WebSocket connections not yet closed.
    size_t live_connections() const { return live_connections_.load(); }

    // Main thread. Ends the service thread and the context; connections still open are closed
    // (and reported to the host) by the context's destruction; frames still queued are released.
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

    friend int lws_event(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len);
    int on_event(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                 size_t len);

    int accept_connections();
    void stop_listening();
    int confirm_upgrade(struct lws *wsi, const char *upgrade);
    void on_established(struct lws *wsi, void *session);
    int on_receive(Connection &conn, const void *in, size_t len);
    int on_writeable(Connection &conn);
    // Writes the connection's queued frames, up to coalesce_limit bytes, with one lws_write.
    // False when the socket failed.
    bool write_queued(Connection &conn);
    // Writes each listed connection's frames at once, without waiting for a poll round-trip,
    // unless lws still holds unsent bytes of its previous write.
    void flush_listed_connections();
    // True when a connection that received data in this service iteration has more unread
    // bytes in its socket. Clears the receive list.
    bool unread_input_pending();
    void on_closed(void *session);
    void drain_inbox();
    void shut_down_connections();
    Connection *find(uint64_t id) const;
    void queue_frame(Connection &conn, OutgoingFrame &frame);
    // The wire form for `encoding`, built on first use; false when the host has none.
    bool prepare_wire(OutgoingFrame &frame, notify_encoding encoding);
    OutgoingFrame *take_frame(const notify_frame *frame);
    void drop_holder(OutgoingFrame *frame);
    void begin_close(Connection &conn, uint16_t code, std::string_view reason);
    void release_queue(Connection &conn);
    void log(notify_log_level level, const std::string &message) const;
    void run();
    // Called with inbox_mutex_ held: wakes the service thread unless a wake is on its way.
    void wake();

    const Settings &settings_;
    const notify_host_api &host_;
    notify_host_ctx *const ctx_;
    const uint8_t index_;

    // lws keeps pointers to these for the context's lifetime.
    std::array<lws_protocols, 4> protocols_{};
    lws_http_mount mount_{};
    lws_retry_bo_t keepalive_{};
    struct lws_context *context_ = nullptr;
    struct lws_vhost *vhost_ = nullptr;
    // The listening socket, adopted by lws as a file descriptor so that it is polled on this
    // loop's thread; each accepted socket is handed to lws as an HTTP connection.
    int listen_fd_ = -1;
    struct lws *listener_ = nullptr;
    uint16_t bound_port_ = 0;
    std::thread thread_;
    std::atomic<bool> exit_requested_{false};

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
    // Ids of connections with frames queued since the last flush; written after a service
    // iteration. Ids, not pointers: a connection can close before its flush.
    std::vector<uint64_t> flush_list_;
    // Ids of connections that received data in the current service iteration.
    std::vector<uint64_t> receive_list_;
    // Several queued frames of one connection are copied here and written with one lws_write.
    std::vector<uint8_t> coalesce_buffer_;
    bool accepting_ = true;
    bool skip_logged_ = false;

    std::atomic<size_t> live_connections_{0};
    std::atomic<uint64_t> dropped_frames_{0};
    std::atomic<uint64_t> slow_consumer_closes_{0};
    std::atomic<uint64_t> skipped_frames_{0};
};

}  // namespace notify::websocket
