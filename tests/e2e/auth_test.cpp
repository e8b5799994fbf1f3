// Auth end to end: conf/secure.toml (the jwt plugin, namespace rules, user-limited topics)
// served by a real notifyd, driven by notify-cli with tokens it mints; and an auth plugin built
// against the frozen ABI 1.3 header still deciding connects for a current notifyd.
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "notify_cli.hpp"
#include "notifyd_fixture.hpp"

namespace notify::test {
namespace {

// One port per test: ctest runs tests in parallel.
constexpr unsigned short kOldAuthPort = 39462;
constexpr const char* kSecretEnv = "NOTIFY_E2E_JWT_SECRET";

class AuthTest : public NotifydTest {
protected:
    void SetUp() override { ::setenv(kSecretEnv, "e2e-secret-of-32-bytes-or-more!!", 1); }

    // conf/secure.toml on the test's port, a short refresh grace, the secret in kSecretEnv.
    void start_secure(unsigned short port) {
        std::string text = read_file(NOTIFY_SOURCE_DIR "/conf/secure.toml");
        const auto replace = [&](const std::string& from, const std::string& to) {
            const auto at = text.find(from);
            ASSERT_NE(at, std::string::npos) << "conf/secure.toml has no " << from;
            text.replace(at, from.size(), to);
        };
        replace("listen = \"127.0.0.1:3150\"",
                "listen = \"127.0.0.1:" + std::to_string(port) + "\"");
        replace("refresh_grace = \"25s\"", "refresh_grace = \"1s\"");
        replace("leeway = \"5s\"", "leeway = \"0s\"");
        replace("hmac_secret_env = \"NOTIFY_JWT_SECRET\"",
                "hmac_secret_env = \"" + std::string(kSecretEnv) + "\"");
        replace("static_root = \"www\"", "static_root = \"" NOTIFY_SOURCE_DIR "/conf/www\"");
        start_notifyd(port, text);
    }

    std::unique_ptr<Process> cli(const std::string& label, std::vector<std::string> args) {
        return start_cli(dir_.path(), label, std::move(args));
    }

    std::string token(std::vector<std::string> args) {
        args.insert(args.begin(), {"token", "--secret-env", kSecretEnv});
        auto minted = cli("token", std::move(args));
        EXPECT_EQ(minted->wait_for(std::chrono::seconds(10)), 0) << minted->stderr_text();
        std::string text = minted->stdout_text();
        while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
        return text;
    }

