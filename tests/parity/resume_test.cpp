// Session resume over every transport: a notify-cli `sub` leaves (in order, or killed), messages
// are published meanwhile, and `sub --client ID --resume TOKEN` on the same transport gets
// exactly what it missed, in order, then live messages (docs/protocol.md, "Reconnecting").
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>
#include <variant>

#include <notify/protocol/binary.hpp>

#include "cli_lines.hpp"
#include "parity_server.hpp"
#include "raw_socket.hpp"

namespace notify::test {
namespace {

using std::chrono::seconds;

std::string param_name(const ::testing::TestParamInfo<TransportUrl>& info) {
    return info.param.name;
}

// ws and tcp see a killed client's socket close at once. The http plugin notices a dead SSE
// stream at once but keeps its session for session_timeout, a held long-poll only when it is
// answered (poll_timeout) and then session_timeout too, and UDP has no close at all: the
// session ends after session_timeout without a datagram (plugins/http, plugins/udp READMEs).
bool notices_a_killed_client_at_once(const TransportUrl& transport) {
    return transport.name == "ws" || transport.name == "tcp";
}

std::string insert_after(std::string manifest, const std::string& line, const std::string& text) {
    const auto at = manifest.find(line + "\n");
    EXPECT_NE(at, std::string::npos) << "the parity manifest has no line " << line;
    if (at != std::string::npos) manifest.insert(at + line.size() + 1, text);
    return manifest;
}

// The steps of a resume test, on the transport of url().
class ResumeSteps : public ParityServerTest {
protected:
    virtual std::string url() const = 0;

    void publish(const std::string& topic, const std::string& data, int count) {
        std::string error;
        ASSERT_EQ(run_cli("pub", {"pub", url(), topic, data, "--count", std::to_string(count)},
                          &error), 0) << error;
    }

    // A subscriber that saw "before" (offset 1) and then left in order (`--count 1` closes the
    // connection: a WebSocket close, a tcp FIN, an http DELETE, a udp CLOSE). Its client and
    // resume token land in `session`, the stream's epoch in `epoch`.
    void subscribe_and_leave(const std::string& topic, ClientSession& session,
                             std::string& epoch) {
        auto subscriber = start_cli("first", {"sub", url(), topic, "--count", "1",
                                              "--timeout", "15"});
        ASSERT_TRUE(subscriber->wait_for_stderr("ready", seconds(10)))
            << subscriber->stderr_text();
        ASSERT_NO_FATAL_FAILURE(publish_one(topic, "before"));
        ASSERT_EQ(subscriber->wait_for(seconds(10)), 0) << subscriber->stderr_text();
        ASSERT_NO_FATAL_FAILURE(read_first_visit(*subscriber, topic, session, epoch));
    }

    // The same, but the subscriber is killed (SIGKILL) once it printed "before".
    void subscribe_and_get_killed(const std::string& topic, ClientSession& session,
                                  std::string& epoch) {
        auto subscriber = start_cli("first", {"sub", url(), topic, "--timeout", "30"});
        ASSERT_TRUE(subscriber->wait_for_stderr("ready", seconds(10)))
            << subscriber->stderr_text();
        ASSERT_NO_FATAL_FAILURE(publish_one(topic, "before"));
        ASSERT_TRUE(subscriber->wait_for_stdout("\"before\"", seconds(10)))
            << subscriber->stderr_text();
        subscriber->signal(SIGKILL);
        ASSERT_EQ(subscriber->wait_for(seconds(10)), 128 + SIGKILL);
        ASSERT_NO_FATAL_FAILURE(read_first_visit(*subscriber, topic, session, epoch));
    }

