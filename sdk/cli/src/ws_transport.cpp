#include "ws_transport.hpp"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <notify/protocol/json.hpp>

#include <type_traits>
#include <vector>

#include "cli_error.hpp"
#include "extra_header.hpp"
#include "tls_trust.hpp"
#include "url.hpp"

namespace notify::cli {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr auto kCloseGrace = std::chrono::seconds(1);

using PlainStream = websocket::stream<beast::tcp_stream>;
using TlsStream = websocket::stream<ssl::stream<beast::tcp_stream>>;

bool is_ip_literal(const std::string& host) {
    error_code ec;
    asio::ip::make_address(host, ec);
    return !ec;
}

std::string host_header(const Url& url) {
    const bool ipv6 = url.host.find(':') != std::string::npos;
    std::string host = ipv6 ? "[" + url.host + "]" : url.host;
    return host + ":" + url.port;
}

template <class Stream>
class WsTransport final : public Transport {
public:
    static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

    WsTransport(const Url& url, const TransportOptions& options)
        : url_(url), tls_context_(ssl::context::tls_client), stream_(make_stream(options)) {}

    void connect(Deadline deadline) override {
        tcp::resolver resolver(io_);
        tcp::resolver::results_type endpoints;
        error_code ec = run([&](auto done) { resolver.async_resolve(url_.host, url_.port, 
                                 [&endpoints, done](error_code e, tcp::resolver::results_type r) {
                                     endpoints = std::move(r);
                                     done(e);
                                 }); },
                            deadline, "resolving " + url_.host);
        if (ec) fail("cannot resolve host '" + url_.host + "': " + ec.message());

        ec = run([&](auto done) {
                beast::get_lowest_layer(stream_).async_connect(
                    endpoints, [done](error_code e, const tcp::endpoint&) { done(e); });
            },
            deadline, "connecting to " + url_.text);
        if (ec) fail("cannot connect to " + url_.text + ": " + ec.message());

        if constexpr (kTls) {
            ec = run([&](auto done) {
                    stream_.next_layer().async_handshake(ssl::stream_base::client, done);
                },
                deadline, "the TLS handshake with " + url_.text);
            if (ec) fail("TLS handshake with " + url_.text + " failed: " + tls_reason(ec));
        }

        websocket::response_type response;
        ec = run([&](auto done) {
                stream_.async_handshake(response, host_header(url_), url_.target, done);
            },
            deadline, "the WebSocket handshake with " + url_.text);
        if (ec == websocket::error::upgrade_declined) {
            fail("WebSocket handshake with " + url_.text + " declined: HTTP " +
                 std::to_string(response.result_int()) + " " + std::string(response.reason()));
        }
        if (ec) fail("WebSocket handshake with " + url_.text + " failed: " + ec.message());
        const auto accepted = response[http::field::sec_websocket_protocol];
        if (accepted != protocol::kJsonSubprotocol) {
            fail("server at " + url_.text + " did not accept the WebSocket subprotocol " +
                 std::string(protocol::kJsonSubprotocol) +
                 (accepted.empty() ? std::string(" (it chose none)")
                                   : " (it chose '" + std::string(accepted) + "')"));
        }
        stream_.text(true);
        open_ = true;
    }

    Encoding encoding() const override { return Encoding::json; }

    void send_frame(std::string_view frame, Deadline deadline) override {
        const error_code ec = run([&](auto done) {
                stream_.async_write(asio::buffer(frame.data(), frame.size()),
                                    [done](error_code e, std::size_t) { done(e); });
            },
            deadline, "sending to " + url_.text);
        if (ec) fail_connection(ec, "sending to");
    }

    std::string receive(Deadline deadline) override {
        return *receive_until(deadline, Clock::time_point::max());
    }

    // The read stays pending across calls that woke up without a frame.
    std::optional<std::string> receive_until(Deadline deadline, Clock::time_point wake) override {
        if (!reading_) {
            reading_ = true;
            read_done_ = false;
            read_buffer_.clear();
            stream_.async_read(read_buffer_, [this](error_code e, std::size_t) {
                read_done_ = true;
                read_result_ = e;
            });
        }
        const bool wake_first = !deadline || wake < *deadline;
        io_.restart();
        while (!read_done_) {
            const auto until = wake_first ? wake : *deadline;
            if (io_.run_one_until(until) == 0 && Clock::now() >= until) break;
        }
        if (!read_done_) {
            if (wake_first) return std::nullopt;
            open_ = false;
            error_code ignored;
            beast::get_lowest_layer(stream_).socket().close(ignored);
            io_.restart();
            io_.run();
            throw CliError(ExitCode::timeout, "timed out waiting for the server");
        }
        reading_ = false;
        if (read_result_) fail_connection(read_result_, "receiving from");
        std::string frame = beast::buffers_to_string(read_buffer_.data());
        read_buffer_.clear();
        return frame;
    }

