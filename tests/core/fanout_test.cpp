#include <map>
#include <set>

#include "core_fixture.hpp"

namespace notify::core::testing {
namespace {

using FanoutTest = CoreTest;

// Deliveries that carry a message push (not replies).
std::vector<RecordedDelivery> message_deliveries(const FakeEnvironment& env) {
    std::vector<RecordedDelivery> found;
    for (const RecordedDelivery& delivery : env.deliveries) {
        if (delivery.json.find("\"message\"") != std::string::npos) found.push_back(delivery);
    }
    return found;
}

TEST_F(FanoutTest, EachConnectionGetsAPublishOnceWhateverTheOverlap) {
    const ConnectedClient in_both_topics = open_client(1, "user:ann");
    const ConnectedClient in_second_topic = open_client(2);
    const ConnectedClient named_and_subscribed = open_client(3);
    const ConnectedClient named_only = open_client(4);
    const ConnectedClient users_other_client = open_client(5, "user:ann");
    const ConnectedClient bystander = open_client(6);
    subscribe(in_both_topics.conn, "t1");
    subscribe(in_both_topics.conn, "t2");
    subscribe(in_second_topic.conn, "t2");
    subscribe(named_and_subscribed.conn, "t2");
    env.clear_records();

    core().publish(
        PublishTargets{{"t1", "t2"},
                       {in_both_topics.client, named_and_subscribed.client, named_only.client},
                       {"ann"}},
        "once");
    for (const ConnectedClient* client : {&in_both_topics, &in_second_topic, &named_and_subscribed,
                                          &named_only, &users_other_client}) {
        EXPECT_EQ(messages_to(client->conn).size(), 1U) << client->client;
    }
    EXPECT_TRUE(messages_to(bystander.conn).empty());
    EXPECT_EQ(messages_to(in_both_topics.conn)[0]["topic"], "t1");
    EXPECT_EQ(messages_to(in_second_topic.conn)[0]["topic"], "t2");
    EXPECT_EQ(core().stats().deliveries, 5U);
}

TEST_F(FanoutTest, OneDeliverCallPerTransportPerFrameWithTheWholeBatch) {
    std::vector<ConnectedClient> clients;
    for (std::uint64_t conn = 10; conn < 13; ++conn) clients.push_back(open_client(conn, {}, 0));
    for (std::uint64_t conn = 20; conn < 22; ++conn) clients.push_back(open_client(conn, {}, 1));
    for (const ConnectedClient& client : clients) subscribe(client.conn, "news");
    env.clear_records();

    core().publish(PublishTargets{{"news"}, {}, {}}, "batch");
    const std::vector<RecordedDelivery> deliveries = message_deliveries(env);
    ASSERT_EQ(deliveries.size(), 2U);
    EXPECT_EQ(deliveries[0].frame.get(), deliveries[1].frame.get());
    std::map<std::uint32_t, std::set<std::uint64_t>> by_transport;
    for (const RecordedDelivery& delivery : deliveries) {
        by_transport[delivery.transport].insert(delivery.conns.begin(), delivery.conns.end());
        EXPECT_EQ(delivery.conns.size(), by_transport[delivery.transport].size());
    }
    EXPECT_EQ(by_transport[0], (std::set<std::uint64_t>{10, 11, 12}));
    EXPECT_EQ(by_transport[1], (std::set<std::uint64_t>{20, 21}));
}

TEST_F(FanoutTest, OneFramePerTopic) {
    const ConnectedClient a = open_client(1);
    const ConnectedClient b = open_client(2);
    subscribe(a.conn, "t1");
    subscribe(b.conn, "t2");
    env.clear_records();
    core().publish(PublishTargets{{"t1", "t2"}, {}, {}}, "x");
    const std::vector<RecordedDelivery> deliveries = message_deliveries(env);
    ASSERT_EQ(deliveries.size(), 2U);
    EXPECT_NE(deliveries[0].frame.get(), deliveries[1].frame.get());
}

TEST_F(FanoutTest, DirectTargetsRideInTheFirstTopicsBatch) {
    const ConnectedClient subscriber = open_client(1);
    const ConnectedClient named = open_client(2);
    subscribe(subscriber.conn, "t1");
    env.clear_records();
    core().publish(PublishTargets{{"t1"}, {named.client}, {}}, "x");
    const std::vector<RecordedDelivery> deliveries = message_deliveries(env);
    ASSERT_EQ(deliveries.size(), 1U);
    EXPECT_EQ(deliveries[0].conns.size(), 2U);
    EXPECT_EQ(messages_to(named.conn)[0]["topic"], "t1");
}

TEST_F(FanoutTest, PublishToClientsAndUsersOnlyUsesATopiclessFrame) {
    const ConnectedClient named = open_client(1);
    const ConnectedClient anns_phone = open_client(2, "user:ann");
    const ConnectedClient anns_laptop = open_client(3, "user:ann", 1);
    env.clear_records();
    core().publish(PublishTargets{{}, {named.client}, {"ann"}}, "direct");
    EXPECT_TRUE(env.broker_calls.empty());
    for (const ConnectedClient* client : {&named, &anns_phone, &anns_laptop}) {
        const std::vector<nlohmann::json> messages = messages_to(client->conn);
        ASSERT_EQ(messages.size(), 1U);
        EXPECT_EQ(messages[0]["topic"], "");
        EXPECT_EQ(messages[0]["offset"], 0);
        EXPECT_EQ(messages[0]["epoch"], "");
        EXPECT_EQ(messages[0]["data"], "direct");
    }
    EXPECT_EQ(message_deliveries(env).size(), 2U);  // one per transport
}

TEST_F(FanoutTest, ClientPublishToAClientIsAuthorizedAsTheEmptyTopic) {
    std::vector<std::string> authorized;
    env.on_authorize_publish = [&](std::string_view topic) {
        authorized.emplace_back(topic);
        return allow();
    };
    const ConnectedClient sender = open_client(1);
    const ConnectedClient receiver = open_client(2);
    const nlohmann::json reply = publish(sender.conn, {}, "psst", {receiver.client});
    EXPECT_TRUE(reply["result"]["positions"].empty());
    EXPECT_EQ(authorized, std::vector<std::string>{""});
    EXPECT_EQ(messages_to(receiver.conn).size(), 1U);
}

TEST_F(FanoutTest, UnknownClientsAndUsersAreSkipped) {
    const ConnectedClient named = open_client(1);
    core().publish(PublishTargets{{}, {"ghost", named.client}, {"nobody"}}, "x");
    EXPECT_EQ(messages_to(named.conn).size(), 1U);
}

TEST_F(FanoutTest, ConsecutivePublishesEachReachTheClient) {
    const ConnectedClient reader = open_client(1);
    subscribe(reader.conn, "news");
    for (int index = 0; index < 3; ++index) {
        core().publish(PublishTargets{{"news"}, {reader.client}, {}}, std::to_string(index));
    }
    EXPECT_EQ(messages_to(reader.conn).size(), 3U);
}

}  // namespace
}  // namespace notify::core::testing
