// `notify-cli nodes URL`: the cluster view over plain HTTP (GET /cluster/nodes and
// /cluster/handout on the URL's host and port), against a fake HTTP server.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "child_process.hpp"
#include "cli_test_support.hpp"
#include "fake_server.hpp"
#include "refusing_port.hpp"

namespace notify::cli::testing {
namespace {

// Answers every request on 127.0.0.1 (ephemeral port) with one fixed response, then closes the
// connection; keeps the request heads it read.
class FakeHttpServer {
public:
    explicit FakeHttpServer(std::string response) : response_(std::move(response)) {
        listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t size = sizeof address;
        ::bind(listener_, reinterpret_cast<sockaddr*>(&address), size);
        ::listen(listener_, 4);
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size);
        port_ = ntohs(address.sin_port);
        thread_ = std::thread([this] {
            for (;;) {
                const int client = ::accept(listener_, nullptr, nullptr);
                if (client < 0) return;
                std::string head;
                char buffer[4096];
                while (head.find("\r\n\r\n") == std::string::npos) {
                    const auto n = ::recv(client, buffer, sizeof buffer, 0);
                    if (n <= 0) break;
                    head.append(buffer, static_cast<std::size_t>(n));
                }
                {
                    const std::lock_guard lock(mutex_);
                    requests_.push_back(head);
                }
                ::send(client, response_.data(), response_.size(), MSG_NOSIGNAL);
                ::close(client);
            }
        });
    }
    ~FakeHttpServer() {
        ::shutdown(listener_, SHUT_RDWR);
        thread_.join();
        ::close(listener_);
    }
    std::uint16_t port() const { return port_; }
    std::vector<std::string> requests() const {
        const std::lock_guard lock(mutex_);
        return requests_;
    }

private:
    std::string response_;
    int listener_ = -1;
    std::uint16_t port_ = 0;
    std::thread thread_;
    mutable std::mutex mutex_;
    std::vector<std::string> requests_;
};

std::string ok_json(const std::string& body) {
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCache-Control: no-store\r\n"
           "Content-Length: " +
           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

const std::string kNodes =
    R"({"nodes":[)"
    R"({"id":"9f2c1a","name":"node-1",)"
    R"("urls":["ws://127.0.0.1:3301/pubsub","tcp://127.0.0.1:3311"],)"
    R"("version":"0.1.0","connections":1200,"clients":1180,"users":75,"topics":12,)"
    R"("subscriptions":2400,"cpu":0.125,"uptime_ms":3723000,"self":true},)"
    R"({"id":"40bb7e","name":"node-2","urls":[],"version":"0.1.0","connections":3,"clients":3,)"
    R"("users":0,"topics":1,"subscriptions":3,"cpu":0,"uptime_ms":59999,"self":false},)"
    R"({"id":"77aa01","name":"node 3","version":"0.1.0","cpu":1.5,"uptime_ms":200000000})"
    R"(]})";

TEST(NotifyCliNodes, PrintsOneAlignedLinePerNodeUnderAHeader) {
    FakeHttpServer server(ok_json(kNodes));
    const auto outcome = run_to_exit(
        cli({"nodes", "ws://127.0.0.1:" + std::to_string(server.port()) + "/pubsub"}),
        kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
    EXPECT_EQ(outcome.err, "");
    EXPECT_EQ(outcome.out,
              "NAME    ID      URL                         CONNECTIONS  CLIENTS  USERS  TOPICS  "
              "SUBSCRIPTIONS  CPU   UPTIME\n"
              "node-1  9f2c1a  ws://127.0.0.1:3301/pubsub  1200         1180     75     12      "
              "2400           0.12  1h02m\n"
              "node-2  40bb7e  -                           3            3        0      1       "
              "3              0.00  59s\n"
              "node_3  77aa01  -                           -            -        -      -       "
              "-              1.50  2d07h\n");
    const auto requests = server.requests();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].rfind("GET /cluster/nodes HTTP/1.1\r\n", 0), 0u) << requests[0];
    EXPECT_NE(requests[0].find("Host: 127.0.0.1:" + std::to_string(server.port()) + "\r\n"),
              std::string::npos)
        << requests[0];
}

TEST(NotifyCliNodes, JsonPrintsTheServersAnswerAsItCame) {
    FakeHttpServer server(ok_json(kNodes));
    const auto outcome = run_to_exit(
        cli({"nodes", "http://127.0.0.1:" + std::to_string(server.port()) + "/http", "--json"}),
        kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
    EXPECT_EQ(outcome.out, kNodes + "\n");
}

TEST(NotifyCliNodes, HandoutPrintsTheChosenNodesFirstUrl) {
    FakeHttpServer server(ok_json(
        R"({"node":{"id":"40bb7e","name":"node-2","urls":["ws://127.0.0.1:3302/pubsub"]},)"
        R"("candidates":[{"id":"40bb7e","name":"node-2",)"
        R"("urls":["ws://127.0.0.1:3302/pubsub"]}]})"));
    const std::string url = "ws://127.0.0.1:" + std::to_string(server.port());
    const auto outcome = run_to_exit(cli({"nodes", url, "--handout"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
    EXPECT_EQ(outcome.out, "ws://127.0.0.1:3302/pubsub\n");
    const auto requests = server.requests();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].rfind("GET /cluster/handout HTTP/1.1\r\n", 0), 0u) << requests[0];
}

TEST(NotifyCliNodes, HandoutWithoutANodeOrUrlExitsTwo) {
    {
        FakeHttpServer server(ok_json(R"({"node":null,"candidates":[]})"));
        const auto outcome = run_to_exit(
            cli({"nodes", "ws://127.0.0.1:" + std::to_string(server.port()), "--handout"}),
            kExitTimeout);
        EXPECT_EQ(outcome.exit_code, 2);
        EXPECT_EQ(outcome.err, "notify-cli: http://127.0.0.1:" + std::to_string(server.port()) +
                                   "/cluster/handout handed out no node\n");
    }
    {
        FakeHttpServer server(ok_json(R"({"node":{"name":"n","urls":[]},"candidates":[]})"));
        const auto outcome = run_to_exit(
            cli({"nodes", "ws://127.0.0.1:" + std::to_string(server.port()), "--handout"}),
            kExitTimeout);
        EXPECT_EQ(outcome.exit_code, 2);
        EXPECT_NE(outcome.err.find("handed out node 'n', which announces no URL"),
                  std::string::npos)
            << outcome.err;
    }
}

TEST(NotifyCliNodes, HttpErrorsAndBadJsonExitTwoWithAClearLine) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\nConnection: close\r\n\r\nnot found\n",
         "/cluster/nodes answered HTTP 404 Not Found (the server does not serve the cluster "
         "view there)\n"},
        {"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\nConnection: close\r\n\r\n"
         "oops\n",
         "/cluster/nodes answered HTTP 500 Internal Server Error: oops \n"},
        {ok_json("{\"nodes\":["), "/cluster/nodes answered invalid JSON: {\"nodes\":[\n"},
        {ok_json("[]"), "/cluster/nodes answered JSON that is not an object\n"},
        {ok_json("{\"nodes\":{}}"), "/cluster/nodes answered JSON without a \"nodes\" array\n"},
        {ok_json("{\"nodes\":[1]}"), "/cluster/nodes answered a node that is not an object\n"},
    };
    for (const auto& [response, ending] : cases) {
        FakeHttpServer server(response);
        const auto outcome = run_to_exit(
            cli({"nodes", "ws://127.0.0.1:" + std::to_string(server.port())}), kExitTimeout);
        EXPECT_EQ(outcome.exit_code, 2) << response;
        EXPECT_EQ(outcome.out, "");
        EXPECT_EQ(outcome.err.rfind("notify-cli: ", 0), 0u) << outcome.err;
        ASSERT_GE(outcome.err.size(), ending.size()) << outcome.err;
        EXPECT_EQ(outcome.err.substr(outcome.err.size() - ending.size()), ending) << outcome.err;
    }
}

TEST(NotifyCliNodes, ConnectionRefusedAndOtherSchemesExitTwo) {
    const notify::test::RefusingPort refusing;
    const auto refused = run_to_exit(
        cli({"nodes", "ws://127.0.0.1:" + std::to_string(refusing.port()) + "/pubsub"}),
        kExitTimeout);
    EXPECT_EQ(refused.exit_code, 2);
    EXPECT_NE(refused.err.find("notify-cli: cannot connect to http://127.0.0.1:"),
              std::string::npos)
        << refused.err;
    const auto tcp = run_to_exit(cli({"nodes", "tcp://127.0.0.1:3101"}), kExitTimeout);
    EXPECT_EQ(tcp.exit_code, 2);
    EXPECT_EQ(tcp.err, "notify-cli: nodes needs a ws:// or http:// URL (the server's HTTP side), "
                       "not 'tcp://'\n");
}

TEST(NotifyCliNodes, ASilentServerTimesOutWithExitOne) {
    const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), size), 0);
    ASSERT_EQ(::listen(listener, 4), 0);
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &size);
    const auto outcome = run_to_exit(
        cli({"nodes", "ws://127.0.0.1:" + std::to_string(ntohs(address.sin_port)), "--timeout",
             "0.3"}),
        kExitTimeout);
    ::close(listener);
    EXPECT_EQ(outcome.exit_code, 1);
    EXPECT_NE(outcome.err.find("notify-cli: timed out"), std::string::npos) << outcome.err;
}

}  // namespace
}  // namespace notify::cli::testing
