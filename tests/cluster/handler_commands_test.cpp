// Commands from handlers follow the client (issue 10, "Tests": handler subscribe/disconnect of a
// client on another node; docs/cluster.md "Commands follow the client"). The test handler
// (fixture_handler_commands.c) turns a client's `send` payload into host->subscribe /
// unsubscribe / disconnect; the client sending it is on node 1, the target on node 3 (or, for a
// user, on nodes 2 and 3), and the publishes that prove it are made on node 2.
#include <functional>
#include <string>
#include <vector>

#include "cluster_fixture.hpp"

namespace notify::test::cluster {
namespace {

class ClusterHandlerCommandsTest : public ClusterTest {
  protected:
    void SetUp() override {
        ClusterTest::SetUp();
        extra_manifest_ = "[[handler]]\nplugin = \"" CLUSTER_TEST_HANDLER_PATH "\"\n";
    }

    // Sends `command` to the test handler from `client` and expects the send to be answered.
    static void command(NotifyClient& client, const std::string& text) {
        const json reply = client.request("send", {{"data", text}});
        ASSERT_TRUE(reply.contains("result")) << text << ": " << reply.dump();
    }

    // Publishes `data` to `topic` from `publisher`; the publish must be acknowledged.
    static void publish(NotifyClient& publisher, const std::string& topic, const std::string& data) {
        const json reply = publisher.request("publish", {{"topic", topic}, {"data", data}});
        ASSERT_TRUE(reply.contains("result")) << reply.dump();
    }

    // Waits up to `timeout` for a message of `topic` with payload `data` (others are skipped).
    static bool receives(NotifyClient& client, const std::string& topic, const std::string& data,
                         milliseconds timeout) {
        const auto deadline = Clock::now() + timeout;
        while (Clock::now() < deadline) {
            for (const json& message : client.messages(1, milliseconds(50))) {
                if (message.value("topic", "") == topic && message.value("data", "") == data) {
                    return true;
                }
            }
            if (client.closed()) return false;
        }
        return false;
    }

