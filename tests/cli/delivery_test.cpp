// Delivery guarantees in notify-cli: `sub --since` (recovery), `sub --ack`, `sub --client
// --resume` with the `client ID TOKEN` line, the overflow notice, and `pub --count`.
#include <gtest/gtest.h>

#include <optional>
#include <utility>

#include "child_process.hpp"
#include "cli_test_support.hpp"
#include "fake_server.hpp"

namespace notify::cli::testing {
namespace {

using protocol::AckCommand;
using protocol::ErrorCode;
using protocol::Position;
using protocol::PublishCommand;
using protocol::SubscribeCommand;

std::string message_line(const std::string& topic, std::uint64_t offset, const std::string& data) {
    return R"({"topic":")" + topic + R"(","offset":)" + std::to_string(offset) +
           R"(,"epoch":"e1","data":")" + data + R"("})";
}

// After the script is done sending, the next thing from the client must be its close: a read
// that returns a command means the client sent one it should not have.
void expect_no_more_commands(FakeConnection& connection) {
    std::optional<protocol::Command> extra;
    try {
        extra = connection.read_command();
    } catch (const std::runtime_error&) {
        return;  // closed, as expected
    }
    throw std::runtime_error("unexpected command (index " + std::to_string(extra->body.index()) +
                             ") after the last expected one");
}

void expect_no_failures(const FakeServer& server) {
    EXPECT_TRUE(server.failures().empty()) << server.failures().front();
}

TEST(NotifyCliDelivery, SinceIsSentWithEverySubscribeAndRecoveredMessagesArePrinted) {
    std::vector<SubscribeCommand> subscribes;
    FakeServer server([&](FakeConnection& connection) {
        accept_connect(connection);
        std::vector<std::uint64_t> ids;
        for (int i = 0; i < 2; ++i) {
            auto [id, subscribe] = expect_command<SubscribeCommand>(connection);
            ids.push_back(id);
            subscribes.push_back(std::move(subscribe));
        }
        // Recovered messages come before the reply that confirms the recovery.
        connection.write(protocol::encode_message_push("a", 6, "e1", "six"));
        connection.write(protocol::encode_subscribe_reply(ids[0], Position{6, "e1"}, true));
        connection.write(protocol::encode_message_push("b", 7, "e1", "seven"));
        connection.write(protocol::encode_subscribe_reply(ids[1], Position{7, "e1"}, true));
        connection.write(protocol::encode_message_push("a", 8, "e1", "live"));
        connection.wait_until_closed();
    });
    ChildProcess child(cli({"sub", server.url(), "a", "b", "--since", "5:e1", "--count", "3"}));
    EXPECT_EQ(child.wait_for_exit(kExitTimeout), 0) << child.err();
    EXPECT_EQ(child.out_lines(),
              (std::vector<std::string>{message_line("a", 6, "six"), message_line("b", 7, "seven"),
                                        message_line("a", 8, "live")}));
    EXPECT_EQ(child.err(), std::string(kAcceptedClientLine) + "ready\n");
    ASSERT_TRUE(server.wait_for_finished_connections(1, kScriptTimeout));
    expect_no_failures(server);
    ASSERT_EQ(subscribes.size(), 2u);
    EXPECT_EQ(subscribes[0].topic, "a");
    EXPECT_EQ(subscribes[0].since, (Position{5, "e1"}));
    EXPECT_EQ(subscribes[1].topic, "b");
    EXPECT_EQ(subscribes[1].since, (Position{5, "e1"}));
}

TEST(NotifyCliDelivery, SinceWithoutEpochSendsAnEmptyEpochAndNoSinceSendsNoPosition) {
    for (const bool with_since : {true, false}) {
        std::optional<Position> since{Position{99, "not sent"}};
        FakeServer server([&](FakeConnection& connection) {
            accept_connect(connection);
            auto [id, subscribe] = expect_command<SubscribeCommand>(connection);
            since = subscribe.since;
            connection.write(protocol::encode_empty_reply(id));
            connection.write(protocol::encode_message_push("chat", 1, "e1", "x"));
            connection.wait_until_closed();
        });
        std::vector<std::string> arguments{"sub", server.url(), "chat", "--count", "1"};
        if (with_since) arguments.insert(arguments.end(), {"--since", "0"});
        EXPECT_EQ(run_to_exit(cli(arguments), kExitTimeout).exit_code, 0);
        ASSERT_TRUE(server.wait_for_finished_connections(1, kScriptTimeout));
        expect_no_failures(server);
        if (with_since) {
            EXPECT_EQ(since, (Position{0, ""}));
        } else {
            EXPECT_EQ(since, std::nullopt);
        }
    }
}

TEST(NotifyCliDelivery, NotRecoveredPrintsWhereTheStreamIsNowAndContinuesLive) {
    FakeServer server([](FakeConnection& connection) {
        accept_connect(connection);
        const auto [id, subscribe] = expect_command<SubscribeCommand>(connection);
        connection.write(protocol::encode_subscribe_reply(id, Position{12, "e2"}, false));
        connection.write(protocol::encode_message_push("chat", 13, "e2", "live"));
        connection.wait_until_closed();
    });
    ChildProcess child(cli({"sub", server.url(), "chat", "--since", "5:e1", "--count", "1"}));
    EXPECT_EQ(child.wait_for_exit(kExitTimeout), 0) << child.err();
    EXPECT_EQ(child.out_lines(), std::vector<std::string>{
                                     R"({"topic":"chat","offset":13,"epoch":"e2","data":"live"})"});
    EXPECT_EQ(child.err(), std::string(kAcceptedClientLine) +
                               "notify-cli: 'chat' could not be recovered from 5:e1; now at 12:e2\n"
                               "ready\n");
    ASSERT_TRUE(server.wait_for_finished_connections(1, kScriptTimeout));
    expect_no_failures(server);
}

TEST(NotifyCliDelivery, ConnectsWithClientAndResumeAndPrintsTheNewTokenBeforeReady) {
    protocol::ConnectCommand connect;
    Gate subscribed;
    Gate confirm;
    FakeServer server([&](FakeConnection& connection) {
        auto [connect_id, command] = expect_command<protocol::ConnectCommand>(connection);
        connect = std::move(command);
        connection.write(protocol::encode_connect_reply(connect_id, "c-7", "", "r-8", "test",
                                                        protocol::SessionResume{true, false}));
        // A resumed session delivers its buffer before the subscribe replies.
        connection.write(protocol::encode_message_push("chat", 4, "e1", "buffered"));
        const auto [id, subscribe] = expect_command<SubscribeCommand>(connection);
        subscribed.open();
        if (!confirm.wait(kScriptTimeout)) throw std::runtime_error("gate never opened");
        connection.write(protocol::encode_empty_reply(id));
        connection.write(protocol::encode_message_push("chat", 5, "e1", "live"));
        connection.wait_until_closed();
    });
    ChildProcess child(
        cli({"sub", server.url(), "chat", "--client", "c-7", "--resume", "r-7", "--count", "2"}));
    ASSERT_TRUE(subscribed.wait(kScriptTimeout));
    EXPECT_TRUE(child.wait_for_stderr("client c-7 r-8\n", kExitTimeout)) << child.err();
    child.wait_until([] { return false; }, kQuietPeriod);
    EXPECT_EQ(child.err(), "client c-7 r-8\n");  // no `ready` before the subscribe reply
    confirm.open();
    EXPECT_EQ(child.wait_for_exit(kExitTimeout), 0) << child.err();
    EXPECT_EQ(child.err(), "client c-7 r-8\nready\n");
    EXPECT_EQ(child.out_lines(), (std::vector<std::string>{message_line("chat", 4, "buffered"),
                                                           message_line("chat", 5, "live")}));
    ASSERT_TRUE(server.wait_for_finished_connections(1, kScriptTimeout));
    expect_no_failures(server);
    EXPECT_EQ(connect.client, "c-7");
    EXPECT_EQ(connect.resume, "r-7");
}

TEST(NotifyCliDelivery, OverflowedSessionBufferIsAnnouncedAndEveryTopicSubscribedFromSince) {
    for (const bool with_since : {true, false}) {
        std::vector<SubscribeCommand> subscribes;
        FakeServer server([&](FakeConnection& connection) {
            const auto [connect_id, connect] = expect_command<protocol::ConnectCommand>(connection);
            connection.write(protocol::encode_connect_reply(connect_id, "c-7", "", "r-8", "test",
                                                            protocol::SessionResume{true, true}));
            for (int i = 0; i < 2; ++i) {
                auto [id, subscribe] = expect_command<SubscribeCommand>(connection);
                subscribes.push_back(std::move(subscribe));
                connection.write(protocol::encode_empty_reply(id));
            }
            connection.write(protocol::encode_message_push("b", 8, "e1", "x"));
            connection.wait_until_closed();
        });
        std::vector<std::string> arguments{"sub", server.url(), "a",   "b",       "--client",
                                           "c-7", "--resume",   "r-7", "--count", "1"};
        if (with_since) arguments.insert(arguments.end(), {"--since", "3:e1"});
        const auto outcome = run_to_exit(cli(arguments), kExitTimeout);
        EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
        const std::string notice =
            with_since ? "notify-cli: the session buffer overflowed on the server; recovering "
                         "every topic from 3:e1\n"
                       : "notify-cli: the session buffer overflowed on the server; messages "
                         "published while disconnected are lost (--since recovers them)\n";
        EXPECT_EQ(outcome.err, "client c-7 r-8\n" + notice + "ready\n");
        ASSERT_TRUE(server.wait_for_finished_connections(1, kScriptTimeout));
        expect_no_failures(server);
        ASSERT_EQ(subscribes.size(), 2u);
        const std::optional<Position> expected_since =
            with_since ? std::optional<Position>(Position{3, "e1"}) : std::nullopt;
        for (const auto& subscribe : subscribes) EXPECT_EQ(subscribe.since, expected_since);
        EXPECT_EQ(subscribes[0].topic, "a");
        EXPECT_EQ(subscribes[1].topic, "b");
    }
}

// Pushes three messages of "chat" (one before the subscribe reply) and one of another topic,
// then answers the three acks in turn: the last one with an error when `last_ack_error` is set.
ConnectionScript ack_script(std::vector<AckCommand>& acks, std::string last_ack_error) {
    return [&acks, last_ack_error](FakeConnection& connection) {
        accept_connect(connection);
        const auto [id, subscribe] = expect_command<SubscribeCommand>(connection);
        connection.write(protocol::encode_message_push("chat", 1, "e1", "one"));  // early
        connection.write(protocol::encode_empty_reply(id));
        connection.write(protocol::encode_message_push("other", 9, "e1", "not printed"));
        connection.write(protocol::encode_message_push("chat", 2, "e1", "two"));
        connection.write(protocol::encode_message_push("chat", 3, "e1", "three"));
        connection.write(protocol::encode_message_push("chat", 4, "e1", "after the count"));
        for (int i = 0; i < 3; ++i) {
            auto [ack_id, ack] = expect_command<AckCommand>(connection);
            acks.push_back(std::move(ack));
            const bool last = i == 2;
            connection.write(
                last && !last_ack_error.empty()
                    ? protocol::encode_error_reply(ack_id, ErrorCode::bad_request, last_ack_error)
                    : protocol::encode_empty_reply(ack_id));
        }
        expect_no_more_commands(connection);
    };
}

TEST(NotifyCliDelivery, AckAcknowledgesEveryPrintedMessage) {
    std::vector<AckCommand> acks;
    FakeServer server(ack_script(acks, ""));
    ChildProcess child(cli({"sub", server.url(), "chat", "--ack", "--count", "3"}));
    EXPECT_EQ(child.wait_for_exit(kExitTimeout), 0) << child.err();
    EXPECT_EQ(child.out_lines(), (std::vector<std::string>{message_line("chat", 1, "one"),
                                                           message_line("chat", 2, "two"),
                                                           message_line("chat", 3, "three")}));
    ASSERT_TRUE(server.wait_for_finished_connections(1, kScriptTimeout));
    expect_no_failures(server);
    EXPECT_EQ(acks, (std::vector<AckCommand>{{"chat", 1}, {"chat", 2}, {"chat", 3}}));
}

// An exit right after the last printed line would miss the refusal of its ack and exit 0.
TEST(NotifyCliDelivery, AckWithCountWaitsForTheReplyToTheLastAck) {
    std::vector<AckCommand> acks;
    FakeServer server(ack_script(acks, "not delivered"));
    const auto outcome =
        run_to_exit(cli({"sub", server.url(), "chat", "--ack", "--count", "3"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 2) << outcome.err;
    EXPECT_EQ(outcome.err,
              std::string(kAcceptedClientLine) +
                  "ready\nnotify-cli: ack of 'chat' at offset 3 refused: bad_request (102): "
                  "not delivered\n");
    ASSERT_TRUE(server.wait_for_finished_connections(1, kScriptTimeout));
    expect_no_failures(server);
}

TEST(NotifyCliDelivery, WithoutAckNothingIsAcknowledged) {
    FakeServer server([](FakeConnection& connection) {
        accept_connect(connection);
        const auto [id, subscribe] = expect_command<SubscribeCommand>(connection);
        connection.write(protocol::encode_empty_reply(id));
        connection.write(protocol::encode_message_push("chat", 1, "e1", "one"));
        expect_no_more_commands(connection);
    });
    EXPECT_EQ(
        run_to_exit(cli({"sub", server.url(), "chat", "--count", "1"}), kExitTimeout).exit_code, 0);
    ASSERT_TRUE(server.wait_for_finished_connections(1, kScriptTimeout));
    expect_no_failures(server);
}

TEST(NotifyCliDelivery, AckErrorReplyExitsTwoNamingTheAck) {
    FakeServer server([](FakeConnection& connection) {
        accept_connect(connection);
        const auto [id, subscribe] = expect_command<SubscribeCommand>(connection);
        connection.write(protocol::encode_empty_reply(id));
        connection.write(protocol::encode_message_push("chat", 7, "e1", "one"));
        const auto [ack_id, ack] = expect_command<AckCommand>(connection);
        connection.write(
            protocol::encode_error_reply(ack_id, ErrorCode::bad_request, "never sent"));
        connection.wait_until_closed();
    });
    const auto outcome = run_to_exit(cli({"sub", server.url(), "chat", "--ack"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_EQ(outcome.out, message_line("chat", 7, "one") + "\n");
    EXPECT_EQ(outcome.err,
              std::string(kAcceptedClientLine) +
                  "ready\nnotify-cli: ack of 'chat' at offset 7 refused: bad_request (102): "
                  "never sent\n");
}

TEST(NotifyCliDelivery, PubCountPublishesNumberedPayloadsAndWaitsForEveryReply) {
    // More than the 256 publishes notify-cli keeps in flight, so the window has to move on.
    constexpr int kCount = 300;
    std::vector<PublishCommand> publishes;
    FakeServer server([&](FakeConnection& connection) {
        accept_connect(connection);
        for (int i = 0; i < kCount; ++i) {
            auto [id, publish] = expect_command<PublishCommand>(connection);
            publishes.push_back(std::move(publish));
            connection.write(protocol::encode_publish_reply(id, {}));
        }
        expect_no_more_commands(connection);
    });
    const auto outcome = run_to_exit(
        cli({"pub", server.url(), "chat", "m", "--count", std::to_string(kCount)}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
    EXPECT_EQ(outcome.out, "");
    EXPECT_EQ(outcome.err, "");
    ASSERT_TRUE(server.wait_for_finished_connections(1, kScriptTimeout));
    expect_no_failures(server);
    ASSERT_EQ(publishes.size(), static_cast<std::size_t>(kCount));
    for (int i = 0; i < kCount; ++i) {
        EXPECT_EQ(publishes[static_cast<std::size_t>(i)].data, "m-" + std::to_string(i + 1));
        EXPECT_EQ(publishes[static_cast<std::size_t>(i)].topics, std::vector<std::string>{"chat"});
    }
}

TEST(NotifyCliDelivery, PubCountPipelinesAndExitsTwoOnAnErrorReplyNamingTheMessage) {
    for (const std::size_t refused : {1u, 2u}) {
        FakeServer server([refused](FakeConnection& connection) {
            accept_connect(connection);
            // All three arrive before any reply: notify-cli does not wait for one reply to send
            // the next publish.
            std::vector<std::uint64_t> ids;
            for (int i = 0; i < 3; ++i) {
                ids.push_back(expect_command<PublishCommand>(connection).first);
            }
            for (std::size_t i = 0; i <= refused; ++i) {
                connection.write(i == refused ? protocol::encode_error_reply(
                                                    ids[i], ErrorCode::permission_denied, "no")
                                              : protocol::encode_publish_reply(ids[i], {}));
            }
            connection.wait_until_closed();
        });
        const auto outcome =
            run_to_exit(cli({"pub", server.url(), "news", "x", "--count", "3"}), kExitTimeout);
        // Refusing the last one shows that notify-cli waits for every reply before exit 0.
        EXPECT_EQ(outcome.exit_code, 2);
        EXPECT_EQ(outcome.err, "notify-cli: publish " + std::to_string(refused + 1) +
                                   " of 3 to 'news' refused: permission_denied (104): no\n");
        ASSERT_TRUE(server.wait_for_finished_connections(1, kScriptTimeout));
        expect_no_failures(server);
    }
}

}  // namespace
}  // namespace notify::cli::testing
