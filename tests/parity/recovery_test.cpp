// History recovery over every transport: `sub --since OFFSET[:EPOCH]` gets exactly the messages
// after OFFSET, then live ones; a position the server cannot recover from says so on stderr and
// carries on live (docs/protocol.md, "subscribe"; conf/transports.toml keeps 100 messages).
#include <gtest/gtest.h>

#include "cli_lines.hpp"
#include "parity_server.hpp"

namespace notify::test {
namespace {

using std::chrono::seconds;

std::string param_name(const ::testing::TestParamInfo<TransportUrl>& info) {
    return info.param.name;
}

class TransportRecoveryTest : public ParityServerTest,
                              public ::testing::WithParamInterface<TransportUrl> {
protected:
    const std::string& url() const { return GetParam().url; }

    void publish(const std::string& topic, const std::string& data, int count) {
        std::string error;
        ASSERT_EQ(run_cli("pub", {"pub", url(), topic, data, "--count", std::to_string(count)},
                          &error), 0) << error;
    }

    // `sub --since 0` recovers the whole stream: the `count` messages published so far.
    void read_everything(const std::string& topic, int count, std::vector<MessageLine>& lines) {
        auto reader = start_cli("everything", {"sub", url(), topic, "--since", "0", "--count",
                                               std::to_string(count), "--timeout", "15"});
        ASSERT_EQ(reader->wait_for(seconds(15)), 0) << reader->stderr_text();
        lines = message_lines(reader->stdout_text());
        ASSERT_EQ(lines.size(), static_cast<std::size_t>(count)) << reader->stdout_text();
    }

    // `sub --since since --count count`, which gets one live message once it is ready.
    std::unique_ptr<Process> subscribe_then_publish_live(const std::string& topic,
                                                         const std::string& since, int count) {
        auto subscriber = start_cli("since", {"sub", url(), topic, "--since", since, "--count",
                                              std::to_string(count), "--timeout", "15"});
        EXPECT_TRUE(subscriber->wait_for_stderr("ready", seconds(10)))
            << subscriber->stderr_text();
        std::string error;
        EXPECT_EQ(run_cli("pub", {"pub", url(), topic, "live"}, &error), 0) << error;
        EXPECT_EQ(subscriber->wait_for(seconds(10)), 0) << subscriber->stderr_text();
        return subscriber;
    }
};

TEST_P(TransportRecoveryTest, SinceAnOffsetDeliversExactlyTheLaterMessagesThenLiveOnes) {
    const std::string topic = "since-" + GetParam().name;
    ASSERT_NO_FATAL_FAILURE(publish(topic, "kept", 5));
    std::vector<MessageLine> everything;
    ASSERT_NO_FATAL_FAILURE(read_everything(topic, 5, everything));
    const std::string epoch = everything.front().epoch;
    EXPECT_EQ(everything, expected_lines(topic, epoch, 1, numbered("kept", 5)));

    const auto subscriber = subscribe_then_publish_live(topic, "2:" + epoch, 4);
    EXPECT_EQ(message_lines(subscriber->stdout_text()),
              expected_lines(topic, epoch, 3, {"kept-3", "kept-4", "kept-5", "live"}));
    const auto session = client_line(subscriber->stderr_text());
    ASSERT_TRUE(session.has_value()) << subscriber->stderr_text();
    EXPECT_EQ(subscriber->stderr_text(),
              "client " + session->client + " " + session->resume + "\nready\n");
}

TEST_P(TransportRecoveryTest, SinceTheLastOffsetDeliversOnlyLiveMessages) {
    const std::string topic = "since-last-" + GetParam().name;
    ASSERT_NO_FATAL_FAILURE(publish(topic, "kept", 3));
    std::vector<MessageLine> everything;
    ASSERT_NO_FATAL_FAILURE(read_everything(topic, 3, everything));
    const std::string epoch = everything.front().epoch;

    const auto subscriber = subscribe_then_publish_live(topic, "3:" + epoch, 1);
    EXPECT_EQ(message_lines(subscriber->stdout_text()), expected_lines(topic, epoch, 4, {"live"}));
    EXPECT_EQ(subscriber->stderr_text().find("could not be recovered"), std::string::npos)
        << subscriber->stderr_text();
}

TEST_P(TransportRecoveryTest, SinceAnotherEpochIsNotRecoveredAndContinuesLive) {
    const std::string topic = "epoch-" + GetParam().name;
    ASSERT_NO_FATAL_FAILURE(publish(topic, "kept", 3));
    std::vector<MessageLine> everything;
    ASSERT_NO_FATAL_FAILURE(read_everything(topic, 3, everything));
    const std::string epoch = everything.front().epoch;
    const std::string wrong = other_epoch(epoch);

    const auto subscriber = subscribe_then_publish_live(topic, "2:" + wrong, 1);
    EXPECT_EQ(message_lines(subscriber->stdout_text()), expected_lines(topic, epoch, 4, {"live"}));
    const auto session = client_line(subscriber->stderr_text());
    ASSERT_TRUE(session.has_value()) << subscriber->stderr_text();
    EXPECT_EQ(subscriber->stderr_text(),
              "client " + session->client + " " + session->resume + "\nnotify-cli: '" + topic +
                  "' could not be recovered from 2:" + wrong + "; now at 3:" + epoch +
                  "\nready\n");
}

TEST_P(TransportRecoveryTest, SinceAPositionTrimmedFromTheHistoryIsNotRecovered) {
    const std::string topic = "trimmed-" + GetParam().name;
    ASSERT_NO_FATAL_FAILURE(publish(topic, "kept", 120));
    // The history keeps the last 100 (offsets 21-120): recovering after 5 would leave a hole.
    std::vector<MessageLine> tail;
    {
        auto reader = start_cli("tail", {"sub", url(), topic, "--since", "110", "--count", "10",
                                         "--timeout", "15"});
        ASSERT_EQ(reader->wait_for(seconds(15)), 0) << reader->stderr_text();
        tail = message_lines(reader->stdout_text());
    }
    ASSERT_EQ(tail.size(), 10u);
    const std::string epoch = tail.front().epoch;
    const auto kept = numbered("kept", 120);
    EXPECT_EQ(tail, expected_lines(topic, epoch, 111, {kept.begin() + 110, kept.end()}));

    const auto subscriber = subscribe_then_publish_live(topic, "5:" + epoch, 1);
    EXPECT_EQ(message_lines(subscriber->stdout_text()),
              expected_lines(topic, epoch, 121, {"live"}));
    EXPECT_NE(subscriber->stderr_text().find("\nnotify-cli: '" + topic +
                                             "' could not be recovered from 5:" + epoch +
                                             "; now at 120:" + epoch + "\nready\n"),
              std::string::npos)
        << subscriber->stderr_text();
}

TEST_P(TransportRecoveryTest, SinceAheadOfTheStreamIsRefusedWithExitCodeTwo) {
    const std::string topic = "ahead-" + GetParam().name;
    ASSERT_NO_FATAL_FAILURE(publish(topic, "kept", 2));
    std::string error;
    EXPECT_EQ(run_cli("ahead", {"sub", url(), topic, "--since", "9", "--count", "1",
                                "--timeout", "10"}, &error), 2);
    EXPECT_NE(error.find("\nnotify-cli: subscribe to '" + topic +
                         "' refused: bad_request (102): subscribe: position 9 of '" + topic +
                         "' is ahead of the stream (its last offset is 2)\n"),
              std::string::npos)
        << error;
}

INSTANTIATE_TEST_SUITE_P(Transports, TransportRecoveryTest, ::testing::ValuesIn(transport_urls()),
                         param_name);

}  // namespace
}  // namespace notify::test
