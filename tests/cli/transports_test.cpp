// The tcp://, tcps://, http:// and http+poll:// schemes: URL checks, connection failures, a
// fake binary-encoding TCP server, and the SSE and long-poll body parsers.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <notify/protocol/binary.hpp>

#include <functional>
#include <thread>

#include "child_process.hpp"
#include "cli_test_support.hpp"
#include "fake_server.hpp"
#include "refusing_port.hpp"
#include "sse_parser.hpp"

namespace notify::cli::testing {
namespace {

// Accepts one client on 127.0.0.1 (ephemeral port) and runs `script` on its socket in a thread.
class FakeTcpServer {
public:
    explicit FakeTcpServer(std::function<void(int)> script) {
        listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t size = sizeof address;
        ::bind(listener_, reinterpret_cast<sockaddr*>(&address), size);
        ::listen(listener_, 4);
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size);
        port_ = ntohs(address.sin_port);
        thread_ = std::thread([this, script = std::move(script)] {
            const int client = ::accept(listener_, nullptr, nullptr);
            if (client < 0) return;
            script(client);
            ::close(client);
        });
    }
    ~FakeTcpServer() {
        ::shutdown(listener_, SHUT_RDWR);
        join();
        ::close(listener_);
    }
    // Waits for the script to end: what it wrote to the test's variables is then safe to read.
    void join() {
        if (thread_.joinable()) thread_.join();
    }
    std::string url() const { return "tcp://127.0.0.1:" + std::to_string(port_); }

private:
    int listener_ = -1;
    std::uint16_t port_ = 0;
    std::thread thread_;
};

std::string read_exact(int socket, std::size_t size) {
    std::string bytes(size, '\0');
    std::size_t got = 0;
    while (got < size) {
        const auto n = ::recv(socket, bytes.data() + got, size - got, 0);
        if (n <= 0) throw std::runtime_error("client closed");
        got += static_cast<std::size_t>(n);
    }
    return bytes;
}

protocol::Command read_command(int socket) {
    const std::string prefix = read_exact(socket, 4);
    std::size_t size = 0;
    for (int i = 3; i >= 0; --i) size = (size << 8) | static_cast<unsigned char>(prefix[static_cast<std::size_t>(i)]);
    auto decoded = protocol::decode_command_binary(read_exact(socket, size));
    if (!std::holds_alternative<protocol::Command>(decoded)) {
        throw std::runtime_error("undecodable binary command");
    }
    return std::get<protocol::Command>(decoded);
}

void write_frame(int socket, std::string_view frame) {
    std::string bytes;
    protocol::append_length_prefixed(bytes, frame);
    ::send(socket, bytes.data(), bytes.size(), MSG_NOSIGNAL);
}

TEST(NotifyCliTransports, TcpUrlWithoutPortExitsTwo) {
    const auto outcome = run_to_exit(cli({"pub", "tcp://127.0.0.1", "chat", "x"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_EQ(outcome.err, "notify-cli: invalid URL 'tcp://127.0.0.1': a tcp URL needs a port "
                           "(tcp://HOST:PORT)\n");
}

TEST(NotifyCliTransports, ConnectionRefusedExitsTwoForEveryScheme) {
    const notify::test::RefusingPort refusing;
    const std::string port = std::to_string(refusing.port());
    for (const std::string scheme : {"tcp", "tcps", "http", "http+poll"}) {
        const std::string url = scheme + "://127.0.0.1:" + port + "/http";
        const auto outcome = run_to_exit(cli({"send", url, "x"}), kExitTimeout);
        EXPECT_EQ(outcome.exit_code, 2) << scheme;
        EXPECT_EQ(outcome.err.rfind("notify-cli: cannot connect to " + url + ": ", 0), 0u)
            << outcome.err;
    }
}

TEST(NotifyCliTransports, MissingCaFileExitsTwoNamingIt) {
    const auto outcome = run_to_exit(
        cli({"send", "tcps://127.0.0.1:1", "x", "--cafile", "/nonexistent/ca.pem"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_EQ(outcome.err.rfind("notify-cli: cannot load --cafile '/nonexistent/ca.pem': ", 0), 0u)
        << outcome.err;
}

TEST(NotifyCliTransports, TcpSubPrintsBinaryPushesAsTheContractsLines) {
    FakeTcpServer server([](int socket) {
        const auto connect = read_command(socket);
        write_frame(socket, protocol::encode_connect_reply_binary(connect.id, "c1", "", "r", "t"));
        const auto subscribe = read_command(socket);
        write_frame(socket, protocol::encode_empty_reply_binary(subscribe.id));
        write_frame(socket, protocol::encode_message_push_binary("news", 7, "e1", "hello"));
        write_frame(socket, protocol::encode_message_push_binary("news", 8, "e1", "\xff"));
        char byte = 0;
        ::recv(socket, &byte, 1, 0);
    });
    const auto outcome =
        run_to_exit(cli({"sub", server.url(), "news", "--count", "2", "--timeout", "5"}),
                    kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
    EXPECT_EQ(outcome.out, "{\"topic\":\"news\",\"offset\":7,\"epoch\":\"e1\",\"data\":\"hello\"}\n"
                           "{\"topic\":\"news\",\"offset\":8,\"epoch\":\"e1\",\"data_b64\":\"/w==\"}\n");
    EXPECT_EQ(outcome.err, "client c1 r\nready\n");
}

// Over tcp (binary encoding): the connect reply's ttl_ms, the refresh the read waits for, the
// subscription token.
TEST(NotifyCliTransports, TcpSubRefreshesItsTokenAndSendsSubscriptionTokens) {
    std::string connect_token;
    std::string refresh_token;
    std::string subscription_token;
    FakeTcpServer server([&](int socket) {
        const auto connect = read_command(socket);
        connect_token = std::get<protocol::ConnectCommand>(connect.body).token;
        protocol::SessionResume session;
        session.ttl_ms = 250;
        write_frame(socket,
                    protocol::encode_connect_reply_binary(connect.id, "c1", "", "r", "t", session));
        const auto subscribe = read_command(socket);
        subscription_token = std::get<protocol::SubscribeCommand>(subscribe.body).token;
        write_frame(socket, protocol::encode_empty_reply_binary(subscribe.id));
        const auto refresh = read_command(socket);
        refresh_token = std::get<protocol::RefreshCommand>(refresh.body).token;
        write_frame(socket, protocol::encode_refresh_reply_binary(refresh.id, std::nullopt));
        write_frame(socket, protocol::encode_message_push_binary("news", 7, "e1", "hello"));
        char byte = 0;
        ::recv(socket, &byte, 1, 0);
    });
    const auto outcome =
        run_to_exit(cli({"sub", server.url(), "news", "--count", "1", "--timeout", "5",
                         "--token-cmd", "echo t-$$", "--sub-token", "news=s"}),
                    kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
    EXPECT_EQ(outcome.err, "client c1 r\nready\n");
    server.join();
    EXPECT_EQ(connect_token.rfind("t-", 0), 0U) << connect_token;
    EXPECT_EQ(refresh_token.rfind("t-", 0), 0U) << refresh_token;
    EXPECT_NE(connect_token, refresh_token);  // a new run of the command, a new shell pid
    EXPECT_EQ(subscription_token, "s");
}

TEST(NotifyCliTransports, TcpServerClosingInsideAFrameExitsTwo) {
    FakeTcpServer server([](int socket) {
        read_command(socket);
        ::send(socket, "\x20\x00\x00\x00\x01", 5, MSG_NOSIGNAL);
    });
    const auto outcome = run_to_exit(cli({"pub", server.url(), "news", "x"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_EQ(outcome.err, "notify-cli: server closed the connection in the middle of a frame\n");
}

TEST(NotifyCliTransports, TcpPublishErrorReplyExitsTwoWithTheReason) {
    FakeTcpServer server([](int socket) {
        const auto connect = read_command(socket);
        write_frame(socket, protocol::encode_connect_reply_binary(connect.id, "c1", "", "r", "t"));
        const auto publish = read_command(socket);
        write_frame(socket, protocol::encode_error_reply_binary(
                                publish.id, protocol::ErrorCode::permission_denied, "no"));
        char byte = 0;
        ::recv(socket, &byte, 1, 0);
    });
    const auto outcome = run_to_exit(cli({"pub", server.url(), "news", "x"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_EQ(outcome.err,
              "notify-cli: publish to 'news' refused: permission_denied (104): no\n");
}

TEST(SseParser, CutsEventsAcrossChunksAndSkipsComments) {
    SseParser parser;
    EXPECT_TRUE(parser.feed(": ping\n\nid: 1\nda").empty());
    auto events = parser.feed("ta: {\"id\":1}\r\n\r\nevent: close\ndata: {\"code\":1001}\n\n");
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].type, "message");
    EXPECT_EQ(events[0].data, "{\"id\":1}");
    EXPECT_EQ(events[1].type, "close");
    EXPECT_EQ(events[1].data, "{\"code\":1001}");
}

TEST(PollBody, SplitsFramesKeepingTheirTextAndStringsWithCommas) {
    std::vector<std::string> frames;
    ASSERT_TRUE(split_json_array(R"([{"a":"x,]}\"y"},{"b":[1,2]}])", frames));
    ASSERT_EQ(frames.size(), 2u);
    EXPECT_EQ(frames[0], R"({"a":"x,]}\"y"})");
    EXPECT_EQ(frames[1], R"({"b":[1,2]})");
    frames.clear();
    EXPECT_TRUE(split_json_array("[]", frames));
    EXPECT_TRUE(frames.empty());
    EXPECT_FALSE(split_json_array("{\"id\":1}", frames));
    EXPECT_FALSE(split_json_array("[{\"a\":1}", frames));
}

}  // namespace
}  // namespace notify::cli::testing
