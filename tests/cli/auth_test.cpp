// notify-cli and tokens: `notify-cli token` (development HS256 JWTs), --token-cmd, the refresh of
// an expiring connection token, the reconnect after close code 4006, the retry after
// token_expired (111), and --sub-token.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <notify/protocol/json.hpp>
#include <string>
#include <unistd.h>

#include "child_process.hpp"
#include "cli_test_support.hpp"
#include "fake_server.hpp"
#include "refusing_port.hpp"

namespace notify::cli::testing {
namespace {

using protocol::ConnectCommand;
using protocol::RefreshCommand;
using protocol::SessionResume;
using protocol::SubscribeCommand;

constexpr const char* kSecretVariable = "NOTIFY_CLI_TEST_SECRET";
constexpr std::string_view kSecret = "development secret";

std::string from_base64url(std::string text) {
    for (char& c : text) {
        if (c == '-') c = '+';
        if (c == '_') c = '/';
    }
    while (text.size() % 4 != 0) text += '=';
    const auto bytes = protocol::base64_decode(text);
    if (!bytes) throw std::runtime_error("not base64url: " + text);
    return *bytes;
}

std::string to_base64url(std::string_view bytes) {
    std::string text = protocol::base64_encode(bytes);
    while (!text.empty() && text.back() == '=') text.pop_back();
    for (char& c : text) {
        if (c == '+') c = '-';
        if (c == '/') c = '_';
    }
    return text;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest.data(), &size);
    return std::string(reinterpret_cast<const char*>(digest.data()), size);
}

struct DecodedToken {
    nlohmann::json header;
    nlohmann::json claims;
    bool signature_valid = false;
};

// Splits a JWT, decodes its header and claims, and checks its HS256 signature with kSecret.
DecodedToken decode_token(std::string token) {
    if (!token.empty() && token.back() == '\n') token.pop_back();
    const auto first = token.find('.');
    const auto second = token.find('.', first + 1);
    if (first == std::string::npos || second == std::string::npos) {
        throw std::runtime_error("not a JWT: " + token);
    }
    DecodedToken decoded;
    decoded.header = nlohmann::json::parse(from_base64url(token.substr(0, first)));
    decoded.claims =
        nlohmann::json::parse(from_base64url(token.substr(first + 1, second - first - 1)));
    decoded.signature_valid =
        to_base64url(hmac_sha256(kSecret, token.substr(0, second))) == token.substr(second + 1);
    return decoded;
}

class NotifyCliToken : public ::testing::Test {
protected:
    void SetUp() override { ::setenv(kSecretVariable, std::string(kSecret).c_str(), 1); }
    void TearDown() override { ::unsetenv(kSecretVariable); }
};

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

TEST_F(NotifyCliToken, MintsAConnectionTokenWithTheGivenClaims) {
    const auto before = unix_now();
    const auto outcome =
        run_to_exit(cli({"token", "--secret-env", kSecretVariable, "--sub", "alice", "--ttl",
                         "2h", "--topics", "chat,ns:room", "--info", R"({"name":"Alice","n":1})",
                         "--iss", "notify-dev", "--aud", "notify"}),
                    kExitTimeout);
    const auto after = unix_now();
    ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
    EXPECT_EQ(outcome.err, "");
    ASSERT_EQ(outcome.out.back(), '\n');
    EXPECT_EQ(outcome.out.find('\n'), outcome.out.size() - 1);
    const DecodedToken token = decode_token(outcome.out);
    EXPECT_TRUE(token.signature_valid) << outcome.out;
    EXPECT_EQ(token.header, nlohmann::json::parse(R"({"alg":"HS256","typ":"JWT"})"));
    EXPECT_EQ(token.claims["sub"], "alice");
    EXPECT_EQ(token.claims["topics"], nlohmann::json::parse(R"(["chat","ns:room"])"));
    EXPECT_EQ(token.claims["info"], nlohmann::json::parse(R"({"name":"Alice","n":1})"));
    EXPECT_EQ(token.claims["iss"], "notify-dev");
    EXPECT_EQ(token.claims["aud"], "notify");
    const auto iat = token.claims["iat"].get<std::int64_t>();
    EXPECT_GE(iat, before);
    EXPECT_LE(iat, after);
    EXPECT_EQ(token.claims["exp"].get<std::int64_t>(), iat + 7200);
    EXPECT_FALSE(token.claims.contains("topic"));
    EXPECT_FALSE(token.claims.contains("client"));
}

TEST_F(NotifyCliToken, MintsASubscriptionTokenBoundToAClient) {
    const auto outcome = run_to_exit(cli({"token", "--secret-env", kSecretVariable, "--topic",
                                          "vip:lounge", "--client", "c-1", "--ttl", "30s"}),
                                     kExitTimeout);
    ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
    const DecodedToken token = decode_token(outcome.out);
    EXPECT_TRUE(token.signature_valid);
    EXPECT_EQ(token.claims["topic"], "vip:lounge");
    EXPECT_EQ(token.claims["client"], "c-1");
    EXPECT_EQ(token.claims["exp"].get<std::int64_t>() - token.claims["iat"].get<std::int64_t>(),
              30);
    EXPECT_FALSE(token.claims.contains("sub"));
}

TEST_F(NotifyCliToken, DurationsAndNoExpiry) {
    for (const auto& [ttl, seconds] : std::vector<std::pair<std::string, std::int64_t>>{
             {"45", 45}, {"5m", 300}, {"1h", 3600}, {"2d", 172800}}) {
        const auto outcome =
            run_to_exit(cli({"token", "--secret-env", kSecretVariable, "--ttl", ttl}),
                        kExitTimeout);
        ASSERT_EQ(outcome.exit_code, 0) << ttl << ": " << outcome.err;
        const DecodedToken token = decode_token(outcome.out);
        EXPECT_EQ(token.claims["exp"].get<std::int64_t>() - token.claims["iat"].get<std::int64_t>(),
                  seconds)
            << ttl;
    }
    const auto forever =
        run_to_exit(cli({"token", "--secret-env", kSecretVariable, "--ttl", "0"}), kExitTimeout);
    ASSERT_EQ(forever.exit_code, 0) << forever.err;
    EXPECT_FALSE(decode_token(forever.out).claims.contains("exp"));
    // One hour by default.
    const auto fallback =
        run_to_exit(cli({"token", "--secret-env", kSecretVariable}), kExitTimeout);
    ASSERT_EQ(fallback.exit_code, 0) << fallback.err;
    const DecodedToken token = decode_token(fallback.out);
    EXPECT_EQ(token.claims["exp"].get<std::int64_t>() - token.claims["iat"].get<std::int64_t>(),
              3600);
}

TEST_F(NotifyCliToken, RefusesBadArgumentsWithExitTwo) {
    const auto unset = run_to_exit(cli({"token", "--secret-env", "NOTIFY_CLI_TEST_UNSET"}),
                                   kExitTimeout);
    EXPECT_EQ(unset.exit_code, 2);
    EXPECT_EQ(unset.err, "notify-cli: token: the environment variable NOTIFY_CLI_TEST_UNSET "
                         "(--secret-env) is not set or empty\n");
    EXPECT_EQ(unset.out, "");

    ::setenv("NOTIFY_CLI_TEST_EMPTY", "", 1);
    const auto empty =
        run_to_exit(cli({"token", "--secret-env", "NOTIFY_CLI_TEST_EMPTY"}), kExitTimeout);
    EXPECT_EQ(empty.exit_code, 2);
    EXPECT_NE(empty.err.find("NOTIFY_CLI_TEST_EMPTY (--secret-env) is not set or empty"),
              std::string::npos)
        << empty.err;

    const auto no_secret = run_to_exit(cli({"token", "--sub", "a"}), kExitTimeout);
    EXPECT_EQ(no_secret.exit_code, 2);
    EXPECT_NE(no_secret.err.find("--secret-env"), std::string::npos) << no_secret.err;

    for (const char* info : {"[1]", "not json", "\"text\""}) {
        const auto outcome = run_to_exit(
            cli({"token", "--secret-env", kSecretVariable, "--info", info}), kExitTimeout);
        EXPECT_EQ(outcome.exit_code, 2) << info;
        EXPECT_EQ(outcome.err,
                  "notify-cli: --info must be a JSON object, not '" + std::string(info) + "'\n");
    }

    for (const char* ttl : {"", "-1", "1w", "h", "1.5h"}) {
        const auto outcome = run_to_exit(
            cli({"token", "--secret-env", kSecretVariable, "--ttl", ttl}), kExitTimeout);
        EXPECT_EQ(outcome.exit_code, 2) << ttl;
        EXPECT_NE(outcome.err.find("--ttl"), std::string::npos) << outcome.err;
    }

    const auto client_only = run_to_exit(
        cli({"token", "--secret-env", kSecretVariable, "--client", "c-1"}), kExitTimeout);
    EXPECT_EQ(client_only.exit_code, 2);
    EXPECT_NE(client_only.err.find("--client requires --topic"), std::string::npos)
        << client_only.err;

    const auto bad_topics = run_to_exit(
        cli({"token", "--secret-env", kSecretVariable, "--topics", "a,,b"}), kExitTimeout);
    EXPECT_EQ(bad_topics.exit_code, 2);
    EXPECT_EQ(bad_topics.err, "notify-cli: --topics: '' is not a topic name (in 'a,,b')\n");
}

// ---- --token-cmd --------------------------------------------------------------------------

TEST(NotifyCliTokenCommand, AFailingCommandIsAnErrorNamingIt) {
    const notify::test::RefusingPort refusing;
    const std::string url = "ws://127.0.0.1:" + std::to_string(refusing.port()) + "/";
    const auto failing =
        run_to_exit(cli({"pub", url, "chat", "x", "--token-cmd", "exit 3"}), kExitTimeout);
    EXPECT_EQ(failing.exit_code, 2);
    EXPECT_EQ(failing.err, "notify-cli: --token-cmd 'exit 3' failed with exit status 3\n");

    const auto silent =
        run_to_exit(cli({"send", url, "x", "--token-cmd", "printf ' \\n\\t'"}), kExitTimeout);
    EXPECT_EQ(silent.exit_code, 2);
    EXPECT_EQ(silent.err, "notify-cli: --token-cmd 'printf ' \\n\\t'' printed no token\n");

    const auto both = run_to_exit(
        cli({"sub", url, "chat", "--token", "t", "--token-cmd", "echo t"}), kExitTimeout);
    EXPECT_EQ(both.exit_code, 2);
    EXPECT_NE(both.err.find("--token excludes --token-cmd"), std::string::npos) << both.err;
}

TEST(NotifyCliTokenCommand, ItsOutputWithoutTrailingWhitespaceIsTheConnectToken) {
    std::string token;
    FakeServer server([&](FakeConnection& connection) {
        const auto [id, connect] = expect_command<ConnectCommand>(connection);
        token = connect.token;
        connection.write(protocol::encode_connect_reply(id, "c", "", "r", "test"));
        const auto [publish_id, publish] = expect_command<protocol::PublishCommand>(connection);
        connection.write(protocol::encode_publish_reply(publish_id, {}));
        connection.wait_until_closed();
    });
    const auto outcome = run_to_exit(
        cli({"pub", server.url(), "chat", "x", "--token-cmd", "printf 'a b\\n\\n  '"}),
        kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
    ASSERT_TRUE(server.wait_for_finished_connections(1, kScriptTimeout));
    EXPECT_EQ(token, "a b");
    EXPECT_TRUE(server.failures().empty()) << server.failures().front();
}

// A --token-cmd that prints tok-1, tok-2, … on its successive runs.
class CountingTokenCommand {
public:
    CountingTokenCommand()
        : path_(std::filesystem::temp_directory_path() /
                ("notify-cli-token-" + std::to_string(::getpid()) + "-" +
                 std::to_string(next_++))) {
        std::filesystem::remove(path_);
    }
    ~CountingTokenCommand() { std::filesystem::remove(path_); }

    std::string command() const {
        const std::string file = "'" + path_.string() + "'";
        return "n=$(cat " + file + " 2>/dev/null || echo 0); n=$((n+1)); echo $n > " + file +
               "; echo tok-$n";
    }

private:
    static inline std::atomic<int> next_{0};
    std::filesystem::path path_;
};

// ---- refresh ------------------------------------------------------------------------------

TEST(NotifyCliRefresh, RefreshesAtEightyPercentOfTtlWithANewToken) {
    CountingTokenCommand tokens;
    std::string connect_token;
    std::string refresh_token;
    std::chrono::milliseconds refresh_after{};
    FakeServer server([&](FakeConnection& connection) {
        const auto [id, connect] = expect_command<ConnectCommand>(connection);
        connect_token = connect.token;
        connection.write(protocol::encode_connect_reply(id, "client-1", "", "resume-1", "test",
                                                        SessionResume{false, false, 1000}));
        const auto connected = std::chrono::steady_clock::now();
        const auto [subscribe_id, subscribe] = expect_command<SubscribeCommand>(connection);
        connection.write(protocol::encode_empty_reply(subscribe_id));
        const auto [refresh_id, refresh] = expect_command<RefreshCommand>(connection);
        refresh_after = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - connected);
        refresh_token = refresh.token;
        // The new token does not expire: no further refresh.
        connection.write(protocol::encode_refresh_reply(refresh_id, std::nullopt));
        connection.write(protocol::encode_message_push("chat", 1, "e", "after the refresh"));
        connection.wait_until_closed();
    });
    ChildProcess child(
        cli({"sub", server.url(), "chat", "--count", "1", "--token-cmd", tokens.command()}));
    EXPECT_EQ(child.wait_for_exit(kExitTimeout), 0) << child.err();
    ASSERT_TRUE(server.wait_for_finished_connections(1, kScriptTimeout));
    EXPECT_TRUE(server.failures().empty()) << server.failures().front();
    EXPECT_EQ(connect_token, "tok-1");
    EXPECT_EQ(refresh_token, "tok-2");
    EXPECT_GE(refresh_after.count(), 700);
    EXPECT_LE(refresh_after.count(), 2500);  // 800 ms, plus a loaded machine's delays
    EXPECT_EQ(child.out_lines(),
              std::vector<std::string>{
                  R"({"topic":"chat","offset":1,"epoch":"e","data":"after the refresh"})"});
    EXPECT_EQ(child.err(), std::string(kAcceptedClientLine) + "ready\n");
}

TEST(NotifyCliRefresh, SchedulesTheNextRefreshFromEachReply) {
    CountingTokenCommand tokens;
    std::vector<std::string> refreshed;
    FakeServer server([&](FakeConnection& connection) {
        const auto [id, connect] = expect_command<ConnectCommand>(connection);
        connection.write(protocol::encode_connect_reply(id, "c", "", "r", "test",
                                                        SessionResume{false, false, 300}));
        const auto [publish_id, publish] = expect_command<protocol::PublishCommand>(connection);
        for (int i = 0; i < 2; ++i) {
            const auto [refresh_id, refresh] = expect_command<RefreshCommand>(connection);
            refreshed.push_back(refresh.token);
            connection.write(protocol::encode_refresh_reply(refresh_id, 300));
        }
        const auto [refresh_id, refresh] = expect_command<RefreshCommand>(connection);
        refreshed.push_back(refresh.token);
        connection.write(protocol::encode_refresh_reply(refresh_id, std::nullopt));
        connection.write(protocol::encode_publish_reply(publish_id, {}));
        connection.wait_until_closed();
    });
    const auto outcome = run_to_exit(
        cli({"pub", server.url(), "chat", "x", "--token-cmd", tokens.command()}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
    ASSERT_TRUE(server.wait_for_finished_connections(1, kScriptTimeout));
    EXPECT_TRUE(server.failures().empty()) << server.failures().front();
    EXPECT_EQ(refreshed, (std::vector<std::string>{"tok-2", "tok-3", "tok-4"}));
    EXPECT_EQ(outcome.err, "");
}

TEST(NotifyCliRefresh, AFixedTokenWarnsOnceThatTheConnectionWillExpire) {
    FakeServer server([&](FakeConnection& connection) {
        const auto [id, connect] = expect_command<ConnectCommand>(connection);
        connection.write(protocol::encode_connect_reply(id, "client-1", "", "resume-1", "test",
                                                        SessionResume{false, false, 600000}));
        const auto [subscribe_id, subscribe] = expect_command<SubscribeCommand>(connection);
        connection.write(protocol::encode_empty_reply(subscribe_id));
        connection.write(protocol::encode_message_push("chat", 1, "e", "x"));
        connection.wait_until_closed();
    });
    ChildProcess child(cli({"sub", server.url(), "chat", "--count", "1", "--token", "fixed"}));
    EXPECT_EQ(child.wait_for_exit(kExitTimeout), 0) << child.err();
    EXPECT_EQ(child.err(), std::string(kAcceptedClientLine) +
                               "notify-cli: the token expires in 600 s and a fixed --token "
                               "cannot be refreshed (use --token-cmd); the server will close "
                               "the connection then\nready\n");
    ASSERT_TRUE(server.wait_for_finished_connections(1, kScriptTimeout));
    EXPECT_TRUE(server.failures().empty()) << server.failures().front();
}

TEST(NotifyCliRefresh, ARefusedRefreshIsANoticeNotAFailure) {
    FakeServer server([&](FakeConnection& connection) {
        const auto [id, connect] = expect_command<ConnectCommand>(connection);
        connection.write(protocol::encode_connect_reply(id, "client-1", "", "resume-1", "test",
                                                        SessionResume{false, false, 200}));
        const auto [subscribe_id, subscribe] = expect_command<SubscribeCommand>(connection);
        connection.write(protocol::encode_empty_reply(subscribe_id));
        const auto [refresh_id, refresh] = expect_command<RefreshCommand>(connection);
        connection.write(protocol::encode_error_reply(refresh_id, protocol::ErrorCode::unauthorized,
                                                      "the token is of another user"));
        connection.write(protocol::encode_message_push("chat", 1, "e", "x"));
        connection.wait_until_closed();
    });
    ChildProcess child(
        cli({"sub", server.url(), "chat", "--count", "1", "--token-cmd", "echo same"}));
    EXPECT_EQ(child.wait_for_exit(kExitTimeout), 0) << child.err();
    EXPECT_EQ(child.err(), std::string(kAcceptedClientLine) +
                               "ready\nnotify-cli: refresh refused: unauthorized (101): the token "
                               "is of another user; the server will close the connection when "
                               "the token expires\n");
    ASSERT_TRUE(server.wait_for_finished_connections(1, kScriptTimeout));
    EXPECT_TRUE(server.failures().empty()) << server.failures().front();
}

// ---- 4006 and 111 -------------------------------------------------------------------------

TEST(NotifyCliRefresh, ReconnectsAsTheSameClientWithANewTokenAfterCloseCode4006) {
    CountingTokenCommand tokens;
    int connections = 0;
    ConnectCommand second_connect;
    std::optional<protocol::Position> resubscribed_since;
    FakeServer server([&](FakeConnection& connection) {
        ++connections;
        const auto [id, connect] = expect_command<ConnectCommand>(connection);
        if (connections == 1) {
            connection.write(protocol::encode_connect_reply(id, "client-1", "", "resume-1",
                                                            "test"));
            const auto [subscribe_id, subscribe] = expect_command<SubscribeCommand>(connection);
            connection.write(protocol::encode_empty_reply(subscribe_id));
            connection.write(protocol::encode_message_push("chat", 5, "e", "before"));
            connection.write(protocol::encode_disconnect_push(4006, "token expired"));
            connection.close(4006, "token expired");
            return;
        }
        second_connect = connect;
        connection.write(protocol::encode_connect_reply(id, "client-1", "", "resume-2", "test",
                                                        SessionResume{true, true, std::nullopt}));
        const auto [subscribe_id, subscribe] = expect_command<SubscribeCommand>(connection);
        resubscribed_since = subscribe.since;
        connection.write(protocol::encode_subscribe_reply(subscribe_id, protocol::Position{6, "e"},
                                                          true));
        connection.write(protocol::encode_message_push("chat", 6, "e", "after"));
        connection.wait_until_closed();
    });
    ChildProcess child(
        cli({"sub", server.url(), "chat", "--count", "2", "--token-cmd", tokens.command()}));
    EXPECT_EQ(child.wait_for_exit(kExitTimeout), 0) << child.err();
    ASSERT_TRUE(server.wait_for_finished_connections(2, kScriptTimeout));
    EXPECT_EQ(second_connect.token, "tok-2");
    EXPECT_EQ(second_connect.client, "client-1");
    EXPECT_EQ(second_connect.resume, "resume-1");
    EXPECT_EQ(resubscribed_since, (protocol::Position{5, "e"}));
    EXPECT_EQ(child.out_lines().size(), 2U);
    EXPECT_EQ(child.err(),
              std::string(kAcceptedClientLine) +
                  "ready\nnotify-cli: the server closed the connection because its token expired "
                  "(code 4006); reconnecting with a new token from --token-cmd\n"
                  "client client-1 resume-2\n"
                  "notify-cli: the session buffer overflowed on the server; messages published "
                  "while disconnected are lost (--since recovers them)\n");
}

TEST(NotifyCliRefresh, CloseCode4006WithAFixedTokenExitsTwo) {
    FakeServer server([&](FakeConnection& connection) {
        accept_connect(connection);
        const auto [subscribe_id, subscribe] = expect_command<SubscribeCommand>(connection);
        connection.write(protocol::encode_empty_reply(subscribe_id));
        connection.write(protocol::encode_disconnect_push(4006, "token expired"));
        connection.wait_until_closed();
    });
    const auto outcome =
        run_to_exit(cli({"sub", server.url(), "chat", "--token", "fixed"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_EQ(outcome.err, std::string(kAcceptedClientLine) +
                               "ready\nnotify-cli: disconnected by the server (code 4006: token "
                               "expired)\n");
}

TEST(NotifyCliRefresh, TokenExpiredAtConnectFetchesANewTokenOnce) {
    CountingTokenCommand tokens;
    std::vector<std::string> connect_tokens;
    FakeServer server([&](FakeConnection& connection) {
        const auto [id, connect] = expect_command<ConnectCommand>(connection);
        connect_tokens.push_back(connect.token);
        if (connect_tokens.size() == 1) {
            connection.write(protocol::encode_error_reply(id, protocol::ErrorCode::token_expired,
                                                          "token expired"));
            connection.close(4004, "unauthorized");
            return;
        }
        connection.write(protocol::encode_connect_reply(id, "c", "", "r", "test"));
        const auto [publish_id, publish] = expect_command<protocol::PublishCommand>(connection);
        connection.write(protocol::encode_publish_reply(publish_id, {}));
        connection.wait_until_closed();
    });
    const auto outcome = run_to_exit(
        cli({"pub", server.url(), "chat", "x", "--token-cmd", tokens.command()}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
    ASSERT_TRUE(server.wait_for_finished_connections(2, kScriptTimeout));
    EXPECT_EQ(connect_tokens, (std::vector<std::string>{"tok-1", "tok-2"}));
}

TEST(NotifyCliRefresh, TokenExpiredTwiceOrWithAFixedTokenExitsTwoSayingSo) {
    FakeServer server([&](FakeConnection& connection) {
        const auto [id, connect] = expect_command<ConnectCommand>(connection);
        connection.write(
            protocol::encode_error_reply(id, protocol::ErrorCode::token_expired, "exp passed"));
        connection.close(4004, "unauthorized");
    });
    const auto fixed =
        run_to_exit(cli({"send", server.url(), "x", "--token", "old"}), kExitTimeout);
    EXPECT_EQ(fixed.exit_code, 2);
    EXPECT_EQ(fixed.err, "notify-cli: connect refused: token_expired (111): exp passed (token "
                         "expired: get a new token, or use --token-cmd)\n");
    const auto command =
        run_to_exit(cli({"send", server.url(), "x", "--token-cmd", "echo old"}), kExitTimeout);
    EXPECT_EQ(command.exit_code, 2);
    EXPECT_EQ(command.err, "notify-cli: connect refused: token_expired (111): exp passed (token "
                           "expired: --token-cmd 'echo old' gave an expired token twice)\n");
    EXPECT_TRUE(server.wait_for_finished_connections(3, kScriptTimeout));
}

// ---- --sub-token --------------------------------------------------------------------------

TEST(NotifyCliSubToken, SendsATokenPerTopicOrOneForEveryTopic) {
    std::map<std::string, std::string> sent;
    FakeServer server([&](FakeConnection& connection) {
        accept_connect(connection);
        for (int i = 0; i < 3; ++i) {
            const auto [id, subscribe] = expect_command<SubscribeCommand>(connection);
            sent[subscribe.topic] = subscribe.token;
            connection.write(protocol::encode_empty_reply(id));
        }
        connection.write(protocol::encode_message_push("a", 1, "e", "x"));
        connection.wait_until_closed();
    });
    // Each --sub-token takes one value, so TOPICs may follow it.
    const auto outcome = run_to_exit(cli({"sub", server.url(), "--sub-token", "vip:c=t=c", "a",
                                          "b", "vip:c", "--count", "1", "--sub-token", "t-all"}),
                                     kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
    ASSERT_TRUE(server.wait_for_finished_connections(1, kScriptTimeout));
    EXPECT_EQ(sent, (std::map<std::string, std::string>{
                        {"a", "t-all"}, {"b", "t-all"}, {"vip:c", "t=c"}}));
}

TEST(NotifyCliSubToken, WithoutItNoTokenIsSentAndTwoForEveryTopicAreRefused) {
    std::string sent = "unset";
    FakeServer server([&](FakeConnection& connection) {
        accept_connect(connection);
        const auto [id, subscribe] = expect_command<SubscribeCommand>(connection);
        sent = subscribe.token;
        connection.write(protocol::encode_empty_reply(id));
        connection.write(protocol::encode_message_push("a", 1, "e", "x"));
        connection.wait_until_closed();
    });
    const auto plain = run_to_exit(cli({"sub", server.url(), "a", "--count", "1"}), kExitTimeout);
    EXPECT_EQ(plain.exit_code, 0) << plain.err;
    ASSERT_TRUE(server.wait_for_finished_connections(1, kScriptTimeout));
    EXPECT_EQ(sent, "");

    const auto twice = run_to_exit(
        cli({"sub", server.url(), "a", "--sub-token", "x", "--sub-token", "y"}), kExitTimeout);
    EXPECT_EQ(twice.exit_code, 2);
    EXPECT_EQ(twice.err, "notify-cli: --sub-token: more than one token for every topic (use "
                         "TOPIC=TOKEN for a token of one topic)\n");
}

}  // namespace
}  // namespace notify::cli::testing
