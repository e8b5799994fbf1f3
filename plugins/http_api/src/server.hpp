// One http_api instance's listener: the accepting socket, the I/O threads running one
// io_context, and what its connections share (ApiContext). The plugin entry points forward here.
#pragma once

#include "api_context.hpp"
#include "connection_registry.hpp"
#include "host_gate.hpp"
#include "live_config.hpp"
#include "method_counters.hpp"
#include "rate_limited_log.hpp"
#include "settings.hpp"

#include <notify/notify.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>

#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace notify::http_api {

class Server {
public:
    Server(const notify_host_api& host, notify_host_ctx* ctx, Settings settings);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Main thread: bind and start the I/O threads.
    notify_status start(notify_error* err);
    // Main thread: reads the whole new table; applies the keys, limits and timeouts (new
    // requests use them, requests under way finish with the old ones) or, when anything is
    // wrong or `listen`/`threads` differ (they need a restart), changes nothing.
    notify_status reconfigure(const notify_config* config, notify_error* err);
    // Main thread: stop accepting, wait (bounded) for the answers in flight, close every
    // connection, end the threads. No host call is made after it returns. Idempotent.
    void stop();

private:
    void accept();
    void log(notify_log_level level, const std::string& message) const;
    void warn_insecure(const ListenAddress& address) const;

    const notify_host_api& host_;
    notify_host_ctx* const ctx_;
    const ListenAddress listen_;  // as configured; a reload may not change it
    const unsigned thread_count_;
    CurrentConfig config_;
    std::shared_ptr<HostGate> gate_;
    MethodCounters counters_;
    RateLimitedLog failures_;
    RateLimitedLog refused_connections_;
    ConnectionRegistry registry_;
    ApiContext api_;
    // After everything the connections use: its destructor destroys the last connections.
    boost::asio::io_context io_;
    boost::asio::strand<boost::asio::io_context::executor_type> accept_strand_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::vector<std::thread> threads_;
    bool started_ = false;
    bool stopped_ = false;
};

}  // namespace notify::http_api