    // Resumes `session`, expects exactly `missed` (at offsets 2, 3, …) and then one live
    // message published once the missed ones were printed.
    void expect_resume_delivers(const std::string& topic, const ClientSession& session,
                                const std::string& epoch, const std::vector<std::string>& missed) {
        const auto total = std::to_string(missed.size() + 1);
        auto resumed = start_cli("resumed", {"sub", url(), topic, "--client", session.client,
                                             "--resume", session.resume, "--count", total,
                                             "--timeout", "15"});
        ASSERT_TRUE(resumed->wait_for_stdout("\"" + missed.back() + "\"", seconds(10)))
            << "stdout:\n" << resumed->stdout_text() << "stderr:\n" << resumed->stderr_text();
        // The subscription is live once the subscribe was confirmed.
        ASSERT_TRUE(resumed->wait_for_stderr("ready", seconds(10))) << resumed->stderr_text();
        ASSERT_NO_FATAL_FAILURE(publish_one(topic, "live"));
        ASSERT_EQ(resumed->wait_for(seconds(10)), 0) << resumed->stderr_text();

        auto expected = missed;
        expected.push_back("live");
        EXPECT_EQ(message_lines(resumed->stdout_text()), expected_lines(topic, epoch, 2, expected));
        const auto again = client_line(resumed->stderr_text());
        ASSERT_TRUE(again.has_value()) << resumed->stderr_text();
        EXPECT_EQ(again->client, session.client) << "the resume made a new client";
        EXPECT_NE(again->resume, session.resume) << "every connect hands out a new token";
        EXPECT_EQ(resumed->stderr_text().find("overflow"), std::string::npos)
            << resumed->stderr_text();
    }

    // Resumes `session` (from `--since SINCE` unless `since` is empty) for `count` messages,
    // publishes live-1 once it is ready and waits for it to end; `resumed` is that subscriber.
    void resume_then_publish_live(const std::string& topic, const ClientSession& session,
                                  const std::string& since, int count,
                                  std::unique_ptr<Process>& resumed) {
        std::vector<std::string> args{"sub", url(), topic, "--client", session.client,
                                      "--resume", session.resume};
        if (!since.empty()) args.insert(args.end(), {"--since", since});
        args.insert(args.end(), {"--count", std::to_string(count), "--timeout", "15"});
        resumed = start_cli("resumed", std::move(args));
        ASSERT_TRUE(resumed->wait_for_stderr("ready", seconds(10))) << resumed->stderr_text();
        ASSERT_NO_FATAL_FAILURE(publish(topic, "live", 1));
        ASSERT_EQ(resumed->wait_for(seconds(10)), 0) << resumed->stderr_text();
    }

    // notify-cli said the resume overflowed and that it recovers every topic from 1:EPOCH.
    static void expect_recovering_from_the_start(const Process& resumed, const std::string& epoch) {
        EXPECT_NE(resumed.stderr_text().find("notify-cli: the session buffer overflowed on the "
                                             "server; recovering every topic from 1:" + epoch),
                  std::string::npos)
            << resumed.stderr_text();
    }

private:
    void publish_one(const std::string& topic, const std::string& data) {
        std::string error;
        ASSERT_EQ(run_cli("pub", {"pub", url(), topic, data}, &error), 0) << error;
    }

