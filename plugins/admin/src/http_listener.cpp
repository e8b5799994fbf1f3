#include "http_listener.hpp"

#include <boost/asio/post.hpp>
#include <utility>
#include <vector>

#include "http_session.hpp"

namespace notify::admin {
namespace net = boost::asio;

namespace {

// A flood of refused connections is logged at most this often.
constexpr auto refusal_log_interval = std::chrono::seconds(10);

}  // namespace

HttpListener::HttpListener(const Settings& settings, const Routes& routes, Log log)
    : settings_(settings), routes_(routes), log_(std::move(log)), acceptor_(io_) {}

HttpListener::~HttpListener() {
    stop();
}

std::uint16_t HttpListener::start(std::string& error) {
    boost::system::error_code ec;
    const net::ip::tcp::endpoint endpoint(net::ip::make_address_v4(settings_.host, ec),
                                          settings_.port);
    if (!ec) acceptor_.open(endpoint.protocol(), ec);
    // Restart while old connections linger in TIME_WAIT.
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    std::uint16_t bound = 0;
    if (!ec) bound = acceptor_.local_endpoint(ec).port();
    if (ec) {
        error = "cannot listen on " + settings_.listen + ": " + ec.message();
        boost::system::error_code ignored;
        acceptor_.close(ignored);
        return 0;
    }
    accept();
    thread_ = std::thread([this] { io_.run(); });
    return bound;
}

void HttpListener::accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, net::ip::tcp::socket socket) {
        if (!acceptor_.is_open()) return;
        if (!ec && sessions_.size() < settings_.max_connections) {
            const std::uint64_t id = next_session_++;
            auto session = std::make_shared<HttpSession>(std::move(socket), *this, id);
            sessions_.emplace(id, session);
            session->run();
        } else {
            const auto now = std::chrono::steady_clock::now();
            if (now - last_refusal_log_ >= refusal_log_interval) {
                last_refusal_log_ = now;
                log_(NOTIFY_LOG_WARN, ec ? "admin: accept failed: " + ec.message()
                                         : "admin: max_connections (" +
                                               std::to_string(settings_.max_connections) +
                                               ") reached: closing a new connection");
            }
            boost::system::error_code ignored;
            socket.close(ignored);
        }
        accept();
    });
}

void HttpListener::forget(std::uint64_t session) {
    sessions_.erase(session);
}

void HttpListener::stop() {
    if (!thread_.joinable()) return;
    // Closing the acceptor and the sockets ends every pending operation, so run() returns.
    net::post(io_, [this] {
        boost::system::error_code ignored;
        acceptor_.close(ignored);
        std::vector<std::shared_ptr<HttpSession>> open;
        for (const auto& [id, weak] : sessions_) {
            if (auto session = weak.lock()) open.push_back(std::move(session));
        }
        for (const auto& session : open) session->close();
    });
    thread_.join();
}

}  // namespace notify::admin
