// The proxy auth plugin inside a real notifyd: connects and subscribes decided by an HTTP
// backend on loopback (tests/plugins/proxy_backend.*), answered on the plugin's own thread
// through the pending path, driven by notify-cli.
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "notify_cli.hpp"
#include "notifyd_fixture.hpp"
#include "proxy_backend.hpp"

namespace notify::test {
namespace {

using std::chrono::seconds;
using Json = nlohmann::json;

constexpr unsigned short kProxyPort = 39460;

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

}  // namespace
}  // namespace notify::test
