// The proxy auth plugin inside a real notifyd: connects and subscribes decided by an HTTP
// backend on loopback (tests/plugins/proxy_backend.*), answered on the plugin's own thread
// through the pending path, driven by notify-cli.
#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "notify_cli.hpp"
#include "notifyd_fixture.hpp"
#include "proxy_backend.hpp"
#include "ws_client.hpp"

namespace notify::test {
namespace {

using std::chrono::seconds;
using Json = nlohmann::json;

constexpr unsigned short kProxyPort = 39460;
constexpr unsigned short kModerationPort = 39487;

// token "user:NAME" is NAME with an info object; anything else is refused. Subscribes to
// "vip:*" are refused for everyone but "boss"; other subscribes get no opinion.
BackendReply decide(const BackendRequest& request) {
    const Json body = Json::parse(request.body, nullptr, false);
    BackendReply reply;
    if (request.target == "/connect") {
        const std::string token = body.value("token", "");
        if (token.rfind("user:", 0) == 0) {
            reply.body = Json{{"result", {{"user", token.substr(5)}, {"info", {{"via", "proxy"}}}}}}.dump();
        } else {
            reply.body = R"({"error":{"code":403,"message":"unknown token"}})";
        }
    } else if (request.target == "/subscribe") {
        const bool vip = body.value("topic", "").rfind("vip:", 0) == 0;
        reply.body = vip && body.value("user", "") != "boss"
                         ? R"({"error":{"code":403,"message":"vip only"}})"
                         : R"({"defer":true})";
    } else {
        reply.status = 404;
    }
    return reply;
}

class ProxyTest : public NotifydTest {
protected:
    std::unique_ptr<Process> cli(const std::string& label, std::vector<std::string> args) {
        return start_cli(dir_.path(), label, std::move(args));
    }
};

TEST_F(ProxyTest, TheBackendDecidesConnectsAndSubscribes) {
    ProxyBackend backend{decide};
    std::string manifest = chat_manifest(kProxyPort);
    const std::string anonymous = "[[auth]]\nplugin = \"anonymous\"\n";
    manifest.replace(manifest.find(anonymous), anonymous.size(),
                     "[[auth]]\nplugin = \"proxy\"\nconnect_url = \"" + backend.url("/connect") +
                         "\"\nsubscribe_url = \"" + backend.url("/subscribe") + "\"\n");
    start_notifyd(kProxyPort, manifest);

    auto alice = cli("alice", {"sub", url(), "news", "--token", "user:alice", "--count", "1",
                               "--timeout", "10"});
    ASSERT_TRUE(alice->wait_for_stderr("ready", seconds(10))) << alice->stderr_text();
    auto pub = cli("pub", {"pub", url(), "news", "hi", "--token", "user:bob"});
    EXPECT_EQ(pub->wait_for(seconds(10)), 0) << pub->stderr_text();
    EXPECT_EQ(alice->wait_for(seconds(10)), 0) << alice->stderr_text();
    EXPECT_NE(alice->stdout_text().find("\"data\":\"hi\""), std::string::npos)
        << alice->stdout_text();

    auto stranger = cli("stranger", {"sub", url(), "news", "--token", "nope", "--timeout", "10"});
    EXPECT_EQ(stranger->wait_for(seconds(10)), 2);
    EXPECT_NE(stranger->stderr_text().find("unknown token"), std::string::npos)
        << stranger->stderr_text();

    auto outsider = cli("outsider", {"sub", url(), "vip:room", "--token", "user:alice",
                                     "--timeout", "10"});
    EXPECT_EQ(outsider->wait_for(seconds(10)), 2);
    EXPECT_NE(outsider->stderr_text().find("permission_denied (104)"), std::string::npos)
        << outsider->stderr_text();
    auto boss = cli("boss", {"sub", url(), "vip:room", "--token", "user:boss", "--count", "1",
                             "--timeout", "10"});
    // Let in: subscribed ("ready"), then a publish there reaches it.
    ASSERT_TRUE(boss->wait_for_stderr("ready", seconds(10))) << boss->stderr_text();
    auto announce = cli("announce", {"pub", url(), "vip:room", "for the boss", "--token",
                                     "user:boss"});
    EXPECT_EQ(announce->wait_for(seconds(10)), 0) << announce->stderr_text();
    EXPECT_EQ(boss->wait_for(seconds(10)), 0) << boss->stderr_text();

    // The backend saw what the protocol says it sends: the token at connect, the user at
    // subscribe.
    bool saw_connect = false;
    bool saw_subscribe = false;
    for (const BackendRequest& request : backend.received()) {
        const Json body = Json::parse(request.body);
        if (request.target == "/connect" && body.value("token", "") == "user:alice") {
            saw_connect = body.value("purpose", "") == "connect";
        }
        if (request.target == "/subscribe" && body.value("topic", "") == "vip:room" &&
            body.value("user", "") == "alice") {
            saw_subscribe = true;
        }
    }
    EXPECT_TRUE(saw_connect);
    EXPECT_TRUE(saw_subscribe);
}

// Publishes: "bad word" becomes "***", "kick" disconnects with 4501, the rest pass as sent.
// Connects: the user is the session cookie the upgrade carried ("session=NAME").
BackendReply moderate(const BackendRequest& request) {
    const Json body = Json::parse(request.body, nullptr, false);
    BackendReply reply;
    if (request.target == "/connect") {
        const std::string cookie = body["headers"].value("cookie", "");
        const std::string user = cookie.rfind("session=", 0) == 0 ? cookie.substr(8) : "";
        reply.body = Json{{"result", {{"user", user}}}}.dump();
    } else if (request.target == "/publish") {
        const std::string data = body.value("data", "");
        if (data == "bad word") {
            reply.body = R"({"result":{"data":"***"}})";
        } else if (data == "kick") {
            reply.body = R"({"disconnect":{"code":4501,"reason":"kicked by the backend"}})";
        } else {
            reply.body = R"({"result":{}})";
        }
    } else {
        reply.status = 404;
    }
    return reply;
}

// The first message containing `needle` within `timeout`, or nullopt (closed, timed out).
std::optional<std::string> next_containing(WsClient& client, const std::string& needle) {
    for (int i = 0; i < 20; ++i) {
        const WsMessage message = client.next_message(seconds(10));
        if (message.closed || message.timed_out) return std::nullopt;
        if (message.text.find(needle) != std::string::npos) return message.text;
    }
    return std::nullopt;
}

TEST_F(ProxyTest, TheBackendSeesAllowListedUpgradeHeadersAndModeratesPublishes) {
    ProxyBackend backend{moderate};
    std::string manifest = chat_manifest(kModerationPort);
    const std::string anonymous = "[[auth]]\nplugin = \"anonymous\"\n";
    manifest.replace(manifest.find(anonymous), anonymous.size(),
                     "[[auth]]\nplugin = \"proxy\"\nconnect_url = \"" + backend.url("/connect") +
                         "\"\npublish_url = \"" + backend.url("/publish") +
                         "\"\nforward_headers = [\"Cookie\"]\n");
    start_notifyd(kModerationPort, manifest);

    WsClient client(kModerationPort, "/pubsub",
                    {{"Cookie", "session=carol"}, {"Authorization", "Bearer not-forwarded"}});
    client.write_text(R"({"id":1,"connect":{}})");
    const auto connected = next_containing(client, "\"id\":1");
    ASSERT_TRUE(connected.has_value()) << notifyd_->stderr_text();
    EXPECT_NE(connected->find(R"("user":"carol")"), std::string::npos) << *connected;
    client.write_text(R"({"id":2,"subscribe":{"topic":"chat"}})");
    ASSERT_TRUE(next_containing(client, "\"id\":2").has_value());

    client.write_text(R"({"id":3,"publish":{"topic":"chat","data":"bad word"}})");
    const auto moderated = next_containing(client, R"("message":{"topic":"chat")");
    ASSERT_TRUE(moderated.has_value());
    EXPECT_NE(moderated->find(R"("data":"***")"), std::string::npos) << *moderated;
    client.write_text(R"({"id":4,"publish":{"topic":"chat","data":"fine"}})");
    const auto fine = next_containing(client, R"("message":{"topic":"chat")");
    ASSERT_TRUE(fine.has_value());
    EXPECT_NE(fine->find(R"("data":"fine")"), std::string::npos) << *fine;

    client.write_text(R"({"id":5,"publish":{"topic":"chat","data":"kick"}})");
    const auto refused = next_containing(client, "\"id\":5");
    ASSERT_TRUE(refused.has_value());
    EXPECT_NE(refused->find("kicked by the backend"), std::string::npos) << *refused;
    WsMessage last;
    for (int i = 0; i < 10 && !last.closed; ++i) last = client.next_message(seconds(5));
    EXPECT_EQ(last.close_code, 4501);

    // Only the allow-listed header left the server; the publish body carried the payload,
    // the transport and the address.
    for (const BackendRequest& request : backend.received()) {
        EXPECT_EQ(request.body.find("not-forwarded"), std::string::npos) << request.body;
        const Json body = Json::parse(request.body);
        EXPECT_EQ(body["headers"], Json({{"cookie", "session=carol"}})) << request.body;
        if (request.target == "/publish") {
            EXPECT_EQ(body["transport"], "websocket");
            EXPECT_EQ(body["remote_address"].get<std::string>().rfind("127.0.0.1:", 0), 0u);
        }
    }
}

}  // namespace
}  // namespace notify::test
