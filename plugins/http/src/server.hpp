// One http transport instance: the listening socket, the I/O threads running one io_context,
// and the session table. The plugin entry points forward here.
#pragma once

#include "session_table.hpp"
#include "settings.hpp"

#include <notify/notify.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace notify::http {

class Server {
public:
    Server(const notify_host_api &host, notify_host_ctx *ctx, Settings settings);
    ~Server();
    Server(const Server &) = delete;
    Server &operator=(const Server &) = delete;

    // Main thread: bind and start the I/O threads.
    notify_status start(notify_error *err);
    // Main thread: stop accepting, close every session with 1001 after its queue, wait for the
    // closes up to a bound, then end the threads.
    void stop();

    // Core thread.
    void deliver(const notify_frame *frame, const uint64_t *conns, size_t count);
    void close(uint64_t conn, uint16_t code, std::string_view reason);

private:
    void accept();
    void log(notify_log_level level, const std::string &message) const;

    const notify_host_api &host_;
    notify_host_ctx *const ctx_;
    const Settings settings_;
    // Declared first: the sockets, timers and strands below need it until they are gone.
    boost::asio::io_context io_;
    SessionTable table_;
    boost::asio::strand<boost::asio::io_context::executor_type> accept_strand_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::vector<std::thread> threads_;
    bool started_ = false;
    bool stopped_ = false;
};

}  // namespace notify::http
