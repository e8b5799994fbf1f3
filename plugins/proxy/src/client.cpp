#include "client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <thread>
#include <utility>
#include <vector>

namespace notify::proxy {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

namespace {

constexpr std::uint32_t header_limit = 16 * 1024;

// One TCP connection to an endpoint (TLS over it for https://); idle in the pool or owned by
// one exchange.
struct Conn {
    Conn(asio::io_context& io, ssl::context* tls_context) : plain(io) {
        if (tls_context != nullptr) {
            tls = std::make_unique<ssl::stream<tcp::socket>>(io, *tls_context);
        }
    }
    tcp::socket& socket() { return tls ? tls->next_layer() : plain; }
    // Runs f with the stream HTTP goes through.
    template <typename F>
    void with_stream(F&& f) {
        if (tls) {
            f(*tls);
        } else {
            f(plain);
        }
    }
    tcp::socket plain;
    std::unique_ptr<ssl::stream<tcp::socket>> tls;
    boost::beast::flat_buffer buffer;
    Clock::time_point idle_since{};
    bool reused = false;
};

struct Pending {
    const Url* url = nullptr;
    std::string body;
    Client::Done done;
};

// One request from launch to answer.
struct Exchange {
    Exchange(asio::io_context& io, Pending p)
        : pending(std::move(p)), deadline(io), resolver(io) {}
    Pending pending;
    asio::steady_timer deadline;
    tcp::resolver resolver;
    std::unique_ptr<Conn> conn;
    http::request<http::string_body> request;
    std::optional<http::response_parser<http::string_body>> parser;
    bool timed_out = false;
    bool cancelled = false;
    bool finished = false;
};

bool is_stale_connection_error(const error_code& ec) {
    return ec == http::error::end_of_stream || ec == asio::error::eof ||
           ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
           ec == http::error::partial_message || ec == ssl::error::stream_truncated;
}

}  // namespace

class Client::Impl {
  public:
    explicit Impl(const Settings& settings)
        : settings_(settings), work_(asio::make_work_guard(io_)) {
        if (settings.any_tls()) {
            // Throws boost::system::system_error (create() reports it naming tls_ca_file).
            tls_ = std::make_unique<ssl::context>(ssl::context::tls_client);
            tls_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                              ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                              ssl::context::no_tlsv1_1);
            if (settings.tls_ca_file.empty()) {
                tls_->set_default_verify_paths();
            } else {
                tls_->load_verify_file(settings.tls_ca_file);
            }
        }
    }

    void run() {
        thread_ = std::thread{[this] { io_.run(); }};
    }

    void submit(const Url& url, std::string body, Done done) {
        asio::post(io_, [self = this,
                         p = Pending{&url, std::move(body), std::move(done)}]() mutable {
            self->admit(std::move(p));
        });
    }

    void cancel_all() {
        asio::post(io_, [self = this] { self->cancel_everything(); });
    }

    void shutdown() {
        if (!thread_.joinable()) return;
        work_.reset();
        io_.stop();
        thread_.join();
    }

  private:
    using ExchangePtr = std::shared_ptr<Exchange>;

    // ---- everything below runs on the client's thread -------------------------------------

    void admit(Pending p) {
        if (stopping_) {
            Outcome outcome;
            outcome.stopped = true;
            p.done(std::move(outcome));
            return;
        }
        if (active_.size() < settings_.max_concurrency) {
            launch(std::move(p));
        } else {
            queue_.push_back(std::move(p));
        }
    }

    void pump() {
        while (!stopping_ && !queue_.empty() && active_.size() < settings_.max_concurrency) {
            Pending p = std::move(queue_.front());
            queue_.pop_front();
            launch(std::move(p));
        }
    }

    void cancel_everything() {
        stopping_ = true;
        std::deque<Pending> queued = std::move(queue_);
        queue_.clear();
        for (Pending& p : queued) {
            Outcome outcome;
            outcome.stopped = true;
            p.done(std::move(outcome));
        }
        for (const ExchangePtr& ex : std::vector<ExchangePtr>(active_.begin(), active_.end())) {
            ex->cancelled = true;
            abort_io(*ex);
            fail(ex, asio::error::operation_aborted, "stop");
        }
        for (auto& [url, conns] : idle_) {
            for (auto& conn : conns) {
                error_code ignored;
                conn->socket().close(ignored);
            }
        }
        idle_.clear();
    }

