// One udp transport instance: the socket, the I/O thread, the stateless handshake and the
// sessions. The plugin entry points forward here.
#pragma once

#include "cookie.hpp"
#include "session.hpp"
#include "settings.hpp"

#include <notify/notify.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace notify::udp {

class Server {
public:
    Server(const notify_host_api &host, notify_host_ctx *ctx, Settings settings);
    ~Server();
    Server(const Server &) = delete;
    Server &operator=(const Server &) = delete;

    // Main thread: bind and start the I/O thread.
    notify_status start(notify_error *err);
    // Main thread: send what is queued, close every session with 1001, end the thread.
    void stop();

    // Core thread.
    void deliver(const notify_frame *frame, const uint64_t *conns, size_t count);
    void close(uint64_t conn, uint16_t code);

private:
    using Endpoint = boost::asio::ip::udp::endpoint;

    struct Command {
        uint64_t conn;
        const notify_frame *frame;  // retained for this entry; null for a close
        uint16_t code;              // close
    };

    // The largest frame one datagram carries after its headers.
    size_t max_frame_size() const {
        return settings_.max_datagram - wire::data_header_size - wire::frame_prefix_size;
    }
    void post_command(const Command &command);
    void drain_inbox();
    void receive_next();
    void on_datagram(wire::View datagram, const Endpoint &peer);
    void on_hello(wire::View datagram, const Endpoint &peer);
    void on_connect(wire::View datagram, const Endpoint &peer);
    void on_session_datagram(wire::Type type, wire::View datagram, const Endpoint &peer);
    void on_nack(Session &session, wire::View datagram);
    void open_session(const Endpoint &peer, wire::View cookie);

    void enqueue(Session &session, const notify_frame *frame);
    void flush(Session &session);
    void wait_for_socket(Session &session);
    void on_socket_writable();
    // False only when the socket buffer is full; other send errors count as loss.
    bool send(wire::View bytes, const Endpoint &peer);
    void end_session(uint64_t session_id, uint16_t code, bool tell_peer);
    void schedule_sweep();
    void sweep();
    void shutdown_sessions();
    void log(notify_log_level level, const std::string &message) const;

    const notify_host_api &host_;
    notify_host_ctx *const ctx_;
    const Settings settings_;
    std::optional<CookieJar> cookies_;

    boost::asio::io_context context_{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::optional<boost::asio::ip::udp::socket> socket_;
    std::optional<boost::asio::steady_timer> sweep_timer_;
    std::thread thread_;
    bool started_ = false;
    bool stopped_ = false;

    std::mutex inbox_mutex_;
    std::vector<Command> inbox_;  // guarded by inbox_mutex_
    bool inbox_open_ = false;     // guarded by inbox_mutex_
    std::vector<Command> draining_;

    // I/O thread only.
    std::vector<uint8_t> receive_buffer_;
    Endpoint sender_;
    std::unordered_map<uint64_t, std::unique_ptr<Session>> sessions_;  // by session id
    std::unordered_map<uint64_t, uint64_t> session_of_conn_;
    std::unordered_map<uint64_t, uint64_t> session_of_peer_;  // key: ipv4 << 16 | port
    std::vector<uint64_t> to_flush_;
    std::vector<uint64_t> waiting_for_socket_;
    bool socket_full_ = false;
    uint64_t next_conn_ = 0;

    std::atomic<uint64_t> oversize_frames_{0};
    std::atomic<uint64_t> dropped_frames_{0};
    std::atomic<uint64_t> slow_consumer_closes_{0};
    std::atomic<uint64_t> refused_cookies_{0};
    std::atomic<uint64_t> malformed_datagrams_{0};
};

}  // namespace notify::udp
