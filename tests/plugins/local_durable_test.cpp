// The local broker's at-least-once half: group-committed SQLite store, acknowledgements through
// host->broker_publish_complete, durable subscriptions (ABI 1.2), restarts and a killed process.
#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include "fake_host.hpp"
#include "plugin_library.hpp"

namespace notify::test {
namespace {

using namespace std::chrono_literals;
using Messages = std::vector<std::pair<std::uint64_t, std::string>>;  // offset, payload

constexpr auto kCompletionTimeout = 10s;

notify_history_options durable_options() {
    return notify_history_options{sizeof(notify_history_options), 100, 0,
                                  NOTIFY_DELIVERY_AT_LEAST_ONCE, 0};
}

struct Published {
    notify_status status = NOTIFY_OK;
    std::uint64_t offset = 0;
    std::string epoch;
    std::string error;
};

struct Read {
    notify_status status = NOTIFY_OK;
    Messages messages;
    std::uint64_t offset = 0;
    std::string epoch;
    std::string error;
};

struct Subscription {
    std::string client_id;
    std::string user_id;
    std::string resume_token;
    std::string topic;
    std::uint64_t acked_offset = 0;

    bool operator==(const Subscription&) const = default;
};

void PrintTo(const Subscription& subscription, std::ostream* out) {
    *out << "{" << subscription.client_id << ", " << subscription.user_id << ", "
         << subscription.resume_token << ", " << subscription.topic << ", "
         << subscription.acked_offset << "}";
}

struct Answer {
    notify_status status = NOTIFY_OK;
    std::string error;
};

struct Loaded {
    notify_status status = NOTIFY_OK;
    std::vector<Subscription> subscriptions;
    std::string error;
};

std::string copy(notify_str text) {
    return text.len == 0 ? std::string{} : std::string{text.data, text.len};
}

notify_str view(const std::string& text) {
    return notify_str{text.data(), text.size()};
}

class LocalDurableTest : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_NE(library_.descriptor(), nullptr);
        char pattern[] = "/tmp/notify-durable-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        root_ = pattern;
        data_dir_ = root_ / "store" / "nested";  // created by the plugin
    }
    void TearDown() override { std::filesystem::remove_all(root_); }

    std::unique_ptr<PluginInstance> open(FakeHost& host) {
        if (host.config_values.count("data_dir") == 0) {
            host.config_values["data_dir"] = data_dir_.string();
        }
        auto instance = std::make_unique<PluginInstance>(library_, host);
        EXPECT_TRUE(instance->created()) << instance->create_error();
        return instance;
    }

    Published publish(const PluginInstance& instance, const std::string& topic,
                      const std::string& payload, std::uint64_t request_id,
                      notify_history_options options = durable_options()) {
        notify_broker_publish message{};
        message.size = sizeof message;
        message.request_id = request_id;
        message.topic = notify_str{topic.data(), topic.size()};
        message.payload =
            notify_bytes{reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()};
        message.time_ms = 1000;
        message.history = &options;
        notify_stream_position position{};
        notify_error err{};
        Published published;
        published.status =
            library_.descriptor()->broker->publish(instance.get(), &message, &position, &err);
        published.offset = position.offset;
        published.epoch.assign(position.epoch.data == nullptr ? "" : position.epoch.data,
                               position.epoch.len);
        published.error = err.message;
        return published;
    }

    Read read(const PluginInstance& instance, const std::string& topic,
              std::uint64_t since_offset = 0, std::uint64_t limit = 0,
              notify_history_options options = durable_options()) {
        notify_history_request request{};
        request.size = sizeof request;
        request.topic = notify_str{topic.data(), topic.size()};
        request.since_offset = since_offset;
        request.limit = limit;
        request.history = &options;
        Read result;
        notify_stream_position current{};
        notify_error err{};
        const auto sink = [](void* sink_ctx, std::uint64_t offset, std::int64_t,
                             notify_bytes payload) {
            static_cast<Read*>(sink_ctx)->messages.emplace_back(
                offset, std::string{reinterpret_cast<const char*>(payload.data), payload.len});
            return true;
        };
        result.status = library_.descriptor()->broker->history_read(instance.get(), &request,
                                                                    sink, &result, &current, &err);
        result.offset = current.offset;
        result.epoch.assign(current.epoch.data == nullptr ? "" : current.epoch.data,
                            current.epoch.len);
        result.error = err.message;
        return result;
    }

