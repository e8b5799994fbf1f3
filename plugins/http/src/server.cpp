#include "server.hpp"

#include "http_connection.hpp"

#include <boost/asio/post.hpp>

#include <chrono>
#include <cstring>
#include <utility>

namespace notify::http {
namespace net = boost::asio;

namespace {

constexpr auto shutdown_wait = std::chrono::seconds(3);
constexpr auto shutdown_poll = std::chrono::milliseconds(10);

}  // namespace

Server::Server(const notify_host_api &host, notify_host_ctx *ctx, Settings settings)
    : host_(host), ctx_(ctx), settings_(std::move(settings)),
      io_(static_cast<int>(settings_.threads)), table_(settings_, host_, ctx_, io_),
      accept_strand_(net::make_strand(io_)), acceptor_(accept_strand_) {}

Server::~Server() { stop(); }

notify_status Server::start(notify_error *err) {
    const std::string where =
        "http: cannot listen on " + settings_.host + ":" + std::to_string(settings_.port);
    boost::system::error_code ec;
    const net::ip::tcp::endpoint endpoint(net::ip::make_address_v4(settings_.host, ec),
                                          settings_.port);
    if (!ec) {
        acceptor_.open(endpoint.protocol(), ec);
    }
    if (!ec) {
        // Restart while old connections linger in TIME_WAIT.
        acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
        acceptor_.bind(endpoint, ec);
    }
    if (!ec) {
        acceptor_.listen(net::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        const std::string message = where + ": " + ec.message();
        std::strncpy(err->message, message.c_str(), sizeof err->message - 1);
        err->message[sizeof err->message - 1] = '\0';
        boost::system::error_code ignored;
        acceptor_.close(ignored);
        return NOTIFY_ERR_IO;
    }
    const uint16_t port = acceptor_.local_endpoint(ec).port();
    accept();
    for (unsigned i = 0; i < settings_.threads; ++i) {
        threads_.emplace_back([this] { io_.run(); });
    }
    started_ = true;
    log(NOTIFY_LOG_INFO, "http: listening on " + settings_.host + ":" + std::to_string(port) +
                             settings_.path + "/session with " +
                             std::to_string(settings_.threads) + " thread(s)");
    return NOTIFY_OK;
}

void Server::accept() {
    acceptor_.async_accept(
        net::make_strand(io_), [this](boost::system::error_code ec, net::ip::tcp::socket socket) {
            if (ec == net::error::operation_aborted || !acceptor_.is_open()) {
                return;
            }
            if (!ec) {
                std::make_shared<HttpConnection>(std::move(socket), settings_, table_)->run();
            } else {
                log(NOTIFY_LOG_WARN, "http: accept failed: " + ec.message());
            }
            accept();
        });
}

void Server::stop() {
    if (stopped_) {
        return;
    }
    stopped_ = true;
    if (started_) {
        net::post(accept_strand_, [this] {
            boost::system::error_code ignored;
            acceptor_.close(ignored);
        });
        table_.post_shutdown();
        const auto deadline = std::chrono::steady_clock::now() + shutdown_wait;
        while (table_.live_sessions() > 0 && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(shutdown_poll);
        }
        // Let the last close events and poll answers reach their sockets.
        std::this_thread::sleep_for(shutdown_poll);
        io_.stop();
        for (std::thread &thread : threads_) {
            thread.join();
        }
        threads_.clear();
    }
    table_.finish();
    if (table_.dropped_frames() > 0 || table_.slow_consumer_closes() > 0) {
        log(NOTIFY_LOG_INFO, "http: slow consumers: " + std::to_string(table_.dropped_frames()) +
                                 " frame(s) dropped, " +
                                 std::to_string(table_.slow_consumer_closes()) +
                                 " session(s) closed");
    }
}

void Server::deliver(const notify_frame *frame, const uint64_t *conns, size_t count) {
    table_.post_frame(frame, conns, count);
}

void Server::close(uint64_t conn, uint16_t code, std::string_view reason) {
    table_.post_close(conn, code, reason);
}

void Server::log(notify_log_level level, const std::string &message) const {
    host_.log(ctx_, level, notify_str{message.data(), message.size()});
}

}  // namespace notify::http
