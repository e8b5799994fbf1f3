// Cluster mode (CoreConfig::cluster): messages come from the bus, interest follows the
// changelog, and commands follow clients and users to the node that holds them.
#include <algorithm>

#include "core_fixture.hpp"

namespace notify::core::testing {
namespace {

class ClusterTest : public CoreTest {
  protected:
    ClusterTest() {
        config.cluster = true;
        config.node_id = "node-a";
    }

    BusMessage topic_message(std::string topic, std::uint64_t offset, std::string payload,
                             std::string key = {}) {
        BusMessage message;
        message.topic = std::move(topic);
        message.offset = offset;
        message.epoch = "epoch-1";
        message.payload = std::move(payload);
        message.publish_key = std::move(key);
        return message;
    }

    bool has_interest(notify_interest_kind kind, const std::string& name, bool up) const {
        return std::find(env.interests.begin(), env.interests.end(),
                         FakeEnvironment::Interest{kind, name, up}) != env.interests.end();
    }
};

TEST_F(ClusterTest, PublishIsOrderedByTheBrokerAndFannedOutOnlyFromTheBus) {
    const ConnectedClient publisher = open_client(1);
    const ConnectedClient reader = open_client(2);
    subscribe(reader.conn, "news");
    const nlohmann::json reply = publish(publisher.conn, {"news"}, "hello");
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    EXPECT_EQ(reply["result"]["positions"][0]["offset"], 1);
    EXPECT_TRUE(messages_to(reader.conn).empty()) << "delivered before the bus ordered it";

    core().receive_bus_message(topic_message("news", 1, "hello"));
    const std::vector<nlohmann::json> messages = messages_to(reader.conn);
    ASSERT_EQ(messages.size(), 1U);
    EXPECT_EQ(messages[0]["data"], "hello");
    EXPECT_EQ(messages[0]["offset"], 1);
    EXPECT_EQ(core().stats().bus_messages, 1U);
}

TEST_F(ClusterTest, InterestFollowsTheChangelog) {
    const ConnectedClient reader = open_client(1, "user:alice");
    EXPECT_TRUE(has_interest(NOTIFY_INTEREST_CLIENT, reader.client, true));
    EXPECT_TRUE(has_interest(NOTIFY_INTEREST_USER, "alice", true));
    subscribe(reader.conn, "news");
    EXPECT_TRUE(has_interest(NOTIFY_INTEREST_TOPIC, "news", true));
    unsubscribe(reader.conn, "news");
    EXPECT_TRUE(has_interest(NOTIFY_INTEREST_TOPIC, "news", false));
    core().disconnect(NOTIFY_TARGET_CLIENT, reader.client, NOTIFY_CLOSE_DISCONNECTED, "bye");
    EXPECT_TRUE(has_interest(NOTIFY_INTEREST_CLIENT, reader.client, false));
    EXPECT_TRUE(has_interest(NOTIFY_INTEREST_USER, "alice", false));
}

TEST_F(ClusterTest, SubscribeReadsThePositionSoTheBrokerKnowsWhereTheNodeStarts) {
    const ConnectedClient reader = open_client(1);
    const std::size_t reads = env.history_reads;
    subscribe(reader.conn, "news");
    EXPECT_EQ(env.history_reads, reads + 1);
}

TEST_F(ClusterTest, MessagesPublishedBeforeTheSubscribeButLateOnTheBusAreNotDelivered) {
    env.stream_offset("news") = 5;
    const ConnectedClient reader = open_client(1);
    subscribe(reader.conn, "news");
    core().receive_bus_message(topic_message("news", 5, "before"));
    core().receive_bus_message(topic_message("news", 6, "after"));
    const std::vector<nlohmann::json> messages = messages_to(reader.conn);
    ASSERT_EQ(messages.size(), 1U);
    EXPECT_EQ(messages[0]["data"], "after");
}

TEST_F(ClusterTest, UnrecoveredSubscribeSkipsWhatItsPositionCovers) {
    env.stream_offset("news") = 7;
    const ConnectedClient reader = open_client(1);
    const nlohmann::json reply = subscribe_since(reader.conn, "news", 3, "another-epoch");
    ASSERT_FALSE(reply["result"]["recovered"].get<bool>()) << reply.dump();
    EXPECT_EQ(reply["result"]["offset"], 7);
    core().receive_bus_message(topic_message("news", 7, "covered by the reload"));
    core().receive_bus_message(topic_message("news", 8, "live"));
    const std::vector<nlohmann::json> messages = messages_to(reader.conn);
    ASSERT_EQ(messages.size(), 1U);
    EXPECT_EQ(messages[0]["data"], "live");
}

TEST_F(ClusterTest, DirectTargetsGoToTheBusAndArriveOnceWithTheirTopicPart) {
    const ConnectedClient publisher = open_client(1);
    const ConnectedClient reader = open_client(2, "user:bob");
    subscribe(reader.conn, "news");
    const nlohmann::json reply = publish(publisher.conn, {"news"}, "both", {}, {"bob"});
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    ASSERT_EQ(env.directs.size(), 1U);
    EXPECT_EQ(env.directs[0].users, std::vector<std::string>{"bob"});
    const std::string key = env.directs[0].publish_key;
    EXPECT_FALSE(key.empty());
    ASSERT_EQ(env.publish_keys.size(), 1U);
    EXPECT_EQ(env.publish_keys[0], key) << "one key for every part of the publish";

    BusMessage direct;
    direct.users = {"bob"};
    direct.payload = "both";
    direct.publish_key = key;
    core().receive_bus_message(direct);
    core().receive_bus_message(topic_message("other", 9, "unrelated"));
    core().receive_bus_message(topic_message("news", 1, "both", key));
    EXPECT_EQ(messages_to(reader.conn).size(), 1U);
}

TEST_F(ClusterTest, SingleTargetPublishesCarryNoKey) {
    const ConnectedClient publisher = open_client(1);
    publish(publisher.conn, {"news"}, "x");
    ASSERT_EQ(env.publish_keys.size(), 1U);
    EXPECT_TRUE(env.publish_keys[0].empty());
}

TEST_F(ClusterTest, ClientAndUserTargetsShareAKeyTheBrokerMaySplitThemOverShards) {
    const ConnectedClient publisher = open_client(1);
    const ConnectedClient reader = open_client(2, "user:bob");
    publish(publisher.conn, {}, "once", {reader.client}, {"bob"});
    ASSERT_EQ(env.directs.size(), 1U);
    const std::string key = env.directs[0].publish_key;
    ASSERT_FALSE(key.empty());

    BusMessage by_client;  // the client's shard channel
    by_client.clients = {reader.client};
    by_client.payload = "once";
    by_client.publish_key = key;
    BusMessage by_user = by_client;  // the user's shard channel
    by_user.clients.clear();
    by_user.users = {"bob"};
    core().receive_bus_message(by_client);
    core().receive_bus_message(by_user);
    EXPECT_EQ(messages_to(reader.conn).size(), 1U);
}

TEST_F(ClusterTest, BusFailureOfDirectPartIsReportedToThePublisher) {
    env.direct_error = "redis 127.0.0.1:6379: not connected";
    const ConnectedClient publisher = open_client(1);
    const nlohmann::json reply = publish(publisher.conn, {}, "x", {"someone"});
    ASSERT_TRUE(reply.contains("error")) << reply.dump();
    EXPECT_NE(reply["error"]["message"].get<std::string>().find("not connected"),
              std::string::npos);
}

TEST_F(ClusterTest, ServerActionForAClientHeldElsewhereGoesOnTheBus) {
    core().subscribe(NOTIFY_TARGET_CLIENT, "remote-client", "news", env.clock_ms);
    ASSERT_EQ(env.commands.size(), 1U);
    EXPECT_EQ(env.commands[0].type, NOTIFY_COMMAND_SUBSCRIBE);
    EXPECT_EQ(env.commands[0].id, "remote-client");
    EXPECT_EQ(env.commands[0].topic, "news");
}

TEST_F(ClusterTest, ServerActionForALocalClientStaysHere) {
    const ConnectedClient reader = open_client(1);
    const std::size_t sent = env.commands.size();  // its connect announcement
    core().subscribe(NOTIFY_TARGET_CLIENT, reader.client, "news", env.clock_ms);
    EXPECT_EQ(env.commands.size(), sent);
    EXPECT_EQ(core().client_topics(reader.client), std::vector<std::string>{"news"});
}

TEST_F(ClusterTest, CommandFromTheBusActsOnLocalClients) {
    const ConnectedClient reader = open_client(1);
    ClusterCommand command;
    command.type = NOTIFY_COMMAND_SUBSCRIBE;
    command.target = NOTIFY_TARGET_CLIENT;
    command.id = reader.client;
    command.topic = "news";
    command.time_ms = env.clock_ms;
    core().apply_cluster_command(command);
    EXPECT_EQ(core().client_topics(reader.client), std::vector<std::string>{"news"});

    command.type = NOTIFY_COMMAND_DISCONNECT;
    command.code = NOTIFY_CLOSE_DISCONNECTED;
    command.reason = "banned";
    core().apply_cluster_command(command);
    EXPECT_EQ(core().client_state(reader.client), ClientState::invalid);
}

TEST_F(ClusterTest, ConnectAnnouncesTheClientAndANewerConnectionElsewhereReplacesIt) {
    const ConnectedClient reader = open_client(1);
    ASSERT_FALSE(env.commands.empty());
    EXPECT_EQ(env.commands.back().type, NOTIFY_COMMAND_CLIENT_CONNECTED);
    EXPECT_EQ(env.commands.back().id, reader.client);
    subscribe(reader.conn, "news");

    ClusterCommand older;
    older.type = NOTIFY_COMMAND_CLIENT_CONNECTED;
    older.target = NOTIFY_TARGET_CLIENT;
    older.id = reader.client;
    older.time_ms = env.clock_ms - 1;  // an announcement that was overtaken
    core().apply_cluster_command(older);
    EXPECT_EQ(core().client_state(reader.client), ClientState::active);

    ClusterCommand newer = older;
    newer.time_ms = env.clock_ms + 1;
    core().apply_cluster_command(newer);
    EXPECT_FALSE(core().client_state(reader.client).has_value()) << "the session moved away";
    ASSERT_FALSE(env.closes.empty());
    EXPECT_EQ(env.closes.back().code, NOTIFY_CLOSE_REPLACED);
    EXPECT_TRUE(has_interest(NOTIFY_INTEREST_TOPIC, "news", false));
}

TEST_F(ClusterTest, ResumeOfASessionHeldElsewhereGivesANewSession) {
    const ConnectionRef conn = open(1);
    protocol::ConnectCommand command;
    command.client = "from-another-node";
    command.resume = "its-token";
    const nlohmann::json reply = connect(conn, command);
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    EXPECT_NE(reply["result"]["client"], "from-another-node");
    EXPECT_FALSE(reply["result"].value("resumed", false));
}

TEST_F(ClusterTest, StreamLostTellsSubscribersToRecover) {
    const ConnectedClient reader = open_client(1);
    subscribe(reader.conn, "news");
    core().stream_lost("news", 42, "epoch-2", "gap 10..41 not in history");
    const nlohmann::json push = last_frame(reader.conn);
    ASSERT_TRUE(push.contains("push")) << push.dump();
    const nlohmann::json& recover = push["push"]["recover"];
    EXPECT_EQ(recover["topic"], "news");
    EXPECT_EQ(recover["offset"], 42);
    EXPECT_EQ(recover["epoch"], "epoch-2");
    EXPECT_EQ(core().stats().streams_lost, 1U);
}

}  // namespace
}  // namespace notify::core::testing
