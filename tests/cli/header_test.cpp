// `--header "Name: value"`: its checks (argument errors, no server needed) and, against a
// scripted http session server that records every request, that each request of an http+poll
// session and the SSE event stream carry the headers.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <notify/protocol/json.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "child_process.hpp"
#include "cli_test_support.hpp"
#include "extra_header.hpp"

namespace notify::cli::testing {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

// --- parsing and checking -------------------------------------------------------------------

TEST(ExtraHeader, SplitsAtTheFirstColonAndDropsWhitespaceAroundTheValue) {
    EXPECT_EQ(extra_header_problem("Cookie: a=1"), "");
    EXPECT_EQ(parse_extra_header("Cookie: a=1"), (HttpHeader{"Cookie", "a=1"}));
    EXPECT_EQ(parse_extra_header("X-Time:\t 12:30:00 "), (HttpHeader{"X-Time", "12:30:00"}));
    EXPECT_EQ(parse_extra_header("X-Empty:"), (HttpHeader{"X-Empty", ""}));
    // Every tchar of RFC 9110 is allowed in a name.
    EXPECT_EQ(extra_header_problem("!#$%&'*+-.^_`|~09azAZ: v"), "");
}

TEST(ExtraHeader, RefusesWhatCannotGoOnTheWire) {
    EXPECT_NE(extra_header_problem("Cookie").find("expected 'Name: value'"), std::string::npos);
    for (const char* name : {"", "Bad Name", "X(1)", "X\"", "Ünïcode", "X/Y", "X@Y"}) {
        EXPECT_NE(extra_header_problem(std::string(name) + ": v").find("is not an HTTP token"),
                  std::string::npos)
            << name;
    }
    const std::vector<std::string> unsendable = {"a\r", "a\nb", std::string("a\0b", 3)};
    for (const std::string& value : unsendable) {
        EXPECT_NE(extra_header_problem("X-Value: " + value).find("contains CR, LF or NUL"),
                  std::string::npos);
    }
    // An error message stays one line.
    EXPECT_EQ(extra_header_problem("X\r\nY").find('\n'), std::string::npos);
}

TEST(ExtraHeader, RefusesTheHeadersTheClientSetsItselfInAnyCase) {
    for (const char* name : {"Host", "UPGRADE", "connection", "Sec-WebSocket-Key",
                             "sec-websocket-protocol", "Sec-WebSocket-Version", "Content-Length",
                             "Transfer-Encoding"}) {
        EXPECT_NE(extra_header_problem(std::string(name) + ": x").find("set by notify-cli itself"),
                  std::string::npos)
            << name;
    }
    EXPECT_EQ(extra_header_problem("User-Agent: probe/1"), "");
}

// --- argument errors ------------------------------------------------------------------------

// Argument errors exit 2 with `notify-cli: --header: …` and the usage, before connecting (the
// port has no server).
void expect_usage_error(const std::vector<std::string>& arguments, const std::string& reason) {
    const auto outcome = run_to_exit(cli(arguments), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_EQ(outcome.err.rfind("notify-cli: --header: " + reason, 0), 0u) << outcome.err;
    EXPECT_NE(outcome.err.find("Usage"), std::string::npos) << outcome.err;
    EXPECT_EQ(outcome.out, "");
}

TEST(NotifyCliHeader, BadNameExitsTwoWithUsage) {
    expect_usage_error({"sub", "ws://127.0.0.1:39499/", "chat", "--header", "Bad Name: x"},
                       "the header name 'Bad Name' is not an HTTP token");
    expect_usage_error({"pub", "ws://127.0.0.1:39499/", "chat", "x", "--header", "Cookie a=1"},
                       "expected 'Name: value', not 'Cookie a=1'");
}

TEST(NotifyCliHeader, CarriageReturnInTheValueExitsTwoWithUsage) {
    expect_usage_error(
        {"send", "ws://127.0.0.1:39499/", "x", "--header", "Cookie: a=1\r\nX-Injected: 1"},
        "the value of the header Cookie contains CR, LF or NUL, which cannot be sent");
}

TEST(NotifyCliHeader, ReservedNameExitsTwoWithUsage) {
    expect_usage_error({"presence", "ws://127.0.0.1:39499/", "chat", "--header", "Host: other"},
                       "the header Host is set by notify-cli itself");
    expect_usage_error(
        {"history", "ws://127.0.0.1:39499/", "chat", "--header", "sec-websocket-key: x"},
        "the header sec-websocket-key is set by notify-cli itself");
}

TEST(NotifyCliHeader, MoreThanThirtyTwoHeadersExitTwoWithUsage) {
    std::vector<std::string> arguments = {"sub", "ws://127.0.0.1:39499/", "chat"};
    for (int i = 1; i <= 33; ++i) {
        arguments.insert(arguments.end(), {"--header", "X-H" + std::to_string(i) + ": v"});
    }
    expect_usage_error(arguments, "at most 32 headers, not 33");
}

TEST(NotifyCliHeader, TcpTcpsAndUdpUrlsAreRefusedNamingTheOptionAndTheScheme) {
    for (const char* scheme : {"tcp", "tcps", "udp"}) {
        // --token-cmd would leave a trace on stderr: it is not run for a refused connection.
        const auto outcome = run_to_exit(
            cli({"pub", std::string(scheme) + "://127.0.0.1:39499", "chat", "x", "--header",
                 "Cookie: a=1", "--token-cmd", "echo token-cmd-ran >&2; echo t"}),
            kExitTimeout);
        EXPECT_EQ(outcome.exit_code, 2) << scheme;
        EXPECT_EQ(outcome.err, "notify-cli: --header cannot be used with " + std::string(scheme) +
                                   ":// URLs: the " + scheme +
                                   " transport has no HTTP headers (--header works with ws, wss, "
                                   "http, http+poll)\n");
        EXPECT_EQ(outcome.out, "");
    }
}

TEST(NotifyCliHeader, EveryConnectingSubcommandDescribesTheOption) {
    for (const char* subcommand : {"sub", "pub", "send", "presence", "history"}) {
        const auto outcome = run_to_exit(cli({subcommand, "--help"}), kExitTimeout);
        EXPECT_EQ(outcome.exit_code, 0) << subcommand;
        EXPECT_NE(outcome.out.find("--header \"NAME: VALUE\""), std::string::npos)
            << subcommand << ": " << outcome.out;
    }
}

// --- what reaches an http server ------------------------------------------------------------

struct RecordedRequest {
    std::string method;
    std::string target;
    std::vector<std::pair<std::string, std::string>> headers;  // names lowercased, in order

    std::vector<std::string> values(const std::string& lowercase_name) const {
        std::vector<std::string> found;
        for (const auto& [name, value] : headers) {
            if (name == lowercase_name) found.push_back(value);
        }
        return found;
    }
};

// The http plugin's session endpoints under /h, scripted for one session "s1": connect and
// send are answered (through the next poll), the event stream is answered 404 (the session
// ended), which is enough to see its request. One connection at a time, as notify-cli makes
// one per request.
class RecordingSessionServer {
public:
    RecordingSessionServer()
        : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
          endpoint_(acceptor_.local_endpoint()) {
        thread_ = std::thread([this] { serve(); });
    }

    ~RecordingSessionServer() {
        stopping_ = true;
        // Wakes the blocking accept.
        boost::system::error_code ignored;
        tcp::socket waker(io_);
        waker.connect(endpoint_, ignored);
        thread_.join();
    }

    RecordingSessionServer(const RecordingSessionServer&) = delete;
    RecordingSessionServer& operator=(const RecordingSessionServer&) = delete;

    std::string url(const std::string& scheme) const {
        return scheme + "://127.0.0.1:" + std::to_string(endpoint_.port()) + "/h";
    }

    std::vector<RecordedRequest> requests() const {
        std::lock_guard lock(mutex_);
        return requests_;
    }

private:
    void serve() {
        while (!stopping_) {
            tcp::socket socket(io_);
            boost::system::error_code ec;
            acceptor_.accept(socket, ec);
            if (stopping_ || ec) return;
            answer(socket);
        }
    }

    void answer(tcp::socket& socket) {
        // A client that stops mid-request must not hold the test up.
        timeval receive_timeout{5, 0};
        ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &receive_timeout,
                     sizeof receive_timeout);
        boost::beast::flat_buffer buffer;
        http::request<http::string_body> request;
        boost::system::error_code ec;
        http::read(socket, buffer, request, ec);
        if (ec) return;
        record(request);

        http::response<http::string_body> response{http::status::ok, 11};
        response.set(http::field::content_type, "application/json");
        const std::string target(request.target());
        if (request.method() == http::verb::post && target == "/h/session") {
            response.result(http::status::created);
            response.body() = R"({"session":"s1"})";
        } else if (request.method() == http::verb::post && target == "/h/session/s1/commands") {
            response.result(queue_reply(request.body()) ? http::status::accepted
                                                        : http::status::bad_request);
        } else if (request.method() == http::verb::get && target == "/h/session/s1/poll") {
            response.body() = take_replies();
        } else if (request.method() == http::verb::delete_ && target == "/h/session/s1") {
            response.result(http::status::no_content);
        } else {
            response.result(http::status::not_found);
        }
        response.keep_alive(false);
        response.prepare_payload();
        http::write(socket, response, ec);
        socket.shutdown(tcp::socket::shutdown_both, ec);
    }

    void record(const http::request<http::string_body>& request) {
        RecordedRequest recorded{std::string(request.method_string()),
                                 std::string(request.target()),
                                 {}};
        for (const auto& field : request) {
            std::string name(field.name_string());
            std::transform(name.begin(), name.end(), name.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            recorded.headers.emplace_back(std::move(name), std::string(field.value()));
        }
        std::lock_guard lock(mutex_);
        requests_.push_back(std::move(recorded));
    }

    // Only serve()'s thread touches the replies.
    bool queue_reply(const std::string& frame) {
        const auto decoded = protocol::decode_command(frame);
        const auto* command = std::get_if<protocol::Command>(&decoded);
        if (command == nullptr) return false;
        if (std::holds_alternative<protocol::ConnectCommand>(command->body)) {
            replies_.push_back(protocol::encode_connect_reply(command->id, "client-1", "",
                                                              "resume-1", "test"));
        } else {
            replies_.push_back(protocol::encode_empty_reply(command->id));
        }
        return true;
    }

    std::string take_replies() {
        std::string array = "[";
        for (std::size_t i = 0; i < replies_.size(); ++i) {
            array += (i == 0 ? "" : ",") + replies_[i];
        }
        replies_.clear();
        return array + "]";
    }

    asio::io_context io_;
    tcp::acceptor acceptor_;
    const tcp::endpoint endpoint_;  // read by the test thread while serve() accepts
    std::atomic<bool> stopping_{false};
    std::thread thread_;
    std::deque<std::string> replies_;
    mutable std::mutex mutex_;
    std::vector<RecordedRequest> requests_;
};

TEST(NotifyCliHeader, EveryRequestOfALongPollSessionCarriesTheHeaders) {
    RecordingSessionServer server;
    const auto outcome = run_to_exit(
        cli({"send", server.url("http+poll"), "x", "--timeout", "10", "--header", "Cookie: a=1",
             "--header", "X-Twice: 1", "--header", "X-Twice: 2", "--header",
             "User-Agent: probe/1"}),
        kExitTimeout);
    ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
    EXPECT_EQ(outcome.out, "");

    const auto requests = server.requests();
    std::vector<std::string> seen;
    for (const auto& request : requests) {
        seen.push_back(request.method + " " + request.target);
        EXPECT_EQ(request.values("cookie"), std::vector<std::string>{"a=1"}) << seen.back();
        EXPECT_EQ(request.values("x-twice"), (std::vector<std::string>{"1", "2"})) << seen.back();
        // A header the client sets by default takes the --header value instead.
        EXPECT_EQ(request.values("user-agent"), std::vector<std::string>{"probe/1"})
            << seen.back();
    }
    EXPECT_EQ(seen, (std::vector<std::string>{"POST /h/session", "POST /h/session/s1/commands",
                                              "GET /h/session/s1/poll",
                                              "POST /h/session/s1/commands",
                                              "GET /h/session/s1/poll", "DELETE /h/session/s1"}));
}

TEST(NotifyCliHeader, TheEventStreamRequestCarriesTheHeaders) {
    RecordingSessionServer server;
    const auto outcome = run_to_exit(
        cli({"sub", server.url("http"), "chat", "--timeout", "10", "--header", "Cookie: a=1"}),
        kExitTimeout);
    // The scripted server ends the session when the stream is asked for.
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_EQ(outcome.err, "notify-cli: server closed the connection (session ended)\n");

    const auto requests = server.requests();
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_EQ(requests[1].method + " " + requests[1].target, "GET /h/session/s1/events");
    for (const auto& request : requests) {
        EXPECT_EQ(request.values("cookie"), std::vector<std::string>{"a=1"}) << request.target;
    }
    EXPECT_EQ(requests[1].values("accept"), std::vector<std::string>{"text/event-stream"});
}

}  // namespace
}  // namespace notify::cli::testing
