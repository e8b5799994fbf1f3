// Two Redis shards (issue 10, "The redis broker plugin": several addresses = shards by a stable
// hash of the topic): topics land on both servers, each topic's keys on one of them, and
// delivery across the three nodes still holds.
#include <algorithm>
#include <iostream>
#include <set>

#include "cluster_fixture.hpp"

namespace notify::test::cluster {
namespace {

class ClusterShardTest : public ClusterTest {};

TEST_F(ClusterShardTest, TopicsLandOnBothShardsAndDeliveryHolds) {
    ASSERT_NO_FATAL_FAILURE(start_cluster(39860, /*redis_servers=*/2));
    constexpr int kTopics = 16;
    constexpr int kEach = 30;
    std::vector<std::string> topics;
    for (int t = 0; t < kTopics; ++t) {
        topics.push_back("shardtopic-" + std::string(t < 10 ? "0" : "") + std::to_string(t));
    }

    std::vector<std::unique_ptr<Process>> subscribers;
    for (int node = 0; node < kNodes; ++node) {
        std::vector<std::string> args{"sub", url(node)};
        args.insert(args.end(), topics.begin(), topics.end());
        args.insert(args.end(), {"--count", std::to_string(kTopics * kEach), "--timeout", "20"});
        subscribers.push_back(start_cli("sub", args));
    }
    for (auto& sub : subscribers) {
        ASSERT_TRUE(sub->wait_for_stderr("ready", seconds(10))) << sub->stderr_text();
    }
    std::vector<std::unique_ptr<Process>> publishers;
    for (int t = 0; t < kTopics; ++t) {
        const auto& topic = topics[static_cast<std::size_t>(t)];
        publishers.push_back(start_cli("pub", {"pub", url(t % kNodes), topic, topic, "--count",
                                               std::to_string(kEach), "--timeout", "15"}));
    }
    for (auto& pub : publishers) ASSERT_EQ(pub->wait_for(seconds(15)), 0) << pub->stderr_text();
    for (auto& sub : subscribers) {
        ASSERT_EQ(sub->wait_for(seconds(10)), 0) << sub->stderr_text();
        std::map<std::string, std::vector<CliLine>> by_topic;
        for (CliLine& line : parse_cli_lines(sub->stdout_text())) {
            by_topic[line.topic].push_back(std::move(line));
        }
        for (const std::string& topic : topics) {
            const auto& lines = by_topic[topic];
            ASSERT_EQ(lines.size(), static_cast<std::size_t>(kEach)) << topic;
            for (std::size_t i = 0; i < lines.size(); ++i) {
                EXPECT_EQ(lines[i].offset, i + 1) << topic;
                EXPECT_EQ(lines[i].data, topic + "-" + std::to_string(i + 1)) << topic;
            }
        }
    }

    // Where each topic's keys (history, position) live: exactly one shard per topic, and both
    // shards hold some (16 topics all on one of two shards: 1 in 32768).
    const std::vector<std::string> keys0 = redis(0).keys();
    const std::vector<std::string> keys1 = redis(1).keys();
    const auto holds = [](const std::vector<std::string>& keys, const std::string& topic) {
        return std::any_of(keys.begin(), keys.end(), [&](const std::string& key) {
            return key.find(topic) != std::string::npos;
        });
    };
    int on0 = 0;
    int on1 = 0;
    for (const std::string& topic : topics) {
        const bool in0 = holds(keys0, topic);
        const bool in1 = holds(keys1, topic);
        EXPECT_NE(in0, in1) << topic
                            << (in0 ? " has keys on both shards" : " has no key on either shard");
        on0 += in0 ? 1 : 0;
        on1 += in1 ? 1 : 0;
    }
    EXPECT_GT(on0, 0) << "no topic on shard 0";
    EXPECT_GT(on1, 0) << "no topic on shard 1";
    std::cout << "topics per shard: " << on0 << " / " << on1 << std::endl;
}

}  // namespace
}  // namespace notify::test::cluster
