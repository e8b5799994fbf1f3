// Hostile bytes on the tcp and http transports of a notifyd serving every transport: the
// offender is closed or refused, and other clients keep being served.
#include <gtest/gtest.h>

#include <notify/protocol/binary.hpp>

#include <random>

#include "parity_server.hpp"
#include "raw_socket.hpp"

namespace notify::test {
namespace {

using std::chrono::seconds;

class TcpBadInputTest : public ParityServerTest {
protected:
    // A tcp client whose connect was acknowledged.
    std::unique_ptr<BinaryTcpClient> healthy_client() {
        auto client = std::make_unique<BinaryTcpClient>(kTcpPort);
        expect_reply(*client, protocol::Command{1, protocol::ConnectCommand{}});
        return client;
    }

    static void expect_reply(BinaryTcpClient& client, const protocol::Command& command) {
        client.send_frame(protocol::encode_command_binary(command));
        // Pushes may come first (the chat handler announces every client that connects).
        for (int frames = 0; frames < 16; ++frames) {
            const auto frame = client.read_frame(seconds(5));
            ASSERT_TRUE(frame.has_value()) << "no reply to command " << command.id;
            const auto decoded = protocol::decode_server_frame_binary(*frame);
            ASSERT_TRUE(std::holds_alternative<protocol::ServerFrame>(decoded));
            const auto* reply =
                std::get_if<protocol::Reply>(&std::get<protocol::ServerFrame>(decoded));
            if (reply == nullptr) continue;
            EXPECT_EQ(reply->id, command.id);
            EXPECT_FALSE(reply->error.has_value()) << reply->error->message;
            return;
        }
        ADD_FAILURE() << "only pushes, no reply to command " << command.id;
    }

    static void expect_serves_ping(BinaryTcpClient& client, std::uint64_t id) {
        expect_reply(client, protocol::Command{id, protocol::PingCommand{}});
    }
};

std::string little_endian_prefix(std::uint32_t size) {
    std::string prefix;
    for (int byte = 0; byte < 4; ++byte) {
        prefix += static_cast<char>((size >> (8 * byte)) & 0xffu);
    }
    return prefix;
}

TEST_F(TcpBadInputTest, LengthPrefixAboveTheLimitClosesTheConnectionWhileOthersAreServed) {
    auto healthy = healthy_client();
    RawSocket offender(kTcpPort);
    offender.send(little_endian_prefix(64u << 20));
    EXPECT_TRUE(offender.wait_closed(seconds(5))) << "an oversized frame kept the connection open";
    expect_serves_ping(*healthy, 2);
}

TEST_F(TcpBadInputTest, TruncatedPrefixThenCloseLeavesOthersServed) {
    auto healthy = healthy_client();
    {
        RawSocket offender(kTcpPort);
        offender.send(std::string("\x10\x00", 2));
    }
    expect_serves_ping(*healthy, 2);
    auto newcomer = healthy_client();
    expect_serves_ping(*newcomer, 2);
}

TEST_F(TcpBadInputTest, GarbageFrameGetsAnErrorReplyOrACloseWhileOthersAreServed) {
    auto healthy = healthy_client();
    BinaryTcpClient offender(kTcpPort);
    std::mt19937 random(7);
    std::string garbage(256, '\0');
    for (auto& byte : garbage) byte = static_cast<char>(random());
    offender.send_frame(garbage);
    const auto answer = offender.read_frame(seconds(5));
    if (answer) {
        const auto decoded = protocol::decode_server_frame_binary(*answer);
        ASSERT_TRUE(std::holds_alternative<protocol::ServerFrame>(decoded));
        const auto& frame = std::get<protocol::ServerFrame>(decoded);
        const auto* reply = std::get_if<protocol::Reply>(&frame);
        const bool refused = (reply != nullptr && reply->error.has_value()) ||
                             std::holds_alternative<protocol::DisconnectPush>(frame);
        EXPECT_TRUE(refused) << "garbage was answered like a valid command";
    } else {
        EXPECT_TRUE(offender.socket().wait_closed(seconds(1)))
            << "garbage was silently ignored";
    }
    expect_serves_ping(*healthy, 2);
}

TEST_F(TcpBadInputTest, RawGarbageBytesDoNotHurtTheServer) {
    auto healthy = healthy_client();
    {
        RawSocket offender(kTcpPort);
        offender.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n" + std::string(300, '\xff'));
        offender.wait_closed(seconds(2));
    }
    expect_serves_ping(*healthy, 2);
}

class HttpBadInputTest : public ParityServerTest {
protected:
    static std::string status_line(const std::string& method, const std::string& target,
                                   const std::string& body = {}) {
        RawSocket socket(kHttpPort);
        socket.send(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                    "Content-Type: application/json\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
        const std::string response = socket.read_all(seconds(5));
        return response.substr(0, response.find("\r\n"));
    }
};

TEST_F(HttpBadInputTest, CommandsToAMissingSessionAre404) {
    EXPECT_EQ(status_line("POST", "/http/session/0123456789abcdef0123456789abcdef/commands",
                          R"({"id":1,"connect":{}})"),
              "HTTP/1.1 404 Not Found");
    EXPECT_EQ(status_line("POST", "/http/session/not-even-hex/commands", R"({"id":1,"ping":{}})"),
              "HTTP/1.1 404 Not Found");
}

TEST_F(HttpBadInputTest, PollAndEventsOfAMissingSessionAre404) {
    EXPECT_EQ(status_line("GET", "/http/session/ffffffffffffffffffffffffffffffff/poll"),
              "HTTP/1.1 404 Not Found");
    EXPECT_EQ(status_line("GET", "/http/session/ffffffffffffffffffffffffffffffff/events"),
              "HTTP/1.1 404 Not Found");
}

TEST_F(HttpBadInputTest, AnEndedSessionIdIs404WhileTheServerKeepsServing) {
    const std::string created = [] {
        RawSocket socket(kHttpPort);
        socket.send("POST /http/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
                    "Connection: close\r\n\r\n");
        return socket.read_all(seconds(5));
    }();
    const auto key = created.find("\"session\":\"");
    ASSERT_NE(key, std::string::npos) << created;
    const std::string id = created.substr(key + 11, 32);
    EXPECT_EQ(status_line("DELETE", "/http/session/" + id), "HTTP/1.1 204 No Content");
    EXPECT_EQ(status_line("POST", "/http/session/" + id + "/commands", R"({"id":1,"ping":{}})"),
              "HTTP/1.1 404 Not Found");
    std::string error;
    EXPECT_EQ(run_cli("pub", {"pub", transport_urls()[2].url, "after", "x"}, &error), 0) << error;
}

}  // namespace
}  // namespace notify::test
