#include <gtest/gtest.h>

#include <thread>

#include "child_process.hpp"
#include "cli_test_support.hpp"
#include "fake_server.hpp"
#include "refusing_port.hpp"

namespace notify::cli::testing {
namespace {

using protocol::ErrorCode;
using protocol::SubscribeCommand;

std::uint64_t expect_subscribe(FakeConnection& connection, const std::string& topic) {
    const auto [id, subscribe] = expect_command<SubscribeCommand>(connection);
    if (subscribe.topic != topic) {
        throw std::runtime_error("subscribed to '" + subscribe.topic + "', expected '" + topic +
                                 "'");
    }
    return id;
}

FakeServerOptions without_subprotocol() {
    FakeServerOptions options;
    options.choose_subprotocol = false;
    return options;
}

TEST(NotifyCliSub, PrintsMessagesOfRequestedTopicsAsJsonLinesAndExitsAfterCount) {
    FakeServer server([](FakeConnection& connection) {
        accept_connect(connection);
        connection.write(protocol::encode_empty_reply(expect_subscribe(connection, "chat")));
        connection.write(protocol::encode_message_push("other", 9, "e1", "not for us"));
        connection.write(protocol::encode_message_push("chat", 7, "e1", "h\xC3\xA9llo \"w\"\n"));
        connection.write(protocol::encode_message_push("chat", 8, "e1",
                                                       std::string("\xFF\x00\x01", 3)));
        connection.write(protocol::encode_message_push("chat", 9, "e1", "after the count"));
        connection.wait_until_closed();
    });
    ChildProcess child(cli({"sub", server.url(), "chat", "--count", "2"}));
    EXPECT_EQ(child.wait_for_exit(kExitTimeout), 0) << child.err();
    const std::vector<std::string> expected{
        R"({"topic":"chat","offset":7,"epoch":"e1","data":"h)" "\xC3\xA9" R"(llo \"w\"\n"})",
        R"({"topic":"chat","offset":8,"epoch":"e1","data_b64":"/wAB"})"};
    EXPECT_EQ(child.out_lines(), expected);
    EXPECT_EQ(child.err(), std::string(kAcceptedClientLine) + "ready\n");
    EXPECT_TRUE(server.wait_for_finished_connections(1, kScriptTimeout));
    EXPECT_TRUE(server.failures().empty()) << server.failures().front();
}

TEST(NotifyCliSub, SendsTheTokenAndOneSubscribePerTopic) {
    std::string token;
    std::vector<std::string> topics;
    FakeServer server([&](FakeConnection& connection) {
        const auto [connect_id, connect] = expect_command<protocol::ConnectCommand>(connection);
        token = connect.token;
        connection.write(protocol::encode_connect_reply(connect_id, "c", "", "r", "test"));
        for (int i = 0; i < 2; ++i) {
            const auto [id, subscribe] = expect_command<SubscribeCommand>(connection);
            topics.push_back(subscribe.topic);
            connection.write(protocol::encode_empty_reply(id));
        }
        connection.write(protocol::encode_message_push("b", 1, "e", "x"));
        connection.wait_until_closed();
    });
    ChildProcess child(cli({"sub", server.url("/ws"), "a", "b", "--token", "secret", "--count",
                            "1"}));
    EXPECT_EQ(child.wait_for_exit(kExitTimeout), 0) << child.err();
    ASSERT_TRUE(server.wait_for_finished_connections(1, kScriptTimeout));
    EXPECT_EQ(token, "secret");
    EXPECT_EQ(topics, (std::vector<std::string>{"a", "b"}));
}

