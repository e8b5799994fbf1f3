// Faults (issue 10, "What must hold" 5, "Tests": faults and bad input): Redis killed, stopped or
// cutting the nodes' PUB/SUB connections, a node killed, garbage on a bus channel. Through each,
// nothing is lost silently: subscribers end with every acknowledged message in order, or were
// told (a `recover` push, then "recovered":false) what they lost.
#include <algorithm>
#include <iostream>
#include <sstream>

#include "cluster_fixture.hpp"

namespace notify::test::cluster {
namespace {

// What a node logs when its liveness probe finds a deaf bus connection (plugins/redis).
constexpr const char* kProbeLogNeedle = "probe";

class ClusterFaultTest : public ClusterTest {
  protected:
    // Subscribers of `topic` on node 1 and node 3, following the whole stream.
    void start_subscribers(const std::string& topic, Clock::time_point deadline) {
        subscribers_.push_back(std::make_unique<TrackingSubscriber>(
            "subscriber on node1", std::vector<unsigned short>{node_port(0)}, topic, deadline));
        subscribers_.push_back(std::make_unique<TrackingSubscriber>(
            "subscriber on node3", std::vector<unsigned short>{node_port(2)}, topic, deadline));
        for (auto& subscriber : subscribers_) ASSERT_NO_THROW(subscriber->start());
    }

    void expect_subscribers_complete(const Publisher& publisher, bool allow_told) {
        ASSERT_TRUE(publisher.last_acked().has_value());
        const Position last = *publisher.last_acked();
        for (auto& subscriber : subscribers_) {
            EXPECT_TRUE(subscriber->wait_for_position(last, Clock::now() + seconds(10)))
                << "did not reach " << last.offset << ":" << last.epoch << " (at "
                << subscriber->report().position.offset << ":"
                << subscriber->report().position.epoch << ")";
        }
        for (auto& subscriber : subscribers_) {
            subscriber->stop();
            subscriber->expect_complete(publisher.acked(), allow_told);
            const auto report = subscriber->report();
            std::cout << "received " << report.received.size() << ", recover pushes "
                      << report.recover_pushes << ", recoveries " << report.recoveries << ", told "
                      << report.told.size() << ", reconnects " << report.reconnects << std::endl;
        }
    }