    static void abort_io(Exchange& ex) {
        ex.resolver.cancel();
        if (ex.conn) {
            error_code ignored;
            ex.conn->socket().close(ignored);  // pending operations end with operation_aborted
        }
    }

    void launch(Pending p) {
        auto ex = std::make_shared<Exchange>(io_, std::move(p));
        active_.insert(ex);
        const Url& url = *ex->pending.url;
        ex->request.method(http::verb::post);
        ex->request.target(url.target);
        ex->request.version(11);
        ex->request.set(http::field::host, url.host_header);
        ex->request.set(http::field::user_agent, "notify-proxy/0.1");
        ex->request.set(http::field::content_type, "application/json");
        ex->request.set(http::field::accept, "application/json");
        ex->request.keep_alive(true);
        ex->request.body() = std::move(ex->pending.body);
        ex->request.prepare_payload();

        ex->deadline.expires_after(std::chrono::milliseconds{settings_.timeout_ms});
        ex->deadline.async_wait([self = this, ex](const error_code& ec) {
            if (ec || ex->finished) return;
            ex->timed_out = true;
            abort_io(*ex);
            // Answer now: a lookup stuck in getaddrinfo would not return before it gives up.
            // The aborted operations' handlers then find the exchange finished.
            self->fail(ex, asio::error::timed_out, "deadline");
        });

        if (std::unique_ptr<Conn> conn = take_idle(url)) {
            ex->conn = std::move(conn);
            ex->conn->reused = true;
            send(ex);
        } else {
            open(ex);
        }
    }

    std::unique_ptr<Conn> take_idle(const Url& url) {
        const auto found = idle_.find(&url);
        if (found == idle_.end()) return nullptr;
        auto& conns = found->second;
        const auto oldest = Clock::now() - std::chrono::milliseconds{settings_.idle_timeout_ms};
        while (!conns.empty()) {
            std::unique_ptr<Conn> conn = std::move(conns.back());
            conns.pop_back();
            if (conn->idle_since >= oldest) return conn;
            error_code ignored;
            conn->socket().close(ignored);
        }
        return nullptr;
    }

    void keep_idle(const Url& url, std::unique_ptr<Conn> conn) {
        auto& conns = idle_[&url];
        if (stopping_ || conns.size() >= settings_.max_concurrency) {
            error_code ignored;
            conn->socket().close(ignored);
            return;
        }
        conn->idle_since = Clock::now();
        conns.push_back(std::move(conn));
    }

    void open(const ExchangePtr& ex) {
        ex->conn = std::make_unique<Conn>(io_, ex->pending.url->tls ? tls_.get() : nullptr);
        const Url& url = *ex->pending.url;
        ex->resolver.async_resolve(
            url.host, url.port,
            [self = this, ex](const error_code& ec,
                                            const tcp::resolver::results_type& results) {
                if (ec) return self->fail(ex, ec, "resolve");
                if (ex->timed_out || ex->cancelled) {
                    return self->fail(ex, asio::error::operation_aborted, "resolve");
                }
                asio::async_connect(ex->conn->socket(), results,
                                    [self, ex](const error_code& ec2, const tcp::endpoint&) {
                                        if (ec2) return self->fail(ex, ec2, "connect");
                                        self->handshake(ex);
                                    });
            });
    }

    // https://: SNI, the peer's certificate checked against the trust store and the URL's host.
    void handshake(const ExchangePtr& ex) {
        if (!ex->conn->tls) return send(ex);
        ssl::stream<tcp::socket>& tls = *ex->conn->tls;
        const Url& url = *ex->pending.url;
        error_code ec;
        asio::ip::make_address(url.host, ec);
        const bool is_address = !ec;
        if (!is_address &&
            // SSL_set_tlsext_host_name without the macro's C cast.
            SSL_ctrl(tls.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                     const_cast<char*>(url.host.c_str())) != 1) {
            return fail(ex, asio::error::invalid_argument, "TLS server name");
        }
        tls.set_verify_mode(ssl::verify_peer, ec);
        if (!ec) tls.set_verify_callback(ssl::host_name_verification(url.host), ec);
        if (ec) return fail(ex, ec, "TLS setup");
        tls.async_handshake(ssl::stream_base::client, [self = this, ex](const error_code& ec2) {
            if (ec2) return self->fail(ex, ec2, "TLS handshake with");
            self->send(ex);
        });
    }

