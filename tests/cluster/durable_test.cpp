// At-least-once in a cluster (issue 10, "What must hold" 6): durable subscriptions and acked
// offsets kept in Redis by the redis broker, driven by notify-cli against real nodes.
#include <sstream>

#include "cluster_fixture.hpp"

namespace notify::test::cluster {
namespace {

class ClusterDurableTest : public ClusterTest {
  protected:
    void SetUp() override {
        ClusterTest::SetUp();
        extra_manifest_ =
            "[namespaces.orders]\ndelivery = \"at-least-once\"\nack_timeout = \"30s\"\n"
            "max_in_flight = 1000\nhistory_size = 100000\nhistory_ttl = \"10m\"\n";
    }

    // `client ID TOKEN`, the first line notify-cli prints on stderr.
    static std::pair<std::string, std::string> session_of(const std::string& err) {
        std::istringstream in(err);
        std::string word, client, token;
        in >> word >> client >> token;
        EXPECT_EQ(word, "client") << err;
        return {client, token};
    }
};

TEST_F(ClusterDurableTest, SubscriberResumesOnItsRestartedNodeWithoutWhatItAcked) {
    ASSERT_NO_FATAL_FAILURE(start_cluster(39500));
    auto first = start_cli("first", {"sub", url(0), "orders:7", "--ack", "--count", "300",
                                     "--timeout", "30"});
    ASSERT_TRUE(first->wait_for_stderr("ready", seconds(10))) << first->stderr_text();
    const auto [client, token] = session_of(first->stderr_text());

    // Published on another node: it reaches node 1 over the bus (or from history).
    auto pub = start_cli("pub", {"pub", url(1), "orders:7", "m", "--count", "1000",
                                 "--timeout", "30"});
    ASSERT_EQ(pub->wait_for(seconds(30)), 0) << pub->stderr_text();
    ASSERT_EQ(first->wait_for(seconds(30)), 0) << first->stderr_text();
    const std::vector<CliLine> acked = parse_cli_lines(first->stdout_text());
    ASSERT_EQ(acked.size(), 300U);
    EXPECT_EQ(acked.back().offset, 300U);
    // Node 1 writes the acks on the topic's connection in order with its publishes: one
    // acknowledged publish there after them proves them stored.
    auto fence = start_cli("fence", {"pub", url(0), "orders:7", "fence", "--timeout", "10"});
    ASSERT_EQ(fence->wait_for(seconds(10)), 0) << fence->stderr_text();

    kill_node(0);
    ASSERT_NO_FATAL_FAILURE(start_node(0));
    EXPECT_NE(node_log(0).find("restored 1 durable subscription"), std::string::npos)
        << node_log(0);

    auto second = start_cli("second", {"sub", url(0), "orders:7", "--client", client, "--resume",
                                       token, "--ack", "--count", "701", "--timeout", "30"});
    ASSERT_EQ(second->wait_for(seconds(30)), 0) << second->stderr_text();
    const std::vector<CliLine> rest = parse_cli_lines(second->stdout_text());
    ASSERT_EQ(rest.size(), 701U);
    for (std::size_t i = 0; i < rest.size(); ++i) {
        EXPECT_EQ(rest[i].offset, 301 + i);
        EXPECT_EQ(rest[i].epoch, acked[0].epoch);
    }
    EXPECT_EQ(rest[0].data, "m-301");
    EXPECT_EQ(rest.back().data, "fence");
}

TEST_F(ClusterDurableTest, RecordsAreScopedByNodeNameAndRemovedWithTheSubscription) {
    ASSERT_NO_FATAL_FAILURE(start_cluster(39510));
    auto sub = start_cli("sub", {"sub", url(2), "orders:9", "--ack", "--count", "1",
                                 "--timeout", "20"});
    ASSERT_TRUE(sub->wait_for_stderr("ready", seconds(10))) << sub->stderr_text();
    // The record is saved by node 3 under its name, in the topic's hash.
    const auto deadline = Clock::now() + seconds(5);
    std::string index;
    while (Clock::now() < deadline) {
        index = redis().cli("SMEMBERS", "cluster-e2e.subs.node.node3");
        if (index.find("orders:9") != std::string::npos) break;
        std::this_thread::sleep_for(milliseconds(50));
    }
    EXPECT_NE(index.find("orders:9"), std::string::npos) << index;
    EXPECT_EQ(redis().cli("HLEN", "cluster-e2e.subs.{orders:9}"), "1");
    EXPECT_EQ(redis().cli("SMEMBERS", "cluster-e2e.subs.node.node1"), "");

    auto pub = start_cli("pub", {"pub", url(0), "orders:9", "x", "--timeout", "10"});
    ASSERT_EQ(pub->wait_for(seconds(10)), 0) << pub->stderr_text();
    ASSERT_EQ(sub->wait_for(seconds(20)), 0) << sub->stderr_text();

    // notify-cli's session outlives its connection (for [clients] ttl), so its record stays;
    // a client that unsubscribes removes its record.
    NotifyClient client(node_port(2));
    client.connect();
    ASSERT_TRUE(client.request("subscribe", {{"topic", "orders:10"}}).contains("result"));
    const auto saved = Clock::now() + seconds(5);
    while (Clock::now() < saved && redis().cli("HLEN", "cluster-e2e.subs.{orders:10}") != "1") {
        std::this_thread::sleep_for(milliseconds(50));
    }
    ASSERT_EQ(redis().cli("HLEN", "cluster-e2e.subs.{orders:10}"), "1");
    ASSERT_TRUE(client.request("unsubscribe", {{"topic", "orders:10"}}).contains("result"));
    const auto removed = Clock::now() + seconds(5);
    while (Clock::now() < removed && redis().cli("HLEN", "cluster-e2e.subs.{orders:10}") != "0") {
        std::this_thread::sleep_for(milliseconds(50));
    }
    EXPECT_EQ(redis().cli("HLEN", "cluster-e2e.subs.{orders:10}"), "0");
    // Default redis-server settings (no AOF): the nodes warn that acknowledgements would not
    // survive a Redis crash.
    EXPECT_TRUE(wait_for_any_log("appendonly is 'no'", seconds(5))) << all_logs();
}

}  // namespace
}  // namespace notify::test::cluster
