#include "server.hpp"

#include "connection.hpp"

#include <notify_plugin_common/change_list.hpp>

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
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

void set_error(notify_error* err, const std::string& message) {
    std::strncpy(err->message, message.c_str(), sizeof err->message - 1);
    err->message[sizeof err->message - 1] = '\0';
}

std::string ms(std::int64_t value) { return std::to_string(value) + "ms"; }

}  // namespace

Server::Server(const notify_host_api& host, notify_host_ctx* ctx, Settings settings)
    : host_(host), ctx_(ctx), listen_(settings.listen), thread_count_(settings.threads),
      config_(std::make_shared<const LiveConfig>(std::move(settings))),
      gate_(std::make_shared<HostGate>(host, ctx)),
      failures_(host, ctx, failure_log_interval),
      refused_connections_(host, ctx, failure_log_interval),
      api_{config_, gate_, counters_, failures_, registry_},
      io_(static_cast<int>(thread_count_)), accept_strand_(net::make_strand(io_)),
      acceptor_(accept_strand_) {}

Server::~Server() { stop(); }

notify_status Server::start(notify_error* err) {
    boost::system::error_code ec;
    const net::ip::tcp::endpoint endpoint(net::ip::make_address(listen_.host, ec),
                                          listen_.port);
    if (!ec) acceptor_.open(endpoint.protocol(), ec);
    // Restart while old connections linger in TIME_WAIT.
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec && endpoint.address().is_v6()) acceptor_.set_option(net::ip::v6_only(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
        set_error(err, "http_api: cannot listen on " + listen_.text() + ": " + ec.message());
        boost::system::error_code ignored;
        acceptor_.close(ignored);
        return NOTIFY_ERR_IO;
    }
    ListenAddress bound = listen_;
    bound.port = acceptor_.local_endpoint(ec).port();
    accept();
    for (unsigned i = 0; i < thread_count_; ++i) {
        threads_.emplace_back([this] { io_.run(); });
    }
    started_ = true;
    log(NOTIFY_LOG_INFO, "http_api: listening on http://" + bound.text() + "/api/ with " +
                             std::to_string(thread_count_) + " thread(s)");
    if (config_.load()->keys.open()) warn_insecure(bound);
    return NOTIFY_OK;
}

void Server::accept() {
    acceptor_.async_accept(
        net::make_strand(io_), [this](boost::system::error_code ec, net::ip::tcp::socket socket) {
            if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
            if (ec) {
                refused_connections_.warn("http_api: accept failed: " + ec.message());
                return accept();
            }
            const std::size_t max_connections = config_.load()->settings.max_connections;
            if (const std::uint64_t id = registry_.add(max_connections); id != 0) {
                std::make_shared<Connection>(std::move(socket), api_, id)->run();
            } else {
                refused_connections_.warn("http_api: max_connections (" +
                                          std::to_string(max_connections) +
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
            max_drain_wait,
            std::chrono::milliseconds(config_.load()->settings.request_timeout_ms));
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

notify_status Server::reconfigure(const notify_config* config, notify_error* err) {
    Settings loaded;
    const notify_status status = load_settings(&host_, config, loaded, err);
    if (status != NOTIFY_OK) return status;
    if (loaded.listen.text() != listen_.text()) {
        set_error(err, "http_api: config key 'listen': listen changes need a restart (serving " +
                           listen_.text() + ", the new manifest says " + loaded.listen.text() +
                           ")");
        return NOTIFY_ERR_UNSUPPORTED;
    }
    if (loaded.threads != thread_count_) {
        set_error(err, "http_api: config key 'threads': thread count changes need a restart (" +
                           std::to_string(thread_count_) + " running, the new manifest says " +
                           std::to_string(loaded.threads) + ")");
        return NOTIFY_ERR_UNSUPPORTED;
    }
    const std::shared_ptr<const LiveConfig> before = config_.load();
    auto after = std::make_shared<const LiveConfig>(std::move(loaded));
    const Settings& old_settings = before->settings;
    const Settings& new_settings = after->settings;
    plugin_common::ChangeList changes;
    changes.add(plugin_common::describe_key_change(before->keys, after->keys));
    changes.add_if_changed("insecure", old_settings.insecure ? "true" : "false",
                           new_settings.insecure ? "true" : "false");
    changes.add_if_changed("max_body_size", std::to_string(old_settings.max_body_size),
                           std::to_string(new_settings.max_body_size));
    changes.add_if_changed("max_connections", std::to_string(old_settings.max_connections),
                           std::to_string(new_settings.max_connections));
    changes.add_if_changed("idle_timeout", ms(old_settings.idle_timeout_ms),
                           ms(new_settings.idle_timeout_ms));
    changes.add_if_changed("request_timeout", ms(old_settings.request_timeout_ms),
                           ms(new_settings.request_timeout_ms));
    const bool now_open = after->keys.open() && !before->keys.open();
    config_.store(std::move(after));
    log(NOTIFY_LOG_INFO, "http_api: reconfigured: " + changes.text());
    if (now_open) warn_insecure(listen_);
    return NOTIFY_OK;
}

void Server::warn_insecure(const ListenAddress& address) const {
    log(NOTIFY_LOG_WARN, "http_api: insecure = true and no API key: anyone who can connect to " +
                             address.text() + " can publish, subscribe and disconnect clients");
}

void Server::log(notify_log_level level, const std::string& message) const {
    host_.log(ctx_, level, notify_str{message.data(), message.size()});
}

}  // namespace notify::http_api
