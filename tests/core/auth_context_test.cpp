// What the auth chain learns about a connection (its kept headers, transport, address, a
// publish's payload) and what its answers may do beyond allow/deny (ABI 1.7): replace a
// publish's payload, close the connection with the plugin's code.
#include <gtest/gtest.h>

#include "core_fixture.hpp"

namespace notify::core::testing {
namespace {

AuthOutcome replacing(std::string data) {
    AuthOutcome outcome = allow();
    outcome.replacement_data = std::move(data);
    return outcome;
}

AuthOutcome closing(std::string reason, std::uint16_t code) {
    AuthOutcome outcome = deny(std::move(reason));
    outcome.close_code = code;
    return outcome;
}

class AuthContextTest : public CoreTest {
  protected:
    // A connection opened with headers, then connected.
    ConnectedClient open_with_headers(std::uint64_t conn, std::vector<RequestHeader> headers) {
        const ConnectionRef ref{0, conn};
        EXPECT_EQ(core().open_connection(ref, "198.51.100.7:4000", NOTIFY_ENCODING_JSON,
                                         std::move(headers)),
                  NOTIFY_OK);
        const nlohmann::json reply = connect(ref);
        return ConnectedClient{ref, reply["result"]["client"].get<std::string>(), ""};
    }

    std::optional<std::uint16_t> close_code_of(ConnectionRef conn) const {
        for (const RecordedClose& closed : env.closes) {
            if (closed.conn == conn) return closed.code;
        }
        return std::nullopt;
    }
};

TEST_F(AuthContextTest, ConnectRefreshSubscribeAndPublishSeeTheConnectionsHeaders) {
    const std::vector<RequestHeader> headers{{"cookie", "s=1"}, {"x-real-ip", "203.0.113.5"}};
    const ConnectedClient client = open_with_headers(1, headers);
    ASSERT_FALSE(env.auth_requests.empty());
    EXPECT_EQ(env.auth_requests.back().headers, headers);
    EXPECT_EQ(env.auth_requests.back().remote_address, "198.51.100.7:4000");

    subscribe(client.conn, "news");
    publish(client.conn, {"news"}, "hello");
    ASSERT_EQ(env.authorize_calls.size(), 2U);
    for (const auto& call : env.authorize_calls) {
        EXPECT_EQ(call.headers, headers);
        EXPECT_EQ(call.remote_address, "198.51.100.7:4000");
        EXPECT_EQ(call.transport, 0U);
    }
    EXPECT_EQ(env.authorize_calls[0].data, "");  // a subscribe has no payload
    EXPECT_EQ(env.authorize_calls[1].data, "hello");

    request(client.conn, protocol::RefreshCommand{"new-token"});
    EXPECT_EQ(env.auth_requests.back().purpose, std::uint32_t{NOTIFY_AUTH_PURPOSE_REFRESH});
    EXPECT_EQ(env.auth_requests.back().headers, headers);
}

TEST_F(AuthContextTest, AConnectionWithoutHeadersAsksWithNone) {
    const ConnectedClient client = open_client(1);
    EXPECT_TRUE(env.auth_requests.back().headers.empty());
    publish(client.conn, {"news"}, "x");
    ASSERT_EQ(env.authorize_calls.size(), 1U);
    EXPECT_TRUE(env.authorize_calls[0].headers.empty());
}

TEST_F(AuthContextTest, AReplacedPayloadIsWhatSubscribersGet) {
    env.on_authorize_publish = [](std::string_view) { return replacing("***"); };
    const ConnectedClient publisher = open_client(1);
    const ConnectedClient reader = open_client(2);
    subscribe(reader.conn, "chat");
    const nlohmann::json reply = publish(publisher.conn, {"chat"}, "bad word");
    EXPECT_TRUE(reply["result"].contains("positions")) << reply;
    const auto messages = messages_to(reader.conn);
    ASSERT_EQ(messages.size(), 1U);
    EXPECT_EQ(messages[0]["data"], "***");
    ASSERT_EQ(env.broker_calls.size(), 1U);
    EXPECT_EQ(env.broker_calls[0].payload, "***");
}

TEST_F(AuthContextTest, TheFirstTopicsReplacementWinsWhateverOrderTheAnswersCome) {
    env.on_authorize_publish = [](std::string_view) { return pending(); };
    const ConnectedClient publisher = open_client(1);
    const ConnectedClient reader = open_client(2);
    subscribe(reader.conn, "a");
    subscribe(reader.conn, "b");
    const std::size_t before = env.auth_request_ids.size();
    send(publisher.conn, protocol::PublishCommand{{"a", "b"}, {}, {}, "original"});
    ASSERT_EQ(env.auth_request_ids.size(), before + 2);
    core().complete_auth(env.auth_request_ids[before + 1], replacing("from b"));
    core().complete_auth(env.auth_request_ids[before], replacing("from a"));
    // One message per connection for the parts of one publish.
    const auto messages = messages_to(reader.conn);
    ASSERT_EQ(messages.size(), 1U);
    EXPECT_EQ(messages[0]["data"], "from a") << messages[0];
    ASSERT_EQ(env.broker_calls.size(), 2U);
    EXPECT_EQ(env.broker_calls[0].payload, "from a");
    EXPECT_EQ(env.broker_calls[1].payload, "from a");
}

TEST_F(AuthContextTest, AReplacementOverThePayloadLimitIsRefused) {
    config.limits.max_payload_size = 16;
    env.on_authorize_publish = [](std::string_view) { return replacing(std::string(17, 'x')); };
    const ConnectedClient publisher = open_client(1);
    const ConnectedClient reader = open_client(2);
    subscribe(reader.conn, "chat");
    const nlohmann::json reply = publish(publisher.conn, {"chat"}, "short");
    EXPECT_EQ(error_code(reply), 109U) << reply;  // too_large
    EXPECT_NE(reply["error"]["message"].get<std::string>().find("17 bytes"), std::string::npos);
    EXPECT_TRUE(env.broker_calls.empty());
    EXPECT_TRUE(messages_to(reader.conn).empty());
}

TEST_F(AuthContextTest, DenialsWithACloseCodeCloseTheConnectionAfterTheReply) {
    env.on_authorize_publish = [](std::string_view) { return closing("kicked", 4501); };
    const ConnectedClient publisher = open_client(1);
    const std::uint64_t id = send(publisher.conn, protocol::PublishCommand{{"chat"}, {}, {}, "x"});
    EXPECT_EQ(error_code(reply_to(publisher.conn, id)), 104U);
    // The reply, then the disconnect push, then the close with the plugin's code.
    EXPECT_EQ(close_code_of(publisher.conn), std::optional<std::uint16_t>{4501});
    const auto frames = env.frames_to(publisher.conn);
    ASSERT_GE(frames.size(), 2U);
    EXPECT_NE(frames.back().find("4501"), std::string::npos) << frames.back();

    env.on_authorize_subscribe = [](std::string_view) { return closing("no", 4502); };
    const ConnectedClient subscriber = open_client(2);
    subscribe(subscriber.conn, "chat");
    EXPECT_EQ(close_code_of(subscriber.conn), std::optional<std::uint16_t>{4502});
}

TEST_F(AuthContextTest, DenialsWithoutACloseCodeLeaveTheConnectionOpen) {
    env.on_authorize_publish = [](std::string_view) { return deny("no"); };
    const ConnectedClient publisher = open_client(1);
    EXPECT_EQ(error_code(publish(publisher.conn, {"chat"}, "x")), 104U);
    EXPECT_FALSE(close_code_of(publisher.conn).has_value());
}

TEST_F(AuthContextTest, ARefusedConnectClosesWithThePluginsCodeOr4004) {
    env.on_authenticate = [](const AuthRequest& request) {
        return request.token == "close" ? closing("go away", 4444) : deny("no");
    };
    const ConnectionRef first = open(1);
    connect(first, protocol::ConnectCommand{"close", "", "", ""});
    EXPECT_EQ(close_code_of(first), std::optional<std::uint16_t>{4444});
    const ConnectionRef second = open(2);
    connect(second, protocol::ConnectCommand{"other", "", "", ""});
    EXPECT_EQ(close_code_of(second), std::optional<std::uint16_t>{NOTIFY_CLOSE_UNAUTHORIZED});
}

}  // namespace
}  // namespace notify::core::testing