    // notify-cli token as a --token-cmd (the command runs through /bin/sh).
    std::string token_command(const std::string& args) const {
        return std::string(NOTIFY_CLI_PATH) + " token --secret-env " + kSecretEnv + " " + args;
    }
};

TEST_F(AuthTest, APrivateTopicNeedsTheUsersSubscriptionToken) {
    start_secure(39461);
    const std::string alice = token({"--sub", "alice", "--ttl", "1h"});
    const std::string alice_x = token({"--sub", "alice", "--topic", "private:x"});
    auto sub = cli("sub", {"sub", url(), "private:x", "--token", alice, "--sub-token", alice_x,
                           "--count", "1", "--timeout", "10"});
    ASSERT_TRUE(sub->wait_for_stderr("ready", std::chrono::seconds(10))) << sub->stderr_text();
    auto pub = cli("pub", {"pub", url(), "private:x", "hello", "--token", alice});
    ASSERT_EQ(pub->wait_for(std::chrono::seconds(10)), 0) << pub->stderr_text();
    ASSERT_EQ(sub->wait_for(std::chrono::seconds(10)), 0) << sub->stderr_text();
    EXPECT_NE(sub->stdout_text().find("\"data\":\"hello\""), std::string::npos);
}

TEST_F(AuthTest, ASubscriptionTokenOfAnotherUserOrTopicIsRefused) {
    start_secure(39463);
    const std::string bob = token({"--sub", "bob", "--ttl", "1h"});
    const std::string alice_x = token({"--sub", "alice", "--topic", "private:x"});
    const std::string bob_y = token({"--sub", "bob", "--topic", "private:y"});
    for (const std::string& sub_token : {alice_x, bob_y}) {
        auto sub = cli("sub", {"sub", url(), "private:x", "--token", bob, "--sub-token",
                               sub_token, "--timeout", "10"});
        EXPECT_EQ(sub->wait_for(std::chrono::seconds(10)), 2) << sub->stderr_text();
        EXPECT_NE(sub->stderr_text().find("permission_denied (104)"), std::string::npos)
            << sub->stderr_text();
    }
    // A connection token is not a subscription token.
    auto sub = cli("sub", {"sub", url(), "private:x", "--token", bob, "--sub-token", bob,
                           "--timeout", "10"});
    EXPECT_EQ(sub->wait_for(std::chrono::seconds(10)), 2);
    EXPECT_NE(sub->stderr_text().find("connection token"), std::string::npos)
        << sub->stderr_text();
}

TEST_F(AuthTest, AnExpiredTokenGetsTheExpiredCodeAndNoTokenIsUnauthorized) {
    start_secure(39464);
    const std::string expired = token({"--sub", "alice", "--ttl", "1s"});
    std::this_thread::sleep_for(std::chrono::milliseconds(2'200));
    auto late = cli("late", {"sub", url(), "news", "--token", expired, "--timeout", "10"});
    EXPECT_EQ(late->wait_for(std::chrono::seconds(10)), 2);
    EXPECT_NE(late->stderr_text().find("token_expired (111)"), std::string::npos)
        << late->stderr_text();
    auto anonymous = cli("anonymous", {"sub", url(), "news", "--timeout", "10"});
    EXPECT_EQ(anonymous->wait_for(std::chrono::seconds(10)), 2);
    EXPECT_NE(anonymous->stderr_text().find("unauthorized (101)"), std::string::npos)
        << anonymous->stderr_text();
}

TEST_F(AuthTest, AConnectionThatRefreshesStaysAndOneThatCannotIsClosed) {
    start_secure(39465);
    // A 2 s token and a grace of 1 s: the fixed one is closed about 3 s after it was minted.
    auto fixed = cli("fixed", {"sub", url(), "news", "--token",
                               token({"--sub", "carol", "--ttl", "2s"}), "--timeout", "30"});
    auto refreshing = cli("refreshing", {"sub", url(), "news", "--token-cmd",
                                         token_command("--sub dave --ttl 2s"), "--count", "1",
                                         "--timeout", "30"});
    ASSERT_TRUE(fixed->wait_for_stderr("ready", std::chrono::seconds(10))) << fixed->stderr_text();
    ASSERT_TRUE(refreshing->wait_for_stderr("ready", std::chrono::seconds(10)))
        << refreshing->stderr_text();
    const auto closed = fixed->wait_for(std::chrono::seconds(20));
    ASSERT_TRUE(closed.has_value()) << fixed->stderr_text();
    EXPECT_EQ(*closed, 2);
    EXPECT_NE(fixed->stderr_text().find("4006"), std::string::npos) << fixed->stderr_text();
    // The refreshing one is still there: it gets a message published after the other closed.
    auto pub = cli("pub", {"pub", url(), "news", "still-here", "--token",
                           token({"--sub", "erin", "--ttl", "1h"})});
    ASSERT_EQ(pub->wait_for(std::chrono::seconds(10)), 0) << pub->stderr_text();
    ASSERT_EQ(refreshing->wait_for(std::chrono::seconds(10)), 0) << refreshing->stderr_text();
    EXPECT_NE(refreshing->stdout_text().find("still-here"), std::string::npos);
    EXPECT_EQ(refreshing->stderr_text().find("4006"), std::string::npos)
        << refreshing->stderr_text();
}

TEST_F(AuthTest, UserLimitedTopicsAndReadOnlyNamespaces) {
    start_secure(39466);
    const std::string bob = token({"--sub", "bob", "--ttl", "1h"});
    auto outsider = cli("outsider", {"sub", url(), "dm:chat#alice,carol", "--token", bob,
                                     "--timeout", "10"});
    EXPECT_EQ(outsider->wait_for(std::chrono::seconds(10)), 2);
    EXPECT_NE(outsider->stderr_text().find("limited to the users it lists"), std::string::npos)
        << outsider->stderr_text();
    auto member = cli("member", {"sub", url(), "dm:chat#alice,bob", "--token", bob, "--count",
                                 "1", "--timeout", "10"});
    ASSERT_TRUE(member->wait_for_stderr("ready", std::chrono::seconds(10)))
        << member->stderr_text();
    member->signal(SIGTERM);
    member->wait_for(std::chrono::seconds(10));
    auto feed = cli("feed", {"pub", url(), "feed:news", "x", "--token", bob});
    EXPECT_EQ(feed->wait_for(std::chrono::seconds(10)), 2);
    EXPECT_NE(feed->stderr_text().find("permission_denied (104)"), std::string::npos)
        << feed->stderr_text();
}

TEST_F(AuthTest, PresenceAndJoinLeaveInAConversation) {
    start_secure(39467);
    const std::string alice = token({"--sub", "alice", "--ttl", "1h", "--info", R"({"name":"Alice"})"});
    const std::string bob = token({"--sub", "bob", "--ttl", "1h"});
    const std::string topic = "dm:chat#alice,bob";
    auto watcher = cli("watcher", {"sub", url(), topic, "--token", alice, "--join-leave",
                                   "--count", "1", "--timeout", "20"});
    ASSERT_TRUE(watcher->wait_for_stderr("ready", std::chrono::seconds(10)))
        << watcher->stderr_text();
    auto joiner = cli("joiner", {"sub", url(), topic, "--token", bob, "--timeout", "20"});
    ASSERT_TRUE(joiner->wait_for_stderr("ready", std::chrono::seconds(10)))
        << joiner->stderr_text();
    ASSERT_TRUE(watcher->wait_for_stdout("\"join\"", std::chrono::seconds(10)))
        << watcher->stdout_text();
    // Presence is for subscribers (read_presence = "subscriber"): a one-shot client of alice's
    // that is not subscribed is refused; the stats count both users.
    auto outsider = cli("outsider", {"presence", url(), topic, "--token", alice});
    EXPECT_EQ(outsider->wait_for(std::chrono::seconds(10)), 2);
    EXPECT_NE(outsider->stderr_text().find("permission_denied (104)"), std::string::npos)
        << outsider->stderr_text();
    joiner->signal(SIGTERM);
    ASSERT_TRUE(joiner->wait_for(std::chrono::seconds(10)).has_value());
    ASSERT_TRUE(watcher->wait_for_stdout("\"leave\"", std::chrono::seconds(10)))
        << watcher->stdout_text();
    const std::string lines = watcher->stdout_text();
    EXPECT_NE(lines.find("\"user\":\"bob\""), std::string::npos) << lines;
    auto pub = cli("pub", {"pub", url(), topic, "bye", "--token", alice});
    EXPECT_EQ(pub->wait_for(std::chrono::seconds(10)), 2) << pub->stderr_text();  // not subscribed
    watcher->signal(SIGTERM);
    watcher->wait_for(std::chrono::seconds(10));
}

TEST_F(AuthTest, AnAuthPluginBuiltForAbi13StillDecidesConnects) {
    std::string manifest = chat_manifest(kOldAuthPort);
    const std::string anonymous = "[[auth]]\nplugin = \"anonymous\"\n";
    manifest.replace(manifest.find(anonymous), anonymous.size(),
                     "[[auth]]\nplugin = \"" FIXTURE_AUTH_1_3_PATH "\"\n");
    start_notifyd(kOldAuthPort, manifest);
    auto sync = cli("sync", {"sub", url(), "news", "--token", "sync:ann", "--count", "1",
                             "--timeout", "10"});
    auto async = cli("async", {"sub", url(), "news", "--token", "async:bob", "--count", "1",
                               "--timeout", "10"});
    ASSERT_TRUE(sync->wait_for_stderr("ready", std::chrono::seconds(10))) << sync->stderr_text();
    ASSERT_TRUE(async->wait_for_stderr("ready", std::chrono::seconds(10)))
        << async->stderr_text();
    auto pub = cli("pub", {"pub", url(), "news", "m", "--token", "sync:pub"});
    ASSERT_EQ(pub->wait_for(std::chrono::seconds(10)), 0) << pub->stderr_text();
    EXPECT_EQ(sync->wait_for(std::chrono::seconds(10)), 0) << sync->stderr_text();
    EXPECT_EQ(async->wait_for(std::chrono::seconds(10)), 0) << async->stderr_text();
    // No expiry was read from the old plugin's smaller struct.
    EXPECT_EQ(sync->stderr_text().find("expires"), std::string::npos) << sync->stderr_text();
    auto denied = cli("denied", {"sub", url(), "news", "--token", "other", "--timeout", "10"});
    EXPECT_EQ(denied->wait_for(std::chrono::seconds(10)), 2);
    auto closed = cli("closed", {"sub", url(), "closed:x", "--token", "sync:ann", "--timeout",
                                 "10"});
    EXPECT_EQ(closed->wait_for(std::chrono::seconds(10)), 2);
    EXPECT_NE(closed->stderr_text().find("permission_denied (104)"), std::string::npos)
        << closed->stderr_text();
}

}  // namespace
}  // namespace notify::test
