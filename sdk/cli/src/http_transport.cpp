#include "http_transport.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/none.hpp>
#include <nlohmann/json.hpp>

#include <array>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

#include "asio_runner.hpp"
#include "cli_error.hpp"
#include "extra_header.hpp"
#include "sse_parser.hpp"
#include "url.hpp"

namespace notify::cli {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr auto kCloseGrace = std::chrono::seconds(1);

enum class Delivery { sse, poll };

using Response = http::response<http::string_body>;

std::string host_header(const Url& url) {
    const bool ipv6 = url.host.find(':') != std::string::npos;
    return (ipv6 ? "[" + url.host + "]" : url.host) + ":" + url.port;
}

// The plugin's `path`: the URL's path without a query or a trailing '/'.
std::string base_path(const Url& url) {
    std::string path = url.target.substr(0, url.target.find('?'));
    while (!path.empty() && path.back() == '/') path.pop_back();
    return path;
}

std::string describe(const Response& response) {
    std::string text = "HTTP " + std::to_string(response.result_int()) + " " +
                       std::string(response.reason());
    if (!response.body().empty()) text += " " + response.body().substr(0, 200);
    return text;
}

class HttpTransport final : public Transport {
public:
    HttpTransport(const Url& url, Delivery delivery, std::vector<HttpHeader> extra_headers)
        : url_(url),
          delivery_(delivery),
          base_(base_path(url)),
          extra_headers_(std::move(extra_headers)),
          stream_socket_(runner_.io()) {}

    Encoding encoding() const override { return Encoding::json; }

    void connect(Deadline deadline) override {
        tcp::resolver resolver(runner_.io());
        bool resolved = false;
        error_code ec;
        resolver.async_resolve(url_.host, url_.port,
                               [&](error_code e, tcp::resolver::results_type results) {
                                   ec = e;
                                   endpoints_ = std::move(results);
                                   resolved = true;
                               });
        if (!runner_.run_until([&resolved] { return resolved; }, deadline)) {
            resolver.cancel();
            runner_.drain();
            throw CliError(ExitCode::timeout, "timed out resolving " + url_.host);
        }
        if (ec) fail("cannot resolve host '" + url_.host + "': " + ec.message());

        const auto created = request(http::verb::post, base_ + "/session", {}, deadline);
        if (created.result() != http::status::created) {
            fail("cannot create an HTTP session at " + url_.text + ": " + describe(created));
        }
        const auto body = nlohmann::json::parse(created.body(), nullptr, false);
        if (!body.is_object() || !body.contains("session") || !body["session"].is_string()) {
            fail("protocol error: the session reply of " + url_.text + " holds no session id: " +
                 created.body().substr(0, 200));
        }
        session_path_ = base_ + "/session/" + body["session"].get<std::string>();
        open_ = true;
        if (delivery_ == Delivery::sse) open_event_stream(deadline);
    }

    void send_frame(std::string_view frame, Deadline deadline) override {
        const auto response = request(http::verb::post, session_path_ + "/commands", frame,
                                      deadline);
        if (response.result() == http::status::accepted) return;
        if (response.result() == http::status::not_found) fail_session_ended();
        fail("server refused a command: " + describe(response));
    }

    std::string receive(Deadline deadline) override {
        if (delivery_ == Delivery::sse) {
            const bool ready = runner_.run_until(
                [this] { return !frames_.empty() || stream_failure_.has_value(); }, deadline);
            if (!ready) time_out("waiting for the server");
        }
        while (frames_.empty()) {
            if (stream_failure_) fail(*stream_failure_);
            poll(deadline);
        }
        std::string frame = std::move(frames_.front());
        frames_.pop_front();
        return frame;
    }

    // SSE wakes up on time; a long-poll wakes up only between polls (a poll the server holds
    // open ends by the server's poll timeout), so `wake` may pass by that much.
    std::optional<std::string> receive_until(Deadline deadline, Clock::time_point wake) override {
        const bool wake_first = !deadline || wake < *deadline;
        if (delivery_ == Delivery::sse) {
            const bool ready = runner_.run_until(
                [this] { return !frames_.empty() || stream_failure_.has_value(); },
                wake_first ? wake : *deadline);
            if (!ready) {
                if (wake_first && Clock::now() >= wake) return std::nullopt;
                time_out("waiting for the server");
            }
        }
        while (frames_.empty()) {
            if (stream_failure_) fail(*stream_failure_);
            if (delivery_ != Delivery::sse && Clock::now() >= wake) return std::nullopt;
            poll(deadline);
        }
        std::string frame = std::move(frames_.front());
        frames_.pop_front();
        return frame;
    }

