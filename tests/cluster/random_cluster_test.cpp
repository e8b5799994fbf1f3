// A randomized cluster test (issue 10, "Tests"): three nodes + one Redis; publishers and
// TrackingSubscribers on random nodes over a few topics; subscribers randomly lose their
// connection (dropped abruptly: resume on another node → not resumed → resubscribe with `since`)
// or are disconnected by a handler (4003) and move to another node; Redis is killed (-9) and
// restarted on the same port in the middle. At the end every subscriber has every message the
// publishers had acknowledged, exactly once, in offset order — or was told it lost a range
// ("recovered":false) where the Redis restart (a new epoch) or a recover push explains it.
//
// Seeded and reproducible: NOTIFY_CLUSTER_SEED=N replays a run (every failure names its seed);
// without it, repetition i of the process (--gtest_repeat) runs seed kDefaultSeed + i.
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <sstream>

#include "cluster_fixture.hpp"

namespace notify::test::cluster {
namespace {

constexpr std::uint64_t kDefaultSeed = 20250610;

std::uint64_t seed_for_this_run() {
    static std::uint64_t run = 0;
    if (const char* env = std::getenv("NOTIFY_CLUSTER_SEED"); env != nullptr && *env != '\0') {
        return std::stoull(env);
    }
    return kDefaultSeed + run++;
}

class RandomClusterTest : public ClusterTest {
  protected:
    void SetUp() override {
        ClusterTest::SetUp();
        // The test handler: `send` "disconnect CLIENT_ID" disconnects that client, cluster-wide.
        extra_manifest_ = "[[handler]]\nplugin = \"" CLUSTER_TEST_HANDLER_PATH "\"\n";
    }

    // A uniform integer in [low, high], from the test's generator only (reproducible).
    int pick(int low, int high) {
        return low + static_cast<int>(rng_() % static_cast<std::uint64_t>(high - low + 1));
    }

    void note(const std::string& line) {
        const auto ms = std::chrono::duration_cast<milliseconds>(Clock::now() - started_).count();
        actions_.push_back(std::to_string(ms) + " ms: " + line);
    }

