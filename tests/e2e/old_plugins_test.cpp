// Plugins built against frozen copies of released headers (tests/loader/frozen) run in a
// current notifyd: 1.0 and 1.1 handlers see events and act through the old host table; a 1.4
// auth plugin's answers (expiry, info, server-side topics, error codes, refresh) still count;
// a 1.5 handler calls the server API and reads why clients left; a 1.7 auth plugin sees the
// upgrade's headers, moderates publishes and closes connections with its own codes.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

#include "notifyd_fixture.hpp"
#include "ws_client.hpp"

namespace notify::test {
namespace {

using std::chrono::seconds;

// The first message containing `needle` within `timeout` (nullopt on close or timeout): waits
// asynchronously, so a message that never comes fails the test instead of hanging it.
std::optional<std::string> wait_for_text(WsClient& client, const std::string& needle,
                                         std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return std::nullopt;
        const WsMessage message = client.next_message(left);
        if (message.closed || message.timed_out) return std::nullopt;
        if (message.text.find(needle) != std::string::npos) return message.text;
    }
}

class OldPluginsTest : public NotifydTest,
                       public ::testing::WithParamInterface<std::pair<const char*, unsigned short>> {
};

TEST_P(OldPluginsTest, AHandlerBuiltForAnOldMinorSubscribesAndReplies) {
    const auto [plugin_path, port] = GetParam();
    std::string manifest = chat_manifest(port);
    const std::string chat = "[[handler]]\nplugin = \"chat\"\n";
    manifest.replace(manifest.find(chat), chat.size(),
                     std::string("[[handler]]\nplugin = \"") + plugin_path +
                         "\"\ntopic = \"old\"\nprefix = \"re: \"\n");
    start_notifyd(port, manifest);

    WsClient client(port, "/pubsub");
    client.write_text(R"({"id":1,"connect":{}})");
    // The handler subscribed the client to `old` on connect, then published there (that push
    // and the connect reply may come in either order).
    const auto welcome = wait_for_text(client, R"("data":"welcome")", seconds(10));
    ASSERT_TRUE(welcome.has_value()) << notifyd_->stderr_text();
    EXPECT_NE(welcome->find(R"("topic":"old")"), std::string::npos) << *welcome;
    client.write_text(R"({"id":2,"publish":{"topic":"old","data":"to everyone"}})");
    const auto message = wait_for_text(client, R"("data":"to everyone")", seconds(10));
    ASSERT_TRUE(message.has_value());
    EXPECT_NE(message->find(R"("topic":"old")"), std::string::npos) << *message;
    // What the client sends comes back to it alone, with the manifest's prefix.
    client.write_text(R"({"id":3,"send":{"data":"ping"}})");
    const auto reply = wait_for_text(client, "re: ping", seconds(10));
    ASSERT_TRUE(reply.has_value()) << notifyd_->stderr_text();
}

INSTANTIATE_TEST_SUITE_P(
    FrozenHeaders, OldPluginsTest,
    ::testing::Values(std::make_pair(FIXTURE_HANDLER_1_0_PATH, static_cast<unsigned short>(39468)),
                      std::make_pair(FIXTURE_HANDLER_1_1_PATH, static_cast<unsigned short>(39469))),
    [](const auto& param_info) { return param_info.index == 0 ? std::string("Abi10") : std::string("Abi11"); });

class OldAuthTest : public NotifydTest {};

TEST_F(OldAuthTest, AnAuthPluginBuiltForAbi14AnswersWithExpiryTopicsAndErrorCodes) {
    constexpr unsigned short port = 39458;
    std::string manifest = chat_manifest(port);
    const std::string anonymous = "[[auth]]\nplugin = \"anonymous\"\n";
    manifest.replace(manifest.find(anonymous), anonymous.size(),
                     "[[auth]]\nplugin = \"" FIXTURE_AUTH_1_4_PATH "\"\n");
    start_notifyd(port, manifest);

    WsClient client(port, "/pubsub");
    client.write_text(R"({"id":1,"connect":{"token":"user:ann"}})");
    const auto connected = wait_for_text(client, "\"id\":1", seconds(10));
    ASSERT_TRUE(connected.has_value());
    EXPECT_NE(connected->find(R"("user":"ann")"), std::string::npos) << *connected;
    EXPECT_NE(connected->find(R"("ttl_ms":)"), std::string::npos) << *connected;
    // Subscribed server-side to the answer's topic: a publish there reaches the client.
    client.write_text(R"({"id":2,"publish":{"topic":"welcome","data":"hi"}})");
    // (The chat handler's join message on topic chat comes first.)
    const auto pushed = wait_for_text(client, R"("topic":"welcome")", seconds(10));
    ASSERT_TRUE(pushed.has_value());
    EXPECT_NE(pushed->find(R"("data":"hi")"), std::string::npos) << *pushed;
    // A refresh answered through auth_complete with a 1.4-sized result.
    client.write_text(R"({"id":3,"refresh":{"token":"user:ann"}})");
    const auto refreshed = wait_for_text(client, "\"id\":3", seconds(10));
    ASSERT_TRUE(refreshed.has_value());
    EXPECT_NE(refreshed->find(R"("ttl_ms":)"), std::string::npos) << *refreshed;

    WsClient expired(port, "/pubsub");
    expired.write_text(R"({"id":1,"connect":{"token":"expired"}})");
    const auto refused = wait_for_text(expired, "\"id\":1", seconds(10));
    ASSERT_TRUE(refused.has_value());
    EXPECT_NE(refused->find(R"("code":111)"), std::string::npos) << *refused;
}

class Abi15Test : public NotifydTest {};

TEST_F(Abi15Test, AHandlerBuiltForAbi15CallsTheServerApiAndSeesWhyClientsLeft) {
    constexpr unsigned short port = 39459;
    std::string manifest = chat_manifest(port);
    manifest += "[[handler]]\nplugin = \"" FIXTURE_API_1_5_PATH "\"\n";
    start_notifyd(port, manifest);
    WsClient client(port, "/pubsub");
    client.write_text(R"({"id":1,"connect":{}})");
    ASSERT_TRUE(wait_for_text(client, "\"id\":1", seconds(10)).has_value());
    client.write_text(R"({"id":2,"subscribe":{"topic":"departures"}})");
    ASSERT_TRUE(wait_for_text(client, "\"id\":2", seconds(10)).has_value());
    client.write_text(R"({"id":3,"subscribe":{"topic":"api-t"}})");
    ASSERT_TRUE(wait_for_text(client, "\"id\":3", seconds(10)).has_value());

    // A publish through api_call reaches the subscriber, and its answer carries the position.
    client.write_text(
        R"({"id":4,"send":{"data":"publish {\"topic\":\"api-t\",\"data\":\"via api\"}"}})");
    const auto answer = wait_for_text(client, "api 0 ", seconds(10));
    ASSERT_TRUE(answer.has_value()) << notifyd_->stderr_text();
    EXPECT_NE(answer->find(R"(\"topic\":\"api-t\",\"offset\":1)"), std::string::npos)
        << *answer;
    client.write_text(R"({"id":5,"send":{"data":"nope {}"}})");
    const auto unknown = wait_for_text(client, "api 103 ", seconds(10));
    ASSERT_TRUE(unknown.has_value()) << notifyd_->stderr_text();