    std::vector<std::unique_ptr<TrackingSubscriber>> subscribers_;
};

TEST_F(ClusterFaultTest, RedisKilledMidStreamNothingAcknowledgedIsLostSilently) {
    ASSERT_NO_FATAL_FAILURE(start_cluster(39300));
    const auto deadline = Clock::now() + seconds(30);
    start_subscribers("k9", deadline);
    Publisher publisher(node_port(1), "k9");
    ASSERT_EQ(publisher.publish_acked(100, Clock::now() + seconds(5)), 100)
        << publisher.last_error();

    redis().kill9();
    const auto acked_before = publisher.acked().size();
    const int errors_before = publisher.errors();
    for (int i = 0; i < 5; ++i) publisher.publish_one(seconds(3));
    EXPECT_EQ(publisher.acked().size(), acked_before)
        << "a publish was acknowledged while Redis was down";
    EXPECT_EQ(publisher.errors() - errors_before, 5);

    redis().restart();
    // The nodes reconnect on their own; publishes succeed again.
    EXPECT_EQ(publisher.publish_acked(100, Clock::now() + seconds(10)), 100)
        << "publishes after the restart kept failing: " << publisher.last_error();
    // Redis lost everything (no persistence): the stream has a new epoch, and the subscribers
    // must have been told rather than left waiting. Once they know, they follow live again:
    // every message published after that arrives.
    const Position restarted = *publisher.last_acked();
    for (auto& subscriber : subscribers_) {
        EXPECT_TRUE(subscriber->wait_for_position(restarted, Clock::now() + seconds(10)));
    }
    ASSERT_EQ(publisher.publish_acked(20, Clock::now() + seconds(5)), 20) << publisher.last_error();
    expect_subscribers_complete(publisher, /*allow_told=*/true);
    for (auto& subscriber : subscribers_) {
        const auto report = subscriber->report();
        EXPECT_GE(report.recover_pushes + report.told.size(), 1u);
        int tail = 0;
        for (const auto& [at, data] : report.received) {
            tail += at.epoch == restarted.epoch && at.offset > restarted.offset ? 1 : 0;
        }
        EXPECT_EQ(tail, 20) << "live messages after the recovery";
    }
}

TEST_F(ClusterFaultTest, StoppedRedisIsDetectedByTheProbeAndRecoveredAfterCont) {
    ASSERT_NO_FATAL_FAILURE(start_cluster(39310));
    start_subscribers("deaf", Clock::now() + seconds(30));
    Publisher publisher(node_port(1), "deaf");
    ASSERT_EQ(publisher.publish_acked(50, Clock::now() + seconds(5)), 50) << publisher.last_error();

    redis().stop_signal();
    // While it is stopped, a publish gets an error (command timeout), never an acknowledgement.
    const auto acked_before = publisher.acked().size();
    publisher.publish_one(seconds(4));
    EXPECT_EQ(publisher.acked().size(), acked_before);
    EXPECT_TRUE(wait_for_any_log(kProbeLogNeedle, seconds(6)))
        << "no node logged that its probe found Redis deaf";
    redis().cont();

    EXPECT_EQ(publisher.publish_acked(50, Clock::now() + seconds(10)), 50)
        << publisher.last_error();
    // Redis kept every message: nothing may be lost, not even with a recover signal.
    expect_subscribers_complete(publisher, /*allow_told=*/false);
}

TEST_F(ClusterFaultTest, KilledPubSubConnectionsAreResubscribedAndGapsFilled) {
    ASSERT_NO_FATAL_FAILURE(start_cluster(39320));
    start_subscribers("cut", Clock::now() + seconds(30));
    Publisher publisher(node_port(1), "cut");
    ASSERT_EQ(publisher.publish_acked(100, Clock::now() + seconds(5)), 100)
        << publisher.last_error();

    const std::string killed = redis().cli("CLIENT", "KILL", "TYPE", "pubsub");
    EXPECT_GE(std::stoi(killed.empty() ? "0" : killed), 1) << "no PUB/SUB connection to kill";
    // Published right after the cut, while the nodes resubscribe.
    ASSERT_EQ(publisher.publish_acked(200, Clock::now() + seconds(10)), 200)
        << publisher.last_error();
    expect_subscribers_complete(publisher, /*allow_told=*/false);
}

TEST_F(ClusterFaultTest, ClientsOfAKilledNodeRecoverExactlyOnAnotherNode) {
    ASSERT_NO_FATAL_FAILURE(start_cluster(39330));
    const auto deadline = Clock::now() + seconds(30);
    // The subscriber's list: node 1, then node 3 when node 1 is gone.
    subscribers_.push_back(std::make_unique<TrackingSubscriber>(
        "moving subscriber", std::vector<unsigned short>{node_port(0), node_port(2)}, "moving",
        deadline));
    ASSERT_NO_THROW(subscribers_.back()->start());
    Publisher publisher(node_port(1), "moving");
    ASSERT_EQ(publisher.publish_acked(100, Clock::now() + seconds(5)), 100)
        << publisher.last_error();
    ASSERT_TRUE(
        subscribers_.back()->wait_for_position(*publisher.last_acked(), Clock::now() + seconds(5)));
    kill_node(0);
    ASSERT_EQ(publisher.publish_acked(100, Clock::now() + seconds(10)), 100)
        << publisher.last_error();
    expect_subscribers_complete(publisher, /*allow_told=*/false);
    EXPECT_GE(subscribers_.front()->report().reconnects, 1);
}

TEST_F(ClusterFaultTest, MalformedBusMessagesAreDroppedAndNodesKeepWorking) {
    ASSERT_NO_FATAL_FAILURE(start_cluster(39910));
    start_subscribers("bad", Clock::now() + seconds(30));
    Publisher publisher(node_port(1), "bad");
    ASSERT_EQ(publisher.publish_acked(10, Clock::now() + seconds(5)), 10) << publisher.last_error();

    // The topic's bus channel(s), as the nodes subscribed them.
    std::vector<std::string> channels;
    std::istringstream listed(redis().cli("PUBSUB", "CHANNELS", "*"));
    for (std::string channel; std::getline(listed, channel);) {
        if (channel.find("bad") != std::string::npos) channels.push_back(channel);
    }
    ASSERT_FALSE(channels.empty()) << "no bus channel names the topic; channels:\n"
                                   << redis().cli("PUBSUB", "CHANNELS", "*");
    const std::vector<std::string> garbage{"garbage",
                                           "",
                                           "{}",
                                           "{\"offset\":1}",
                                           std::string("\xff\xfe\x01", 3),
                                           "1 2 3 4 5 6 7 8 9",
                                           std::string(4096, 'x')};
    for (const std::string& channel : channels) {
        for (const std::string& payload : garbage) redis().cli("PUBLISH", channel, payload);
    }
    ASSERT_EQ(publisher.publish_acked(10, Clock::now() + seconds(5)), 10) << publisher.last_error();
    expect_subscribers_complete(publisher, /*allow_told=*/false);
    for (auto& subscriber : subscribers_) {
        for (const auto& [at, data] : subscriber->report().received) {
            EXPECT_EQ(publisher.acked().count(at), 1u)
                << "delivered what nobody published: '" << data << "'";
        }
    }
    for (int node = 0; node < kNodes; ++node) EXPECT_TRUE(node_running(node)) << node + 1;
}

}  // namespace
}  // namespace notify::test::cluster
