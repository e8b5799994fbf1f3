// Subscribe with a position: all-or-nothing recovery from the broker's history.
#include <algorithm>
#include <numeric>
#include <random>

#include "core_fixture.hpp"

namespace notify::core::testing {
namespace {

class RecoveryTest : public CoreTest {
  protected:
    void publish_n(const std::string& topic, int count) {
        for (int i = 0; i < count; ++i) {
            core().publish(PublishTargets{{topic}, {}, {}}, topic + "-" + std::to_string(++sent_));
        }
    }
    static std::vector<std::uint64_t> offsets(const std::vector<nlohmann::json>& messages) {
        std::vector<std::uint64_t> result;
        for (const auto& message : messages) result.push_back(message["offset"]);
        return result;
    }
    int sent_ = 0;
};

TEST_F(RecoveryTest, RecoversExactlyTheMissedMessagesThenLiveOnes) {
    publish_n("news", 5);
    const ConnectedClient client = open_client(1);
    const nlohmann::json reply = subscribe_since(client.conn, "news", 2, "epoch-1");
    ASSERT_TRUE(reply.contains("result")) << reply.dump();
    EXPECT_EQ(reply["result"]["recovered"], true);
    EXPECT_EQ(reply["result"]["offset"], 5);
    EXPECT_EQ(reply["result"]["epoch"], "epoch-1");
    publish_n("news", 1);
    EXPECT_EQ(offsets(messages_to(client.conn)), (std::vector<std::uint64_t>{3, 4, 5, 6}));
    // The reply comes before the recovered messages.
    const std::vector<std::string> frames = env.frames_to(client.conn);
    EXPECT_TRUE(nlohmann::json::parse(frames[1]).contains("result"));
}

TEST_F(RecoveryTest, OffsetZeroWithoutEpochRecoversFromTheStart) {
    publish_n("news", 3);
    const ConnectedClient client = open_client(1);
    const nlohmann::json reply = subscribe_since(client.conn, "news", 0);
    EXPECT_EQ(reply["result"]["recovered"], true);
    EXPECT_EQ(offsets(messages_to(client.conn)), (std::vector<std::uint64_t>{1, 2, 3}));
}

TEST_F(RecoveryTest, UpToDatePositionRecoversNothing) {
    publish_n("news", 3);
    const ConnectedClient client = open_client(1);
    EXPECT_EQ(subscribe_since(client.conn, "news", 3, "epoch-1")["result"]["recovered"], true);
    EXPECT_TRUE(messages_to(client.conn).empty());
}

TEST_F(RecoveryTest, TrimmedHistoryIsNotRecoveredAtAll) {
    env.history_limit = 2;
    publish_n("news", 5);
    const ConnectedClient client = open_client(1);
    const nlohmann::json reply = subscribe_since(client.conn, "news", 1, "epoch-1");
    EXPECT_EQ(reply["result"]["recovered"], false);
    EXPECT_EQ(reply["result"]["offset"], 5);
    EXPECT_TRUE(messages_to(client.conn).empty());
    publish_n("news", 1);  // the subscription is live anyway
    EXPECT_EQ(offsets(messages_to(client.conn)), std::vector<std::uint64_t>{6});
}

TEST_F(RecoveryTest, ChangedEpochIsNotRecoveredAndGivesTheCurrentPosition) {
    publish_n("news", 3);
    env.epoch = "epoch-2";
    const ConnectedClient client = open_client(1);
    const nlohmann::json reply = subscribe_since(client.conn, "news", 1, "epoch-1");
    EXPECT_EQ(reply["result"]["recovered"], false);
    EXPECT_EQ(reply["result"]["epoch"], "epoch-2");
    EXPECT_TRUE(messages_to(client.conn).empty());
}

TEST_F(RecoveryTest, PositionFromTheFutureIsAnErrorAndSubscribesNothing) {
    publish_n("news", 3);
    const ConnectedClient client = open_client(1);
    const nlohmann::json reply = subscribe_since(client.conn, "news", 9, "epoch-1");
    EXPECT_EQ(error_code(reply), 102U);
    EXPECT_EQ(reply["error"]["message"],
              "subscribe: position 9 of 'news' is ahead of the stream (its last offset is 3)");
    EXPECT_TRUE(core().client_topics(client.client).empty());
    EXPECT_EQ(error_code(subscribe_since(client.conn, "fresh", 1)), 102U);
}

TEST_F(RecoveryTest, ForgedEpochIsAnErrorAndSubscribesNothing) {
    publish_n("news", 3);
    const ConnectedClient client = open_client(1);
    const nlohmann::json reply = subscribe_since(client.conn, "news", 1, "<script>");
    EXPECT_EQ(error_code(reply), 102U);
    EXPECT_TRUE(core().client_topics(client.client).empty());
    EXPECT_EQ(error_code(subscribe_since(client.conn, "news", 1, std::string(65, 'a'))), 102U);
    EXPECT_TRUE(messages_to(client.conn).empty());
}

TEST_F(RecoveryTest, BrokerWithoutHistoryIsAClearError) {
    const ConnectedClient client = open_client(1);
    env.history_fails = true;
    const nlohmann::json reply = subscribe_since(client.conn, "news", 0);
    EXPECT_EQ(error_code(reply), 100U);
    EXPECT_EQ(reply["error"]["message"],
              "subscribe: the position of 'news' is not available: history unavailable");
    EXPECT_TRUE(core().client_topics(client.client).empty());
}

TEST_F(RecoveryTest, MoreThanMaxRecoveryIsNotRecoveredAtAll) {
    config.limits.max_recovery = 3;
    publish_n("news", 5);
    const ConnectedClient client = open_client(1);
    EXPECT_EQ(subscribe_since(client.conn, "news", 1, "epoch-1")["result"]["recovered"], false);
    EXPECT_TRUE(messages_to(client.conn).empty());
    EXPECT_EQ(subscribe_since(client.conn, "news", 2, "epoch-1")["result"]["recovered"], true);
    EXPECT_EQ(messages_to(client.conn).size(), 3U);
}

TEST_F(RecoveryTest, SubscribeWithoutPositionHasNoRecoveredFlag) {
    const ConnectedClient client = open_client(1);
    const nlohmann::json reply = subscribe(client.conn, "news");
    EXPECT_FALSE(reply["result"].contains("recovered"));
}

// Subscribers drop and come back at random points while messages are published: by resume
// (with buffer overflows), by recovery from their last position, or as a fresh client after
// their session expired. Each must end with every message exactly once, in order.
TEST_F(RecoveryTest, RandomReconnectsEndWithEveryMessageExactlyOnceInOrder) {
    config.clients.buffer_size = 4;
    config.clients.ttl = std::chrono::milliseconds(1'000);
    std::mt19937 random(20261128U);
    constexpr int kSubscribers = 6;
    constexpr int kRounds = 400;

    struct Subscriber {
        ConnectedClient client;
        bool connected = false;
        std::uint64_t last = 0;  // the last offset it got
        std::size_t frames_seen = 0;
        std::vector<std::uint64_t> received;
    };
    std::uint64_t next_conn = 1;
    std::vector<Subscriber> subscribers(kSubscribers);

    const auto drain = [&](Subscriber& s) {
        const std::vector<std::string> frames = env.frames_to(s.client.conn);
        for (; s.frames_seen < frames.size(); ++s.frames_seen) {
            const nlohmann::json frame = nlohmann::json::parse(frames[s.frames_seen]);
            if (frame.contains("push") && frame["push"].contains("message")) {
                const std::uint64_t offset = frame["push"]["message"]["offset"];
                s.received.push_back(offset);
                s.last = offset;
            }
        }
    };
    const auto fresh = [&](Subscriber& s) {
        s.client = open_client(next_conn++);
        s.frames_seen = 0;
        // Before its first message a subscriber knows no epoch yet.
        const nlohmann::json reply =
            subscribe_since(s.client.conn, "feed", s.last, s.last == 0 ? "" : "epoch-1");
        ASSERT_EQ(reply["result"]["recovered"], true) << reply.dump();
        s.connected = true;
        drain(s);
    };
    const auto reconnect = [&](Subscriber& s) {
        ConnectionRef conn = open(next_conn++);
        s.client.conn = conn;
        s.frames_seen = 0;
        protocol::ConnectCommand command;
        command.client = s.client.client;
        command.resume = s.client.resume;
        const nlohmann::json reply = reply_to(conn, send(conn, command));
        if (!reply.contains("result")) {  // expired: a new client recovers from its position
            fresh(s);
            return;
        }
        s.client.resume = reply["result"]["resume"];
        s.connected = true;
        drain(s);
        if (reply["result"].contains("overflow")) {
            const nlohmann::json recovered = subscribe_since(conn, "feed", s.last, "epoch-1");
            ASSERT_EQ(recovered["result"]["recovered"], true) << recovered.dump();
            drain(s);
        }
    };

    for (Subscriber& s : subscribers) fresh(s);
    std::uint64_t published = 0;
    for (int round = 0; round < kRounds; ++round) {
        for (int i = std::uniform_int_distribution<int>(0, 3)(random); i > 0; --i) {
            core().publish(PublishTargets{{"feed"}, {}, {}}, "m");
            ++published;
        }
        for (Subscriber& s : subscribers) {
            drain(s);
            const int action = std::uniform_int_distribution<int>(0, 9)(random);
            if (s.connected && action == 0) {
                core().connection_closed(s.client.conn, NOTIFY_CLOSE_ABNORMAL);
                s.connected = false;
            } else if (!s.connected && action < 4) {
                reconnect(s);
            }
        }
        env.clock_ms += std::uniform_int_distribution<int>(0, 150)(random);
        core().clean();
    }
    for (Subscriber& s : subscribers) {
        if (!s.connected) reconnect(s);
        drain(s);
        std::vector<std::uint64_t> expected(published);
        std::iota(expected.begin(), expected.end(), 1U);
        EXPECT_EQ(s.received, expected) << "subscriber " << s.client.client;
    }
    EXPECT_GT(core().stats().buffer_overflows, 0U);  // the overflow path was exercised
}

}  // namespace
}  // namespace notify::core::testing
