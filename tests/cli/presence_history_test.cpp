// `notify-cli presence`, `notify-cli history` and `sub --join-leave` against the fake server.
#include <gtest/gtest.h>

#include "child_process.hpp"
#include "cli_test_support.hpp"
#include "fake_server.hpp"

namespace notify::cli::testing {
namespace {

using protocol::ClientInfo;
using protocol::ErrorCode;
using protocol::HistoryCommand;
using protocol::HistoryMessage;
using protocol::Position;

TEST(NotifyCliPresence, PrintsOneLinePerClient) {
    std::string topic;
    FakeServer server([&](FakeConnection& connection) {
        accept_connect(connection);
        const auto [id, presence] = expect_command<protocol::PresenceCommand>(connection);
        topic = presence.topic;
        const std::vector<ClientInfo> clients = {
            ClientInfo{"c-1", "alice", R"({"name":"Al\"ice","n":[1,2]})"},
            ClientInfo{"c-2", "", ""}};
        connection.write(protocol::encode_presence_reply(id, clients));
        connection.wait_until_closed();
    });
    const auto outcome = run_to_exit(cli({"presence", server.url(), "chat"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
    EXPECT_EQ(outcome.out,
              "{\"client\":\"c-1\",\"user\":\"alice\",\"info\":{\"name\":\"Al\\\"ice\",\"n\":[1,2]}}\n"
              "{\"client\":\"c-2\",\"user\":\"\"}\n");
    EXPECT_EQ(outcome.err, "");
    ASSERT_TRUE(server.wait_for_finished_connections(1, std::chrono::seconds(5)));
    EXPECT_EQ(topic, "chat");
    EXPECT_TRUE(server.failures().empty()) << server.failures().front();
}

TEST(NotifyCliPresence, PrintsNothingWhenNobodyIsPresent) {
    FakeServer server([](FakeConnection& connection) {
        accept_connect(connection);
        const auto [id, presence] = expect_command<protocol::PresenceCommand>(connection);
        connection.write(protocol::encode_presence_reply(id, {}));
        connection.wait_until_closed();
    });
    const auto outcome = run_to_exit(cli({"presence", server.url(), "chat"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
    EXPECT_EQ(outcome.out, "");
}

TEST(NotifyCliPresence, StatsPrintsTheCounts) {
    FakeServer server([](FakeConnection& connection) {
        accept_connect(connection);
        const auto [id, stats] = expect_command<protocol::PresenceStatsCommand>(connection);
        if (stats.topic != "chat") throw std::runtime_error("topic " + stats.topic);
        connection.write(protocol::encode_presence_stats_reply(id, 3, 2));
        connection.wait_until_closed();
    });
    const auto outcome =
        run_to_exit(cli({"presence", server.url(), "chat", "--stats"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
    EXPECT_EQ(outcome.out, "{\"clients\":3,\"users\":2}\n");
    EXPECT_TRUE(server.failures().empty()) << server.failures().front();
}

TEST(NotifyCliPresence, ExitsTwoOnAnErrorReply) {
    FakeServer server([](FakeConnection& connection) {
        accept_connect(connection);
        const auto [id, presence] = expect_command<protocol::PresenceCommand>(connection);
        connection.write(protocol::encode_error_reply(
            id, ErrorCode::not_found, "presence is not enabled for namespace chat"));
        connection.wait_until_closed();
    });
    const auto outcome = run_to_exit(cli({"presence", server.url(), "chat"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_EQ(outcome.out, "");
    EXPECT_EQ(outcome.err, "notify-cli: presence of 'chat' refused: not_found (108): presence "
                           "is not enabled for namespace chat\n");
}

TEST(NotifyCliHistory, PrintsMessagesAsSubDoes) {
    HistoryCommand received;
    FakeServer server([&](FakeConnection& connection) {
        accept_connect(connection);
        const auto [id, history] = expect_command<HistoryCommand>(connection);
        received = history;
        const std::vector<HistoryMessage> messages = {
            HistoryMessage{12, "h\xC3\xA9llo \"w\"\n"}, HistoryMessage{13, std::string("\xFF\x00\x01", 3)}};
        connection.write(protocol::encode_history_reply(id, Position{13, "e1"}, messages));
        connection.wait_until_closed();
    });
    const auto outcome =
        run_to_exit(cli({"history", server.url(), "chat", "--limit", "2", "--since", "11:e1"}),
                    kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
    EXPECT_EQ(outcome.out,
              R"({"topic":"chat","offset":12,"epoch":"e1","data":"h)" "\xC3\xA9" R"(llo \"w\"\n"})"
              "\n"
              R"({"topic":"chat","offset":13,"epoch":"e1","data_b64":"/wAB"})"
              "\n");
    EXPECT_EQ(outcome.err, "");
    ASSERT_TRUE(server.wait_for_finished_connections(1, std::chrono::seconds(5)));
    EXPECT_EQ(received, (HistoryCommand{"chat", 2, Position{11, "e1"}, false}));
    EXPECT_TRUE(server.failures().empty()) << server.failures().front();
}

TEST(NotifyCliHistory, SendsReverseAndNoLimitByDefault) {
    HistoryCommand received;
    FakeServer server([&](FakeConnection& connection) {
        accept_connect(connection);
        const auto [id, history] = expect_command<HistoryCommand>(connection);
        received = history;
        connection.write(protocol::encode_history_reply(id, Position{0, "e"}, {}));
        connection.wait_until_closed();
    });
    const auto outcome =
        run_to_exit(cli({"history", server.url(), "chat", "--reverse"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
    EXPECT_EQ(outcome.out, "");
    ASSERT_TRUE(server.wait_for_finished_connections(1, std::chrono::seconds(5)));
    EXPECT_EQ(received, (HistoryCommand{"chat", 0, std::nullopt, true}));
}

TEST(NotifyCliHistory, ExitsTwoOnAnErrorReply) {
    FakeServer server([](FakeConnection& connection) {
        accept_connect(connection);
        const auto [id, history] = expect_command<HistoryCommand>(connection);
        connection.write(protocol::encode_error_reply(id, ErrorCode::bad_request,
                                                      "history.since: epoch mismatch"));
        connection.wait_until_closed();
    });
    const auto outcome =
        run_to_exit(cli({"history", server.url(), "chat", "--since", "3:old"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_EQ(outcome.err, "notify-cli: history of 'chat' refused: bad_request (102): "
                           "history.since: epoch mismatch\n");
}

TEST(NotifyCliHistory, RefusesABadLimit) {
    const auto outcome =
        run_to_exit(cli({"history", "ws://127.0.0.1:1/", "chat", "--limit", "0"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 2);
}

void join_leave_script(FakeConnection& connection) {
    accept_connect(connection);
    const auto [id, subscribe] = expect_command<protocol::SubscribeCommand>(connection);
    connection.write(protocol::encode_empty_reply(id));
    connection.write(protocol::encode_join_push("chat", ClientInfo{"c-2", "bob", R"({"a":1})"}));
    connection.write(protocol::encode_join_push("other", ClientInfo{"c-3", "", ""}));
    connection.write(protocol::encode_message_push("chat", 1, "e", "one"));
    connection.write(protocol::encode_leave_push("chat", ClientInfo{"c-2", "bob", ""}));
    connection.write(protocol::encode_message_push("chat", 2, "e", "two"));
    connection.wait_until_closed();
}

TEST(NotifyCliSubJoinLeave, PrintsJoinAndLeaveLinesWithTheFlag) {
    FakeServer server(join_leave_script);
    const auto outcome =
        run_to_exit(cli({"sub", server.url(), "chat", "--count", "2", "--join-leave"}),
                    kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
    EXPECT_EQ(outcome.out,
              "{\"join\":{\"topic\":\"chat\",\"client\":\"c-2\",\"user\":\"bob\",\"info\":{\"a\":1}}}\n"
              "{\"topic\":\"chat\",\"offset\":1,\"epoch\":\"e\",\"data\":\"one\"}\n"
              "{\"leave\":{\"topic\":\"chat\",\"client\":\"c-2\",\"user\":\"bob\"}}\n"
              "{\"topic\":\"chat\",\"offset\":2,\"epoch\":\"e\",\"data\":\"two\"}\n");
}

TEST(NotifyCliSubJoinLeave, IgnoresThemWithoutTheFlag) {
    FakeServer server(join_leave_script);
    const auto outcome =
        run_to_exit(cli({"sub", server.url(), "chat", "--count", "2"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
    EXPECT_EQ(outcome.out,
              "{\"topic\":\"chat\",\"offset\":1,\"epoch\":\"e\",\"data\":\"one\"}\n"
              "{\"topic\":\"chat\",\"offset\":2,\"epoch\":\"e\",\"data\":\"two\"}\n");
}

}  // namespace
}  // namespace notify::cli::testing