    // Publishes m1..m<count> to `topic` with request ids first_request.., expecting PENDING.
    void publish_pending(const PluginInstance& instance, const std::string& topic, int count,
                         std::uint64_t first_request = 1) {
        for (int i = 1; i <= count; ++i) {
            const Published published = publish(instance, topic, "m" + std::to_string(i),
                                                first_request + static_cast<std::uint64_t>(i - 1));
            EXPECT_EQ(published.status, NOTIFY_PENDING) << published.error;
        }
    }

    Answer save(const PluginInstance& instance, const Subscription& subscription) {
        notify_durable_subscription record{};
        record.size = sizeof record;
        record.client_id = view(subscription.client_id);
        record.user_id = view(subscription.user_id);
        record.resume_token = view(subscription.resume_token);
        record.topic = view(subscription.topic);
        record.acked_offset = subscription.acked_offset;
        notify_error err{};
        Answer answer;
        answer.status =
            library_.descriptor()->broker->subscription_save(instance.get(), &record, &err);
        answer.error = err.message;
        return answer;
    }

    Answer remove(const PluginInstance& instance, const std::string& client_id,
                  const std::string& topic) {
        notify_error err{};
        Answer answer;
        answer.status = library_.descriptor()->broker->subscription_remove(
            instance.get(), view(client_id), view(topic), &err);
        answer.error = err.message;
        return answer;
    }

    Loaded load(const PluginInstance& instance) {
        const auto sink = [](void* sink_ctx, const notify_durable_subscription* record) {
            static_cast<Loaded*>(sink_ctx)->subscriptions.push_back(
                Subscription{copy(record->client_id), copy(record->user_id),
                             copy(record->resume_token), copy(record->topic),
                             record->acked_offset});
            return true;
        };
        notify_error err{};
        Loaded loaded;
        loaded.status =
            library_.descriptor()->broker->subscriptions_load(instance.get(), sink, &loaded, &err);
        loaded.error = err.message;
        return loaded;
    }

    static Messages numbered(std::uint64_t first, std::uint64_t last) {
        Messages messages;
        for (std::uint64_t offset = first; offset <= last; ++offset) {
            messages.emplace_back(offset, "m" + std::to_string(offset));
        }
        return messages;
    }

    PluginLibrary library_{"local"};
    std::filesystem::path root_;
    std::filesystem::path data_dir_;
};

TEST_F(LocalDurableTest, DeclaresTheDurableCapability) {
    EXPECT_NE(library_.descriptor()->broker->capabilities & NOTIFY_BROKER_CAP_DURABLE, 0u);
}

TEST_F(LocalDurableTest, PublishAnswersPendingThenCompletesOkWithOffsetsInOrder) {
    FakeHost host;
    const auto instance = open(host);
    constexpr int kCount = 50;
    publish_pending(*instance, "orders:1", kCount);
    ASSERT_TRUE(host.wait_for_completions(kCount, kCompletionTimeout));
    const std::vector<PublishCompletion> completions = host.completions();
    ASSERT_EQ(completions.size(), static_cast<std::size_t>(kCount));
    for (std::size_t i = 0; i < completions.size(); ++i) {
        EXPECT_EQ(completions[i].request_id, i + 1);
        EXPECT_EQ(completions[i].status, NOTIFY_OK) << completions[i].error;
        EXPECT_EQ(completions[i].offset, i + 1);
        EXPECT_EQ(completions[i].epoch, completions[0].epoch);
    }
    EXPECT_EQ(completions[0].epoch.size(), 16u);
}

TEST_F(LocalDurableTest, HistoryReadReturnsStoredMessagesAfterTheOffsetUpToTheLimit) {
    FakeHost host;
    const auto instance = open(host);
    publish_pending(*instance, "orders:1", 6);
    ASSERT_TRUE(host.wait_for_completions(6, kCompletionTimeout));

    const Read all = read(*instance, "orders:1");
    EXPECT_EQ(all.status, NOTIFY_OK) << all.error;
    EXPECT_EQ(all.messages, numbered(1, 6));
    EXPECT_EQ(all.offset, 6u);
    EXPECT_EQ(all.epoch, host.completions()[0].epoch);
    EXPECT_EQ(read(*instance, "orders:1", 2, 3).messages, numbered(3, 5));
    EXPECT_TRUE(read(*instance, "orders:1", 6).messages.empty());

    const Read unknown = read(*instance, "orders:none");
    EXPECT_EQ(unknown.status, NOTIFY_OK);
    EXPECT_EQ(unknown.offset, 0u);
    EXPECT_TRUE(unknown.epoch.empty());
}

