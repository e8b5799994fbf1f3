#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "fake_host.hpp"
#include "plugin_library.hpp"

namespace notify::test {
namespace {

struct Position {
    std::uint64_t offset = 0;
    std::string epoch;
};

struct History {
    std::vector<std::pair<std::uint64_t, std::string>> messages;  // offset, payload
    Position current;
};

notify_history_options history_options(std::uint64_t size, std::uint64_t ttl_ms,
                                       std::uint64_t meta_ttl_ms = 0) {
    return notify_history_options{sizeof(notify_history_options), size, ttl_ms,
                                  NOTIFY_DELIVERY_AT_MOST_ONCE, meta_ttl_ms};
}

class LocalBrokerTest : public ::testing::Test {
  protected:
    Position publish(PluginInstance& instance, const std::string& topic, const std::string& payload,
                     std::int64_t time_ms = 1000,
                     notify_history_options options = history_options(100, 0)) {
        notify_broker_publish message{};
        message.size = sizeof message;
        message.request_id = 1;
        message.topic = notify_str{topic.data(), topic.size()};
        message.payload =
            notify_bytes{reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()};
        message.time_ms = time_ms;
        message.history = &options;
        notify_stream_position position{};
        notify_error err{};
        const notify_status status =
            library_.descriptor()->broker->publish(instance.get(), &message, &position, &err);
        EXPECT_EQ(status, NOTIFY_OK) << err.message;
        return Position{position.offset, std::string{position.epoch.data, position.epoch.len}};
    }

    Position publish(const std::string& topic, const std::string& payload,
                     std::int64_t time_ms = 1000,
                     notify_history_options options = history_options(100, 0)) {
        return publish(*instance_, topic, payload, time_ms, options);
    }

    History read(const std::string& topic, std::uint64_t since_offset, std::uint64_t limit = 0,
                 notify_history_options options = history_options(100, 0)) {
        notify_history_request request{};
        request.size = sizeof request;
        request.topic = notify_str{topic.data(), topic.size()};
        request.since_offset = since_offset;
        request.limit = limit;
        request.history = &options;
        History history;
        notify_stream_position current{};
        notify_error err{};
        const auto sink = [](void* sink_ctx, std::uint64_t offset, std::int64_t,
                             notify_bytes payload) {
            static_cast<History*>(sink_ctx)->messages.emplace_back(
                offset, std::string{reinterpret_cast<const char*>(payload.data), payload.len});
            return true;
        };
        const notify_status status = library_.descriptor()->broker->history_read(
            instance_->get(), &request, sink, &history, &current, &err);
        EXPECT_EQ(status, NOTIFY_OK) << err.message;
        history.current =
            Position{current.offset, std::string{current.epoch.data, current.epoch.len}};
        return history;
    }

    void SetUp() override {
        ASSERT_NE(library_.descriptor(), nullptr);
        instance_ = std::make_unique<PluginInstance>(library_, host_);
        ASSERT_TRUE(instance_->created()) << instance_->create_error();
    }

