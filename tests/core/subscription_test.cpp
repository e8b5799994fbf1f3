#include "core_fixture.hpp"

namespace notify::core::testing {
namespace {

using SubscriptionTest = CoreTest;

host::NamespaceSpec make_namespace(std::string name) {
    host::NamespaceSpec space;
    space.name = std::move(name);
    return space;
}

TEST_F(SubscriptionTest, SubscribeCreatesTheTopicAndTheLastUnsubscribeDeletesIt) {
    const ConnectedClient ann = open_client(1);
    const ConnectedClient bob = open_client(2);
    EXPECT_TRUE(subscribe(ann.conn, "news")["result"].empty());
    subscribe(bob.conn, "news");
    EXPECT_EQ(core().stats().topics, 1U);
    EXPECT_EQ(core().topic_subscribers("news"), (std::vector<std::string>{ann.client, bob.client}));

    EXPECT_TRUE(unsubscribe(ann.conn, "news")["result"].empty());
    EXPECT_EQ(core().topic_subscribers("news"), std::vector<std::string>{bob.client});
    unsubscribe(bob.conn, "news");
    EXPECT_EQ(core().stats().topics, 0U);
    EXPECT_TRUE(core().topic_subscribers("news").empty());
}

TEST_F(SubscriptionTest, SubscribingTwiceKeepsOneSubscription) {
    const ConnectedClient ann = open_client(1);
    subscribe(ann.conn, "news");
    EXPECT_TRUE(subscribe(ann.conn, "news")["result"].empty());
    EXPECT_EQ(core().client_topics(ann.client), std::vector<std::string>{"news"});
    EXPECT_EQ(core().topic_subscribers("news").size(), 1U);
    EXPECT_EQ(env.events_of(NOTIFY_EVENT_SUBSCRIBE).size(), 1U);
}

TEST_F(SubscriptionTest, UnsubscribingFromATopicNotSubscribedIsFine) {
    const ConnectedClient ann = open_client(1);
    EXPECT_TRUE(unsubscribe(ann.conn, "nothing")["result"].empty());
    EXPECT_TRUE(env.events_of(NOTIFY_EVENT_UNSUBSCRIBE).empty());
}

TEST_F(SubscriptionTest, SubscribeAndUnsubscribeEmitEvents) {
    const ConnectedClient ann = open_client(1, "user:ann");
    subscribe(ann.conn, "news");
    unsubscribe(ann.conn, "news");
    const std::vector<RecordedEvent> subscribes = env.events_of(NOTIFY_EVENT_SUBSCRIBE);
    ASSERT_EQ(subscribes.size(), 1U);
    EXPECT_EQ(subscribes[0].client_id, ann.client);
    EXPECT_EQ(subscribes[0].user_id, "ann");
    EXPECT_EQ(subscribes[0].topic, "news");
    const std::vector<RecordedEvent> unsubscribes = env.events_of(NOTIFY_EVENT_UNSUBSCRIBE);
    ASSERT_EQ(unsubscribes.size(), 1U);
    EXPECT_EQ(unsubscribes[0].topic, "news");
}

TEST_F(SubscriptionTest, SwapRemovalKeepsEveryOtherSubscriptionIntact) {
    std::vector<ConnectedClient> clients;
    for (std::uint64_t conn = 1; conn <= 5; ++conn) {
        clients.push_back(open_client(conn));
        for (const char* topic : {"a", "b", "c"}) subscribe(clients.back().conn, topic);
    }
    unsubscribe(clients[0].conn, "b");
    unsubscribe(clients[2].conn, "a");
    unsubscribe(clients[4].conn, "c");
    unsubscribe(clients[1].conn, "a");
    EXPECT_EQ(core().topic_subscribers("a"),
              (std::vector<std::string>{clients[0].client, clients[3].client, clients[4].client}));
    EXPECT_EQ(core().client_topics(clients[2].client), (std::vector<std::string>{"b", "c"}));
    env.clear_records();
    core().publish(PublishTargets{{"a"}, {}, {}}, "x");
    EXPECT_EQ(messages_to(clients[0].conn).size(), 1U);
    EXPECT_EQ(messages_to(clients[1].conn).size(), 0U);
    EXPECT_EQ(messages_to(clients[2].conn).size(), 0U);
    EXPECT_EQ(messages_to(clients[3].conn).size(), 1U);
    EXPECT_EQ(messages_to(clients[4].conn).size(), 1U);
}

TEST_F(SubscriptionTest, InvalidTopicIsABadRequest) {
    const ConnectedClient ann = open_client(1);
    EXPECT_EQ(error_code(subscribe(ann.conn, std::string("bad\ntopic"))), 102U);
    EXPECT_EQ(error_code(subscribe(ann.conn, std::string(300, 'x'))), 102U);
}

TEST_F(SubscriptionTest, NamespaceThatForbidsClientSubscribeRefusesWithPermissionDenied) {
    host::NamespaceSpec closed = make_namespace("private");
    closed.subscribe = host::SubscribeRule::none;
    config.namespaces.push_back(closed);
    const ConnectedClient ann = open_client(1);
    const nlohmann::json reply = subscribe(ann.conn, "private:room");
    EXPECT_EQ(error_code(reply), 104U);
    EXPECT_NE(reply["error"]["message"].get<std::string>().find("private"), std::string::npos);
    // An unconfigured namespace takes the default's options.
    EXPECT_TRUE(subscribe(ann.conn, "public:room")["result"].empty());
    // The server may still subscribe the client.
    core().subscribe(NOTIFY_TARGET_CLIENT, ann.client, "private:room", env.clock_ms);
    EXPECT_EQ(core().client_topics(ann.client),
              (std::vector<std::string>{"private:room", "public:room"}));
}

TEST_F(SubscriptionTest, AuthorizationDenialRefusesWithTheReason) {
    env.on_authorize_subscribe = [](std::string_view topic) {
        return topic == "secret" ? deny("not for you") : allow();
    };
    const ConnectedClient ann = open_client(1);
    const nlohmann::json reply = subscribe(ann.conn, "secret");
    EXPECT_EQ(error_code(reply), 104U);
    EXPECT_NE(reply["error"]["message"].get<std::string>().find("not for you"), std::string::npos);
    EXPECT_TRUE(core().client_topics(ann.client).empty());
}

TEST_F(SubscriptionTest, PendingAuthorizationSubscribesWhenAllowed) {
    env.on_authorize_subscribe = [](std::string_view) { return pending(); };
    const ConnectedClient ann = open_client(1);
    const std::uint64_t id = send(ann.conn, protocol::SubscribeCommand{"news", std::nullopt});
    EXPECT_TRUE(core().client_topics(ann.client).empty());
    core().complete_auth(env.auth_request_ids.back(), allow());
    EXPECT_EQ(core().client_topics(ann.client), std::vector<std::string>{"news"});
    const nlohmann::json reply = last_frame(ann.conn);
    EXPECT_EQ(reply["id"], id);
    EXPECT_TRUE(reply["result"].empty());
}

TEST_F(SubscriptionTest, PendingAuthorizationDeniedLater) {
    env.on_authorize_subscribe = [](std::string_view) { return pending(); };
    const ConnectedClient ann = open_client(1);
    send(ann.conn, protocol::SubscribeCommand{"news", std::nullopt});
    core().complete_auth(env.auth_request_ids.back(), deny("later no"));
    EXPECT_EQ(error_code(last_frame(ann.conn)), 104U);
    EXPECT_TRUE(core().client_topics(ann.client).empty());
}

TEST_F(SubscriptionTest, SubscriptionsPerClientLimit) {
    config.limits.max_subscriptions_per_client = 2;
    const ConnectedClient ann = open_client(1);
    subscribe(ann.conn, "a");
    subscribe(ann.conn, "b");
    EXPECT_EQ(error_code(subscribe(ann.conn, "c")), 105U);
    EXPECT_TRUE(subscribe(ann.conn, "a")["result"].empty());
    EXPECT_EQ(core().client_topics(ann.client).size(), 2U);
}

TEST_F(SubscriptionTest, TopicLimit) {
    config.limits.max_topics = 1;
    const ConnectedClient ann = open_client(1);
    const ConnectedClient bob = open_client(2);
    subscribe(ann.conn, "a");
    EXPECT_EQ(error_code(subscribe(bob.conn, "b")), 105U);
    EXPECT_TRUE(subscribe(bob.conn, "a")["result"].empty());
    core().subscribe(NOTIFY_TARGET_CLIENT, bob.client, "c", env.clock_ms);
    EXPECT_EQ(core().stats().topics, 1U);
}

TEST_F(SubscriptionTest, NamespaceMaxClientsPerTopic) {
    host::NamespaceSpec small = make_namespace("small");
    small.max_clients = 1;
    config.namespaces.push_back(small);
    const ConnectedClient ann = open_client(1);
    const ConnectedClient bob = open_client(2);
    subscribe(ann.conn, "small:room");
    EXPECT_EQ(error_code(subscribe(bob.conn, "small:room")), 105U);
    EXPECT_TRUE(subscribe(bob.conn, "other:room")["result"].empty());
}

TEST_F(SubscriptionTest, NamespaceMaxUsersPerTopicCountsDistinctUsers) {
    host::NamespaceSpec small = make_namespace("small");
    small.max_users = 1;
    config.namespaces.push_back(small);
    const ConnectedClient ann_phone = open_client(1, "user:ann");
    const ConnectedClient ann_laptop = open_client(2, "user:ann");
    const ConnectedClient bob = open_client(3, "user:bob");
    subscribe(ann_phone.conn, "small:room");
    EXPECT_TRUE(subscribe(ann_laptop.conn, "small:room")["result"].empty());
    EXPECT_EQ(error_code(subscribe(bob.conn, "small:room")), 105U);
    unsubscribe(ann_phone.conn, "small:room");
    unsubscribe(ann_laptop.conn, "small:room");
    EXPECT_TRUE(subscribe(bob.conn, "small:room")["result"].empty());
}

TEST_F(SubscriptionTest, ServerSideClientSubscribeAndUnsubscribe) {
    const ConnectedClient ann = open_client(1);
    core().subscribe(NOTIFY_TARGET_CLIENT, ann.client, "news", env.clock_ms);
    EXPECT_EQ(core().client_topics(ann.client), std::vector<std::string>{"news"});
    core().unsubscribe(NOTIFY_TARGET_CLIENT, ann.client, "news", env.clock_ms + 1);
    EXPECT_TRUE(core().client_topics(ann.client).empty());
    core().subscribe(NOTIFY_TARGET_CLIENT, "nobody", "news", env.clock_ms + 2);
    EXPECT_EQ(core().stats().topics, 0U);
}

TEST_F(SubscriptionTest, UserSubscribeAppliesToEveryClientOfTheUserAndToItsFutureClients) {
    const ConnectedClient phone = open_client(1, "user:ann");
    const ConnectedClient laptop = open_client(2, "user:ann");
    const ConnectedClient other = open_client(3, "user:bob");
    core().subscribe(NOTIFY_TARGET_USER, "ann", "news", env.clock_ms);
    EXPECT_EQ(core().client_topics(phone.client), std::vector<std::string>{"news"});
    EXPECT_EQ(core().client_topics(laptop.client), std::vector<std::string>{"news"});
    EXPECT_TRUE(core().client_topics(other.client).empty());
    const ConnectedClient tablet = open_client(4, "user:ann");
    EXPECT_EQ(core().client_topics(tablet.client), std::vector<std::string>{"news"});
}

TEST_F(SubscriptionTest, UserSubscribeBeforeTheUsersFirstClientIsRemembered) {
    core().subscribe(NOTIFY_TARGET_USER, "ann", "news", env.clock_ms);
    EXPECT_EQ(core().stats().users, 0U);
    const ConnectedClient phone = open_client(1, "user:ann");
    EXPECT_EQ(core().client_topics(phone.client), std::vector<std::string>{"news"});
}

TEST_F(SubscriptionTest, UserUnsubscribeRemovesFromEveryClientAndFromFutureClients) {
    const ConnectedClient phone = open_client(1, "user:ann");
    core().subscribe(NOTIFY_TARGET_USER, "ann", "news", env.clock_ms);
    core().unsubscribe(NOTIFY_TARGET_USER, "ann", "news", env.clock_ms + 1);
    EXPECT_TRUE(core().client_topics(phone.client).empty());
    const ConnectedClient laptop = open_client(2, "user:ann");
    EXPECT_TRUE(core().client_topics(laptop.client).empty());
    EXPECT_EQ(core().stats().topics, 0U);
}

TEST_F(SubscriptionTest, OlderChangeThanTheLastAppliedIsIgnored) {
    const ConnectedClient ann = open_client(1);
    core().subscribe(NOTIFY_TARGET_CLIENT, ann.client, "news", 100);
    core().unsubscribe(NOTIFY_TARGET_CLIENT, ann.client, "news", 50);
    EXPECT_EQ(core().client_topics(ann.client), std::vector<std::string>{"news"});
    core().unsubscribe(NOTIFY_TARGET_CLIENT, ann.client, "news", 200);
    EXPECT_TRUE(core().client_topics(ann.client).empty());
    // The unsubscribe stays as a tombstone: a late subscribe from before it is ignored.
    core().subscribe(NOTIFY_TARGET_CLIENT, ann.client, "news", 150);
    EXPECT_TRUE(core().client_topics(ann.client).empty());
    core().subscribe(NOTIFY_TARGET_CLIENT, ann.client, "news", 200);
    EXPECT_EQ(core().client_topics(ann.client), std::vector<std::string>{"news"});
}

TEST_F(SubscriptionTest, TombstoneOfAnUnsubscribedTopicNeverSubscribedStillOrders) {
    const ConnectedClient ann = open_client(1);
    core().unsubscribe(NOTIFY_TARGET_CLIENT, ann.client, "news", 300);
    core().subscribe(NOTIFY_TARGET_CLIENT, ann.client, "news", 299);
    EXPECT_TRUE(core().client_topics(ann.client).empty());
}

TEST_F(SubscriptionTest, OlderUserChangeIsIgnored) {
    const ConnectedClient phone = open_client(1, "user:ann");
    core().subscribe(NOTIFY_TARGET_USER, "ann", "news", 100);
    core().unsubscribe(NOTIFY_TARGET_USER, "ann", "news", 99);
    EXPECT_EQ(core().client_topics(phone.client), std::vector<std::string>{"news"});
    core().unsubscribe(NOTIFY_TARGET_USER, "ann", "news", 101);
    core().subscribe(NOTIFY_TARGET_USER, "ann", "news", 100);
    EXPECT_TRUE(core().client_topics(phone.client).empty());
}

TEST_F(SubscriptionTest, ClientsOwnCommandAppliesOverAServerChangeWithALaterClock) {
    const ConnectedClient ann = open_client(1);
    core().unsubscribe(NOTIFY_TARGET_CLIENT, ann.client, "news", env.clock_ms + 5'000);
    EXPECT_TRUE(subscribe(ann.conn, "news")["result"].empty());
    EXPECT_EQ(core().client_topics(ann.client), std::vector<std::string>{"news"});
}

}  // namespace
}  // namespace notify::core::testing