TEST_F(LocalDurableTest, RestartContinuesOffsetsWithTheSameEpoch) {
    std::string epoch;
    {
        FakeHost host;
        const auto instance = open(host);
        publish_pending(*instance, "orders:1", 3);
        publish_pending(*instance, "orders:2", 1, 100);
        ASSERT_TRUE(host.wait_for_completions(4, kCompletionTimeout));
        epoch = host.completions()[0].epoch;
    }
    FakeHost host;
    const auto instance = open(host);
    const Read before = read(*instance, "orders:1");
    EXPECT_EQ(before.messages, numbered(1, 3));
    EXPECT_EQ(before.epoch, epoch);

    const Published next = publish(*instance, "orders:1", "m4", 7);
    EXPECT_EQ(next.status, NOTIFY_PENDING) << next.error;
    EXPECT_EQ(next.offset, 4u);
    EXPECT_EQ(next.epoch, epoch);
    EXPECT_EQ(publish(*instance, "orders:2", "m2", 8).offset, 2u);
    ASSERT_TRUE(host.wait_for_completions(2, kCompletionTimeout));
    EXPECT_EQ(host.completions()[0].offset, 4u);
    EXPECT_EQ(read(*instance, "orders:1").messages, numbered(1, 4));
}

TEST_F(LocalDurableTest, AProcessKilledAfterTheAcknowledgementLosesNothing) {
    constexpr int kCount = 200;
    int acked[2];
    ASSERT_EQ(::pipe(acked), 0);
    const pid_t child = ::fork();
    ASSERT_NE(child, -1);
    if (child == 0) {
        // No gtest assertions here: the child reports through its exit and the pipe only.
        ::close(acked[0]);
        FakeHost host;
        host.config_values["data_dir"] = data_dir_.string();
        host.config_values["sync"] = std::string{"batch"};
        auto* instance = new PluginInstance(library_, host);  // never destroyed: killed below
        for (int i = 1; i <= kCount; ++i) {
            if (publish(*instance, "orders:1", "m" + std::to_string(i),
                        static_cast<std::uint64_t>(i))
                    .status != NOTIFY_PENDING) {
                ::_exit(2);
            }
        }
        if (!host.wait_for_completions(kCount, kCompletionTimeout)) {
            ::_exit(3);
        }
        for (const PublishCompletion& completion : host.completions()) {
            if (completion.status != NOTIFY_OK) {
                ::_exit(4);
            }
        }
        if (::write(acked[1], "acked", 5) != 5) {
            ::_exit(5);
        }
        ::kill(::getpid(), SIGKILL);
        ::_exit(6);
    }
    ::close(acked[1]);
    char word[8] = {};
    const ssize_t got = ::read(acked[0], word, sizeof word);
    ::close(acked[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_EQ(got, 5) << "child exit status " << WEXITSTATUS(status);
    EXPECT_EQ(std::string(word, 5), "acked");
    ASSERT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(WTERMSIG(status), SIGKILL);

    FakeHost host;
    const auto instance = open(host);
    const Read survived = read(*instance, "orders:1");
    EXPECT_EQ(survived.status, NOTIFY_OK) << survived.error;
    EXPECT_EQ(survived.messages, numbered(1, kCount));
    EXPECT_EQ(publish(*instance, "orders:1", "next", 1).offset,
              static_cast<std::uint64_t>(kCount) + 1);
}

TEST_F(LocalDurableTest, DeclaresTheDurableSubscriptionCapabilityWithItsFunctions) {
    const notify_broker_vtable* broker = library_.descriptor()->broker;
    EXPECT_NE(broker->capabilities & NOTIFY_BROKER_CAP_DURABLE_SUBSCRIPTIONS, 0u);
    ASSERT_TRUE(NOTIFY_HAS_FIELD(broker, notify_broker_vtable, subscriptions_load));
    EXPECT_NE(broker->subscription_save, nullptr);
    EXPECT_NE(broker->subscription_remove, nullptr);
    EXPECT_NE(broker->subscriptions_load, nullptr);
}

// The capability is in the static descriptor: an instance without a store answers for it.
TEST_F(LocalDurableTest, WithoutDataDirSubscriptionChangesAreRefusedAndTheLoadIsEmpty) {
    FakeHost host;
    const PluginInstance instance{library_, host};
    ASSERT_TRUE(instance.created()) << instance.create_error();
    const Answer saved = save(instance, Subscription{"c1", "", "token", "orders:1", 3});
    EXPECT_EQ(saved.status, NOTIFY_ERR_UNSUPPORTED);
    EXPECT_NE(saved.error.find("data_dir"), std::string::npos);
    EXPECT_NE(saved.error.find("c1"), std::string::npos);
    EXPECT_NE(saved.error.find("orders:1"), std::string::npos);
    const Answer removed = remove(instance, "c1", "orders:1");
    EXPECT_EQ(removed.status, NOTIFY_ERR_UNSUPPORTED);
    EXPECT_NE(removed.error.find("data_dir"), std::string::npos);

    const Loaded loaded = load(instance);
    EXPECT_EQ(loaded.status, NOTIFY_OK) << loaded.error;
    EXPECT_TRUE(loaded.subscriptions.empty());
}

TEST_F(LocalDurableTest, SavedSubscriptionsLoadBackAfterAReopen) {
    const std::vector<Subscription> saved{
        {"client-a", "alice", "token-a", "orders:1", 7},
        {"client-a", "alice", "token-a", "orders:2", 0},
        {"client-b", "", "token-b", "orders:1", 12},  // no user
    };
    {
        FakeHost host;
        const auto instance = open(host);
        EXPECT_TRUE(load(*instance).subscriptions.empty());
        for (const Subscription& subscription : saved) {
            const Answer answer = save(*instance, subscription);
            EXPECT_EQ(answer.status, NOTIFY_OK) << answer.error;
        }
    }
    FakeHost host;
    const auto instance = open(host);
    const Loaded loaded = load(*instance);
    EXPECT_EQ(loaded.status, NOTIFY_OK) << loaded.error;
    EXPECT_EQ(loaded.subscriptions, saved);  // ordered by client id, then topic
}

TEST_F(LocalDurableTest, LoadSeesEverySaveQueuedBeforeIt) {
    FakeHost host;
    host.config_values["sync"] = std::string{"batch"};
    host.config_values["sync_interval"] = std::string{"50ms"};
    const auto instance = open(host);
    const Subscription subscription{"client-a", "alice", "token-a", "orders:1", 4};
    ASSERT_EQ(save(*instance, subscription).status, NOTIFY_OK);
    EXPECT_EQ(load(*instance).subscriptions, std::vector<Subscription>{subscription});
}

TEST_F(LocalDurableTest, ALaterSaveOfTheSameRecordWins) {
    {
        FakeHost host;
        const auto instance = open(host);
        // Acks come quickly: these share group commits and replace one another.
        for (std::uint64_t acked = 1; acked <= 100; ++acked) {
            ASSERT_EQ(save(*instance, Subscription{"client-a", "alice", "token-1", "orders:1",
                                                   acked})
                          .status,
                      NOTIFY_OK);
        }
        ASSERT_EQ(load(*instance).subscriptions.size(), 1u);  // committed: the next is a new batch
        ASSERT_EQ(save(*instance, Subscription{"client-a", "alice", "token-2", "orders:1", 101})
                      .status,
                  NOTIFY_OK);
    }
    FakeHost host;
    const auto instance = open(host);
    const std::vector<Subscription> expected{{"client-a", "alice", "token-2", "orders:1", 101}};
    EXPECT_EQ(load(*instance).subscriptions, expected);
}

TEST_F(LocalDurableTest, RemoveDeletesOnlyItsRecordAndAMissingRecordIsOk) {
    {
        FakeHost host;
        const auto instance = open(host);
        ASSERT_EQ(save(*instance, Subscription{"client-a", "", "t", "orders:1", 1}).status,
                  NOTIFY_OK);
        ASSERT_EQ(save(*instance, Subscription{"client-a", "", "t", "orders:2", 2}).status,
                  NOTIFY_OK);
        ASSERT_EQ(load(*instance).subscriptions.size(), 2u);
        EXPECT_EQ(remove(*instance, "client-a", "orders:1").status, NOTIFY_OK);
        const Answer missing = remove(*instance, "client-z", "orders:9");
        EXPECT_EQ(missing.status, NOTIFY_OK) << missing.error;
        // Saved and removed within one batch: the removal, being later, wins.
        ASSERT_EQ(save(*instance, Subscription{"client-b", "", "t", "orders:1", 5}).status,
                  NOTIFY_OK);
        EXPECT_EQ(remove(*instance, "client-b", "orders:1").status, NOTIFY_OK);
    }
    FakeHost host;
    const auto instance = open(host);
    const std::vector<Subscription> expected{{"client-a", "", "t", "orders:2", 2}};
    EXPECT_EQ(load(*instance).subscriptions, expected);
}

TEST_F(LocalDurableTest, ASubscriptionWithoutClientIdOrTopicIsRefused) {
    FakeHost host;
    const auto instance = open(host);
    EXPECT_EQ(save(*instance, Subscription{"", "", "t", "orders:1", 1}).status,
              NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(save(*instance, Subscription{"client-a", "", "t", "", 1}).status,
              NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(remove(*instance, "", "orders:1").status, NOTIFY_ERR_INVALID_ARGUMENT);

    notify_durable_subscription too_small{};  // a record from a struct that lacks acked_offset
    too_small.size = static_cast<std::uint32_t>(offsetof(notify_durable_subscription, acked_offset));
    notify_error err{};
    EXPECT_EQ(library_.descriptor()->broker->subscription_save(instance->get(), &too_small, &err),
              NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_TRUE(load(*instance).subscriptions.empty());
}

// The host saves a subscription's ack, then the broker acknowledges a publish: after kill -9 the
// store must hold the save whenever it holds the publish (they share the WAL and its order).
TEST_F(LocalDurableTest, SubscriptionSavesSurviveAKillInOrderWithPublishes) {
    constexpr int kRounds = 50;
    constexpr std::size_t kEpochChars = 16;
    int acked[2];
    ASSERT_EQ(::pipe(acked), 0);
    const pid_t child = ::fork();
    ASSERT_NE(child, -1);
    if (child == 0) {
        // No gtest assertions here: the child reports through its exit and the pipe only.
        ::close(acked[0]);
        FakeHost host;
        host.config_values["data_dir"] = data_dir_.string();
        host.config_values["sync"] = std::string{"batch"};
        auto* instance = new PluginInstance(library_, host);  // never destroyed: killed below
        for (int round = 1; round <= kRounds; ++round) {
            const auto acked_offset = static_cast<std::uint64_t>(round - 1);
            if (save(*instance, Subscription{"client-a", "alice", "token-" + std::to_string(round),
                                             "orders:1", acked_offset})
                    .status != NOTIFY_OK) {
                ::_exit(2);
            }
            if (round == kRounds / 2 &&
                save(*instance, Subscription{"client-gone", "", "t", "orders:1", 1}).status !=
                    NOTIFY_OK) {
                ::_exit(2);
            }
            if (round == kRounds &&
                remove(*instance, "client-gone", "orders:1").status != NOTIFY_OK) {
                ::_exit(2);
            }
            if (publish(*instance, "orders:1", "m" + std::to_string(round),
                        static_cast<std::uint64_t>(round))
                    .status != NOTIFY_PENDING) {
                ::_exit(3);
            }
        }
        if (!host.wait_for_completions(kRounds, kCompletionTimeout)) {
            ::_exit(4);
        }
        const std::vector<PublishCompletion> completions = host.completions();
        for (const PublishCompletion& completion : completions) {
            if (completion.status != NOTIFY_OK || completion.epoch.size() != kEpochChars) {
                ::_exit(5);
            }
        }
        if (::write(acked[1], completions.back().epoch.data(), kEpochChars) !=
            static_cast<ssize_t>(kEpochChars)) {
            ::_exit(6);
        }
        ::kill(::getpid(), SIGKILL);
        ::_exit(7);
    }
    ::close(acked[1]);
    char epoch[kEpochChars] = {};
    const ssize_t got = ::read(acked[0], epoch, sizeof epoch);
    ::close(acked[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_EQ(got, static_cast<ssize_t>(kEpochChars)) << "child exit status " << WEXITSTATUS(status);
    ASSERT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(WTERMSIG(status), SIGKILL);

    FakeHost host;
    const auto instance = open(host);
    const Loaded loaded = load(*instance);
    EXPECT_EQ(loaded.status, NOTIFY_OK) << loaded.error;
    const std::vector<Subscription> expected{
        {"client-a", "alice", "token-" + std::to_string(kRounds), "orders:1", kRounds - 1}};
    EXPECT_EQ(loaded.subscriptions, expected);
    const Read survived = read(*instance, "orders:1");
    EXPECT_EQ(survived.messages, numbered(1, kRounds));
    EXPECT_EQ(survived.epoch, std::string(epoch, kEpochChars));
    const Published next = publish(*instance, "orders:1", "next", 1);
    EXPECT_EQ(next.offset, static_cast<std::uint64_t>(kRounds) + 1);
    EXPECT_EQ(next.epoch, std::string(epoch, kEpochChars));
}

TEST_F(LocalDurableTest, MetaTtlDoesNotForgetAnAtLeastOnceTopic) {
    FakeHost host;
    const auto instance = open(host);
    notify_history_options options = durable_options();
    options.history_meta_ttl_ms = 1;
    ASSERT_EQ(publish(*instance, "orders:1", "m1", 1, options).status, NOTIFY_PENDING);
    ASSERT_TRUE(host.wait_for_completions(1, kCompletionTimeout));
    host.now_ms = 1000 + 3'600'000;  // an hour after the publish
    const Read later = read(*instance, "orders:1", 0, 0, options);
    EXPECT_EQ(later.offset, 1u);
    EXPECT_EQ(later.epoch, host.completions()[0].epoch);
    const Published next = publish(*instance, "orders:1", "m2", 2, options);
    EXPECT_EQ(next.offset, 2u);
    EXPECT_EQ(next.epoch, host.completions()[0].epoch);
}

TEST_F(LocalDurableTest, RetentionByCountKeepsTheNewestMessagesAndLogsHowManyWentAway) {
    {
        FakeHost host;
        host.config_values["retention_messages"] = std::int64_t{3};
        const auto instance = open(host);
        publish_pending(*instance, "orders:1", 10);
        ASSERT_TRUE(host.wait_for_completions(10, kCompletionTimeout));
        EXPECT_EQ(read(*instance, "orders:1").messages, numbered(8, 10));
    }
    FakeHost host;
    const auto instance = open(host);  // default retention: only the store's content shows
    EXPECT_EQ(read(*instance, "orders:1").messages, numbered(8, 10));
    EXPECT_EQ(read(*instance, "orders:1").offset, 10u);
}

TEST_F(LocalDurableTest, RetentionDeletionIsReportedInALogLine) {
    FakeHost host;
    host.config_values["retention_messages"] = std::int64_t{2};
    {
        const auto instance = open(host);
        publish_pending(*instance, "orders:1", 5);
        ASSERT_TRUE(host.wait_for_completions(5, kCompletionTimeout));
    }  // destroy runs a last retention pass and joins the writer
    bool reported = false;
    for (const std::string& line : host.log_lines) {
        reported = reported || line.find("retention deleted 3 durable messages") != std::string::npos;
    }
    EXPECT_TRUE(reported);
}

TEST_F(LocalDurableTest, EverySyncPolicyAcknowledgesAndStores) {
    for (const char* policy : {"always", "batch", "os"}) {
        SCOPED_TRACE(policy);
        FakeHost host;
        host.config_values["data_dir"] = (root_ / policy).string();
        host.config_values["sync"] = std::string{policy};
        host.config_values["sync_interval"] = std::string{"5ms"};
        const auto instance = open(host);
        publish_pending(*instance, "orders:1", 20);
        ASSERT_TRUE(host.wait_for_completions(20, kCompletionTimeout));
        EXPECT_EQ(read(*instance, "orders:1").messages, numbered(1, 20));
    }
}

// sync_interval is only the longest wait of a batch group commit: once no more publishes arrive,
// the commit goes ahead. With an hour-long interval, an acknowledgement within the (generous)
// completion timeout shows that the writer did not wait for the interval to run out.
TEST_F(LocalDurableTest, BatchPolicyCommitsOnceTheQueueGoesIdleWithoutWaitingTheInterval) {
    FakeHost host;
    host.config_values["sync"] = std::string{"batch"};
    host.config_values["sync_interval"] = std::string{"1h"};
    const auto instance = open(host);

    publish_pending(*instance, "orders:1", 1);
    ASSERT_TRUE(host.wait_for_completions(1, kCompletionTimeout));
    EXPECT_EQ(host.completions()[0].status, NOTIFY_OK) << host.completions()[0].error;

    for (std::uint64_t i = 2; i <= 21; ++i) {  // a burst, then nothing
        EXPECT_EQ(publish(*instance, "orders:1", "m" + std::to_string(i), i).status,
                  NOTIFY_PENDING);
    }
    ASSERT_TRUE(host.wait_for_completions(21, kCompletionTimeout));
    EXPECT_EQ(read(*instance, "orders:1").messages, numbered(1, 21));

    const Subscription saved{"client-1", "user-1", "token-1", "orders:1", 21};
    ASSERT_EQ(save(*instance, saved).status, NOTIFY_OK);
    const Loaded loaded = load(*instance);  // waits until the writer committed the save
    EXPECT_EQ(loaded.subscriptions, std::vector<Subscription>{saved});
}

TEST_F(LocalDurableTest, AnUnknownSyncPolicyIsRefusedNamingTheKey) {
    FakeHost host;
    host.config_values["data_dir"] = data_dir_.string();
    host.config_values["sync"] = std::string{"sometimes"};
    const PluginInstance instance{library_, host};
    EXPECT_FALSE(instance.created());
    EXPECT_EQ(instance.create_status(), NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_NE(instance.create_error().find("'sync'"), std::string::npos);
    EXPECT_NE(instance.create_error().find("sometimes"), std::string::npos);
}

TEST_F(LocalDurableTest, ADataDirThatCannotBeCreatedFailsCreateNamingIt) {
    FakeHost host;
    host.config_values["data_dir"] = std::string{"/proc/notify-durable-test"};
    const PluginInstance instance{library_, host};
    EXPECT_FALSE(instance.created());
    EXPECT_NE(instance.create_error().find("data_dir"), std::string::npos);
    EXPECT_NE(instance.create_error().find("/proc/notify-durable-test"), std::string::npos);
}

TEST_F(LocalDurableTest, WithoutDataDirAnAtLeastOncePublishFailsWithAClearError) {
    FakeHost host;
    const PluginInstance instance{library_, host};
    ASSERT_TRUE(instance.created()) << instance.create_error();
    const Published refused = publish(instance, "orders:1", "m1", 1);
    EXPECT_LT(refused.status, 0);
    EXPECT_NE(refused.error.find("data_dir"), std::string::npos);
    EXPECT_NE(refused.error.find("orders:1"), std::string::npos);
    EXPECT_NE(refused.error.find("at-least-once"), std::string::npos);
    EXPECT_TRUE(host.completions().empty());
}

TEST_F(LocalDurableTest, OptionsFromAnOldHostWithoutDeliveryTakeTheInMemoryPath) {
    FakeHost host;
    const auto instance = open(host);
    notify_history_options old_host = durable_options();  // delivery set, but not covered by size
    old_host.size = static_cast<std::uint32_t>(offsetof(notify_history_options, delivery));
    const Published published = publish(*instance, "orders:1", "m1", 1, old_host);
    EXPECT_EQ(published.status, NOTIFY_OK) << published.error;
    EXPECT_EQ(published.offset, 1u);
    EXPECT_TRUE(host.completions().empty());
    EXPECT_TRUE(read(*instance, "orders:1").messages.empty());  // nothing in the durable store
}

TEST_F(LocalDurableTest, AtMostOnceTopicsStayInMemoryBesideDurableOnes) {
    FakeHost host;
    const auto instance = open(host);
    notify_history_options at_most_once = durable_options();
    at_most_once.delivery = NOTIFY_DELIVERY_AT_MOST_ONCE;
    EXPECT_EQ(publish(*instance, "chat:1", "m1", 1, at_most_once).status, NOTIFY_OK);
    EXPECT_EQ(publish(*instance, "orders:1", "m1", 2).status, NOTIFY_PENDING);
    ASSERT_TRUE(host.wait_for_completions(1, kCompletionTimeout));
    EXPECT_EQ(host.completions()[0].request_id, 2u);
}

}  // namespace
}  // namespace notify::test
