// The local broker's at-least-once half: group-committed SQLite store, acknowledgements through
// host->broker_publish_complete, restarts and a killed process.
#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
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
                                  NOTIFY_DELIVERY_AT_LEAST_ONCE};
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
              std::uint64_t since_offset = 0, std::uint64_t limit = 0) {
        const notify_history_options options = durable_options();
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
