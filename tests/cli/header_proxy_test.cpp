// `--header` against a real notifyd whose auth is the proxy plugin with
// forward_headers = ["cookie"]: the backend (tests/plugins/proxy_backend.*) lets a connection in
// only when the cookie header it was forwarded is "a=1", so a subscriber receiving a message
// proves the header arrived, and the backend's log shows exactly what it was sent.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "child_process.hpp"
#include "cli_test_support.hpp"
#include "notifyd_fixture.hpp"
#include "proxy_backend.hpp"

namespace notify::cli::testing {
namespace {

using Json = nlohmann::json;
using notify::test::BackendReply;
using notify::test::BackendRequest;
using notify::test::ProxyBackend;

constexpr unsigned short kWebSocketPort = 39490;
constexpr unsigned short kHttpPort = 39491;

BackendReply admit_cookie_a1(const BackendRequest& request) {
    BackendReply reply;
    if (request.target != "/connect") {
        reply.status = 404;
        return reply;
    }
    const Json body = Json::parse(request.body, nullptr, false);
    const Json headers = body.is_object() ? body.value("headers", Json::object()) : Json::object();
    if (headers.value("cookie", "") == "a=1") {
        reply.body = R"({"result":{"user":"cookie-a1"}})";
    } else {
        reply.body = R"({"error":{"code":403,"message":"no cookie a=1"}})";
    }
    return reply;
}

std::string manifest(const ProxyBackend& backend, const std::string& transport,
                     unsigned short port, const std::string& path) {
    return "[app]\nid = \"cli-header\"\n"
           "[[auth]]\nplugin = \"proxy\"\nconnect_url = \"" + backend.url("/connect") +
           "\"\nforward_headers = [\"cookie\"]\n"
           "[[transport]]\nplugin = \"" + transport + "\"\n"
           "listen = \"127.0.0.1:" + std::to_string(port) + "\"\npath = \"" + path + "\"\n";
}

class NotifyCliHeaderProxy : public notify::test::NotifydTest {};

TEST_F(NotifyCliHeaderProxy, TheWebSocketUpgradeCarriesTheHeaders) {
    ProxyBackend backend{admit_cookie_a1};
    start_notifyd(kWebSocketPort, manifest(backend, "websocket", kWebSocketPort, "/pubsub"));
    const std::string url = "ws://127.0.0.1:" + std::to_string(kWebSocketPort) + "/pubsub";

    // Without the header the backend refuses: the header is what lets the others in.
    const auto refused = run_to_exit(cli({"pub", url, "chat", "x", "--timeout", "10"}),
                                     kExitTimeout);
    EXPECT_EQ(refused.exit_code, 2);
    EXPECT_NE(refused.err.find("no cookie a=1"), std::string::npos) << refused.err;

    ChildProcess subscriber(cli({"sub", url, "chat", "--count", "1", "--timeout", "10",
                                 "--header", "Cookie: a=1", "--header",
                                 "Authorization: Bearer not-forwarded"}));
    ASSERT_TRUE(subscriber.wait_for_stderr("ready\n", kExitTimeout)) << subscriber.err();
    const auto published = run_to_exit(
        cli({"pub", url, "chat", "hello", "--timeout", "10", "--header", "cookie:a=1"}),
        kExitTimeout);
    EXPECT_EQ(published.exit_code, 0) << published.err;
    EXPECT_EQ(subscriber.wait_for_exit(kExitTimeout), 0) << subscriber.err();
    EXPECT_NE(subscriber.out().find(R"("data":"hello")"), std::string::npos) << subscriber.out();

    // The refused connect was forwarded no headers; the two let in exactly the cookie (the
    // Authorization header is not on the allow-list).
    const auto received = backend.received();
    ASSERT_EQ(received.size(), 3u);
    EXPECT_EQ(Json::parse(received[0].body)["headers"], Json::object()) << received[0].body;
    for (std::size_t i = 1; i < received.size(); ++i) {
        EXPECT_EQ(Json::parse(received[i].body)["headers"], Json({{"cookie", "a=1"}}))
            << received[i].body;
    }
}

TEST_F(NotifyCliHeaderProxy, TheHttpSessionsCarryTheHeadersOverSseAndLongPoll) {
    ProxyBackend backend{admit_cookie_a1};
    start_notifyd(kHttpPort, manifest(backend, "http", kHttpPort, "/http"));
    const std::string address = "127.0.0.1:" + std::to_string(kHttpPort) + "/http";

    ChildProcess subscriber(cli({"sub", "http://" + address, "chat", "--count", "1", "--timeout",
                                 "10", "--header", "Cookie: a=1"}));
    ASSERT_TRUE(subscriber.wait_for_stderr("ready\n", kExitTimeout)) << subscriber.err();
    const auto published =
        run_to_exit(cli({"pub", "http+poll://" + address, "chat", "hello", "--timeout", "10",
                         "--header", "Cookie: a=1"}),
                    kExitTimeout);
    EXPECT_EQ(published.exit_code, 0) << published.err;
    EXPECT_EQ(subscriber.wait_for_exit(kExitTimeout), 0) << subscriber.err();
    EXPECT_NE(subscriber.out().find(R"("data":"hello")"), std::string::npos) << subscriber.out();
    // Both sessions' connects were forwarded the cookie of their creating POST.
    const auto received = backend.received();
    ASSERT_EQ(received.size(), 2u);
    for (const BackendRequest& request : received) {
        EXPECT_EQ(Json::parse(request.body)["headers"], Json({{"cookie", "a=1"}})) << request.body;
    }
}

}  // namespace
}  // namespace notify::cli::testing
