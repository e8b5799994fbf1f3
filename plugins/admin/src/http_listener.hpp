// The admin plugin's HTTP listener: one acceptor and one I/O thread (the admin endpoints are
// read by a person and a scraper, not by clients), at most max_connections sessions. Everything
// below runs on that thread, so the session table needs no lock.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "routes.hpp"
#include "settings.hpp"

namespace notify::admin {

class HttpSession;

class HttpListener {
  public:
    using Log = std::function<void(notify_log_level, const std::string&)>;

    HttpListener(const Settings& settings, const Routes& routes, Log log);
    ~HttpListener();
    HttpListener(const HttpListener&) = delete;
    HttpListener& operator=(const HttpListener&) = delete;

    // Binds and starts the thread; the port bound (the configured one, or the ephemeral one
    // for port 0), or 0 with `error` saying why.
    std::uint16_t start(std::string& error);
    // Closes the acceptor and every session, then joins the thread. Idempotent.
    void stop();

    // For sessions (I/O thread).
    const Routes& routes() const { return routes_; }
    std::chrono::milliseconds idle_timeout() const { return settings_.idle_timeout; }
    void forget(std::uint64_t session);

  private:
    void accept();

    const Settings& settings_;
    const Routes& routes_;
    const Log log_;
    std::map<std::uint64_t, std::weak_ptr<HttpSession>> sessions_;
    std::uint64_t next_session_ = 1;
    std::chrono::steady_clock::time_point last_refusal_log_{};
    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_;
    std::thread thread_;
};

}  // namespace notify::admin