    void send(const ExchangePtr& ex) {
        ex->conn->with_stream([&](auto& stream) {
            http::async_write(stream, ex->request,
                              [self = this, ex](const error_code& ec, std::size_t) {
                                  if (ec) return self->retry_or_fail(ex, ec, "write");
                                  self->receive(ex);
                              });
        });
    }

    void receive(const ExchangePtr& ex) {
        ex->parser.emplace();
        ex->parser->header_limit(header_limit);
        ex->parser->body_limit(settings_.max_response_size);
        ex->conn->with_stream([&](auto& stream) {
            http::async_read(stream, ex->conn->buffer, *ex->parser,
                             [self = this, ex](const error_code& ec, std::size_t) {
                                 if (ec) return self->retry_or_fail(ex, ec, "read");
                                 self->answered(ex);
                             });
        });
    }

    // A pooled connection the server closed meanwhile fails at once: try a fresh one, once.
    void retry_or_fail(const ExchangePtr& ex, const error_code& ec, const char* what) {
        if (ex->conn && ex->conn->reused && !ex->timed_out && !ex->cancelled &&
            is_stale_connection_error(ec)) {
            error_code ignored;
            ex->conn->socket().close(ignored);
            ex->conn.reset();
            ex->parser.reset();
            open(ex);
            return;
        }
        fail(ex, ec, what);
    }

    void answered(const ExchangePtr& ex) {
        if (ex->finished) return;  // the deadline or stop() answered it already
        auto& response = ex->parser->get();
        const unsigned status = response.result_int();
        const bool keep = response.keep_alive();
        Outcome outcome;
        if (status != 200) {
            outcome.error = "HTTP status " + std::to_string(status) + " from " +
                            ex->pending.url->text;
        } else {
            outcome.body = std::move(response.body());
        }
        // A deadline or stop() that struck after the response was read has closed the socket.
        if (keep && !ex->timed_out && !ex->cancelled && ex->conn->socket().is_open()) {
            ex->conn->reused = false;
            keep_idle(*ex->pending.url, std::move(ex->conn));
        }
        finish(ex, std::move(outcome));
    }

    void fail(const ExchangePtr& ex, const error_code& ec, const char* what) {
        Outcome outcome;
        if (ex->cancelled) {
            outcome.stopped = true;
        } else if (ex->timed_out) {
            outcome.error = "no answer from " + ex->pending.url->text + " within timeout (" +
                            std::to_string(settings_.timeout_ms) + " ms)";
        } else if (ec == http::error::body_limit || ec == http::error::buffer_overflow ||
                   ec == http::error::header_limit) {
            outcome.error = "answer from " + ex->pending.url->text +
                            " larger than max_response_size (" +
                            std::to_string(settings_.max_response_size) + " bytes)";
        } else {
            outcome.error =
                std::string{what} + " " + ex->pending.url->text + ": " + ec.message();
        }
        finish(ex, std::move(outcome));
    }

    void finish(const ExchangePtr& ex, Outcome&& outcome) {
        if (ex->finished) return;
        ex->finished = true;
        error_code ignored;
        ex->deadline.cancel();
        if (ex->conn) ex->conn->socket().close(ignored);
        active_.erase(ex);
        Done done = std::move(ex->pending.done);
        done(std::move(outcome));
        pump();
    }

    const Settings& settings_;
    std::unique_ptr<ssl::context> tls_;  // only with an https:// URL
    asio::io_context io_{1};
    asio::executor_work_guard<asio::io_context::executor_type> work_;
    std::thread thread_;

    // client thread only
    bool stopping_ = false;
    std::deque<Pending> queue_;
    std::set<ExchangePtr> active_;
    std::map<const Url*, std::vector<std::unique_ptr<Conn>>> idle_;
};

Client::Client(const Settings& settings) : impl_(std::make_unique<Impl>(settings)) {
    impl_->run();
}

Client::~Client() { shutdown(); }

void Client::submit(const Url& url, std::string body, Done done) {
    impl_->submit(url, std::move(body), std::move(done));
}

void Client::cancel_all() { impl_->cancel_all(); }

void Client::shutdown() { impl_->shutdown(); }

}  // namespace notify::proxy