    PluginLibrary library_{"local"};
    FakeHost host_;
    std::unique_ptr<PluginInstance> instance_;
};

TEST_F(LocalBrokerTest, DeclaresABrokerWithHistory) {
    const notify_plugin_descriptor* descriptor = library_.descriptor();
    EXPECT_EQ(descriptor->kinds, static_cast<std::uint32_t>(NOTIFY_KIND_BROKER));
    ASSERT_NE(descriptor->broker, nullptr);
    EXPECT_EQ(descriptor->broker->capabilities & NOTIFY_BROKER_CAP_HISTORY,
              static_cast<std::uint32_t>(NOTIFY_BROKER_CAP_HISTORY));
    EXPECT_NE(descriptor->broker->history_read, nullptr);
}

TEST_F(LocalBrokerTest, OffsetsStartAtOneAndGrowByOnePerTopicIndependently) {
    EXPECT_EQ(publish("a", "1").offset, 1u);
    EXPECT_EQ(publish("a", "2").offset, 2u);
    EXPECT_EQ(publish("b", "1").offset, 1u);
    EXPECT_EQ(publish("a", "3").offset, 3u);
    EXPECT_EQ(publish("b", "2").offset, 2u);
}

TEST_F(LocalBrokerTest, EpochIsStablePerTopicAndDiffersAcrossTopicsAndInstances) {
    const std::string epoch_a = publish("a", "1").epoch;
    EXPECT_FALSE(epoch_a.empty());
    EXPECT_EQ(publish("a", "2").epoch, epoch_a);
    EXPECT_EQ(read("a", 0).current.epoch, epoch_a);
    EXPECT_NE(publish("b", "1").epoch, epoch_a);

    PluginInstance restarted{library_, host_};
    ASSERT_TRUE(restarted.created()) << restarted.create_error();
    const Position after_restart = publish(restarted, "a", "1");
    EXPECT_EQ(after_restart.offset, 1u);
    EXPECT_NE(after_restart.epoch, epoch_a);
}

TEST_F(LocalBrokerTest, HistorySizeKeepsOnlyTheNewestMessages) {
    const auto three = history_options(3, 0);
    for (int i = 1; i <= 5; ++i) {
        publish("t", "m" + std::to_string(i), 1000, three);
    }
    const History history = read("t", 0, 0, three);
    const std::vector<std::pair<std::uint64_t, std::string>> expected{
        {3, "m3"}, {4, "m4"}, {5, "m5"}};
    EXPECT_EQ(history.messages, expected);
    EXPECT_EQ(history.current.offset, 5u);
}

TEST_F(LocalBrokerTest, HistorySizeZeroKeepsNothingButStillCountsOffsets) {
    const auto none = history_options(0, 0);
    publish("t", "m1", 1000, none);
    EXPECT_EQ(publish("t", "m2", 1000, none).offset, 2u);
    const History history = read("t", 0, 0, none);
    EXPECT_TRUE(history.messages.empty());
    EXPECT_EQ(history.current.offset, 2u);
}

TEST_F(LocalBrokerTest, HistoryTtlExpiresMessagesAsPublishTimeAdvances) {
    const auto ttl = history_options(100, 1000);
    publish("t", "old", 10'000, ttl);
    publish("t", "middle", 10'600, ttl);
    publish("t", "new", 11'000, ttl);  // "old" is now 1000 ms old: expired
    host_.now_ms = 11'000;
    const std::vector<std::pair<std::uint64_t, std::string>> after_third{{2, "middle"}, {3, "new"}};
    EXPECT_EQ(read("t", 0, 0, ttl).messages, after_third);

    host_.now_ms = 11'700;  // "middle" passes its TTL on the host clock at read time
    const std::vector<std::pair<std::uint64_t, std::string>> later{{3, "new"}};
    EXPECT_EQ(read("t", 0, 0, ttl).messages, later);
}

TEST_F(LocalBrokerTest, HistoryReadFeedsMessagesAfterTheOffsetInOrderUpToTheLimit) {
    for (int i = 1; i <= 6; ++i) {
        publish("t", "m" + std::to_string(i));
    }
    const std::vector<std::pair<std::uint64_t, std::string>> after_two{
        {3, "m3"}, {4, "m4"}, {5, "m5"}, {6, "m6"}};
    EXPECT_EQ(read("t", 2).messages, after_two);

    const History limited = read("t", 2, 2);
    const std::vector<std::pair<std::uint64_t, std::string>> two_after_two{{3, "m3"}, {4, "m4"}};
    EXPECT_EQ(limited.messages, two_after_two);
    EXPECT_EQ(limited.current.offset, 6u);

    EXPECT_TRUE(read("t", 6).messages.empty());
}

TEST_F(LocalBrokerTest, HistoryReadStopsWhenTheSinkSaysSo) {
    for (int i = 1; i <= 4; ++i) {
        publish("t", "m" + std::to_string(i));
    }
    const std::string topic = "t";
    notify_history_request request{};
    request.size = sizeof request;
    request.topic = notify_str{topic.data(), topic.size()};
    const auto options = history_options(100, 0);
    request.history = &options;
    int fed = 0;
    const auto stop_after_one = [](void* sink_ctx, std::uint64_t, std::int64_t, notify_bytes) {
        ++*static_cast<int*>(sink_ctx);
        return false;
    };
    notify_stream_position current{};
    notify_error err{};
    ASSERT_EQ(library_.descriptor()->broker->history_read(instance_->get(), &request,
                                                          stop_after_one, &fed, &current, &err),
              NOTIFY_OK);
    EXPECT_EQ(fed, 1);
    EXPECT_EQ(current.offset, 4u);
}

TEST_F(LocalBrokerTest, UnknownTopicReadsAsOffsetZeroWithNoMessages) {
    const History history = read("never-published", 0);
    EXPECT_TRUE(history.messages.empty());
    EXPECT_EQ(history.current.offset, 0u);
    EXPECT_TRUE(history.current.epoch.empty());
}

TEST_F(LocalBrokerTest, PayloadBytesAreKeptUnchanged) {
    const std::string binary{"\x00\xff\xfe\x80 bytes", 10};
    publish("t", binary);
    ASSERT_EQ(read("t", 0).messages.size(), 1u);
    EXPECT_EQ(read("t", 0).messages[0].second, binary);
}

TEST_F(LocalBrokerTest, PublishWithoutATopicIsRefusedWithAMessage) {
    notify_history_options options = history_options(1, 0);
    notify_broker_publish message{};
    message.size = sizeof message;
    message.history = &options;
    notify_stream_position position{};
    notify_error err{};
    EXPECT_EQ(library_.descriptor()->broker->publish(instance_->get(), &message, &position, &err),
              NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string{err.message}.find("topic"), std::string::npos);
}

TEST_F(LocalBrokerTest, MetaTtlForgetsAnIdleStreamSoItsNextPublishStartsOverWithANewEpoch) {
    const auto meta = history_options(100, 0, 1000);
    const Position first = publish("t", "m1", 10'000, meta);
    EXPECT_EQ(publish("t", "m2", 10'500, meta).offset, 2u);

    host_.now_ms = 11'499;  // idle 999 ms: still known
    const History kept = read("t", 0, 0, meta);
    EXPECT_EQ(kept.current.offset, 2u);
    EXPECT_EQ(kept.current.epoch, first.epoch);
    EXPECT_EQ(kept.messages.size(), 2u);

    host_.now_ms = 11'500;  // idle 1000 ms: forgotten on this read
    const History forgotten = read("t", 0, 0, meta);
    EXPECT_TRUE(forgotten.messages.empty());
    EXPECT_EQ(forgotten.current.offset, 0u);
    EXPECT_TRUE(forgotten.current.epoch.empty());

    const Position again = publish("t", "m1", 11'600, meta);
    EXPECT_EQ(again.offset, 1u);
    EXPECT_FALSE(again.epoch.empty());
    EXPECT_NE(again.epoch, first.epoch);
}

TEST_F(LocalBrokerTest, MetaTtlIsCheckedOnPublishToo) {
    const auto meta = history_options(100, 0, 1000);
    const Position first = publish("t", "m1", 10'000, meta);
    const Position after_idle = publish("t", "m2", 11'000, meta);  // no read in between
    EXPECT_EQ(after_idle.offset, 1u);
    EXPECT_NE(after_idle.epoch, first.epoch);
}

TEST_F(LocalBrokerTest, MetaTtlKeepsAStreamThatKeepsPublishing) {
    const auto meta = history_options(100, 0, 1000);
    const std::string epoch = publish("t", "m1", 10'000, meta).epoch;
    std::int64_t time_ms = 10'000;
    for (std::uint64_t offset = 2; offset <= 10; ++offset) {
        time_ms += 900;  // 8.1 s in all, never 1 s idle
        const Position position = publish("t", "m" + std::to_string(offset), time_ms, meta);
        EXPECT_EQ(position.offset, offset);
        EXPECT_EQ(position.epoch, epoch);
    }
    host_.now_ms = time_ms + 999;
    const History history = read("t", 0, 0, meta);
    EXPECT_EQ(history.current.offset, 10u);
    EXPECT_EQ(history.current.epoch, epoch);
}

TEST_F(LocalBrokerTest, APublishToAnyTopicForgetsTheIdlestStreamsPastTheirMetaTtl) {
    const auto meta = history_options(100, 0, 1000);
    const auto no_meta = history_options(100, 0, 0);
    publish("idle", "m1", 10'000, meta);
    publish("recent", "m1", 10'900, history_options(100, 0, 5000));
    host_.now_ms = 12'000;
    // A read with no meta TTL of its own shows whether the stream is still kept.
    EXPECT_EQ(read("idle", 0, 0, no_meta).current.offset, 1u);

    publish("busy", "m1", 12'000, no_meta);  // sweeps from the least recently published end
    EXPECT_EQ(read("idle", 0, 0, no_meta).current.offset, 0u);
    EXPECT_EQ(read("recent", 0, 0, no_meta).current.offset, 1u);  // within its own 5 s
    EXPECT_EQ(read("busy", 0, 0, no_meta).current.offset, 1u);
}

TEST_F(LocalBrokerTest, MetaTtlZeroOrFromAnOlderHostNeverForgets) {
    auto old_host = history_options(100, 0, 1000);  // set, but not covered by size
    old_host.size = static_cast<std::uint32_t>(offsetof(notify_history_options, history_meta_ttl_ms));
    const std::string epoch = publish("old", "m1", 10'000, old_host).epoch;
    publish("zero", "m1", 10'000, history_options(100, 0, 0));

    host_.now_ms = 10'000 + 365LL * 24 * 3600 * 1000;
    EXPECT_EQ(read("old", 0, 0, old_host).current.epoch, epoch);
    EXPECT_EQ(read("zero", 0, 0, history_options(100, 0, 0)).current.offset, 1u);
    const Position next = publish("old", "m2", host_.now_ms, old_host);
    EXPECT_EQ(next.offset, 2u);
    EXPECT_EQ(next.epoch, epoch);
}

TEST(LocalBrokerLimits, PastMaxTopicsKeptTheLeastRecentlyPublishedStreamStartsOver) {
    PluginLibrary library{"local"};
    ASSERT_NE(library.descriptor(), nullptr);
    FakeHost host;
    host.config_values["max_topics_kept"] = std::int64_t{2};
    PluginInstance instance{library, host};
    ASSERT_TRUE(instance.created()) << instance.create_error();

    const auto publish_to = [&](const std::string& topic) {
        notify_history_options options = history_options(10, 0);
        notify_broker_publish message{};
        message.size = sizeof message;
        message.topic = notify_str{topic.data(), topic.size()};
        message.history = &options;
        notify_stream_position position{};
        notify_error err{};
        EXPECT_EQ(library.descriptor()->broker->publish(instance.get(), &message, &position, &err),
                  NOTIFY_OK);
        return Position{position.offset, std::string{position.epoch.data, position.epoch.len}};
    };
    const Position a1 = publish_to("a");
    publish_to("b");
    publish_to("a");  // "b" is now the idle one
    publish_to("c");  // drops "b"
    EXPECT_EQ(publish_to("a").offset, 3u);
    EXPECT_EQ(publish_to("a").epoch, a1.epoch);
    const Position b_again = publish_to("b");  // drops "c"
    EXPECT_EQ(b_again.offset, 1u);
}

TEST(LocalBrokerConfig, MaxTopicsKeptBelowOneIsRefusedNamingTheKey) {
    PluginLibrary library{"local"};
    ASSERT_NE(library.descriptor(), nullptr);
    FakeHost host;
    host.config_values["max_topics_kept"] = std::int64_t{0};
    PluginInstance instance{library, host};
    EXPECT_FALSE(instance.created());
    EXPECT_EQ(instance.create_status(), NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_NE(instance.create_error().find("max_topics_kept"), std::string::npos);
}

notify_str str(const std::string& text) { return notify_str{text.data(), text.size()}; }

bool collect_presence(void* sink_ctx, const notify_presence_entry* entry) {
    auto& seen = *static_cast<std::vector<std::string>*>(sink_ctx);
    seen.push_back(std::string(entry->client_id.data, entry->client_id.len) + "/" +
                   std::string(entry->user_id.data, entry->user_id.len) + "/" +
                   std::string(entry->info.data, entry->info.len));
    return true;
}

TEST(LocalBrokerPresence, KeepsEntriesAndCountsDistinctUsers) {
    PluginLibrary library{"local"};
    ASSERT_NE(library.descriptor(), nullptr);
    const notify_broker_vtable& broker = *library.descriptor()->broker;
    ASSERT_NE(broker.capabilities & NOTIFY_BROKER_CAP_PRESENCE, 0u);
    FakeHost host;
    PluginInstance instance{library, host};
    ASSERT_TRUE(instance.created());
    const std::string topic = "room:1";
    const auto add = [&](const std::string& client, const std::string& user,
                         const std::string& info) {
        const notify_presence_entry entry{sizeof(notify_presence_entry), str(client), str(user),
                                          str(info)};
        notify_error err{};
        EXPECT_EQ(broker.presence_add(instance.get(), str(topic), &entry, &err), NOTIFY_OK);
    };
    add("c1", "ann", R"({"n":1})");
    add("c2", "ann", "");
    add("c3", "", "");
    add("c1", "ann", R"({"n":2})");  // replaces
    notify_presence_stats stats{};
    stats.size = sizeof stats;
    notify_error err{};
    ASSERT_EQ(broker.presence_stats(instance.get(), str(topic), &stats, &err), NOTIFY_OK);
    EXPECT_EQ(stats.clients, 3u);
    EXPECT_EQ(stats.users, 1u);
    std::vector<std::string> seen;
    ASSERT_EQ(broker.presence_read(instance.get(), str(topic), collect_presence, &seen, &err),
              NOTIFY_OK);
    std::sort(seen.begin(), seen.end());
    EXPECT_EQ(seen, (std::vector<std::string>{R"(c1/ann/{"n":2})", "c2/ann/", "c3//"}));
    ASSERT_EQ(broker.presence_remove(instance.get(), str(topic), str("c1"), &err), NOTIFY_OK);
    ASSERT_EQ(broker.presence_remove(instance.get(), str(topic), str("c2"), &err), NOTIFY_OK);
    ASSERT_EQ(broker.presence_remove(instance.get(), str(topic), str("absent"), &err), NOTIFY_OK);
    ASSERT_EQ(broker.presence_stats(instance.get(), str(topic), &stats, &err), NOTIFY_OK);
    EXPECT_EQ(stats.clients, 1u);
    EXPECT_EQ(stats.users, 0u);
}

}  // namespace
}  // namespace notify::test
