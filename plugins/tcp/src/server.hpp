// One tcp transport instance: its settings, its TLS context, the listener and the I/O loops.
// The plugin entry points forward here.
#pragma once

#include "io_loop.hpp"
#include "settings.hpp"

#include <notify/notify.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <optional>
#include <vector>

namespace notify::tcp {

class Server {
public:
    // Loads the TLS files if configured. Null with `err` filled on failure.
    static std::unique_ptr<Server> create(const notify_host_api &host, notify_host_ctx *ctx,
                                          Settings settings, notify_error *err);
    ~Server();
    Server(const Server &) = delete;
    Server &operator=(const Server &) = delete;

    // Main thread: bind, listen and start the I/O threads.
    notify_status start(notify_error *err);
    // Main thread: stop accepting, close every connection with 1001 after its queue, wait for
    // the closes up to a bound, then end the threads.
    void stop();

    // Core thread.
    void deliver(const notify_frame *frame, const uint64_t *conns, size_t count);
    void close(uint64_t conn, uint16_t code);

private:
    Server(const notify_host_api &host, notify_host_ctx *ctx, Settings settings);
    void accept_next();
    void log(notify_log_level level, const std::string &message) const;

    const notify_host_api &host_;
    notify_host_ctx *const ctx_;
    const Settings settings_;
    std::optional<boost::asio::ssl::context> tls_;
    std::vector<std::unique_ptr<IoLoop>> loops_;
    // Both live on loop 0's thread.
    std::optional<boost::asio::ip::tcp::acceptor> acceptor_;
    std::optional<boost::asio::steady_timer> accept_retry_;
    size_t next_loop_ = 0;
    bool stopped_ = false;
};

}  // namespace notify::tcp
