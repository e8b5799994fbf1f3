#include "server.hpp"

#include <boost/asio/post.hpp>

#include <chrono>
#include <cstring>
#include <thread>
#include <utility>

namespace notify::tcp {

namespace asio = boost::asio;

namespace {

constexpr auto shutdown_wait = std::chrono::seconds(3);
constexpr auto shutdown_poll = std::chrono::milliseconds(10);
// After a failed accept (e.g. out of file descriptors), wait before trying again.
constexpr auto accept_retry_delay = std::chrono::milliseconds(100);

void set_error(notify_error *err, const std::string &message) {
    std::strncpy(err->message, message.c_str(), sizeof err->message - 1);
    err->message[sizeof err->message - 1] = '\0';
}

}  // namespace

Server::Server(const notify_host_api &host, notify_host_ctx *ctx, Settings settings)
    : host_(host), ctx_(ctx), settings_(std::move(settings)) {}

std::unique_ptr<Server> Server::create(const notify_host_api &host, notify_host_ctx *ctx,
                                       Settings settings, notify_error *err) {
    std::unique_ptr<Server> server(new Server(host, ctx, std::move(settings)));
    if (server->settings_.tls_certificate.empty()) {
        return server;
    }
    auto &tls = server->tls_.emplace(asio::ssl::context::tls_server);
    tls.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                    asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                    asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
    boost::system::error_code ec;
    tls.use_certificate_chain_file(server->settings_.tls_certificate, ec);
    if (ec) {
        set_error(err, "tcp: tls_certificate '" + server->settings_.tls_certificate +
                           "': " + ec.message());
        return nullptr;
    }
    tls.use_private_key_file(server->settings_.tls_private_key, asio::ssl::context::pem, ec);
    if (ec) {
        set_error(err, "tcp: tls_private_key '" + server->settings_.tls_private_key +
                           "': " + ec.message());
        return nullptr;
    }
    if (SSL_CTX_check_private_key(tls.native_handle()) != 1) {
        set_error(err, "tcp: tls_private_key '" + server->settings_.tls_private_key +
                           "': does not match tls_certificate");
        return nullptr;
    }
    return server;
}

Server::~Server() { stop(); }

notify_status Server::start(notify_error *err) {
    asio::ssl::context *tls = tls_ ? &*tls_ : nullptr;
    for (unsigned i = 0; i < settings_.threads; ++i) {
        loops_.push_back(
            std::make_unique<IoLoop>(settings_, host_, ctx_, static_cast<uint8_t>(i), tls));
        std::string why;
        if (!loops_.back()->open_doorbell(why)) {
            loops_.clear();
            set_error(err, "tcp: cannot start I/O thread " + std::to_string(i) + ": " + why);
            return NOTIFY_ERR_IO;
        }
    }
    boost::system::error_code ec;
    const asio::ip::tcp::endpoint endpoint(asio::ip::make_address_v4(settings_.host, ec),
                                           settings_.port);
    auto &acceptor = acceptor_.emplace(loops_.front()->context());
    if (!ec) {
        acceptor.open(endpoint.protocol(), ec);
    }
    if (!ec) {
        acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    }
    if (!ec) {
        acceptor.bind(endpoint, ec);
    }
    if (!ec) {
        acceptor.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        acceptor_.reset();
        loops_.clear();
        set_error(err, "tcp: cannot listen on " + settings_.listen + ": " + ec.message());
        return NOTIFY_ERR_IO;
    }
    const uint16_t port = acceptor.local_endpoint(ec).port();
    accept_retry_.emplace(loops_.front()->context());
    accept_next();
    for (auto &loop : loops_) {
        loop->start_thread();
    }
    log(NOTIFY_LOG_INFO, "tcp: listening on " + settings_.host + ":" + std::to_string(port) +
                             (tls_ ? " (TLS)" : "") + " with " +
                             std::to_string(settings_.threads) + " thread(s)");
    return NOTIFY_OK;
}

void Server::accept_next() {
    IoLoop &target = *loops_[next_loop_];
    next_loop_ = (next_loop_ + 1) % loops_.size();
    acceptor_->async_accept(target.context(), [this, &target](const boost::system::error_code &ec,
                                                              asio::ip::tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !acceptor_->is_open()) {
            return;
        }
        if (ec) {
            log(NOTIFY_LOG_WARN, "tcp: accept failed: " + ec.message());
            accept_retry_->expires_after(accept_retry_delay);
            accept_retry_->async_wait([this](const boost::system::error_code &wait_ec) {
                if (!wait_ec && acceptor_->is_open()) {
                    accept_next();
                }
            });
            return;
        }
        target.adopt(std::move(socket));
        accept_next();
    });
}

void Server::stop() {
    if (stopped_ || loops_.empty()) {
        return;
    }
    stopped_ = true;
    asio::post(loops_.front()->context(), [this] {
        boost::system::error_code ignored;
        acceptor_->close(ignored);
        accept_retry_->cancel();
    });
    for (auto &loop : loops_) {
        loop->post_shutdown();
    }
    const auto deadline = std::chrono::steady_clock::now() + shutdown_wait;
    auto any_open = [this] {
        for (const auto &loop : loops_) {
            if (loop->live_connections() > 0) {
                return true;
            }
        }
        return false;
    };
    while (any_open() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(shutdown_poll);
    }
    uint64_t dropped = 0;
    uint64_t slow_closes = 0;
    uint64_t too_big = 0;
    // Loop 0 goes first: once it has ended, its acceptor hands no socket to the others.
    for (auto &loop : loops_) {
        loop->finish();
        dropped += loop->dropped_frames();
        slow_closes += loop->slow_consumer_closes();
        too_big += loop->too_big_closes();
    }
    acceptor_.reset();
    accept_retry_.reset();
    if (dropped > 0 || slow_closes > 0 || too_big > 0) {
        log(NOTIFY_LOG_INFO, "tcp: slow consumers: " + std::to_string(dropped) +
                                 " frame(s) dropped, " + std::to_string(slow_closes) +
                                 " connection(s) closed; " + std::to_string(too_big) +
                                 " connection(s) closed for a frame over max_frame_size");
    }
}

void Server::deliver(const notify_frame *frame, const uint64_t *conns, size_t count) {
    if (loops_.size() == 1) {
        loops_.front()->post_frame(frame, conns, count);
        return;
    }
    for (auto &loop : loops_) {
        loop->post_frame(frame, conns, count);
    }
}

void Server::close(uint64_t conn, uint16_t code) {
    const uint64_t index = conn >> loop_index_shift;
    if (index < loops_.size()) {
        loops_[index]->post_close(conn, code);
    }
}

void Server::log(notify_log_level level, const std::string &message) const {
    host_.log(ctx_, level, notify_str{message.data(), message.size()});
}

}  // namespace notify::tcp