    static void read_first_visit(const Process& subscriber, const std::string& topic,
                                 ClientSession& session, std::string& epoch) {
        const auto lines = message_lines(subscriber.stdout_text());
        ASSERT_EQ(lines.size(), 1u) << subscriber.stdout_text();
        ASSERT_EQ(lines.front().topic, topic);
        ASSERT_EQ(lines.front().offset, 1u);
        epoch = lines.front().epoch;
        const auto line = client_line(subscriber.stderr_text());
        ASSERT_TRUE(line.has_value()) << subscriber.stderr_text();
        session = *line;
    }
};

class TransportResumeTest : public ResumeSteps,
                            public ::testing::WithParamInterface<TransportUrl> {
protected:
    std::string url() const override { return GetParam().url; }
};

TEST_P(TransportResumeTest, ResumeAfterAnOrderlyLeaveDeliversExactlyTheMissedMessages) {
    const std::string topic = "resume-" + GetParam().name;
    ClientSession session;
    std::string epoch;
    ASSERT_NO_FATAL_FAILURE(subscribe_and_leave(topic, session, epoch));
    ASSERT_NO_FATAL_FAILURE(publish(topic, "missed", 5));
    expect_resume_delivers(topic, session, epoch, numbered("missed", 5));
}

TEST_P(TransportResumeTest, ResumeWithAWrongTokenIsRefusedWithExitCodeTwoAndKeepsTheSession) {
    const std::string topic = "wrong-token-" + GetParam().name;
    ClientSession session;
    std::string epoch;
    ASSERT_NO_FATAL_FAILURE(subscribe_and_leave(topic, session, epoch));
    ASSERT_NO_FATAL_FAILURE(publish(topic, "missed", 2));

    const std::string refused =
        "notify-cli: connect refused: unauthorized (101): unknown client id or wrong resume "
        "token\n";
    std::string forged = session.resume;
    forged.back() = forged.back() == '0' ? '1' : '0';
    std::string error;
    EXPECT_EQ(run_cli("wrong-token", {"sub", url(), topic, "--client", session.client, "--resume",
                                      forged, "--count", "1", "--timeout", "10"}, &error), 2);
    EXPECT_EQ(error, refused);
    EXPECT_EQ(run_cli("unknown-client", {"sub", url(), topic, "--client", "no-such-client",
                                         "--resume", session.resume, "--count", "1",
                                         "--timeout", "10"}, &error), 2);
    EXPECT_EQ(error, refused);

    // The refusals left the session alone: the right token still gets what was missed.
    expect_resume_delivers(topic, session, epoch, numbered("missed", 2));
}

TEST_P(TransportResumeTest, ResumeRightAfterTheSubscriberWasKilledDeliversTheMissedMessages) {
    const std::string topic = "killed-" + GetParam().name;
    ClientSession session;
    std::string epoch;
    ASSERT_NO_FATAL_FAILURE(subscribe_and_get_killed(topic, session, epoch));
    ASSERT_NO_FATAL_FAILURE(publish(topic, "missed", 3));
    if (notices_a_killed_client_at_once(GetParam())) {
        expect_resume_delivers(topic, session, epoch, numbered("missed", 3));
        return;
    }
    // The server still holds the dead connection (and sent the missed messages to it): the
    // resume replaces it and says overflow, and notify-cli recovers from what it had seen.
    std::unique_ptr<Process> resumed;
    ASSERT_NO_FATAL_FAILURE(resume_then_publish_live(topic, session, "1:" + epoch, 4, resumed));
    expect_recovering_from_the_start(*resumed, epoch);
    auto expected = numbered("missed", 3);
    expected.push_back("live-1");
    EXPECT_EQ(message_lines(resumed->stdout_text()), expected_lines(topic, epoch, 2, expected));
}

// The http and udp transports with short timeouts, so the server notices a killed client
// within a bounded wait.
class ShortTimeoutResumeTest : public TransportResumeTest {
protected:
    std::string manifest() const override {
        std::string manifest = insert_after(parity_manifest(), "path = \"/http\"",
                                            "poll_timeout = \"1s\"\nsession_timeout = \"1s\"\n");
        return insert_after(manifest, "listen = \"127.0.0.1:" + std::to_string(kUdpPort) + "\"",
                            "session_timeout = \"2s\"\n");
    }

