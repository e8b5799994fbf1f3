#include "poster.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
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
#include <optional>

namespace notify::webhook {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr std::uint32_t header_limit = 16 * 1024;
// The backend's answer is not read beyond its status; a larger body is an error, not a hang.
constexpr std::uint64_t body_limit = 64 * 1024;

// One TCP connection to the backend (TLS over it for https://).
struct Conn {
    Conn(asio::io_context& io, ssl::context* tls_context) : plain(io) {
        if (tls_context != nullptr) {
            tls = std::make_unique<ssl::stream<tcp::socket>>(io, *tls_context);
        }
    }
    tcp::socket& socket() { return tls ? tls->next_layer() : plain; }
    template <typename F>
    void with_stream(F&& f) {
        if (tls) {
            f(*tls);
        } else {
            f(plain);
        }
    }
    void close() {
        error_code ignored;
        socket().close(ignored);
    }
    tcp::socket plain;
    std::unique_ptr<ssl::stream<tcp::socket>> tls;
    boost::beast::flat_buffer buffer;
    bool reused = false;
};

struct Exchange {
    http::request<http::string_body> request;
    std::optional<http::response_parser<http::string_body>> parser;
    std::shared_ptr<Conn> conn;
    Poster::Done done;
    bool finished = false;
    bool timed_out = false;
};

bool is_stale_connection_error(const error_code& ec) {
    return ec == http::error::end_of_stream || ec == asio::error::eof ||
           ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
           ec == http::error::partial_message || ec == ssl::error::stream_truncated;
}

}  // namespace