    // Publishes `topic` messages from `publisher` until every one of `clients` received one of
    // them (the command that subscribed them crosses the bus asynchronously); false at the
    // deadline. `before_round`, when given, runs before each round's publish (to repeat an
    // idempotent command that the bus may have dropped).
    static bool until_received(NotifyClient& publisher, const std::string& topic,
                               const std::vector<NotifyClient*>& clients, milliseconds timeout,
                               const std::function<void()>& before_round = {}) {
        const auto deadline = Clock::now() + timeout;
        std::vector<bool> got(clients.size(), false);
        for (int round = 1; Clock::now() < deadline; ++round) {
            if (before_round) before_round();
            const std::string data = topic + "-probe-" + std::to_string(round);
            publish(publisher, topic, data);
            bool all = true;
            for (std::size_t i = 0; i < clients.size(); ++i) {
                if (!got[i]) got[i] = receives(*clients[i], topic, data, milliseconds(250));
                all = all && got[i];
            }
            if (all) return true;
        }
        return false;
    }
};

TEST_F(ClusterHandlerCommandsTest, SubscribeUnsubscribeAndDisconnectReachAClientOnAnotherNode) {
    ASSERT_NO_FATAL_FAILURE(start_cluster(39940));
    NotifyClient commander(node_port(0));  // its handler acts on node 1
    commander.connect();
    NotifyClient target(node_port(2));  // the client the commands name, on node 3
    target.connect();
    NotifyClient publisher(node_port(1));
    publisher.connect();

    // Not subscribed yet: a publish to news does not reach it.
    ASSERT_NO_FATAL_FAILURE(publish(publisher, "news", "before"));
    EXPECT_FALSE(receives(target, "news", "before", milliseconds(500)));

    // subscribe: node 1's handler names a client node 3 holds. Node 3 subscribes to the
    // client's shard channel on the bus as it connects; a command published before that
    // SUBSCRIBE is active is lost (Redis PUB/SUB is at-most-once, docs/cluster.md), so it is
    // repeated each round until the client gets the topic: subscribing twice is harmless.
    ASSERT_TRUE(until_received(publisher, "news", {&target}, seconds(8), [&] {
        command(commander, "subscribe " + target.client() + " news");
    })) << "the client on node 3 never received news after the handler on node 1 subscribed it";
    // And from now on every publish, in order.
    for (int i = 1; i <= 20; ++i) {
        ASSERT_NO_FATAL_FAILURE(publish(publisher, "news", "n-" + std::to_string(i)));
    }
    for (int i = 1; i <= 20; ++i) {
        ASSERT_TRUE(receives(target, "news", "n-" + std::to_string(i), seconds(3))) << i;
    }

    // unsubscribe: publishes stop reaching it.
    ASSERT_NO_FATAL_FAILURE(command(commander, "unsubscribe " + target.client() + " news"));
    bool stopped = false;
    const auto deadline = Clock::now() + seconds(8);
    for (int round = 1; !stopped && Clock::now() < deadline; ++round) {
        const std::string data = "u-probe-" + std::to_string(round);
        ASSERT_NO_FATAL_FAILURE(publish(publisher, "news", data));
        stopped = !receives(target, "news", data, seconds(1));
    }
    ASSERT_TRUE(stopped) << "the client on node 3 kept receiving news after the unsubscribe";
    for (int i = 1; i <= 5; ++i) {
        ASSERT_NO_FATAL_FAILURE(publish(publisher, "news", "after-" + std::to_string(i)));
    }
    for (const json& message : target.messages(10, milliseconds(800))) {
        EXPECT_NE(message.value("topic", ""), "news") << "after the unsubscribe: " << message.dump();
    }

    // disconnect: the client on node 3 is told (push) and closed with 4003.
    ASSERT_NO_FATAL_FAILURE(command(commander, "disconnect " + target.client()));
    std::optional<json> disconnect_push;
    const auto close_deadline = Clock::now() + seconds(8);
    while (!target.closed() && Clock::now() < close_deadline) {
        if (auto push = target.next_push(milliseconds(100)); push && push->contains("disconnect")) {
            disconnect_push = push->at("disconnect");
        }
    }
    ASSERT_TRUE(target.closed()) << "node 3 kept the client the handler on node 1 disconnected";
    EXPECT_EQ(target.close_code(), 4003);
    ASSERT_TRUE(disconnect_push.has_value()) << "no disconnect push before the close";
    EXPECT_EQ(disconnect_push->value("code", 0), 4003) << disconnect_push->dump();
    // The session is invalidated: its resume token is refused or not resumed.
    NotifyClient again(node_port(2));
    const json frame = again.connect_frame({{"client", target.client()}, {"resume", target.resume()}});
    if (frame.contains("result")) {
        EXPECT_FALSE(frame.at("result").value("resumed", false)) << frame.dump();
    }
    // The commander was not touched.
    EXPECT_TRUE(commander.request("ping", json::object()).contains("result"));
    EXPECT_FALSE(commander.closed());
}

TEST_F(ClusterHandlerCommandsTest, UserSubscriptionReachesTheUsersClientsOnTwoNodes) {
    ASSERT_NO_FATAL_FAILURE(start_cluster(39950));
    NotifyClient commander(node_port(0));
    commander.connect();
    NotifyClient carol2(node_port(1));
    carol2.connect({{"user", "carol"}});
    NotifyClient carol3(node_port(2));
    carol3.connect({{"user", "carol"}});
    NotifyClient dave3(node_port(2));  // another user: never subscribed
    dave3.connect({{"user", "dave"}});
    NotifyClient publisher(node_port(0));
    publisher.connect();

    // Nodes 2 and 3 subscribe to carol's user channel on the bus as she connects; a command
    // published before that SUBSCRIBE is active is lost (Redis PUB/SUB is at-most-once,
    // docs/cluster.md), so it is repeated until both clients get the topic: subscribing twice is
    // harmless.
    ASSERT_TRUE(until_received(publisher, "digest", {&carol2, &carol3}, seconds(8),
                               [&] { command(commander, "subscribe-user carol digest"); }))
        << "carol's clients on nodes 2 and 3 did not both receive digest";
    for (int i = 1; i <= 20; ++i) {
        ASSERT_NO_FATAL_FAILURE(publish(publisher, "digest", "d-" + std::to_string(i)));
    }
    for (NotifyClient* client : {&carol2, &carol3}) {
        for (int i = 1; i <= 20; ++i) {
            ASSERT_TRUE(receives(*client, "digest", "d-" + std::to_string(i), seconds(3))) << i;
        }
    }
    for (const json& message : dave3.messages(50, milliseconds(300))) {
        EXPECT_NE(message.value("topic", ""), "digest") << "dave got " << message.dump();
    }

    // unsubscribe-user: both stop.
    ASSERT_NO_FATAL_FAILURE(command(commander, "unsubscribe-user carol digest"));
    bool stopped = false;
    const auto deadline = Clock::now() + seconds(8);
    for (int round = 1; !stopped && Clock::now() < deadline; ++round) {
        const std::string data = "u-probe-" + std::to_string(round);
        ASSERT_NO_FATAL_FAILURE(publish(publisher, "digest", data));
        const bool got2 = receives(carol2, "digest", data, milliseconds(300));
        const bool got3 = receives(carol3, "digest", data, milliseconds(300));
        stopped = !got2 && !got3;
    }
    EXPECT_TRUE(stopped) << "carol's clients kept receiving digest after unsubscribe-user";
}

}  // namespace
}  // namespace notify::test::cluster
