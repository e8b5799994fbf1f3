// Presence, join/leave and the presence/presence_stats/history commands.
#include <set>

#include "core_fixture.hpp"

namespace notify::core::testing {
namespace {

class PresenceTest : public CoreTest {
  protected:
    PresenceTest() {
        host::NamespaceSpec room;
        room.name = "room";
        room.presence = true;
        room.join_leave = true;
        room.history_size = 100;
        config.namespaces.push_back(room);
        config.default_namespace.history_size = 100;
    }

    std::vector<std::string> present(const std::string& topic) const {
        std::vector<std::string> ids;
        auto found = env.presence.find(topic);
        if (found == env.presence.end()) return ids;
        for (const auto& [id, member] : found->second) ids.push_back(id);
        return ids;
    }

    std::vector<nlohmann::json> pushes_to(ConnectionRef conn, const std::string& kind) const {
        std::vector<nlohmann::json> found;
        for (const std::string& frame : env.frames_to(conn)) {
            const nlohmann::json parsed = nlohmann::json::parse(frame);
            if (parsed.contains("push") && parsed["push"].contains(kind)) {
                found.push_back(parsed["push"][kind]);
            }
        }
        return found;
    }
};

TEST_F(PresenceTest, SubscribedConnectedClientsArePresentWithTheirUser) {
    const ConnectedClient ann = open_client(1, "user:ann");
    const ConnectedClient bob = open_client(2, "user:bob");
    subscribe(ann.conn, "room:1");
    subscribe(bob.conn, "room:1");
    subscribe(ann.conn, "plain");
    EXPECT_EQ(present("room:1").size(), 2U);
    EXPECT_TRUE(present("plain").empty());
    const nlohmann::json reply = request(ann.conn, protocol::PresenceCommand{"room:1"});
    ASSERT_EQ(reply["result"]["presence"].size(), 2U) << reply;
    std::set<std::string> users;
    for (const auto& entry : reply["result"]["presence"]) users.insert(entry["user"]);
    EXPECT_EQ(users, (std::set<std::string>{"ann", "bob"}));
    const nlohmann::json stats = request(ann.conn, protocol::PresenceStatsCommand{"room:1"});
    EXPECT_EQ(stats["result"]["clients"], 2);
    EXPECT_EQ(stats["result"]["users"], 2);
}

TEST_F(PresenceTest, ClientsLeaveWhenTheyUnsubscribeOrLoseTheirConnectionAndRejoinOnResume) {
    const ConnectedClient ann = open_client(1, "user:ann");
    const ConnectedClient bob = open_client(2, "user:bob");
    subscribe(ann.conn, "room:1");
    subscribe(bob.conn, "room:1");
    unsubscribe(bob.conn, "room:1");
    EXPECT_EQ(present("room:1"), std::vector<std::string>{ann.client});
    core().connection_closed(ann.conn, NOTIFY_CLOSE_ABNORMAL);
    EXPECT_TRUE(present("room:1").empty());
    const ConnectionRef again = open(3);
    const nlohmann::json resumed =
        connect(again, protocol::ConnectCommand{"user:ann", ann.client, ann.resume, {}});
    ASSERT_EQ(resumed["result"]["resumed"], true) << resumed;
    EXPECT_EQ(present("room:1"), std::vector<std::string>{ann.client});
}

TEST_F(PresenceTest, JoinAndLeaveGoToTheOtherSubscribers) {
    const ConnectedClient ann = open_client(1, "user:ann");
    subscribe(ann.conn, "room:1");
    const ConnectedClient bob = open_client(2, "user:bob");
    subscribe(bob.conn, "room:1");
    unsubscribe(bob.conn, "room:1");
    const std::vector<nlohmann::json> joins = pushes_to(ann.conn, "join");
    const std::vector<nlohmann::json> leaves = pushes_to(ann.conn, "leave");
    ASSERT_EQ(joins.size(), 1U);
    EXPECT_EQ(joins[0]["client"], bob.client);
    EXPECT_EQ(joins[0]["user"], "bob");
    EXPECT_EQ(joins[0]["topic"], "room:1");
    ASSERT_EQ(leaves.size(), 1U);
    EXPECT_EQ(leaves[0]["client"], bob.client);
    // Nobody is told about their own join.
    EXPECT_TRUE(pushes_to(bob.conn, "join").empty());
}

TEST_F(PresenceTest, PresenceIsReadOnlyWhereEnabledAndAsTheNamespaceAllows) {
    const ConnectedClient ann = open_client(1, "user:ann");
    subscribe(ann.conn, "plain");
    EXPECT_EQ(error_code(request(ann.conn, protocol::PresenceCommand{"plain"})), 108U);
    // Default read_presence = subscriber.
    const nlohmann::json outsider = request(ann.conn, protocol::PresenceCommand{"room:2"});
    EXPECT_EQ(error_code(outsider), 104U);
    EXPECT_NE(outsider["error"]["message"].get<std::string>().find("only subscribers"),
              std::string::npos);
    env.presence_error = "broker down";
    subscribe(ann.conn, "room:2");
    EXPECT_EQ(error_code(request(ann.conn, protocol::PresenceStatsCommand{"room:2"})), 100U);
}

TEST_F(PresenceTest, HistoryReturnsTheLastMessagesOrThoseSinceAPosition) {
    const ConnectedClient ann = open_client(1);
    subscribe(ann.conn, "news");
    for (int i = 1; i <= 5; ++i) publish(ann.conn, {"news"}, "m" + std::to_string(i));
    protocol::HistoryCommand last_two;
    last_two.topic = "news";
    last_two.limit = 2;
    const nlohmann::json reply = request(ann.conn, last_two);
    ASSERT_EQ(reply["result"]["messages"].size(), 2U) << reply;
    EXPECT_EQ(reply["result"]["messages"][0]["offset"], 4);
    EXPECT_EQ(reply["result"]["messages"][1]["data"], "m5");
    EXPECT_EQ(reply["result"]["offset"], 5);
    const std::string epoch = reply["result"]["epoch"];

    protocol::HistoryCommand since;
    since.topic = "news";
    since.since = protocol::Position{2, epoch};
    since.reverse = true;
    const nlohmann::json newest_first = request(ann.conn, since);
    ASSERT_EQ(newest_first["result"]["messages"].size(), 3U) << newest_first;
    EXPECT_EQ(newest_first["result"]["messages"][0]["offset"], 5);
    EXPECT_EQ(newest_first["result"]["messages"][2]["offset"], 3);

    since.since = protocol::Position{2, "another-epoch"};
    EXPECT_EQ(error_code(request(ann.conn, since)), 102U);
}

TEST_F(PresenceTest, HistoryFollowsTheNamespacesReadRule) {
    config.default_namespace.read_history = host::PublishRule::none;
    const ConnectedClient ann = open_client(1);
    subscribe(ann.conn, "news");
    protocol::HistoryCommand history;
    history.topic = "news";
    EXPECT_EQ(error_code(request(ann.conn, history)), 104U);
}

}  // namespace
}  // namespace notify::core::testing
