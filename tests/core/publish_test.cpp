#include "core_fixture.hpp"

namespace notify::core::testing {
namespace {

using PublishTest = CoreTest;

TEST_F(PublishTest, ClientPublishReachesSubscribersAndRepliesWithPositions) {
    const ConnectedClient publisher = open_client(1);
    const ConnectedClient reader = open_client(2);
    subscribe(reader.conn, "news");
    publish(publisher.conn, {"news"}, "first");
    const nlohmann::json reply = publish(publisher.conn, {"news"}, "second");
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    ASSERT_EQ(reply["result"]["positions"].size(), 1U);
    EXPECT_EQ(reply["result"]["positions"][0]["topic"], "news");
    EXPECT_EQ(reply["result"]["positions"][0]["offset"], 2);
    EXPECT_EQ(reply["result"]["positions"][0]["epoch"], "epoch-1");

    const std::vector<nlohmann::json> messages = messages_to(reader.conn);
    ASSERT_EQ(messages.size(), 2U);
    EXPECT_EQ(messages[1]["topic"], "news");
    EXPECT_EQ(messages[1]["offset"], 2);
    EXPECT_EQ(messages[1]["epoch"], "epoch-1");
    EXPECT_EQ(messages[1]["data"], "second");
    EXPECT_TRUE(messages_to(publisher.conn).empty());
}

TEST_F(PublishTest, BrokerGetsTheTopicPayloadTimeAndNamespace) {
    host::NamespaceSpec chat;
    chat.name = "chat";
    config.namespaces.push_back(chat);
    const ConnectedClient publisher = open_client(1);
    publish(publisher.conn, {"chat:lobby", "plain"}, "hi");
    ASSERT_EQ(env.broker_calls.size(), 2U);
    EXPECT_EQ(env.broker_calls[0].topic, "chat:lobby");
    EXPECT_EQ(env.broker_calls[0].payload, "hi");
    EXPECT_EQ(env.broker_calls[0].time_ms, env.clock_ms);
    EXPECT_EQ(env.broker_calls[0].namespace_name, "chat");
    EXPECT_EQ(env.broker_calls[1].namespace_name, "");
}

TEST_F(PublishTest, PayloadOverTheLimitIsTooLarge) {
    config.limits.max_payload_size = 4;
    const ConnectedClient publisher = open_client(1);
    EXPECT_EQ(error_code(publish(publisher.conn, {"news"}, "12345")), 109U);
    EXPECT_TRUE(publish(publisher.conn, {"news"}, "1234").contains("result"));
    EXPECT_EQ(env.broker_calls.size(), 1U);
    core().publish(PublishTargets{{"news"}, {}, {}}, "12345");
    EXPECT_EQ(env.broker_calls.size(), 1U);
}

TEST_F(PublishTest, PublishWithoutTargetsIsABadRequest) {
    const ConnectedClient publisher = open_client(1);
    EXPECT_EQ(error_code(publish(publisher.conn, {}, "x")), 102U);
}

TEST_F(PublishTest, NamespaceThatForbidsClientPublishRefusesWithPermissionDenied) {
    host::NamespaceSpec readonly;
    readonly.name = "feed";
    readonly.publish = host::PublishRule::none;
    config.namespaces.push_back(readonly);
    const ConnectedClient publisher = open_client(1);
    const ConnectedClient reader = open_client(2);
    subscribe(reader.conn, "feed:prices");
    EXPECT_EQ(error_code(publish(publisher.conn, {"news", "feed:prices"}, "x")), 104U);
    EXPECT_TRUE(env.broker_calls.empty());
    core().publish(PublishTargets{{"feed:prices"}, {}, {}}, "server may");
    EXPECT_EQ(messages_to(reader.conn).size(), 1U);
}

TEST_F(PublishTest, AuthorizationDenialRefusesTheWholePublish) {
    env.on_authorize_publish = [](std::string_view topic) {
        return topic == "locked" ? deny("read only") : allow();
    };
    const ConnectedClient publisher = open_client(1);
    const ConnectedClient reader = open_client(2);
    subscribe(reader.conn, "open");
    const nlohmann::json reply = publish(publisher.conn, {"open", "locked"}, "x");
    EXPECT_EQ(error_code(reply), 104U);
    EXPECT_NE(reply["error"]["message"].get<std::string>().find("read only"), std::string::npos);
    EXPECT_TRUE(env.broker_calls.empty());
    EXPECT_TRUE(messages_to(reader.conn).empty());
}

TEST_F(PublishTest, PendingAuthorizationPublishesOnceEveryTopicIsAllowed) {
    env.on_authorize_publish = [](std::string_view) { return pending(); };
    const ConnectedClient publisher = open_client(1);
    const ConnectedClient reader = open_client(2);
    subscribe(reader.conn, "a");
    const std::size_t before = env.auth_request_ids.size();
    send(publisher.conn, protocol::PublishCommand{{"a", "b"}, {}, {}, "x"});
    ASSERT_EQ(env.auth_request_ids.size(), before + 2);
    core().complete_auth(env.auth_request_ids[before], allow());
    EXPECT_TRUE(env.broker_calls.empty());
    core().complete_auth(env.auth_request_ids[before + 1], allow());
    EXPECT_EQ(env.broker_calls.size(), 2U);
    EXPECT_EQ(messages_to(reader.conn).size(), 1U);
    EXPECT_TRUE(last_frame(publisher.conn)["result"].contains("positions"));
}

TEST_F(PublishTest, PendingAuthorizationDeniedRepliesOnce) {
    env.on_authorize_publish = [](std::string_view) { return pending(); };
    const ConnectedClient publisher = open_client(1);
    const std::size_t before = env.auth_request_ids.size();
    send(publisher.conn, protocol::PublishCommand{{"a", "b"}, {}, {}, "x"});
    core().complete_auth(env.auth_request_ids[before], deny("no"));
    core().complete_auth(env.auth_request_ids[before + 1], deny("no again"));
    EXPECT_EQ(env.frames_to(publisher.conn).size(), 2U);  // connect reply + one refusal
    EXPECT_EQ(error_code(last_frame(publisher.conn)), 104U);
    EXPECT_TRUE(env.broker_calls.empty());
}

TEST_F(PublishTest, PendingBrokerPublishFansOutWhenEveryPositionIsKnown) {
    env.on_broker_publish = [](std::string_view) {
        PublishOutcome outcome;
        outcome.kind = PublishOutcome::Kind::pending;
        return outcome;
    };
    const ConnectedClient publisher = open_client(1);
    const ConnectedClient reader = open_client(2);
    subscribe(reader.conn, "a");
    subscribe(reader.conn, "b");
    send(publisher.conn, protocol::PublishCommand{{"a", "b"}, {}, {}, "x"});
    ASSERT_EQ(env.broker_calls.size(), 2U);
    EXPECT_TRUE(messages_to(reader.conn).empty());

    core().complete_publish(env.broker_calls[1].request_id,
                            PublishOutcome{PublishOutcome::Kind::done, 7, "e-b", ""});
    EXPECT_TRUE(messages_to(reader.conn).empty());
    core().complete_publish(env.broker_calls[0].request_id,
                            PublishOutcome{PublishOutcome::Kind::done, 3, "e-a", ""});
    const std::vector<nlohmann::json> messages = messages_to(reader.conn);
    ASSERT_EQ(messages.size(), 1U);
    EXPECT_EQ(messages[0]["topic"], "a");
    EXPECT_EQ(messages[0]["offset"], 3);
    const nlohmann::json reply = last_frame(publisher.conn);
    EXPECT_EQ(reply["result"]["positions"][1]["offset"], 7);
    EXPECT_EQ(reply["result"]["positions"][1]["epoch"], "e-b");
}

TEST_F(PublishTest, BrokerFailureRepliesInternalAndDeliversWhatWasStored) {
    env.on_broker_publish = [](std::string_view topic) {
        if (topic == "broken")
            return PublishOutcome{PublishOutcome::Kind::failed, 0, "", "disk full"};
        return PublishOutcome{PublishOutcome::Kind::done, 1, "e", ""};
    };
    const ConnectedClient publisher = open_client(1);
    const ConnectedClient reader = open_client(2);
    subscribe(reader.conn, "fine");
    const nlohmann::json reply = publish(publisher.conn, {"broken", "fine"}, "x");
    EXPECT_EQ(error_code(reply), 100U);
    EXPECT_NE(reply["error"]["message"].get<std::string>().find("disk full"), std::string::npos);
    EXPECT_EQ(messages_to(reader.conn).size(), 1U);
}

TEST_F(PublishTest, PublishEmitsOnePublishEventPerTopic) {
    const ConnectedClient publisher = open_client(1, "user:ann");
    publish(publisher.conn, {"a", "b"}, "payload");
    const std::vector<RecordedEvent> publishes = env.events_of(NOTIFY_EVENT_PUBLISH);
    ASSERT_EQ(publishes.size(), 2U);
    EXPECT_EQ(publishes[0].topic, "a");
    EXPECT_EQ(publishes[1].topic, "b");
    EXPECT_EQ(publishes[0].offset, 1U);
    EXPECT_EQ(publishes[0].epoch, "epoch-1");
    EXPECT_EQ(publishes[0].data, "payload");
    EXPECT_EQ(publishes[0].client_id, publisher.client);
    EXPECT_EQ(publishes[0].user_id, "ann");
}

TEST_F(PublishTest, ServerPublishReachesSubscribers) {
    const ConnectedClient reader = open_client(1);
    subscribe(reader.conn, "news");
    core().publish(PublishTargets{{"news"}, {}, {}}, "from the server");
    const std::vector<nlohmann::json> messages = messages_to(reader.conn);
    ASSERT_EQ(messages.size(), 1U);
    EXPECT_EQ(messages[0]["data"], "from the server");
    EXPECT_EQ(core().stats().publishes, 1U);
    EXPECT_EQ(core().stats().deliveries, 1U);
    const std::vector<RecordedEvent> publishes = env.events_of(NOTIFY_EVENT_PUBLISH);
    ASSERT_EQ(publishes.size(), 1U);
    EXPECT_TRUE(publishes[0].client_id.empty());
}

TEST_F(PublishTest, BinaryPayloadRoundTrips) {
    const ConnectedClient reader = open_client(1);
    subscribe(reader.conn, "bin");
    const std::string payload("\x00\x01\xfe\xff", 4);
    core().publish(PublishTargets{{"bin"}, {}, {}}, payload);
    const std::vector<std::string> frames = env.frames_to(reader.conn);
    const auto decoded = protocol::decode_server_frame(frames.back());
    ASSERT_TRUE(std::holds_alternative<protocol::ServerFrame>(decoded));
    const auto& frame = std::get<protocol::ServerFrame>(decoded);
    ASSERT_TRUE(std::holds_alternative<protocol::MessagePush>(frame));
    EXPECT_EQ(std::get<protocol::MessagePush>(frame).data, payload);
}

}  // namespace
}  // namespace notify::core::testing