    // A client whose connection ends is reported with the 1.5 reason and close code.
    {
        WsClient leaving(port, "/pubsub");
        leaving.write_text(R"({"id":1,"connect":{}})");
        ASSERT_TRUE(wait_for_text(leaving, "\"id\":1", seconds(10)).has_value());
    }
    const auto left = wait_for_text(client, "left closed", seconds(10));
    ASSERT_TRUE(left.has_value()) << notifyd_->stderr_text();
}

class Abi16Test : public NotifydTest {};

TEST_F(Abi16Test, AHandlerBuiltForAbi16CountsReadsTheViewsAndSaysItIsNotReady) {
    constexpr unsigned short port = 39484;
    std::string manifest = chat_manifest(port);
    manifest += "[[handler]]\nplugin = \"" FIXTURE_OPS_1_6_PATH "\"\nname = \"ops\"\n";
    start_notifyd(port, manifest);
    WsClient client(port, "/pubsub");
    client.write_text(R"({"id":1,"connect":{}})");
    ASSERT_TRUE(wait_for_text(client, "\"id\":1", seconds(10)).has_value());

    client.write_text(R"({"id":2,"send":{"data":"count"}})");
    ASSERT_TRUE(wait_for_text(client, "counted", seconds(10)).has_value());
    client.write_text(R"({"id":3,"send":{"data":"count"}})");
    ASSERT_TRUE(wait_for_text(client, "counted", seconds(10)).has_value());
    // Its own series and the host's, in the Prometheus text it can read like any plugin.
    client.write_text(R"({"id":4,"send":{"data":"view 1"}})");
    const auto text = wait_for_text(client, "view 1 0 ", seconds(10));
    ASSERT_TRUE(text.has_value()) << notifyd_->stderr_text();
    EXPECT_NE(text->find(R"(notify_fixture_ops_sends_total{kind=\"count\"} 2)"),
              std::string::npos)
        << *text;
    EXPECT_NE(text->find("notify_connections{transport="), std::string::npos) << *text;

    client.write_text(R"({"id":5,"send":{"data":"ready 0 warming up"}})");
    ASSERT_TRUE(wait_for_text(client, "not ready", seconds(10)).has_value());
    client.write_text(R"({"id":6,"send":{"data":"view 3"}})");
    const auto health = wait_for_text(client, "view 3 0 ", seconds(10));
    ASSERT_TRUE(health.has_value());
    EXPECT_NE(health->find(R"(\"ready\":false)"), std::string::npos) << *health;
    EXPECT_NE(health->find("warming up"), std::string::npos) << *health;
    // The readiness change was logged as a warning: the recent logs view has it.
    client.write_text(R"({"id":7,"send":{"data":"view 4"}})");
    const auto logs = wait_for_text(client, "view 4 0 ", seconds(10));
    ASSERT_TRUE(logs.has_value());
    EXPECT_NE(logs->find("not ready: warming up"), std::string::npos) << *logs;
    client.write_text(R"({"id":8,"send":{"data":"view 99"}})");
    EXPECT_TRUE(wait_for_text(client, "view 99 -", seconds(10)).has_value());
    client.write_text(R"({"id":9,"send":{"data":"debug"}})");
    EXPECT_TRUE(wait_for_text(client, "debug 0", seconds(10)).has_value());
}

