#include "tcp_transport.hpp"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <notify/protocol/binary.hpp>

#include <array>
#include <type_traits>

#include "asio_runner.hpp"
#include "cli_error.hpp"
#include "tls_trust.hpp"
#include "url.hpp"

namespace notify::cli {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

// Server frames larger than this are a protocol error rather than a reason to buffer without end.
constexpr std::size_t kMaxServerFrameSize = 64u << 20;

using PlainSocket = tcp::socket;
using TlsSocket = ssl::stream<tcp::socket>;

bool is_ip_literal(const std::string& host) {
    error_code ec;
    asio::ip::make_address(host, ec);
    return !ec;
}

template <class Stream>
class TcpTransport final : public Transport {
public:
    static constexpr bool kTls = std::is_same_v<Stream, TlsSocket>;

    TcpTransport(const Url& url, const TransportOptions& options)
        : url_(url),
          tls_context_(ssl::context::tls_client),
          stream_(make_stream(options)),
          reader_(kMaxServerFrameSize) {}

    Encoding encoding() const override { return Encoding::binary; }

    void connect(Deadline deadline) override {
        tcp::resolver resolver(runner_.io());
        tcp::resolver::results_type endpoints;
        error_code ec = run([&](auto done) {
                resolver.async_resolve(url_.host, url_.port,
                                       [&endpoints, done](error_code e,
                                                          tcp::resolver::results_type r) {
                                           endpoints = std::move(r);
                                           done(e);
                                       });
            },
            deadline, "resolving " + url_.host);
        if (ec) fail("cannot resolve host '" + url_.host + "': " + ec.message());

        ec = run([&](auto done) {
                asio::async_connect(stream_.lowest_layer(), endpoints,
                                    [done](error_code e, const tcp::endpoint&) { done(e); });
            },
            deadline, "connecting to " + url_.text);
        if (ec) fail("cannot connect to " + url_.text + ": " + ec.message());

        if constexpr (kTls) {
            ec = run([&](auto done) { stream_.async_handshake(ssl::stream_base::client, done); },
                     deadline, "the TLS handshake with " + url_.text);
            if (ec) {
                std::string reason = ec.message();
                if (ec.category() == asio::error::get_ssl_category()) {
                    reason += " (use --insecure to skip certificate verification)";
                }
                fail("TLS handshake with " + url_.text + " failed: " + reason);
            }
        }
        open_ = true;
    }

    void send_frame(std::string_view frame, Deadline deadline) override {
        std::string bytes;
        protocol::append_length_prefixed(bytes, frame);
        const error_code ec = run([&](auto done) {
                asio::async_write(stream_, asio::buffer(bytes),
                                  [done](error_code e, std::size_t) { done(e); });
            },
            deadline, "sending to " + url_.text);
        if (ec) fail("connection lost while sending to " + url_.text + ": " + ec.message());
    }

    std::string receive(Deadline deadline) override {
        return *receive_until(deadline, Clock::time_point::max());
    }

    // The read stays pending across calls that woke up without a frame.
    std::optional<std::string> receive_until(Deadline deadline, Clock::time_point wake) override {
        for (;;) {
            while (!unread_.empty() && !reader_.failed()) {
                unread_.remove_prefix(reader_.feed(unread_));
                if (auto frame = reader_.pop_frame()) return std::move(*frame);
            }
            if (auto frame = reader_.pop_frame()) return std::move(*frame);
            if (reader_.failed()) fail("protocol error: " + reader_.error());

            if (!reading_) {
                reading_ = true;
                read_done_ = false;
                stream_.async_read_some(asio::buffer(buffer_), [this](error_code e, std::size_t n) {
                    read_done_ = true;
                    read_result_ = e;
                    read_size_ = n;
                });
            }
            const bool wake_first = !deadline || wake < *deadline;
            if (!runner_.run_until([this] { return read_done_; }, wake_first ? wake : *deadline)) {
                if (wake_first && Clock::now() >= wake) return std::nullopt;
                open_ = false;
                error_code ignored;
                stream_.lowest_layer().close(ignored);
                runner_.drain();
                throw CliError(ExitCode::timeout, "timed out waiting for the server");
            }
            reading_ = false;
            if (read_result_) fail_read(read_result_);
            unread_ = std::string_view(buffer_.data(), read_size_);
        }
    }

    void close() noexcept override {
        if (!open_) return;
        open_ = false;
        error_code ignored;
        stream_.lowest_layer().shutdown(tcp::socket::shutdown_both, ignored);
        stream_.lowest_layer().close(ignored);
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
            Stream stream(runner_.io(), tls_context_);
            if (!options.insecure) {
                stream.set_verify_callback(ssl::host_name_verification(url_.host));
            }
            if (!is_ip_literal(url_.host)) {
                // SSL_set_tlsext_host_name is a macro with an old-style cast.
                SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
                         TLSEXT_NAMETYPE_host_name, const_cast<char*>(url_.host.c_str()));
            }
            return stream;
        } else {
            return Stream(runner_.io());
        }
    }

    // One asynchronous operation to completion, or CliError(timeout) naming `what` once the
    // deadline passed (the socket is closed, which aborts the operation).
    template <class Start>
    error_code run(Start start, Deadline deadline, const std::string& what) {
        bool finished = false;
        error_code result;
        start([&finished, &result](error_code ec) {
            finished = true;
            result = ec;
        });
        if (!runner_.run_until([&finished] { return finished; }, deadline)) {
            open_ = false;
            error_code ignored;
            stream_.lowest_layer().close(ignored);
            runner_.drain();
            throw CliError(ExitCode::timeout, "timed out " + what);
        }
        return result;
    }

    [[noreturn]] void fail_read(error_code ec) {
        const bool ended = ec == asio::error::eof || ec == asio::error::connection_reset ||
                           ec == ssl::error::stream_truncated;
        if (!ended) fail("connection lost while receiving from " + url_.text + ": " + ec.message());
        if (reader_.buffered_size() > 0) {
            fail("server closed the connection in the middle of a frame");
        }
        fail("server closed the connection");
    }

    [[noreturn]] void fail(const std::string& message) {
        open_ = false;
        throw CliError(ExitCode::failure, message);
    }

    Url url_;
    AsioRunner runner_;
    ssl::context tls_context_;
    Stream stream_;
    protocol::StreamFrameReader reader_;
    std::array<char, 16 * 1024> buffer_{};
    std::string_view unread_;
    bool open_ = false;
    // The read of receive_until, pending across calls that woke up before data came.
    bool reading_ = false;
    bool read_done_ = false;
    error_code read_result_;
    std::size_t read_size_ = 0;
};

}  // namespace

std::unique_ptr<Transport> make_tcp_transport(const Url& url, const TransportOptions& options) {
    return std::make_unique<TcpTransport<PlainSocket>>(url, options);
}

std::unique_ptr<Transport> make_tcps_transport(const Url& url, const TransportOptions& options) {
    return std::make_unique<TcpTransport<TlsSocket>>(url, options);
}

}  // namespace notify::cli
