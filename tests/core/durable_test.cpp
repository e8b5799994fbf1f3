// At-least-once namespaces: cursors, acks, redelivery, the in-flight window and restore.
#include "core_fixture.hpp"

namespace notify::core::testing {
namespace {

class DurableTest : public CoreTest {
  protected:
    DurableTest() {
        host::NamespaceSpec orders;
        orders.name = "orders";
        orders.delivery = host::Delivery::at_least_once;
        orders.ack_timeout = std::chrono::milliseconds(5'000);
        orders.max_in_flight = 3;
        config.namespaces.push_back(orders);
        config.clients.ttl = std::chrono::milliseconds(60'000);
    }

    void publish_n(int count) {
        for (int i = 0; i < count; ++i) {
            core().publish(PublishTargets{{"orders:1"}, {}, {}}, "o" + std::to_string(++sent_));
        }
    }
    std::vector<std::uint64_t> offsets_to(ConnectionRef conn) const {
        std::vector<std::uint64_t> result;
        for (const auto& message : messages_to(conn)) result.push_back(message["offset"]);
        return result;
    }
    std::uint64_t stored_ack(const std::string& client) const {
        return env.durable_records.at({client, "orders:1"}).acked_offset;
    }
    int sent_ = 0;
};

TEST_F(DurableTest, SubscriptionIsStoredWithTheBrokerAndStartsAtTheCurrentOffset) {
    publish_n(2);
    const ConnectedClient client = open_client(1);
    const nlohmann::json reply = subscribe(client.conn, "orders:1");
    EXPECT_EQ(reply["result"]["offset"], 2);
    ASSERT_EQ(env.durable_records.size(), 1U);
    const DurableSubscriptionRecord& record = env.durable_records.begin()->second;
    EXPECT_EQ(record.client_id, client.client);
    EXPECT_EQ(record.resume_token, client.resume);
    EXPECT_EQ(record.acked_offset, 2U);
    publish_n(1);
    EXPECT_EQ(offsets_to(client.conn), std::vector<std::uint64_t>{3});
}

TEST_F(DurableTest, WindowHoldsBackMessagesUntilAcksMakeRoom) {
    const ConnectedClient client = open_client(1);
    subscribe(client.conn, "orders:1");
    publish_n(5);
    EXPECT_EQ(offsets_to(client.conn), (std::vector<std::uint64_t>{1, 2, 3}));
    EXPECT_TRUE(ack(client.conn, "orders:1", 2).contains("result"));  // one ack covers a range
    EXPECT_EQ(stored_ack(client.client), 2U);
    EXPECT_EQ(offsets_to(client.conn), (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
}

TEST_F(DurableTest, UnackedMessagesAreRedeliveredAfterTheAckTimeout) {
    const ConnectedClient client = open_client(1);
    subscribe(client.conn, "orders:1");
    publish_n(2);
    ack(client.conn, "orders:1", 1);
    env.clock_ms += 4'999;
    core().clean();
    EXPECT_EQ(offsets_to(client.conn), (std::vector<std::uint64_t>{1, 2}));
    env.clock_ms += 1;
    core().clean();
    EXPECT_EQ(offsets_to(client.conn), (std::vector<std::uint64_t>{1, 2, 2}));
    EXPECT_EQ(core().stats().redeliveries, 1U);
    ack(client.conn, "orders:1", 2);
    env.clock_ms += 10'000;
    core().clean();
    EXPECT_EQ(offsets_to(client.conn), (std::vector<std::uint64_t>{1, 2, 2}));
}

TEST_F(DurableTest, ResumeRedeliversWhatWasNotAckedAndNotWhatWas) {
    ConnectedClient client = open_client(1);
    subscribe(client.conn, "orders:1");
    publish_n(3);
    ack(client.conn, "orders:1", 1);
    core().connection_closed(client.conn, NOTIFY_CLOSE_ABNORMAL);
    publish_n(1);
    const ConnectionRef again = open(2);
    protocol::ConnectCommand command;
    command.client = client.client;
    command.resume = client.resume;
    const nlohmann::json reply = reply_to(again, send(again, command));
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    EXPECT_EQ(offsets_to(again), (std::vector<std::uint64_t>{2, 3, 4}));
    // The new resume token reached the stored record, so it survives a restart too.
    EXPECT_EQ(env.durable_records.at({client.client, "orders:1"}).resume_token,
              reply["result"]["resume"]);
}

TEST_F(DurableTest, SubscribeWithPositionReplaysFromTheStore) {
    publish_n(4);
    const ConnectedClient client = open_client(1);
    const nlohmann::json reply = subscribe_since(client.conn, "orders:1", 0);
    EXPECT_EQ(reply["result"]["recovered"], true);
    EXPECT_EQ(offsets_to(client.conn), (std::vector<std::uint64_t>{1, 2, 3}));
    ack(client.conn, "orders:1", 3);
    EXPECT_EQ(offsets_to(client.conn), (std::vector<std::uint64_t>{1, 2, 3, 4}));
}

TEST_F(DurableTest, AckOfAnOffsetNeverDeliveredIsAnErrorAndChangesNothing) {
    const ConnectedClient client = open_client(1);
    subscribe(client.conn, "orders:1");
    publish_n(2);
    const nlohmann::json reply = ack(client.conn, "orders:1", 7);
    EXPECT_EQ(error_code(reply), 102U);
    EXPECT_EQ(reply["error"]["message"],
              "ack: offset 7 of 'orders:1' was never delivered to this client (delivered "
              "through 2)");
    EXPECT_EQ(stored_ack(client.client), 0U);
    EXPECT_EQ(error_code(ack(client.conn, "orders:2", 1)), 108U);
    EXPECT_TRUE(ack(client.conn, "orders:1", 0).contains("result"));  // an old ack is harmless
    EXPECT_EQ(stored_ack(client.client), 0U);
}

TEST_F(DurableTest, AckOnAnAtMostOnceTopicIsAcceptedAndIgnored) {
    const ConnectedClient client = open_client(1);
    subscribe(client.conn, "chat");
    EXPECT_TRUE(ack(client.conn, "chat", 5).contains("result"));
}

TEST_F(DurableTest, InactiveSubscriberBuffersNothingButGetsEverythingOnResume) {
    config.clients.buffer_size = 1;
    ConnectedClient client = open_client(1);
    subscribe(client.conn, "orders:1");
    core().connection_closed(client.conn, NOTIFY_CLOSE_ABNORMAL);
    publish_n(3);
    EXPECT_EQ(core().stats().buffer_overflows, 0U);
    const ConnectionRef again = open(2);
    protocol::ConnectCommand command;
    command.client = client.client;
    command.resume = client.resume;
    const nlohmann::json reply = reply_to(again, send(again, command));
    EXPECT_FALSE(reply["result"].contains("overflow"));
    EXPECT_EQ(offsets_to(again), (std::vector<std::uint64_t>{1, 2, 3}));
}

TEST_F(DurableTest, UnsubscribeAndExpiryRemoveTheStoredRecord) {
    const ConnectedClient first = open_client(1);
    const ConnectedClient second = open_client(2);
    subscribe(first.conn, "orders:1");
    subscribe(second.conn, "orders:1");
    unsubscribe(first.conn, "orders:1");
    EXPECT_FALSE(env.durable_records.contains({first.client, "orders:1"}));
    core().connection_closed(second.conn, NOTIFY_CLOSE_ABNORMAL);
    env.clock_ms += 60'000;
    core().clean();
    EXPECT_TRUE(env.durable_records.empty());
}

TEST_F(DurableTest, RestoredSubscriptionResumesWithItsTokenAndAckedOffset) {
    publish_n(5);
    const std::vector<DurableSubscriptionRecord> records{
        {"c-1", "ann", "token-1", "orders:1", 3},
        {"c-1", "ann", "token-1", "chat", 0},  // no longer an at-least-once namespace: skipped
    };
    EXPECT_EQ(core().restore_durable_subscriptions(records), 1U);
    EXPECT_EQ(core().client_state("c-1"), ClientState::inactive);
    EXPECT_EQ(core().client_topics("c-1"), std::vector<std::string>{"orders:1"});
    EXPECT_TRUE(env.durable_records.empty());  // restoring does not write them back

    const ConnectionRef conn = open(1);
    protocol::ConnectCommand wrong;
    wrong.client = "c-1";
    wrong.resume = "token-2";
    EXPECT_EQ(error_code(reply_to(conn, send(conn, wrong))), 101U);

    const ConnectionRef again = open(2);
    protocol::ConnectCommand command;
    command.client = "c-1";
    command.resume = "token-1";
    const nlohmann::json reply = reply_to(again, send(again, command));
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    EXPECT_EQ(reply["result"]["user"], "ann");
    EXPECT_EQ(offsets_to(again), (std::vector<std::uint64_t>{4, 5}));
}

TEST_F(DurableTest, StreamLostByTheBrokerResetsTheCursorToItsEnd) {
    ConnectedClient client = open_client(1);
    subscribe(client.conn, "orders:1");
    publish_n(3);
    ack(client.conn, "orders:1", 3);
    core().connection_closed(client.conn, NOTIFY_CLOSE_ABNORMAL);
    env.history.clear();
    env.stream_offset("orders:1") = 1;
    env.history["orders:1"].push_back({1, "after-loss"});
    const ConnectionRef again = open(2);
    protocol::ConnectCommand command;
    command.client = client.client;
    command.resume = client.resume;
    reply_to(again, send(again, command));
    EXPECT_TRUE(messages_to(again).empty());
    EXPECT_EQ(stored_ack(client.client), 1U);
}

}  // namespace
}  // namespace notify::core::testing
