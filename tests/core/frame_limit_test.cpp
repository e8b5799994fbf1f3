// A transport with a frame limit (UDP) makes the core refuse client publishes it could not carry.
#include "core_fixture.hpp"

namespace notify::core::testing {
namespace {

constexpr std::uint32_t kDatagramTransport = 1;

class FrameLimitTest : public CoreTest {
  protected:
    void SetUp() override { core().set_max_frame_size(kDatagramTransport, 400, "udp"); }
};

TEST_F(FrameLimitTest, PublishTooLargeForASubscribersTransportIsRefusedWithTheReason) {
    const ConnectedClient listener = open_client(1, {}, kDatagramTransport);
    subscribe(listener.conn, "news");
    const ConnectedClient publisher = open_client(2);
    env.clear_records();
    const nlohmann::json reply = publish(publisher.conn, {"news"}, std::string(1000, 'x'));
    EXPECT_EQ(error_code(reply), 109U);
    const std::string message = reply["error"]["message"];
    EXPECT_NE(message.find("more than transport 'udp' carries (400)"), std::string::npos)
        << message;
    EXPECT_TRUE(env.broker_calls.empty());  // refused before anything was stored or sent
    EXPECT_TRUE(messages_to(listener.conn).empty());
}

TEST_F(FrameLimitTest, SmallMessagesAndOtherTransportsAreNotAffected) {
    const ConnectedClient listener = open_client(1, {}, kDatagramTransport);
    subscribe(listener.conn, "news");
    const ConnectedClient other = open_client(3);
    subscribe(other.conn, "big");
    const ConnectedClient publisher = open_client(2);
    EXPECT_TRUE(publish(publisher.conn, {"news"}, "small").contains("result"));
    EXPECT_TRUE(publish(publisher.conn, {"big"}, std::string(1000, 'x')).contains("result"));
    EXPECT_EQ(messages_to(listener.conn).size(), 1U);
    EXPECT_EQ(messages_to(other.conn).size(), 1U);
}

TEST_F(FrameLimitTest, DirectMessagesToAClientOnTheLimitedTransportAreCheckedToo) {
    const ConnectedClient listener = open_client(1, {}, kDatagramTransport);
    const ConnectedClient publisher = open_client(2);
    const nlohmann::json reply =
        publish(publisher.conn, {}, std::string(1000, 'x'), {listener.client});
    EXPECT_EQ(error_code(reply), 109U);
}

TEST_F(FrameLimitTest, RemovingTheLimitAllowsTheMessage) {
    const ConnectedClient listener = open_client(1, {}, kDatagramTransport);
    subscribe(listener.conn, "news");
    core().set_max_frame_size(kDatagramTransport, 0, "udp");
    const ConnectedClient publisher = open_client(2);
    EXPECT_TRUE(publish(publisher.conn, {"news"}, std::string(1000, 'x')).contains("result"));
}

}  // namespace
}  // namespace notify::core::testing
