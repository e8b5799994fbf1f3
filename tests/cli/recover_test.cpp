// `notify-cli sub` and the recover push (docs/protocol.md §5): it subscribes again with the last
// position it saw of that topic, says so on stderr, and keeps stdout as it is.
#include <gtest/gtest.h>

#include <optional>
#include <utility>

#include "child_process.hpp"
#include "cli_test_support.hpp"
#include "fake_server.hpp"

namespace notify::cli::testing {
namespace {

using protocol::Position;
using protocol::SubscribeCommand;

std::string line(const std::string& topic, std::uint64_t offset, const std::string& epoch,
                 const std::string& data) {
    return R"({"topic":")" + topic + R"(","offset":)" + std::to_string(offset) +
           R"(,"epoch":")" + epoch + R"(","data":")" + data + R"("})";
}

SubscribeCommand expect_subscribe(FakeConnection& connection, std::uint64_t& id) {
    auto [command_id, subscribe] = expect_command<SubscribeCommand>(connection);
    id = command_id;
    return subscribe;
}

// After the script is done sending, the next thing from the client must be its close.
void expect_no_more_commands(FakeConnection& connection) {
    std::optional<protocol::Command> extra;
    try {
        extra = connection.read_command();
    } catch (const std::runtime_error&) {
        return;
    }
    throw std::runtime_error("unexpected command (index " + std::to_string(extra->body.index()) +
                             ") after the last expected one");
}

void expect_no_failures(const FakeServer& server) {
    EXPECT_TRUE(server.failures().empty()) << server.failures().front();
}

TEST(NotifyCliRecover, ResubscribesFromTheLastPrintedPositionAndPrintsWhatFollows) {
    std::optional<SubscribeCommand> recovery;
    FakeServer server([&](FakeConnection& connection) {
        accept_connect(connection);
        std::uint64_t id = 0;
        const auto first = expect_subscribe(connection, id);
        if (first.since) throw std::runtime_error("the first subscribe carried since");
        connection.write(protocol::encode_empty_reply(id));
        connection.write(protocol::encode_message_push("chat", 1, "e1", "one"));
        connection.write(protocol::encode_message_push("other", 9, "e1", "not ours"));
        connection.write(protocol::encode_message_push("chat", 2, "e1", "two"));
        connection.write(protocol::encode_recover_push("chat", 5, "e1", "bus gap"));
        // Live messages past the loss that the server sent before it read the recovery: the
        // recovery delivers them again, after its reply, so they are not printed now.
        connection.write(protocol::encode_message_push("chat", 5, "e1", "five (live)"));
        recovery = expect_subscribe(connection, id);
        connection.write(protocol::encode_subscribe_reply(id, Position{5, "e1"}, true));
        connection.write(protocol::encode_message_push("chat", 3, "e1", "three"));
        connection.write(protocol::encode_message_push("chat", 4, "e1", "four"));
        connection.write(protocol::encode_message_push("chat", 5, "e1", "five"));
        connection.write(protocol::encode_message_push("chat", 6, "e1", "six"));
        expect_no_more_commands(connection);
    });
    ChildProcess child(cli({"sub", server.url(), "chat", "--count", "6"}));
    EXPECT_EQ(child.wait_for_exit(kExitTimeout), 0) << child.err();
    EXPECT_EQ(child.out_lines(),
              (std::vector<std::string>{line("chat", 1, "e1", "one"), line("chat", 2, "e1", "two"),
                                        line("chat", 3, "e1", "three"),
                                        line("chat", 4, "e1", "four"),
                                        line("chat", 5, "e1", "five"),
                                        line("chat", 6, "e1", "six")}));
    EXPECT_EQ(child.err(),
              std::string(kAcceptedClientLine) +
                  "ready\nnotify-cli: 'chat' lost messages on the server (bus gap); recovering "
                  "from 2:e1\n");
    ASSERT_TRUE(server.wait_for_finished_connections(1, kScriptTimeout));
    expect_no_failures(server);
    ASSERT_TRUE(recovery.has_value());
    EXPECT_EQ(recovery->topic, "chat");
    EXPECT_EQ(recovery->since, (Position{2, "e1"}));
}

TEST(NotifyCliRecover, NotRecoveredPrintsTheNoticeAndCarriesOnFromTheNewPosition) {
    std::vector<SubscribeCommand> recoveries;
    FakeServer server([&](FakeConnection& connection) {
        accept_connect(connection);
        std::uint64_t id = 0;
        expect_subscribe(connection, id);
        connection.write(protocol::encode_empty_reply(id));
        connection.write(protocol::encode_message_push("chat", 2, "e1", "two"));
        connection.write(protocol::encode_recover_push("chat", 0, "", ""));
        recoveries.push_back(expect_subscribe(connection, id));
        connection.write(protocol::encode_subscribe_reply(id, Position{9, "e2"}, false));
        // The stream's position from the reply is the one to recover from next time.
        connection.write(protocol::encode_recover_push("chat", 12, "e2", "epoch changed"));
        recoveries.push_back(expect_subscribe(connection, id));
        connection.write(protocol::encode_subscribe_reply(id, Position{9, "e2"}, true));
        connection.write(protocol::encode_message_push("chat", 10, "e2", "ten"));
        expect_no_more_commands(connection);
    });
    ChildProcess child(cli({"sub", server.url(), "chat", "--count", "2"}));
    EXPECT_EQ(child.wait_for_exit(kExitTimeout), 0) << child.err();
    EXPECT_EQ(child.out_lines(), (std::vector<std::string>{line("chat", 2, "e1", "two"),
                                                           line("chat", 10, "e2", "ten")}));
    EXPECT_EQ(child.err(),
              std::string(kAcceptedClientLine) +
                  "ready\n"
                  "notify-cli: 'chat' lost messages on the server; recovering from 2:e1\n"
                  "notify-cli: 'chat' could not be recovered from 2:e1; now at 9:e2\n"
                  "notify-cli: 'chat' lost messages on the server (epoch changed); recovering "
                  "from 9:e2\n");
    ASSERT_TRUE(server.wait_for_finished_connections(1, kScriptTimeout));
    expect_no_failures(server);
    ASSERT_EQ(recoveries.size(), 2u);
    EXPECT_EQ(recoveries[0].since, (Position{2, "e1"}));
    EXPECT_EQ(recoveries[1].since, (Position{9, "e2"}));
}

TEST(NotifyCliRecover, UsesTheSubscribeReplysPositionOrSinceWhenNothingWasPrinted) {
    for (const bool with_since : {true, false}) {
        std::optional<SubscribeCommand> recovery;
        FakeServer server([&](FakeConnection& connection) {
            accept_connect(connection);
            std::uint64_t id = 0;
            expect_subscribe(connection, id);
            if (with_since) {
                connection.write(protocol::encode_empty_reply(id));
            } else {
                // An at-least-once topic answers with the stream's position.
                connection.write(protocol::encode_subscribe_reply(id, Position{7, "e1"}, {}));
            }
            connection.write(protocol::encode_recover_push("chat", 8, "e1", "gap"));
            recovery = expect_subscribe(connection, id);
            connection.write(protocol::encode_subscribe_reply(id, Position{8, "e1"}, false));
            connection.write(protocol::encode_message_push("chat", 9, "e1", "nine"));
            expect_no_more_commands(connection);
        });
        std::vector<std::string> arguments{"sub", server.url(), "chat", "--count", "1"};
        if (with_since) arguments.insert(arguments.end(), {"--since", "3:e0"});
        const auto outcome = run_to_exit(cli(arguments), kExitTimeout);
        EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
        ASSERT_TRUE(server.wait_for_finished_connections(1, kScriptTimeout));
        expect_no_failures(server);
        ASSERT_TRUE(recovery.has_value());
        EXPECT_EQ(recovery->since, (with_since ? Position{3, "e0"} : Position{7, "e1"}));
        EXPECT_NE(outcome.err.find("recovering from " + std::string(with_since ? "3:e0" : "7:e1")),
                  std::string::npos)
            << outcome.err;
    }
}

TEST(NotifyCliRecover, WithoutAnyPositionItSaysSoAndCarriesOnLive) {
    FakeServer server([&](FakeConnection& connection) {
        accept_connect(connection);
        std::uint64_t id = 0;
        expect_subscribe(connection, id);
        connection.write(protocol::encode_empty_reply(id));
        connection.write(protocol::encode_recover_push("chat", 4, "e1", "gap"));
        connection.write(protocol::encode_message_push("chat", 5, "e1", "five"));
        expect_no_more_commands(connection);
    });
    const auto outcome = run_to_exit(cli({"sub", server.url(), "chat", "--count", "1"}),
                                     kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
    EXPECT_EQ(outcome.out, line("chat", 5, "e1", "five") + "\n");
    EXPECT_EQ(outcome.err, std::string(kAcceptedClientLine) +
                               "ready\nnotify-cli: 'chat' lost messages on the server (gap); no "
                               "position of it was seen to recover from, carrying on live\n");
    ASSERT_TRUE(server.wait_for_finished_connections(1, kScriptTimeout));
    expect_no_failures(server);
}

TEST(NotifyCliRecover, IgnoresOtherTopicsAndSkipsPushKindsItDoesNotKnow) {
    FakeServer server([&](FakeConnection& connection) {
        accept_connect(connection);
        std::uint64_t id = 0;
        expect_subscribe(connection, id);
        connection.write(protocol::encode_empty_reply(id));
        connection.write(protocol::encode_message_push("chat", 1, "e1", "one"));
        connection.write(protocol::encode_recover_push("other", 4, "e1", "gap"));
        connection.write(R"({"push":{"join":{"topic":"chat","client":"c2"}}})");
        connection.write(protocol::encode_message_push("chat", 2, "e1", "two"));
        expect_no_more_commands(connection);
    });
    const auto outcome = run_to_exit(cli({"sub", server.url(), "chat", "--count", "2"}),
                                     kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
    EXPECT_EQ(outcome.out, line("chat", 1, "e1", "one") + "\n" + line("chat", 2, "e1", "two") +
                               "\n");
    EXPECT_EQ(outcome.err, std::string(kAcceptedClientLine) + "ready\n");
    ASSERT_TRUE(server.wait_for_finished_connections(1, kScriptTimeout));
    expect_no_failures(server);
}

// A recover push made before the server read the recovery is covered by it: no second
// subscribe, one notice; other topics go on printing meanwhile.
TEST(NotifyCliRecover, ARecoverPushDuringARecoveryIsCoveredByIt) {
    std::vector<SubscribeCommand> recoveries;
    FakeServer server([&](FakeConnection& connection) {
        accept_connect(connection);
        std::uint64_t id = 0;
        for (int i = 0; i < 2; ++i) {
            expect_subscribe(connection, id);
            connection.write(protocol::encode_empty_reply(id));
        }
        connection.write(protocol::encode_message_push("chat", 1, "e1", "one"));
        connection.write(protocol::encode_recover_push("chat", 3, "e1", "gap"));
        recoveries.push_back(expect_subscribe(connection, id));
        connection.write(protocol::encode_recover_push("chat", 4, "e1", "gap again"));
        connection.write(protocol::encode_message_push("news", 7, "e1", "news"));
        connection.write(protocol::encode_message_push("chat", 4, "e1", "four (live)"));
        connection.write(protocol::encode_subscribe_reply(id, Position{4, "e1"}, true));
        for (std::uint64_t offset = 2; offset <= 4; ++offset) {
            connection.write(protocol::encode_message_push("chat", offset, "e1",
                                                           "m" + std::to_string(offset)));
        }
        expect_no_more_commands(connection);
    });
    const auto outcome =
        run_to_exit(cli({"sub", server.url(), "chat", "news", "--count", "5"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
    EXPECT_EQ(outcome.out, line("chat", 1, "e1", "one") + "\n" + line("news", 7, "e1", "news") +
                               "\n" + line("chat", 2, "e1", "m2") + "\n" +
                               line("chat", 3, "e1", "m3") + "\n" + line("chat", 4, "e1", "m4") +
                               "\n");
    EXPECT_EQ(outcome.err, std::string(kAcceptedClientLine) +
                               "ready\nnotify-cli: 'chat' lost messages on the server (gap); "
                               "recovering from 1:e1\n");
    ASSERT_TRUE(server.wait_for_finished_connections(1, kScriptTimeout));
    expect_no_failures(server);
    ASSERT_EQ(recoveries.size(), 1u);
    EXPECT_EQ(recoveries[0].since, (Position{1, "e1"}));
}

}  // namespace
}  // namespace notify::cli::testing