    std::mt19937_64 rng_;
    Clock::time_point started_;
    std::vector<std::string> actions_;
};

std::string describe(const Position& position) {
    return std::to_string(position.offset) + ":" + position.epoch;
}

TEST_F(RandomClusterTest, EverySubscriberEndsWithEveryAcknowledgedMessageOnceInOrder) {
    const std::uint64_t seed = seed_for_this_run();
    // Random publishers, moves and handler disconnects on three nodes, and a kill -9 and
    // restart of Redis in the middle (NOTIFY_CLUSTER_RANDOM_RESTART=0 leaves the restart out,
    // to tell its failures from the others'). The restart used to show a duplicate after the new
    // epoch (about 2 runs of 5 with seeds 20250613/20250614): messages of the lost epoch waiting
    // behind a gap fill were handed over after the loss was reported (fixed 2026-12-05, with
    // RedisBroker.MessagesOfALostEpochWaitingBehindAFillAreDropped; 54 runs clean since).
    const char* restart_on = std::getenv("NOTIFY_CLUSTER_RANDOM_RESTART");
    const bool with_restart = restart_on == nullptr || *restart_on != '0';
    std::cout << "random cluster test: seed " << seed << " (replay: NOTIFY_CLUSTER_SEED=" << seed
              << ")" << std::endl;
    SCOPED_TRACE("replay with NOTIFY_CLUSTER_SEED=" + std::to_string(seed));
    rng_.seed(seed);
    started_ = Clock::now();
    ASSERT_NO_FATAL_FAILURE(start_cluster(39960));
    // Whole-test bounds, from when the cluster is up (its start is slow under sanitizers):
    // actions for at most 9 s, then at most 8 s to converge.
    const auto subscriber_deadline = Clock::now() + seconds(23);

    const std::vector<std::string> topics{"rnd-a", "rnd-b", "rnd-c"};
    const int topic_count = static_cast<int>(topics.size());

    // Two publishers per topic, each on a random node.
    struct TopicPublisher {
        int topic;
        int node;
        std::unique_ptr<Publisher> publisher;
    };
    std::vector<TopicPublisher> publishers;
    for (int t = 0; t < topic_count; ++t) {
        for (int k = 0; k < 2; ++k) {
            const int node = pick(0, kNodes - 1);
            publishers.push_back(
                {t, node, std::make_unique<Publisher>(node_port(node), topics[static_cast<std::size_t>(t)])});
            note("publisher of " + topics[static_cast<std::size_t>(t)] + " on node" +
                 std::to_string(node + 1));
        }
    }

    // Six subscribers on random topics (each topic at least once), each with its own random
    // order of the three nodes: it starts on the first and moves to the next on every loss.
    struct Sub {
        int topic;
        std::unique_ptr<TrackingSubscriber> tracker;
    };
    std::vector<Sub> subscribers;
    for (int i = 0; i < 6; ++i) {
        const int topic = i < topic_count ? i : pick(0, topic_count - 1);
        std::vector<unsigned short> ports{node_port(0), node_port(1), node_port(2)};
        for (std::size_t j = ports.size() - 1; j > 0; --j) {
            std::swap(ports[j], ports[static_cast<std::size_t>(pick(0, static_cast<int>(j)))]);
        }
        std::string name = "subscriber " + std::to_string(i) + " of " +
                           topics[static_cast<std::size_t>(topic)] + " (nodes";
        for (const unsigned short port : ports) name += " " + std::to_string(port - base_);
        name += ")";
        note(name);
        subscribers.push_back(Sub{topic, std::make_unique<TrackingSubscriber>(
                                             name, ports, topics[static_cast<std::size_t>(topic)],
                                             subscriber_deadline)});
        ASSERT_NO_THROW(subscribers.back().tracker->start()) << name;
    }

    // The handler commands come from a client on a random node.
    const int commander_node = pick(0, kNodes - 1);
    NotifyClient commander(node_port(commander_node));
    commander.connect();
    note("commander on node" + std::to_string(commander_node + 1));

    // The random run. Per topic, the position of its latest acknowledged publish (in time).
    std::map<int, Position> latest;
    auto publish_burst = [&](TopicPublisher& p, int count) {
        int acked = 0;
        int refused = 0;
        for (int i = 0; i < count; ++i) {
            if (p.publisher->publish_one(seconds(2))) {
                ++acked;
                latest[p.topic] = *p.publisher->last_acked();
            } else {
                ++refused;
                std::this_thread::sleep_for(milliseconds(30));
            }
        }
        note("published " + std::to_string(count) + " to " +
             topics[static_cast<std::size_t>(p.topic)] + " on node" + std::to_string(p.node + 1) +
             ": " + std::to_string(acked) + " acknowledged, " + std::to_string(refused) +
             " refused" + (refused > 0 ? " (" + p.publisher->last_error() + ")" : ""));
    };

    const int steps = pick(40, 60);
    const int restart_at = pick(steps / 3, 2 * steps / 3);
    const auto actions_deadline = Clock::now() + seconds(9);
    bool restarted = false;
    auto restart_redis = [&] {
        note("redis: kill -9");
        redis().kill9();
        std::this_thread::sleep_for(milliseconds(pick(100, 700)));
        redis().restart();
        note("redis: restarted on the same port");
        restarted = true;
    };
    for (int step = 0; step < steps && Clock::now() < actions_deadline; ++step) {
        if (with_restart && step == restart_at) restart_redis();
        const int action = pick(0, 9);
        if (action == 0) {
            auto& sub = subscribers[static_cast<std::size_t>(pick(0, 5))];
            sub.tracker->drop_connection();
            note("drop the connection of " + sub.tracker->report().client);
        } else if (action == 1) {
            auto& sub = subscribers[static_cast<std::size_t>(pick(0, 5))];
            const std::string client = sub.tracker->report().client;
            try {
                const json reply = commander.request("send", {{"data", "disconnect " + client}});
                note("handler disconnect of " + client + ": " + reply.dump());
            } catch (const std::exception& error) {
                ADD_FAILURE() << "the commander's send failed: " << error.what();
            }
        } else {
            auto& p = publishers[static_cast<std::size_t>(pick(0, static_cast<int>(publishers.size()) - 1))];
            publish_burst(p, pick(1, 15));
        }
        std::this_thread::sleep_for(milliseconds(pick(0, 40)));
    }
    if (with_restart && !restarted) restart_redis();

    // Each topic ends with acknowledged publishes in the newest epoch, so that every subscriber
    // has a position to reach there.
    for (auto& p : publishers) {
        const int acked = p.publisher->publish_acked(3, Clock::now() + seconds(5));
        if (acked > 0) latest[p.topic] = *p.publisher->last_acked();
        EXPECT_EQ(acked, 3) << "the final publishes kept failing: "
                            << p.publisher->last_error();
        note("final publishes to " + topics[static_cast<std::size_t>(p.topic)] + ": " +
             std::to_string(acked) + " acknowledged");
    }

    // Converge, then check.
    const auto converge_deadline = Clock::now() + seconds(8);
    for (auto& sub : subscribers) {
        const Position target = latest.at(sub.topic);
        EXPECT_TRUE(sub.tracker->wait_for_position(target, converge_deadline))
            << "did not reach " << describe(target) << " (at "
            << describe(sub.tracker->report().position) << ")";
    }
    std::map<int, AckedMessages> acked;
    for (const auto& p : publishers) {
        acked[p.topic].insert(p.publisher->acked().begin(), p.publisher->acked().end());
    }
    for (auto& sub : subscribers) sub.tracker->stop();
    for (auto& sub : subscribers) {
        sub.tracker->expect_complete(acked.at(sub.topic), /*allow_told=*/true);
        const auto report = sub.tracker->report();
        for (const auto& told : report.told) {
            // Only a new epoch (the Redis restart) or a recover push explains a lost range:
            // history keeps far more than the test publishes.
            const bool new_epoch = told.from.epoch != told.to.epoch;
            EXPECT_TRUE(new_epoch || report.recover_pushes > 0)
                << "told it lost " << describe(told.from) << " .. " << describe(told.to)
                << " with no new epoch and no recover push";
        }
        std::cout << "  " << report.client << " " << report.received.size() << " received, " << report.told.size()
                  << " told, " << report.recover_pushes << " recover pushes, "
                  << report.recoveries << " recoveries, " << report.reconnects
                  << " reconnects; acknowledged " << acked.at(sub.topic).size() << std::endl;
    }
    if (HasFailure()) {
        std::cout << "==== actions of seed " << seed << "\n";
        for (const auto& line : actions_) std::cout << line << "\n";
        std::cout << std::flush;
    }
}

}  // namespace
}  // namespace notify::test::cluster
