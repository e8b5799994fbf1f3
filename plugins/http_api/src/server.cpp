#include "server.hpp"

#include "connection.hpp"

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <utility>

namespace notify::http_api {
namespace net = boost::asio;

namespace {

// How long stop() waits for the connections to close once the answers are in.
constexpr auto close_wait = std::chrono::seconds(1);
constexpr auto close_poll = std::chrono::milliseconds(10);
// stop() waits for answers in flight at most this long (or request_timeout when shorter).
constexpr auto max_drain_wait = std::chrono::milliseconds(2000);
constexpr auto failure_log_interval = std::chrono::milliseconds(1000);

}  // namespace

Server::Server(const notify_host_api& host, notify_host_ctx* ctx, Settings settings)
    : host_(host), ctx_(ctx), settings_(std::move(settings)), keys_(settings_.keys),
      gate_(std::make_shared<HostGate>(host, ctx)),
      failures_(host, ctx, failure_log_interval),
      refused_connections_(host, ctx, failure_log_interval),
      api_{settings_, keys_, gate_, counters_, failures_, registry_},
      io_(static_cast<int>(settings_.threads)), accept_strand_(net::make_strand(io_)),
      acceptor_(accept_strand_) {}

Server::~Server() { stop(); }

notify_status Server::start(notify_error* err) {
    boost::system::error_code ec;
    const net::ip::tcp::endpoint endpoint(net::ip::make_address(settings_.listen.host, ec),
                                          settings_.listen.port);
    if (!ec) acceptor_.open(endpoint.protocol(), ec);
    // Restart while old connections linger in TIME_WAIT.
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec && endpoint.address().is_v6()) acceptor_.set_option(net::ip::v6_only(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
        const std::string message =
            "http_api: cannot listen on " + settings_.listen.text() + ": " + ec.message();
        std::strncpy(err->message, message.c_str(), sizeof err->message - 1);
        err->message[sizeof err->message - 1] = '\0';
        boost::system::error_code ignored;
        acceptor_.close(ignored);
        return NOTIFY_ERR_IO;
    }
    ListenAddress bound = settings_.listen;
    bound.port = acceptor_.local_endpoint(ec).port();
    accept();
    for (unsigned i = 0; i < settings_.threads; ++i) {
        threads_.emplace_back([this] { io_.run(); });
    }
    started_ = true;
    log(NOTIFY_LOG_INFO, "http_api: listening on http://" + bound.text() + "/api/ with " +
                             std::to_string(settings_.threads) + " thread(s)");
    if (keys_.open()) {
        log(NOTIFY_LOG_WARN,
            "http_api: insecure = true and no API key: anyone who can connect to " +
                bound.text() + " can publish, subscribe and disconnect clients");
    }
    return NOTIFY_OK;
}

void Server::accept() {
    acceptor_.async_accept(
        net::make_strand(io_), [this](boost::system::error_code ec, net::ip::tcp::socket socket) {
            if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
            if (ec) {
                refused_connections_.warn("http_api: accept failed: " + ec.message());
            } else if (const std::uint64_t id = registry_.add(settings_.max_connections);
                       id != 0) {
                std::make_shared<Connection>(std::move(socket), api_, id)->run();
            } else {
                refused_connections_.warn("http_api: max_connections (" +
                                          std::to_string(settings_.max_connections) +
                                          ") reached: closing a new connection");
                boost::system::error_code ignored;
                socket.close(ignored);
            }
            accept();
        });
}

void Server::stop() {
    if (stopped_) return;
    stopped_ = true;
    gate_->close_admission();
    if (started_) {
        net::post(accept_strand_, [this] {
            boost::system::error_code ignored;
            acceptor_.close(ignored);
        });
        const auto drain_wait = std::min<std::chrono::milliseconds>(
            max_drain_wait, std::chrono::milliseconds(settings_.request_timeout_ms));
        const std::size_t unanswered = gate_->drain(drain_wait);
        if (unanswered > 0) {
            log(NOTIFY_LOG_WARN, "http_api: stopping with " + std::to_string(unanswered) +
                                     " request(s) the host has not answered (they get 503)");
        }
        // Let the drained answers reach their connections before those are told to close.
        std::this_thread::sleep_for(close_poll);
    }
    gate_->shut();
    if (started_) {
        registry_.for_each([](const std::shared_ptr<Connection>& connection) {
            connection->shut_down();
        });
        const auto deadline = std::chrono::steady_clock::now() + close_wait;
        while (registry_.size() > 0 && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(close_poll);
        }
        io_.stop();
        for (std::thread& thread : threads_) thread.join();
        threads_.clear();
    }
    const std::string summary = counters_.summary();
    log(NOTIFY_LOG_INFO, "http_api: stopped; requests per method: " +
                             (summary.empty() ? std::string{"none"} : summary));
}

void Server::log(notify_log_level level, const std::string& message) const {
    host_.log(ctx_, level, notify_str{message.data(), message.size()});
}

}  // namespace notify::http_api