    void close() noexcept override {
        if (!open_) return;
        open_ = false;
        try {
            run([&](auto done) { stream_.async_close(websocket::close_code::normal, done); },
                Clock::now() + kCloseGrace, "closing");
        } catch (const CliError&) {
            // The server did not answer our close in time; the process is ending anyway.
        }
    }

private:
    Stream make_stream(const TransportOptions& options) {
        if constexpr (kTls) {
            if (options.insecure) {
                tls_context_.set_verify_mode(ssl::verify_none);
            } else {
                tls_context_.set_verify_mode(ssl::verify_peer);
                trust_certificates(tls_context_, options);
            }
            Stream stream(io_, tls_context_);
            if (!options.insecure) {
                stream.next_layer().set_verify_callback(ssl::host_name_verification(url_.host));
            }
            if (!is_ip_literal(url_.host)) {
                // SSL_set_tlsext_host_name is a macro with an old-style cast.
                SSL_ctrl(stream.next_layer().native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
                         TLSEXT_NAMETYPE_host_name, const_cast<char*>(url_.host.c_str()));
            }
            decorate(stream, options.extra_headers);
            return stream;
        } else {
            Stream stream(io_);
            decorate(stream, options.extra_headers);
            return stream;
        }
    }

    static void decorate(Stream& stream, const std::vector<HttpHeader>& extra_headers) {
        stream.set_option(websocket::stream_base::decorator(
            [extra_headers](websocket::request_type& request) {
                request.set(http::field::sec_websocket_protocol, protocol::kJsonSubprotocol);
                request.set(http::field::user_agent, "notify-cli/" NOTIFY_CLI_VERSION);
                add_extra_headers(request, extra_headers);
            }));
    }

    // Runs one asynchronous operation to completion or until the deadline; on the deadline the
    // socket is closed (which aborts the operation) and CliError(timeout) names `what`.
    template <class Start>
    error_code run(Start start, Deadline deadline, const std::string& what) {
        bool finished = false;
        error_code result;
        io_.restart();
        start([&finished, &result](error_code ec) {
            finished = true;
            result = ec;
        });
        while (!finished) {
            const auto handled = deadline ? io_.run_one_until(*deadline) : io_.run_one();
            if (handled == 0) break;
        }
        if (!finished) {
            open_ = false;
            error_code ignored;
            beast::get_lowest_layer(stream_).socket().close(ignored);
            io_.restart();
            io_.run();
            throw CliError(ExitCode::timeout, "timed out " + what);
        }
        return result;
    }

    [[noreturn]] void fail(const std::string& message) {
        open_ = false;
        throw CliError(ExitCode::failure, message);
    }

    [[noreturn]] void fail_connection(error_code ec, std::string_view doing) {
        if (ec == websocket::error::closed) {
            const auto& reason = stream_.reason();
            std::string message = "server closed the connection (code " +
                                  std::to_string(reason.code);
            if (!reason.reason.empty()) message += ": " + std::string(reason.reason.c_str());
            open_ = false;
            throw CliError(ExitCode::failure, message + ")",
                           static_cast<std::uint16_t>(reason.code));
        }
        fail("connection lost while " + std::string(doing) + " " + url_.text + ": " +
             ec.message());
    }

    static std::string tls_reason(error_code ec) {
        std::string reason = ec.message();
        if (ec.category() == asio::error::get_ssl_category()) {
            reason += " (use --insecure to skip certificate verification)";
        }
        return reason;
    }

    Url url_;
    asio::io_context io_;
    ssl::context tls_context_;
    Stream stream_;
    bool open_ = false;
    // The read of receive_until, pending across calls that woke up before a frame came.
    beast::flat_buffer read_buffer_;
    bool reading_ = false;
    bool read_done_ = false;
    error_code read_result_;
};

}  // namespace

std::unique_ptr<Transport> make_ws_transport(const Url& url, const TransportOptions& options) {
    return std::make_unique<WsTransport<PlainStream>>(url, options);
}

std::unique_ptr<Transport> make_wss_transport(const Url& url, const TransportOptions& options) {
    return std::make_unique<WsTransport<TlsStream>>(url, options);
}

}  // namespace notify::cli