    void close() noexcept override {
        if (!open_) return;
        open_ = false;
        try {
            request(http::verb::delete_, session_path_, {}, Clock::now() + kCloseGrace);
        } catch (const std::exception&) {
            // The session ends on the server's session_timeout anyway.
        }
        close_sockets();
        runner_.drain();
    }

private:
    void poll(Deadline deadline) {
        const auto response = request(http::verb::get, session_path_ + "/poll", {}, deadline);
        if (response.result() == http::status::not_found) fail_session_ended();
        if (response.result() != http::status::ok) {
            fail("protocol error: long-poll answered " + describe(response));
        }
        std::vector<std::string> frames;
        if (!split_json_array(response.body(), frames)) {
            fail("protocol error: a long-poll answer is not a JSON array of frames: " +
                 response.body().substr(0, 200));
        }
        for (auto& frame : frames) frames_.push_back(std::move(frame));
    }

    // One request on its own connection, answered in full.
    Response request(http::verb verb, const std::string& target, std::string_view body,
                     Deadline deadline) {
        tcp::socket socket(runner_.io());
        current_request_ = &socket;
        boost::beast::flat_buffer buffer;
        http::request<http::string_body> message{verb, target, 11};
        message.set(http::field::host, host_header(url_));
        message.set(http::field::user_agent, "notify-cli/" NOTIFY_CLI_VERSION);
        if (verb == http::verb::post) message.set(http::field::content_type, "application/json");
        add_extra_headers(message, extra_headers_);
        message.body() = std::string(body);
        message.keep_alive(false);
        message.prepare_payload();
        Response response;

        bool finished = false;
        error_code result;
        const char* stage = "connecting to";
        auto finish = [&](error_code ec) {
            finished = true;
            result = ec;
        };
        asio::async_connect(socket, endpoints_, [&](error_code ec, const tcp::endpoint&) {
            if (ec) return finish(ec);
            stage = "sending to";
            http::async_write(socket, message, [&](error_code write_ec, std::size_t) {
                if (write_ec) return finish(write_ec);
                stage = "receiving from";
                http::async_read(socket, buffer, response,
                                 [&](error_code read_ec, std::size_t) { finish(read_ec); });
            });
        });
        const bool done = runner_.run_until([&finished] { return finished; }, deadline);
        current_request_ = nullptr;
        if (!done) {
            error_code ignored;
            socket.close(ignored);
            time_out(std::string_view(stage) == "connecting to" ? "connecting to " + url_.text
                                                                : "waiting for the server");
        }
        if (result) {
            if (std::string_view(stage) == "connecting to") {
                fail("cannot connect to " + url_.text + ": " + result.message());
            }
            fail("connection lost while " + std::string(stage) + " " + url_.text + ": " +
                 result.message());
        }
        return response;
    }

    void open_event_stream(Deadline deadline) {
        http::request<http::empty_body> message{http::verb::get, session_path_ + "/events", 11};
        message.set(http::field::host, host_header(url_));
        message.set(http::field::user_agent, "notify-cli/" NOTIFY_CLI_VERSION);
        message.set(http::field::accept, "text/event-stream");
        add_extra_headers(message, extra_headers_);
        stream_parser_.emplace();
        stream_parser_->body_limit(boost::none);

        bool finished = false;
        error_code result;
        auto finish = [&](error_code ec) {
            finished = true;
            result = ec;
        };
        asio::async_connect(stream_socket_, endpoints_, [&](error_code ec, const tcp::endpoint&) {
            if (ec) return finish(ec);
            http::async_write(stream_socket_, message, [&](error_code write_ec, std::size_t) {
                if (write_ec) return finish(write_ec);
                http::async_read_header(stream_socket_, stream_buffer_, *stream_parser_,
                                        [&](error_code read_ec, std::size_t) { finish(read_ec); });
            });
        });
        if (!runner_.run_until([&finished] { return finished; }, deadline)) {
            time_out("opening the event stream at " + url_.text);
        }
        if (result) {
            fail("cannot open the event stream at " + url_.text + ": " + result.message());
        }
        const auto status = stream_parser_->get().result();
        if (status == http::status::not_found) fail_session_ended();
        if (status != http::status::ok) {
            fail("cannot open the event stream at " + url_.text + ": HTTP " +
                 std::to_string(stream_parser_->get().result_int()));
        }
        read_event_stream();
    }