class Poster::Impl {
  public:
    Impl(asio::io_context& io, const Settings& settings)
        : io_(io), settings_(settings), resolver_(io), deadline_(io) {
        if (settings.url.tls) {
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

    void post(std::string body, const Headers& headers, Done done) {
        auto ex = std::make_shared<Exchange>();
        ex->done = std::move(done);
        const Url& url = settings_.url;
        ex->request.method(http::verb::post);
        ex->request.target(url.target);
        ex->request.version(11);
        ex->request.set(http::field::host, url.host_header);
        ex->request.set(http::field::user_agent, "notify-webhook/0.1");
        ex->request.set(http::field::content_type, "application/json");
        for (const auto& [name, value] : settings_.headers) ex->request.set(name, value);
        for (const auto& [name, value] : headers) ex->request.set(name, value);
        ex->request.keep_alive(true);
        ex->request.body() = std::move(body);
        ex->request.prepare_payload();
        current_ = ex;

        deadline_.expires_after(std::chrono::milliseconds{settings_.timeout_ms});
        deadline_.async_wait([this, ex](const error_code& ec) {
            if (ec || ex->finished) return;
            ex->timed_out = true;
            abort_io(*ex);
            // Answer now: a lookup stuck in getaddrinfo would not return before it gives up.
            finish(ex, PostResult{0, "no answer from " + settings_.url.text + " within " +
                                         std::to_string(settings_.timeout_ms) + " ms"});
        });

        if (idle_ && idle_->socket().is_open()) {
            ex->conn = std::move(idle_);
            ex->conn->reused = true;
            send(ex);
        } else {
            idle_.reset();
            open(ex);
        }
    }

    void cancel() {
        if (idle_) idle_->close();
        idle_.reset();
        if (current_ && !current_->finished) {
            abort_io(*current_);
            finish(current_, PostResult{0, "cancelled"});
        }
    }

  private:
    using ExchangePtr = std::shared_ptr<Exchange>;

    void abort_io(Exchange& ex) {
        resolver_.cancel();
        if (ex.conn) ex.conn->close();  // pending operations end with operation_aborted
    }

    void open(const ExchangePtr& ex) {
        ex->conn = std::make_shared<Conn>(io_, tls_.get());
        const Url& url = settings_.url;
        resolver_.async_resolve(
            url.host, url.port,
            [this, ex](const error_code& ec, const tcp::resolver::results_type& results) {
                if (ex->finished) return;
                if (ec) return fail(ex, ec, "resolve");
                asio::async_connect(ex->conn->socket(), results,
                                    [this, ex](const error_code& ec2, const tcp::endpoint&) {
                                        if (ex->finished) return;
                                        if (ec2) return fail(ex, ec2, "connect");
                                        handshake(ex);
                                    });
            });
    }

    // https://: SNI, and the peer's certificate checked against the trust store and the host.
    void handshake(const ExchangePtr& ex) {
        if (!ex->conn->tls) return send(ex);
        ssl::stream<tcp::socket>& tls = *ex->conn->tls;
        const std::string& host = settings_.url.host;
        error_code ec;
        asio::ip::make_address(host, ec);
        if (ec &&
            // SSL_set_tlsext_host_name without the macro's C cast.
            SSL_ctrl(tls.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                     const_cast<char*>(host.c_str())) != 1) {
            return fail(ex, asio::error::invalid_argument, "TLS server name for");
        }
        ec = {};
        tls.set_verify_mode(ssl::verify_peer, ec);
        if (!ec) tls.set_verify_callback(ssl::host_name_verification(host), ec);
        if (ec) return fail(ex, ec, "TLS setup for");
        tls.async_handshake(ssl::stream_base::client, [this, ex](const error_code& ec2) {
            if (ex->finished) return;
            if (ec2) return fail(ex, ec2, "TLS handshake with");
            send(ex);
        });
    }

    void send(const ExchangePtr& ex) {
        ex->conn->with_stream([&](auto& stream) {
            http::async_write(stream, ex->request, [this, ex](const error_code& ec, std::size_t) {
                if (ex->finished) return;
                if (ec) return retry_or_fail(ex, ec, "write to");
                receive(ex);
            });
        });
    }

    void receive(const ExchangePtr& ex) {
        ex->parser.emplace();
        ex->parser->header_limit(header_limit);
        ex->parser->body_limit(body_limit);
        ex->conn->with_stream([&](auto& stream) {
            http::async_read(stream, ex->conn->buffer, *ex->parser,
                             [this, ex](const error_code& ec, std::size_t) {
                                 if (ex->finished) return;
                                 if (ec) return retry_or_fail(ex, ec, "read from");
                                 answered(ex);
                             });
        });
    }

    // A kept-alive connection the backend closed meanwhile fails at once: try a fresh one, once.
    void retry_or_fail(const ExchangePtr& ex, const error_code& ec, const char* what) {
        if (ex->conn->reused && is_stale_connection_error(ec)) {
            ex->conn->close();
            ex->parser.reset();
            open(ex);
            return;
        }
        fail(ex, ec, what);
    }

    void answered(const ExchangePtr& ex) {
        auto& response = ex->parser->get();
        PostResult result;
        result.status = response.result_int();
        if (!result.delivered()) {
            result.error =
                "HTTP status " + std::to_string(result.status) + " from " + settings_.url.text;
        }
        if (response.keep_alive()) {
            ex->conn->reused = false;
            idle_ = ex->conn;
        }
        finish(ex, std::move(result));
    }

    void fail(const ExchangePtr& ex, const error_code& ec, const char* what) {
        finish(ex,
               PostResult{0, std::string{what} + " " + settings_.url.text + ": " + ec.message()});
    }

    void finish(const ExchangePtr& ex, PostResult result) {
        if (ex->finished) return;
        ex->finished = true;
        deadline_.cancel();
        if (ex->conn && idle_ != ex->conn) ex->conn->close();
        if (current_ == ex) current_.reset();
        // Never synchronously from post(): every path here runs from a completion handler.
        Done done = std::move(ex->done);
        done(std::move(result));
    }

    asio::io_context& io_;
    const Settings& settings_;
    std::unique_ptr<ssl::context> tls_;  // only for an https:// URL
    tcp::resolver resolver_;
    asio::steady_timer deadline_;
    std::shared_ptr<Conn> idle_;  // the kept-alive connection between POSTs
    ExchangePtr current_;
};

Poster::Poster(asio::io_context& io, const Settings& settings)
    : impl_(std::make_shared<Impl>(io, settings)) {}

Poster::~Poster() = default;

void Poster::post(std::string body, const Headers& headers, Done done) {
    impl_->post(std::move(body), headers, std::move(done));
}

void Poster::cancel() {
    impl_->cancel();
}

}  // namespace notify::webhook
