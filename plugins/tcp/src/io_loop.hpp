// One io_context and the thread that runs it. The connections assigned to it live and die on
// that thread; other threads reach them only through the inbox, which the thread drains.
#pragma once

#include "connection.hpp"
#include "settings.hpp"

#include <notify/notify.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace notify::tcp {

// A connection id carries the index of the loop that owns it in its top bits.
constexpr unsigned loop_index_shift = 56;

class IoLoop {
public:
    // `tls` (may be null) must outlive the loop.
    IoLoop(const Settings &settings, const notify_host_api &host, notify_host_ctx *ctx,
           uint8_t index, boost::asio::ssl::context *tls);
    ~IoLoop();
    IoLoop(const IoLoop &) = delete;
    IoLoop &operator=(const IoLoop &) = delete;

    boost::asio::io_context &context() { return context_; }
    // Before start_thread(); false (with `error`) when no eventfd could be made.
    bool open_doorbell(std::string &error);
    void start_thread();

    // Any thread: hand an accepted socket (created on this loop's context) to this loop.
    void adopt(boost::asio::ip::tcp::socket socket);
    // Core thread (thread-safe). Queue a frame for the ids of `conns` owned by this loop,
    // retaining it once per queued reference.
    void post_frame(const notify_frame *frame, const uint64_t *conns, size_t count);
    // Core thread (thread-safe). Close `conn` after the frames already posted for it.
    void post_close(uint64_t conn, uint16_t code);
    // Main thread. Refuse new connections and close every one with 1001 after its queue.
    void post_shutdown();
    // Any thread. Connections not yet closed.
    size_t live_connections() const { return live_connections_.load(); }
    // Main thread. Ends the thread; connections still open are closed and reported with 1001,
    // and every frame still held is released.
    void finish();

    uint64_t dropped_frames() const { return dropped_frames_.load(); }
    uint64_t slow_consumer_closes() const { return slow_consumer_closes_.load(); }
    uint64_t too_big_closes() const { return too_big_closes_.load(); }

    // For connections (loop thread).
    const Settings &settings() const { return settings_; }
    const notify_host_api &host() const { return host_; }
    notify_host_ctx *ctx() const { return ctx_; }
    void forget(uint64_t conn);
    void count_dropped_frame() { dropped_frames_.fetch_add(1); }
    void count_slow_consumer_close() { slow_consumer_closes_.fetch_add(1); }
    void count_too_big_close() { too_big_closes_.fetch_add(1); }
    void log(notify_log_level level, const std::string &message) const;

private:
    struct Command {
        enum class Kind : uint8_t { frame, close, shutdown };
        Kind kind;
        uint64_t conn;
        const notify_frame *frame;  // Kind::frame, retained for this entry
        uint16_t code;              // Kind::close
    };

    bool owns(uint64_t conn) const { return conn >> loop_index_shift == index_; }
    // Appends under the inbox lock and wakes the thread if the inbox was empty. False when the
    // loop is finished (nothing was appended).
    template <typename Append>
    bool post(Append &&append);
    void drain_inbox();
    void wait_for_doorbell();
    // Moves what the inbox holds onto the connections' queues; returns the number of frames.
    size_t drain_pass();
    // Gathering (drain_inbox): at most this many passes, each after a yield, while each pass
    // brings frames for at least this many connections.
    static constexpr unsigned max_gather_passes = 16;
    static constexpr size_t gather_min_frames = 32;
    void on_adopt(boost::asio::ip::tcp::socket socket);
    void shutdown();

    const Settings &settings_;
    const notify_host_api &host_;
    notify_host_ctx *const ctx_;
    const uint8_t index_;
    boost::asio::ssl::context *const tls_;

    boost::asio::io_context context_{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::thread thread_;
    // Rung by post() when the inbox was empty; the loop drains the inbox when it is readable.
    int doorbell_fd_ = -1;
    boost::asio::posix::stream_descriptor doorbell_{context_};

    std::mutex inbox_mutex_;
    std::vector<Command> inbox_;  // guarded by inbox_mutex_
    bool inbox_open_ = true;      // guarded by inbox_mutex_; false after finish
    std::vector<Command> draining_;  // loop thread only: the swapped-out inbox
    std::vector<std::shared_ptr<Connection>> to_flush_;  // loop thread only

    // Loop thread only (or the main thread once the loop's thread has ended).
    std::unordered_map<uint64_t, std::shared_ptr<Connection>> connections_;
    uint64_t next_serial_ = 0;
    bool accepting_ = true;

    std::atomic<size_t> live_connections_{0};
    std::atomic<uint64_t> dropped_frames_{0};
    std::atomic<uint64_t> slow_consumer_closes_{0};
    std::atomic<uint64_t> too_big_closes_{0};
};

}  // namespace notify::tcp