TEST(NotifyCliSub, AnnouncesReadyOnlyAfterEverySubscribeIsConfirmed) {
    Gate first_confirmed;
    Gate confirm_second;
    FakeServer server([&](FakeConnection& connection) {
        accept_connect(connection);
        const auto first = expect_subscribe(connection, "a");
        const auto second = expect_subscribe(connection, "b");
        connection.write(protocol::encode_empty_reply(first));
        first_confirmed.open();
        if (!confirm_second.wait(kScriptTimeout)) throw std::runtime_error("gate never opened");
        connection.write(protocol::encode_empty_reply(second));
        connection.write(protocol::encode_message_push("a", 1, "e", "x"));
        connection.wait_until_closed();
    });
    ChildProcess child(cli({"sub", server.url(), "a", "b", "--count", "1"}));
    ASSERT_TRUE(first_confirmed.wait(kScriptTimeout));
    child.wait_until([] { return false; }, kQuietPeriod);
    EXPECT_EQ(child.err(), kAcceptedClientLine);
    confirm_second.open();
    EXPECT_TRUE(child.wait_for_stderr("ready\n", kExitTimeout)) << child.err();
    EXPECT_EQ(child.wait_for_exit(kExitTimeout), 0) << child.err();
    EXPECT_EQ(child.err(), std::string(kAcceptedClientLine) + "ready\n");
}

TEST(NotifyCliSub, CountsMessagesThatArriveBeforeTheSubscribeReply) {
    FakeServer server([](FakeConnection& connection) {
        accept_connect(connection);
        expect_subscribe(connection, "chat");
        connection.write(protocol::encode_message_push("chat", 1, "e", "one"));
        connection.write(protocol::encode_message_push("chat", 2, "e", "two"));
        connection.wait_until_closed();
    });
    ChildProcess child(cli({"sub", server.url(), "chat", "--count", "2"}));
    EXPECT_EQ(child.wait_for_exit(kExitTimeout), 0) << child.err();
    EXPECT_EQ(child.out_lines(),
              (std::vector<std::string>{R"({"topic":"chat","offset":1,"epoch":"e","data":"one"})",
                                        R"({"topic":"chat","offset":2,"epoch":"e","data":"two"})"}));
    EXPECT_EQ(child.err(), kAcceptedClientLine);
}

TEST(NotifyCliSub, PrintsEachLineAsSoonAsItsMessageArrives) {
    Gate send_second;
    FakeServer server([&](FakeConnection& connection) {
        accept_connect(connection);
        connection.write(protocol::encode_empty_reply(expect_subscribe(connection, "chat")));
        connection.write(protocol::encode_message_push("chat", 1, "e", "one"));
        if (!send_second.wait(kScriptTimeout)) throw std::runtime_error("gate never opened");
        connection.write(protocol::encode_message_push("chat", 2, "e", "two"));
        connection.wait_until_closed();
    });
    ChildProcess child(cli({"sub", server.url(), "chat", "--count", "2"}));
    EXPECT_TRUE(child.wait_until([&] { return child.out().find('\n') != std::string::npos; },
                                 kExitTimeout));
    EXPECT_EQ(child.out(), "{\"topic\":\"chat\",\"offset\":1,\"epoch\":\"e\",\"data\":\"one\"}\n");
    send_second.open();
    EXPECT_EQ(child.wait_for_exit(kExitTimeout), 0) << child.err();
    EXPECT_EQ(child.out_lines().size(), 2u);
}

TEST(NotifyCliSub, ExitsOneWhenTheTimeoutPasses) {
    FakeServer server([](FakeConnection& connection) {
        accept_connect(connection);
        connection.write(protocol::encode_empty_reply(expect_subscribe(connection, "chat")));
        connection.write(protocol::encode_message_push("chat", 1, "e", "only one"));
        connection.wait_until_closed();
    });
    const auto started = std::chrono::steady_clock::now();
    ChildProcess child(cli({"sub", server.url(), "chat", "--count", "2", "--timeout", "0.5"}));
    EXPECT_EQ(child.wait_for_exit(kExitTimeout), 1) << child.err();
    const auto elapsed = std::chrono::steady_clock::now() - started;
    EXPECT_GE(elapsed, std::chrono::milliseconds(450));
    EXPECT_LT(elapsed, std::chrono::milliseconds(5000));
    EXPECT_EQ(child.out_lines().size(), 1u);
    EXPECT_NE(child.err().find("notify-cli: timed out"), std::string::npos) << child.err();
}

