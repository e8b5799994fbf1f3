// Publish anywhere, deliver everywhere (issue 10, "What must hold" 1-2): three nodes on one Redis
// behave like one server for topic, client and user targets and for handler publishes.
#include <algorithm>
#include <set>

#include "cluster_fixture.hpp"

namespace notify::test::cluster {
namespace {

class ClusterDeliveryTest : public ClusterTest {};

// Each node publishes 300 messages to each of three topics at once (nine notify-cli publishers);
// two subscribers per node see every topic's 900 messages once, at offsets 1..900 in order, and
// all six see the same message at the same offset.
TEST_F(ClusterDeliveryTest, PublishOnEachNodeReachesEverySubscriberOnceInOrder) {
    ASSERT_NO_FATAL_FAILURE(start_cluster(39800));
    const std::vector<std::string> topics{"alpha", "beta", "gamma"};
    constexpr int kEach = 300;
    constexpr std::size_t kPerTopic = kEach * kNodes;
    const std::size_t total = kPerTopic * topics.size();

    std::vector<std::unique_ptr<Process>> subscribers;
    for (int node = 0; node < kNodes; ++node) {
        for (int copy = 0; copy < 2; ++copy) {
            subscribers.push_back(start_cli("sub-node" + std::to_string(node + 1),
                                            {"sub", url(node), "alpha", "beta", "gamma", "--count",
                                             std::to_string(total), "--timeout", "25"}));
        }
    }
    for (auto& sub : subscribers) {
        ASSERT_TRUE(sub->wait_for_stderr("ready", seconds(10))) << sub->stderr_text();
    }

    std::vector<std::unique_ptr<Process>> publishers;
    for (int node = 0; node < kNodes; ++node) {
        for (const std::string& topic : topics) {
            publishers.push_back(start_cli(
                "pub", {"pub", url(node), topic, "n" + std::to_string(node + 1) + "-" + topic,
                        "--count", std::to_string(kEach), "--timeout", "20"}));
        }
    }
    for (auto& pub : publishers) {
        ASSERT_EQ(pub->wait_for(seconds(20)), 0) << pub->stderr_text();
    }
    for (auto& sub : subscribers) {
        ASSERT_EQ(sub->wait_for(seconds(15)), 0)
            << "stderr: " << sub->stderr_text()
            << "\nlines: " << parse_cli_lines(sub->stdout_text()).size() << " of " << total;
    }

    // The payloads every topic must hold, each once.
    std::map<std::string, std::set<std::string>> expected;
    for (int node = 0; node < kNodes; ++node) {
        for (const std::string& topic : topics) {
            for (int i = 1; i <= kEach; ++i) {
                expected[topic].insert("n" + std::to_string(node + 1) + "-" + topic + "-" +
                                       std::to_string(i));
            }
        }
    }
    std::map<std::string, std::vector<CliLine>> reference;
    for (std::size_t s = 0; s < subscribers.size(); ++s) {
        std::map<std::string, std::vector<CliLine>> by_topic;
        for (CliLine& line : parse_cli_lines(subscribers[s]->stdout_text())) {
            by_topic[line.topic].push_back(std::move(line));
        }
        for (const std::string& topic : topics) {
            SCOPED_TRACE("subscriber " + std::to_string(s) + ", topic " + topic);
            const auto& lines = by_topic[topic];
            ASSERT_EQ(lines.size(), kPerTopic);
            std::set<std::string> seen;
            for (std::size_t i = 0; i < lines.size(); ++i) {
                ASSERT_EQ(lines[i].offset, i + 1) << "out of order or a gap";
                ASSERT_EQ(lines[i].epoch, lines[0].epoch);
                seen.insert(lines[i].data);
            }
            EXPECT_EQ(seen, expected[topic]);
            if (s == 0) {
                reference[topic] = lines;
            } else {
                for (std::size_t i = 0; i < lines.size(); ++i) {
                    ASSERT_EQ(lines[i].data, reference[topic][i].data)
                        << "offset " << i + 1 << " differs between subscribers";
                    ASSERT_EQ(lines[i].epoch, reference[topic][i].epoch);
                }
            }
        }
    }
}

std::vector<std::string> non_chat_payloads(const std::vector<json>& messages) {
    std::vector<std::string> out;
    for (const json& message : messages) {
        if (message.value("topic", "") == "chat") continue;  // the chat handler's room
        out.push_back(message.value("data", ""));
    }
    return out;
}

// Direct publishes from node 2 to client ids and a user id: a client named twice (by id and by
// its user) gets each publish once; clients of the user on two other nodes get it; a client of
// another user gets nothing.
TEST_F(ClusterDeliveryTest, DirectClientAndUserTargetsReachEveryNodeOnce) {
    ASSERT_NO_FATAL_FAILURE(start_cluster(39810));
    NotifyClient alice1(node_port(0));  // alice on node 1, also named by client id
    alice1.connect({{"user", "alice"}});
    NotifyClient alice3(node_port(2));  // alice on node 3
    alice3.connect({{"user", "alice"}});
    NotifyClient plain3(node_port(2));  // no user, named by client id
    plain3.connect();
    NotifyClient bob2(node_port(1));  // another user, never named
    bob2.connect({{"user", "bob"}});
    NotifyClient publisher(node_port(1));
    publisher.connect();
    const auto publish_direct = [&](const std::string& data) {
        const json reply =
            publisher.request("publish", {{"clients", {alice1.client(), plain3.client()}},
                                          {"users", {"alice"}},
                                          {"data", data}});
        ASSERT_TRUE(reply.contains("result")) << reply.dump();
    };
    const std::vector<std::pair<std::string, NotifyClient*>> recipients{
        {"alice on node 1, named by client id and by user", &alice1},
        {"alice on node 3, named by user", &alice3},
        {"a client on node 3, named by client id", &plain3}};

    // Interest in a client or user reaches the bus asynchronously after the connect (a direct
    // publish before the nodes' SUBSCRIBE took effect is lost): marker publishes to the same
    // targets until every recipient got one.
    const auto is_marker = [](const std::string& data) { return data.rfind("marker-", 0) == 0; };
    std::vector<bool> marked(recipients.size(), false);
    const auto marker_deadline = Clock::now() + seconds(10);
    for (int round = 1; Clock::now() < marker_deadline; ++round) {
        ASSERT_NO_FATAL_FAILURE(publish_direct("marker-" + std::to_string(round)));
        for (std::size_t r = 0; r < recipients.size(); ++r) {
            if (marked[r]) continue;
            for (const std::string& data :
                 non_chat_payloads(recipients[r].second->messages(50, milliseconds(100)))) {
                marked[r] = marked[r] || is_marker(data);
            }
        }
        if (std::all_of(marked.begin(), marked.end(), [](bool m) { return m; })) break;
    }
    for (std::size_t r = 0; r < recipients.size(); ++r) {
        ASSERT_TRUE(marked[r]) << recipients[r].first << ": no marker publish arrived in 10 s";
    }

    constexpr int kCount = 200;
    for (int i = 1; i <= kCount; ++i) {
        ASSERT_NO_FATAL_FAILURE(publish_direct("direct-" + std::to_string(i)));
    }
    std::vector<std::string> expected;
    for (int i = 1; i <= kCount; ++i) expected.push_back("direct-" + std::to_string(i));

    // Each receives the publishes (and chat join messages and markers still on their way,
    // filtered out) in publish order.
    const auto direct_payloads = [&](const std::vector<json>& messages) {
        std::vector<std::string> out;
        for (std::string& data : non_chat_payloads(messages)) {
            if (!is_marker(data)) out.push_back(std::move(data));
        }
        return out;
    };
    for (const auto& [who, client] : recipients) {
        std::vector<std::string> got;
        const auto deadline = Clock::now() + seconds(10);
        while (got.size() < expected.size() && Clock::now() < deadline) {
            const auto batch = direct_payloads(client->messages(1, seconds(1)));
            got.insert(got.end(), batch.begin(), batch.end());
        }
        // Anything more (a duplicate) would arrive right behind.
        const auto extra = direct_payloads(client->messages(50, milliseconds(500)));
        got.insert(got.end(), extra.begin(), extra.end());
        EXPECT_EQ(got, expected) << who;
    }
    EXPECT_TRUE(non_chat_payloads(bob2.messages(10, milliseconds(500))).empty());
}

// The chat handler publishes from the node its client is on; the room spans every node.
TEST_F(ClusterDeliveryTest, HandlerPublishesReachTheRoomOnEveryNode) {
    ASSERT_NO_FATAL_FAILURE(start_cluster(39820));
    std::vector<std::unique_ptr<NotifyClient>> members;
    for (int node = 0; node < kNodes; ++node) {
        members.push_back(std::make_unique<NotifyClient>(node_port(node)));
        members.back()->connect();
        // Its own join message proves this node's room subscription is live on the bus.
        const std::string own = members.back()->client() + " joined the chat!!!";
        bool joined = false;
        const auto deadline = Clock::now() + seconds(5);
        while (!joined && Clock::now() < deadline) {
            for (const json& message : members.back()->messages(1, milliseconds(200))) {
                joined = joined || message.value("data", "") == own;
            }
        }
        ASSERT_TRUE(joined) << "node" << node + 1 << ": no join message of its own client";
    }
    const std::string hello = "hello from node 2";
    const json reply = members[1]->request("send", {{"data", hello}});
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    for (int node = 0; node < kNodes; ++node) {
        int seen = 0;
        const auto deadline = Clock::now() + seconds(5);
        while (seen == 0 && Clock::now() < deadline) {
            for (const json& message :
                 members[static_cast<std::size_t>(node)]->messages(1, seconds(1))) {
                if (message.value("data", "") == hello) ++seen;
            }
        }
        for (const json& message :
             members[static_cast<std::size_t>(node)]->messages(20, milliseconds(300))) {
            if (message.value("data", "") == hello) ++seen;
        }
        EXPECT_EQ(seen, 1) << "node" << node + 1;
    }
}

}  // namespace
}  // namespace notify::test::cluster
