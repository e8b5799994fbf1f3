#include <gtest/gtest.h>

#include "child_process.hpp"
#include "cli_test_support.hpp"
#include "fake_server.hpp"
#include "refusing_port.hpp"

namespace notify::cli::testing {
namespace {

using protocol::ErrorCode;

// Holds the reply to the command of kind `Body` until the test releases it, so the test can
// show that notify-cli waits for the reply before it exits.
template <class Body>
struct HeldReply {
    Gate received;
    Gate release;
    Body command;

    ConnectionScript script() {
        return [this](FakeConnection& connection) {
            accept_connect(connection);
            auto [id, body] = expect_command<Body>(connection);
            command = std::move(body);
            received.open();
            if (!release.wait(kScriptTimeout)) throw std::runtime_error("never released");
            connection.write(protocol::encode_empty_reply(id));
            connection.wait_until_closed();
        };
    }
};

TEST(NotifyCliPub, PublishesDataToTopicAndExitsZeroOnlyAfterTheReply) {
    HeldReply<protocol::PublishCommand> held;
    FakeServer server(held.script());
    ChildProcess child(cli({"pub", server.url(), "chat", "h\xC3\xA9llo", "--token", "t"}));
    ASSERT_TRUE(held.received.wait(kScriptTimeout));
    child.wait_until([] { return false; }, kQuietPeriod);
    EXPECT_FALSE(child.has_exited());
    held.release.open();
    EXPECT_EQ(child.wait_for_exit(kExitTimeout), 0) << child.err();
    EXPECT_EQ(held.command.topics, std::vector<std::string>{"chat"});
    EXPECT_EQ(held.command.data, "h\xC3\xA9llo");
    EXPECT_EQ(child.out(), "");
    EXPECT_EQ(child.err(), "");
}

TEST(NotifyCliPub, ExitsTwoOnAnErrorReply) {
    FakeServer server([](FakeConnection& connection) {
        accept_connect(connection);
        const auto [id, publish] = expect_command<protocol::PublishCommand>(connection);
        connection.write(
            protocol::encode_error_reply(id, ErrorCode::permission_denied, "read-only topic"));
        connection.wait_until_closed();
    });
    const auto outcome = run_to_exit(cli({"pub", server.url(), "news", "x"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_EQ(outcome.err,
              "notify-cli: publish to 'news' refused: permission_denied (104): read-only topic\n");
}

TEST(NotifyCliPub, ExitsOneWhenNoReplyComesBeforeTheTimeout) {
    FakeServer server([](FakeConnection& connection) {
        accept_connect(connection);
        expect_command<protocol::PublishCommand>(connection);
        connection.wait_until_closed();
    });
    const auto outcome =
        run_to_exit(cli({"pub", server.url(), "chat", "x", "--timeout", "0.3"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 1);
    EXPECT_NE(outcome.err.find("notify-cli: timed out"), std::string::npos) << outcome.err;
}

TEST(NotifyCliPub, ExitsTwoWhenTheConnectionIsRefused) {
    const notify::test::RefusingPort refusing;
    const auto url = "ws://127.0.0.1:" + std::to_string(refusing.port()) + "/";
    const auto outcome = run_to_exit(cli({"pub", url, "chat", "x"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_NE(outcome.err.find("cannot connect"), std::string::npos) << outcome.err;
}

TEST(NotifyCliSend, SendsDataAndExitsZeroOnlyAfterTheReply) {
    HeldReply<protocol::SendCommand> held;
    FakeServer server(held.script());
    ChildProcess child(cli({"send", server.url(), R"({"action":"ping"})"}));
    ASSERT_TRUE(held.received.wait(kScriptTimeout));
    child.wait_until([] { return false; }, kQuietPeriod);
    EXPECT_FALSE(child.has_exited());
    held.release.open();
    EXPECT_EQ(child.wait_for_exit(kExitTimeout), 0) << child.err();
    EXPECT_EQ(held.command.data, R"({"action":"ping"})");
}

TEST(NotifyCliSend, ExitsTwoOnAnErrorReply) {
    FakeServer server([](FakeConnection& connection) {
        accept_connect(connection);
        const auto [id, send] = expect_command<protocol::SendCommand>(connection);
        connection.write(protocol::encode_error_reply(id, ErrorCode::not_found, "no handler"));
        connection.wait_until_closed();
    });
    const auto outcome = run_to_exit(cli({"send", server.url(), "x"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_EQ(outcome.err, "notify-cli: send refused: not_found (108): no handler\n");
}

TEST(NotifyCliSend, ExitsTwoOnADisconnectPushInsteadOfAReply) {
    FakeServer server([](FakeConnection& connection) {
        accept_connect(connection);
        expect_command<protocol::SendCommand>(connection);
        connection.write(protocol::encode_disconnect_push(3001, "kicked"));
        connection.wait_until_closed();
    });
    const auto outcome = run_to_exit(cli({"send", server.url(), "x"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_EQ(outcome.err, "notify-cli: disconnected by the server (code 3001: kicked)\n");
}

}  // namespace
}  // namespace notify::cli::testing