TEST(NotifyCliSub, ExitsTwoOnASubscribeErrorReply) {
    FakeServer server([](FakeConnection& connection) {
        accept_connect(connection);
        connection.write(protocol::encode_error_reply(expect_subscribe(connection, "secret"),
                                                      ErrorCode::permission_denied, "not yours"));
        connection.wait_until_closed();
    });
    const auto outcome = run_to_exit(cli({"sub", server.url(), "secret"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_EQ(outcome.err, std::string(kAcceptedClientLine) +
                               "notify-cli: subscribe to 'secret' refused: permission_denied "
                               "(104): not yours\n");
}

TEST(NotifyCliSub, ExitsTwoOnAConnectErrorReply) {
    FakeServer server([](FakeConnection& connection) {
        const auto [id, connect] = expect_command<protocol::ConnectCommand>(connection);
        connection.write(protocol::encode_error_reply(id, ErrorCode::unauthorized, "bad token"));
        connection.wait_until_closed();
    });
    const auto outcome = run_to_exit(cli({"sub", server.url(), "chat"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_EQ(outcome.err, "notify-cli: connect refused: unauthorized (101): bad token\n");
}

TEST(NotifyCliSub, ExitsTwoOnADisconnectPush) {
    FakeServer server([](FakeConnection& connection) {
        accept_connect(connection);
        connection.write(protocol::encode_empty_reply(expect_subscribe(connection, "chat")));
        connection.write(protocol::encode_disconnect_push(3000, "shutting down"));
        connection.wait_until_closed();
    });
    const auto outcome = run_to_exit(cli({"sub", server.url(), "chat"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_EQ(outcome.err,
              std::string(kAcceptedClientLine) +
                  "ready\nnotify-cli: disconnected by the server (code 3000: shutting down)\n");
}

TEST(NotifyCliSub, ExitsTwoWhenTheServerClosesTheConnection) {
    FakeServer server([](FakeConnection& connection) {
        accept_connect(connection);
        connection.write(protocol::encode_empty_reply(expect_subscribe(connection, "chat")));
        connection.close(1001, "going away");
    });
    const auto outcome = run_to_exit(cli({"sub", server.url(), "chat"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_EQ(outcome.err,
              std::string(kAcceptedClientLine) +
                  "ready\nnotify-cli: server closed the connection (code 1001: going away)\n");
}

TEST(NotifyCliSub, ExitsTwoWhenTheConnectionIsRefused) {
    const notify::test::RefusingPort refusing;
    const auto url = "ws://127.0.0.1:" + std::to_string(refusing.port()) + "/";
    const auto outcome = run_to_exit(cli({"sub", url, "chat"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_NE(outcome.err.find("notify-cli: cannot connect to " + url), std::string::npos)
        << outcome.err;
}

TEST(NotifyCliSub, ExitsTwoWhenTheServerDoesNotSpeakTheJsonSubprotocol) {
    FakeServer server([](FakeConnection& connection) { connection.wait_until_closed(); },
                      without_subprotocol());
    const auto outcome = run_to_exit(cli({"sub", server.url(), "chat"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_NE(outcome.err.find("did not accept the WebSocket subprotocol notify.json.v1"),
              std::string::npos)
        << outcome.err;
}

TEST(NotifyCliSub, ExitsTwoOnAFrameThatIsNotProtocol) {
    FakeServer server([](FakeConnection& connection) {
        accept_connect(connection);
        connection.write("this is not json");
        connection.wait_until_closed();
    });
    const auto outcome = run_to_exit(cli({"sub", server.url(), "chat"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_NE(outcome.err.find("notify-cli: protocol error"), std::string::npos) << outcome.err;
}

}  // namespace
}  // namespace notify::cli::testing