    // poll_timeout + session_timeout (http), session_timeout + its check period (udp), with
    // room to spare on a loaded machine.
    static constexpr auto kNoticeKilledClient = seconds(4);
};

TEST_P(ShortTimeoutResumeTest, ResumeAfterTheServerNoticedTheKill) {
    const std::string topic = "noticed-" + GetParam().name;
    ClientSession session;
    std::string epoch;
    ASSERT_NO_FATAL_FAILURE(subscribe_and_get_killed(topic, session, epoch));
    if (!notices_a_killed_client_at_once(GetParam())) {
        std::this_thread::sleep_for(kNoticeKilledClient);
    }
    ASSERT_NO_FATAL_FAILURE(publish(topic, "missed", 3));
    expect_resume_delivers(topic, session, epoch, numbered("missed", 3));
}

// A session buffer of 4 messages: more missed than that overflows.
class SmallBufferResumeTest : public TransportResumeTest {
protected:
    std::string manifest() const override {
        return parity_manifest() + "\n[clients]\nbuffer_size = 4\n";
    }
};

TEST_P(SmallBufferResumeTest, OverflowedResumeWithSinceRecoversTheMissedMessagesFromHistory) {
    const std::string topic = "overflow-" + GetParam().name;
    ClientSession session;
    std::string epoch;
    ASSERT_NO_FATAL_FAILURE(subscribe_and_leave(topic, session, epoch));
    ASSERT_NO_FATAL_FAILURE(publish(topic, "missed", 10));

    std::unique_ptr<Process> resumed;
    ASSERT_NO_FATAL_FAILURE(resume_then_publish_live(topic, session, "1:" + epoch, 11, resumed));

    auto expected = numbered("missed", 10);
    expected.push_back("live-1");
    EXPECT_EQ(message_lines(resumed->stdout_text()), expected_lines(topic, epoch, 2, expected));
    const auto again = client_line(resumed->stderr_text());
    ASSERT_TRUE(again.has_value()) << resumed->stderr_text();
    EXPECT_EQ(again->client, session.client);
    EXPECT_EQ(resumed->stderr_text(),
              "client " + again->client + " " + again->resume +
                  "\nnotify-cli: the session buffer overflowed on the server; recovering every "
                  "topic from 1:" + epoch + "\nready\n");
}

TEST_P(SmallBufferResumeTest, OverflowedResumeWithoutSinceSaysTheMissedMessagesAreLost) {
    const std::string topic = "lost-" + GetParam().name;
    ClientSession session;
    std::string epoch;
    ASSERT_NO_FATAL_FAILURE(subscribe_and_leave(topic, session, epoch));
    ASSERT_NO_FATAL_FAILURE(publish(topic, "missed", 10));

    std::unique_ptr<Process> resumed;
    ASSERT_NO_FATAL_FAILURE(resume_then_publish_live(topic, session, "", 1, resumed));

    EXPECT_EQ(message_lines(resumed->stdout_text()),
              expected_lines(topic, epoch, 12, {"live-1"}));
    EXPECT_NE(resumed->stderr_text().find(
                  "\nnotify-cli: the session buffer overflowed on the server; messages published "
                  "while disconnected are lost (--since recovers them)\nready\n"),
              std::string::npos)
        << resumed->stderr_text();
}

// After a resume that overflowed, the server pauses the client's subscriptions until it
// subscribes again. A client that leaves before doing so (it crashed, its connection reset)
// missed everything of the overflow and everything while paused, so its next resume must say
// "overflow" again: its last position is from before the first one.
class PausedSubscriptionResumeTest : public ResumeSteps {
protected:
    std::string url() const override { return transport_urls()[1].url; }  // tcp
    std::string manifest() const override {
        return parity_manifest() + "\n[clients]\nbuffer_size = 4\n";
    }
};

// A client that resumed with an overflow and left before subscribing again missed everything
// since on its held subscriptions: the next resume must say overflow again, not lose them.
TEST_F(PausedSubscriptionResumeTest,
       ResumeAfterAnOverflowedResumeLeftWithoutSubscribingOverflowsAgain) {
    const std::string topic = "paused";
    ClientSession session;
    std::string epoch;
    ASSERT_NO_FATAL_FAILURE(subscribe_and_leave(topic, session, epoch));
    ASSERT_NO_FATAL_FAILURE(publish(topic, "missed", 10));

    // Resume over raw tcp, see the overflow, leave without subscribing again.
    {
        BinaryTcpClient raw(kTcpPort);
        protocol::ConnectCommand connect;
        connect.client = session.client;
        connect.resume = session.resume;
        raw.send_frame(protocol::encode_command_binary(protocol::Command{1, connect}));
        const auto frame = raw.read_frame(seconds(5));
        ASSERT_TRUE(frame.has_value());
        const auto decoded = protocol::decode_server_frame_binary(*frame);
        ASSERT_TRUE(std::holds_alternative<protocol::ServerFrame>(decoded));
        const auto* reply = std::get_if<protocol::Reply>(&std::get<protocol::ServerFrame>(decoded));
        ASSERT_NE(reply, nullptr);
        ASSERT_FALSE(reply->error.has_value()) << reply->error->message;
        ASSERT_TRUE(reply->resumed);
        ASSERT_TRUE(reply->overflow);
        session.resume = reply->resume;
    }
    ASSERT_NO_FATAL_FAILURE(publish(topic, "again", 3));

    std::unique_ptr<Process> resumed;
    ASSERT_NO_FATAL_FAILURE(resume_then_publish_live(topic, session, "1:" + epoch, 14, resumed));
    expect_recovering_from_the_start(*resumed, epoch);
    auto expected = numbered("missed", 10);
    for (const auto& data : numbered("again", 3)) expected.push_back(data);
    expected.push_back("live-1");
    EXPECT_EQ(message_lines(resumed->stdout_text()), expected_lines(topic, epoch, 2, expected));
}

INSTANTIATE_TEST_SUITE_P(Transports, TransportResumeTest, ::testing::ValuesIn(transport_urls()),
                         param_name);
INSTANTIATE_TEST_SUITE_P(Transports, ShortTimeoutResumeTest,
                         ::testing::ValuesIn(transport_urls()), param_name);
INSTANTIATE_TEST_SUITE_P(Transports, SmallBufferResumeTest, ::testing::ValuesIn(transport_urls()),
                         param_name);

}  // namespace
}  // namespace notify::test