    void read_event_stream() {
        auto& body = stream_parser_->get().body();
        body.data = chunk_.data();
        body.size = chunk_.size();
        http::async_read_some(stream_socket_, stream_buffer_, *stream_parser_,
                         [this](error_code ec, std::size_t) {
                             const std::size_t got = chunk_.size() - stream_parser_->get().body().size;
                             for (auto& event : sse_.feed(std::string_view(chunk_.data(), got))) {
                                 take_event(std::move(event));
                             }
                             if (ec == http::error::need_buffer) ec = {};
                             if (ec) {
                                 if (!stream_failure_ && ec != asio::error::operation_aborted) {
                                     stream_failure_ = "connection lost while receiving from " +
                                                       url_.text + ": " + ec.message();
                                 }
                                 return;
                             }
                             if (stream_parser_->is_done()) {
                                 if (!stream_failure_) stream_failure_ = "server closed the connection";
                                 return;
                             }
                             read_event_stream();
                         });
    }

    void take_event(SseEvent event) {
        if (stream_failure_) return;
        if (event.type == "message") {
            frames_.push_back(std::move(event.data));
        } else if (event.type == "close") {
            const auto close = nlohmann::json::parse(event.data, nullptr, false);
            std::string message = "server closed the connection";
            if (close.is_object() && close.contains("code") && close["code"].is_number_unsigned()) {
                message += " (code " + std::to_string(close["code"].get<std::uint64_t>());
                if (close.contains("reason") && close["reason"].is_string() &&
                    !close["reason"].get<std::string>().empty()) {
                    message += ": " + close["reason"].get<std::string>();
                }
                message += ")";
            }
            stream_failure_ = message;
        } else if (event.type == "gap") {
            stream_failure_ = "protocol error: the event stream lost frames (" + event.data + ")";
        }
    }

    void close_sockets() noexcept {
        error_code ignored;
        stream_socket_.close(ignored);
        if (current_request_ != nullptr) current_request_->close(ignored);
    }

    [[noreturn]] void time_out(const std::string& what) {
        open_ = false;
        close_sockets();
        runner_.drain();
        throw CliError(ExitCode::timeout, "timed out " + what);
    }

    [[noreturn]] void fail_session_ended() { fail("server closed the connection (session ended)"); }

    [[noreturn]] void fail(const std::string& message) {
        open_ = false;
        close_sockets();
        runner_.drain();
        throw CliError(ExitCode::failure, message);
    }

    Url url_;
    Delivery delivery_;
    std::string base_;
    std::vector<HttpHeader> extra_headers_;  // on every request of the session
    AsioRunner runner_;
    tcp::resolver::results_type endpoints_;
    std::string session_path_;
    tcp::socket* current_request_ = nullptr;

    tcp::socket stream_socket_;
    boost::beast::flat_buffer stream_buffer_;
    std::optional<http::response_parser<http::buffer_body>> stream_parser_;
    std::array<char, 16 * 1024> chunk_{};
    SseParser sse_;

    std::deque<std::string> frames_;
    std::optional<std::string> stream_failure_;
    bool open_ = false;
};

}  // namespace

std::unique_ptr<Transport> make_sse_transport(const Url& url, const TransportOptions& options) {
    return std::make_unique<HttpTransport>(url, Delivery::sse, options.extra_headers);
}

std::unique_ptr<Transport> make_poll_transport(const Url& url, const TransportOptions& options) {
    return std::make_unique<HttpTransport>(url, Delivery::poll, options.extra_headers);
}

}  // namespace notify::cli