class Abi17Test : public NotifydTest {
  protected:
    void start(unsigned short port) {
        std::string manifest = chat_manifest(port);
        const std::string anonymous = "[[auth]]\nplugin = \"anonymous\"\n";
        manifest.replace(manifest.find(anonymous), anonymous.size(),
                         "[[auth]]\nplugin = \"" FIXTURE_AUTH_1_7_PATH "\"\n"
                         "[[auth]]\nplugin = \"anonymous\"\n");
        start_notifyd(port, manifest);
    }
};

TEST_F(Abi17Test, AnAuthPluginBuiltForAbi17SeesHeadersModeratesAndCloses) {
    constexpr unsigned short port = 39485;
    start(port);
    WsClient client(port, "/pubsub",
                    {{"X-Fixture-User", "ann"}, {"Cookie", "session=42"},
                     {"Authorization", "Bearer not-kept"}});
    client.write_text(R"({"id":1,"connect":{}})");
    const auto connected = wait_for_text(client, "\"id\":1", seconds(10));
    ASSERT_TRUE(connected.has_value()) << notifyd_->stderr_text();
    EXPECT_NE(connected->find(R"("user":"ann")"), std::string::npos) << *connected;

    client.write_text(R"({"id":2,"subscribe":{"topic":"chat"}})");
    ASSERT_TRUE(wait_for_text(client, "\"id\":2", seconds(10)).has_value());
    // The plugin replaced the payload: subscribers get "***", never the original.
    client.write_text(R"({"id":3,"publish":{"topic":"chat","data":"bad word"}})");
    const auto moderated = wait_for_text(client, R"("message":{"topic":"chat")", seconds(10));
    ASSERT_TRUE(moderated.has_value());
    EXPECT_NE(moderated->find(R"("data":"***")"), std::string::npos) << *moderated;
    // The authorization saw the transport's name and the kept Cookie header.
    client.write_text(R"({"id":4,"publish":{"topic":"chat","data":"who"}})");
    const auto who = wait_for_text(client, "transport=", seconds(10));
    ASSERT_TRUE(who.has_value());
    EXPECT_NE(who->find("transport=websocket cookie=session=42"), std::string::npos) << *who;
    // A denial with a close code: the error reply, then the close with that code.
    client.write_text(R"({"id":5,"publish":{"topic":"chat","data":"kick"}})");
    const auto refused = wait_for_text(client, "\"id\":5", seconds(10));
    ASSERT_TRUE(refused.has_value());
    EXPECT_NE(refused->find("fixture_auth_1_7: kicked"), std::string::npos) << *refused;
    WsMessage last;
    for (int i = 0; i < 10 && !last.closed; ++i) last = client.next_message(seconds(5));
    EXPECT_TRUE(last.closed);
    EXPECT_EQ(last.close_code, 4323);
}

TEST_F(Abi17Test, DenialsOfConnectAndSubscribeCloseWithThePluginsCode) {
    constexpr unsigned short port = 39486;
    start(port);
    WsClient refused(port, "/pubsub");
    refused.write_text(R"({"id":1,"connect":{"token":"close-me"}})");
    ASSERT_TRUE(wait_for_text(refused, "go away", seconds(10)).has_value())
        << notifyd_->stderr_text();
    WsMessage closed;
    for (int i = 0; i < 10 && !closed.closed; ++i) closed = refused.next_message(seconds(5));
    EXPECT_EQ(closed.close_code, 4321);

    WsClient subscriber(port, "/pubsub");
    subscriber.write_text(R"({"id":1,"connect":{}})");
    ASSERT_TRUE(wait_for_text(subscriber, "\"id\":1", seconds(10)).has_value());
    subscriber.write_text(R"({"id":2,"subscribe":{"topic":"secret"}})");
    ASSERT_TRUE(wait_for_text(subscriber, "not for you", seconds(10)).has_value());
    WsMessage gone;
    for (int i = 0; i < 10 && !gone.closed; ++i) gone = subscriber.next_message(seconds(5));
    EXPECT_EQ(gone.close_code, 4322);
}

}  // namespace
}  // namespace notify::test
