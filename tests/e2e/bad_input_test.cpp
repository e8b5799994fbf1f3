// Hostile and broken clients against a real notifyd: each gets an error reply or a close with a
// code, and other clients keep being served.
#include <gtest/gtest.h>

#include <random>

#include "notifyd_fixture.hpp"
#include "ws_client.hpp"

namespace notify::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class BadInputTest : public NotifydTest {
protected:
    // A connected client (connect acknowledged) that must keep working.
    std::unique_ptr<WsClient> healthy_client() {
        auto client = std::make_unique<WsClient>(port_, "/pubsub");
        client->send_text(R"({"id":1,"connect":{}})");
        EXPECT_TRUE(client->read_until("\"result\"", seconds(5)).has_value());
        return client;
    }

    static void expect_serves_ping(WsClient& client, int id) {
        const std::string id_text = "\"id\":" + std::to_string(id);
        client.send_text("{" + id_text + ",\"ping\":{}}");
        const auto reply = client.read_until(id_text, seconds(5));
        ASSERT_TRUE(reply.has_value()) << "the healthy client was not served";
        EXPECT_NE(reply->find("\"result\""), std::string::npos) << *reply;
    }
};

TEST_F(BadInputTest, InvalidJsonGetsBadRequestAndTheConnectionStaysUsable) {
    start_notifyd(39411, chat_manifest(39411));
    WsClient client(port_, "/pubsub");
    client.send_text("{this is not json");
    const auto reply = client.read(seconds(5));
    ASSERT_FALSE(reply.closed || reply.timed_out);
    EXPECT_NE(reply.text.find("\"code\":102"), std::string::npos) << reply.text;
    client.send_text(R"({"id":7,"connect":{}})");
    const auto connected = client.read_until("\"id\":7", seconds(5));
    ASSERT_TRUE(connected.has_value());
    EXPECT_NE(connected->find("\"client\""), std::string::npos) << *connected;
}

TEST_F(BadInputTest, UnknownCommandGetsUnknownCommandErrorWithItsId) {
    start_notifyd(39412, chat_manifest(39412));
    auto client = healthy_client();
    client->send_text(R"({"id":5,"frobnicate":{}})");
    const auto reply = client->read_until("\"id\":5", seconds(5));
    ASSERT_TRUE(reply.has_value());
    EXPECT_NE(reply->find("\"code\":103"), std::string::npos) << *reply;
    expect_serves_ping(*client, 6);
}

TEST_F(BadInputTest, CommandBeforeConnectIsRefused) {
    start_notifyd(39413, chat_manifest(39413));
    WsClient client(port_, "/pubsub");
    client.send_text(R"({"id":3,"subscribe":{"topic":"chat"}})");
    const auto reply = client.read_until("\"id\":3", seconds(5));
    ASSERT_TRUE(reply.has_value());
    EXPECT_NE(reply->find("\"code\":106"), std::string::npos) << *reply;
}

TEST_F(BadInputTest, FrameOverTheLimitIsClosedWith1009WhileOthersAreServed) {
    start_notifyd(39414, chat_manifest(39414));
    auto healthy = healthy_client();
    WsClient offender(port_, "/pubsub");
    offender.send_text(std::string(5000, 'x'));
    WsMessage message;
    for (int reads = 0; reads < 10; ++reads) {
        message = offender.read(seconds(5));
        if (message.closed || message.timed_out) break;
    }
    ASSERT_TRUE(message.closed);
    EXPECT_EQ(message.close_code, 1009);
    expect_serves_ping(*healthy, 2);
}

TEST_F(BadInputTest, BinaryGarbageGetsAnErrorOrACloseWhileOthersAreServed) {
    start_notifyd(39415, chat_manifest(39415));
    auto healthy = healthy_client();
    WsClient offender(port_, "/pubsub");
    std::mt19937 random(42);
    std::string garbage(512, '\0');
    for (auto& byte : garbage) byte = static_cast<char>(random());
    offender.send_binary(garbage);
    const auto answer = offender.read(seconds(5));
    ASSERT_FALSE(answer.timed_out) << "garbage was silently ignored";
    if (answer.closed) {
        EXPECT_NE(answer.close_code, 0);
    } else {
        EXPECT_NE(answer.text.find("\"error\""), std::string::npos) << answer.text;
    }
    expect_serves_ping(*healthy, 2);
}

TEST_F(BadInputTest, NonWebSocketGarbageOnThePortDoesNotHurtTheServer) {
    start_notifyd(39416, chat_manifest(39416));
    auto healthy = healthy_client();
    std::string garbage("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11);
    garbage += std::string(300, '\xff') + "\r\n\r\n";
    raw_exchange(port_, garbage, seconds(3));
    expect_serves_ping(*healthy, 2);
}

TEST_F(BadInputTest, AThousandClientsThatConnectAndVanishLeaveOthersServed) {
    start_notifyd(39417, chat_manifest(39417));
    auto healthy = healthy_client();
    for (int round = 0; round < 1000; ++round) {
        WsClient vanishing(port_, "/pubsub");
        if (round % 2 == 0) vanishing.send_text(R"({"id":1,"connect":{}})");
        vanishing.vanish();
    }
    expect_serves_ping(*healthy, 2);
    auto newcomer = healthy_client();
    expect_serves_ping(*newcomer, 3);
}

}  // namespace
}  // namespace notify::test
