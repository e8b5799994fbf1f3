#include "core_fixture.hpp"

namespace notify::core::testing {
namespace {

using ConnectTest = CoreTest;

TEST_F(ConnectTest, ReplyCarriesClientUserResumeTokenAndServerVersion) {
    config.server_version = "9.8.7";
    const ConnectionRef conn = open(1);
    protocol::ConnectCommand command;
    command.token = "user:ann";
    const nlohmann::json reply = connect(conn, command);
    EXPECT_EQ(reply["id"], 1);
    EXPECT_EQ(reply["result"]["client"], "c1");
    EXPECT_EQ(reply["result"]["user"], "ann");
    EXPECT_EQ(reply["result"]["resume"], "token-1");
    EXPECT_EQ(reply["result"]["version"], "9.8.7");
    EXPECT_EQ(core().client_state("c1"), ClientState::active);
}

TEST_F(ConnectTest, AuthRequestCarriesTheConnectAndTheConnection) {
    ASSERT_EQ(core().open_connection({3, 1}, "10.0.0.1:5555", NOTIFY_ENCODING_JSON), NOTIFY_OK);
    connect({3, 1}, protocol::ConnectCommand{"secret", "wanted", "", "bob"});
    ASSERT_EQ(env.auth_requests.size(), 1U);
    const AuthRequest& request = env.auth_requests[0];
    EXPECT_EQ(request.token, "secret");
    EXPECT_EQ(request.client_id, "wanted");
    EXPECT_EQ(request.user_id, "bob");
    EXPECT_EQ(request.remote_address, "10.0.0.1:5555");
    EXPECT_EQ(request.transport, 3U);
}

TEST_F(ConnectTest, DenyRepliesUnauthorizedWithTheReasonThenCloses) {
    const ConnectionRef conn = open(1);
    const nlohmann::json reply =
        connect(conn, protocol::ConnectCommand{"deny:bad token", "", "", ""});
    EXPECT_EQ(error_code(reply), 101U);
    EXPECT_EQ(reply["error"]["message"], "bad token");
    ASSERT_EQ(env.closes.size(), 1U);
    EXPECT_EQ(env.closes[0].conn, conn);
    EXPECT_EQ(env.closes[0].code, NOTIFY_CLOSE_UNAUTHORIZED);
    EXPECT_EQ(core().stats().refusals, 1U);
    EXPECT_EQ(core().stats().clients_active, 0U);
}

TEST_F(ConnectTest, ClientIdGivenByAuthIsUsed) {
    const ConnectedClient client = open_client(1, "client:from-auth");
    EXPECT_EQ(client.client, "from-auth");
    EXPECT_EQ(core().client_state("from-auth"), ClientState::active);
}

TEST_F(ConnectTest, NewClientEmitsConnect) {
    const ConnectedClient client = open_client(1, "user:ann");
    const std::vector<RecordedEvent> connects = env.events_of(NOTIFY_EVENT_CONNECT);
    ASSERT_EQ(connects.size(), 1U);
    EXPECT_EQ(connects[0].client_id, client.client);
    EXPECT_EQ(connects[0].user_id, "ann");
    EXPECT_TRUE(env.events_of(NOTIFY_EVENT_RECONNECT).empty());
}

TEST_F(ConnectTest, PendingAuthAnswersWhenCompleted) {
    env.on_authenticate = [](const AuthRequest&) { return pending(); };
    const ConnectionRef conn = open(1);
    send(conn, protocol::ConnectCommand{});
    EXPECT_TRUE(env.frames_to(conn).empty());
    // Other commands wait for the connect like any command before connect.
    EXPECT_EQ(error_code(request(conn, protocol::PingCommand{})), 106U);
    EXPECT_EQ(error_code(connect(conn)), 107U);

    core().complete_auth(env.auth_request_ids.at(0), allow({}, "ann"));
    const nlohmann::json reply = last_frame(conn);
    EXPECT_EQ(reply["id"], 1);
    EXPECT_EQ(reply["result"]["user"], "ann");
    EXPECT_EQ(reply["result"]["client"], "c1");
}

TEST_F(ConnectTest, PendingAuthDenialClosesTheConnection) {
    env.on_authenticate = [](const AuthRequest&) { return pending(); };
    const ConnectionRef conn = open(1);
    send(conn, protocol::ConnectCommand{});
    core().complete_auth(env.auth_request_ids.at(0), deny("expired token"));
    EXPECT_EQ(error_code(last_frame(conn)), 101U);
    ASSERT_EQ(env.closes.size(), 1U);
    EXPECT_EQ(env.closes[0].code, NOTIFY_CLOSE_UNAUTHORIZED);
}

TEST_F(ConnectTest, PendingAuthForAClosedConnectionIsDropped) {
    env.on_authenticate = [](const AuthRequest&) { return pending(); };
    const ConnectionRef conn = open(1);
    send(conn, protocol::ConnectCommand{});
    core().connection_closed(conn, NOTIFY_CLOSE_NORMAL);
    core().complete_auth(env.auth_request_ids.at(0), allow());
    EXPECT_TRUE(env.deliveries.empty());
    EXPECT_EQ(core().stats().clients_active, 0U);
}

TEST_F(ConnectTest, UnknownCompletionIdsAreIgnored) {
    core().complete_auth(12345, allow());
    core().complete_publish(12345, PublishOutcome{});
    EXPECT_TRUE(env.deliveries.empty());
}

TEST_F(ConnectTest, ReconnectWithTheResumeTokenRestoresTheSameClient) {
    const ConnectedClient first = open_client(1, "user:ann");
    subscribe(first.conn, "news");
    core().connection_closed(first.conn, NOTIFY_CLOSE_NORMAL);
    ASSERT_EQ(core().client_state(first.client), ClientState::inactive);

    const ConnectionRef conn = open(2);
    const nlohmann::json reply =
        connect(conn, protocol::ConnectCommand{"", first.client, first.resume, ""});
    EXPECT_EQ(reply["result"]["client"], first.client);
    EXPECT_EQ(reply["result"]["user"], "ann");
    EXPECT_NE(reply["result"]["resume"], first.resume);
    EXPECT_EQ(core().client_state(first.client), ClientState::active);
    EXPECT_EQ(core().client_topics(first.client), std::vector<std::string>{"news"});
    const std::vector<RecordedEvent> reconnects = env.events_of(NOTIFY_EVENT_RECONNECT);
    ASSERT_EQ(reconnects.size(), 1U);
    EXPECT_EQ(reconnects[0].client_id, first.client);
    EXPECT_EQ(env.events_of(NOTIFY_EVENT_CONNECT).size(), 1U);

    publish(conn, {"news"}, "back");
    ASSERT_EQ(messages_to(conn).size(), 1U);
}

TEST_F(ConnectTest, ClientIdWithAWrongResumeTokenIsUnauthorized) {
    const ConnectedClient first = open_client(1);
    core().connection_closed(first.conn, NOTIFY_CLOSE_NORMAL);
    const ConnectionRef conn = open(2);
    const nlohmann::json reply =
        connect(conn, protocol::ConnectCommand{"", first.client, "forged", ""});
    EXPECT_EQ(error_code(reply), 101U);
    EXPECT_EQ(core().client_state(first.client), ClientState::inactive);
    EXPECT_EQ(env.closes.back().code, NOTIFY_CLOSE_UNAUTHORIZED);
}

TEST_F(ConnectTest, ClientIdWithoutAResumeTokenIsUnauthorized) {
    const ConnectedClient first = open_client(1);
    const ConnectionRef conn = open(2);
    EXPECT_EQ(error_code(connect(conn, protocol::ConnectCommand{"", first.client, "", ""})), 101U);
    EXPECT_EQ(core().client_state(first.client), ClientState::active);
}

TEST_F(ConnectTest, UnknownClientIdIsUnauthorized) {
    const ConnectionRef conn = open(1);
    EXPECT_EQ(error_code(connect(conn, protocol::ConnectCommand{"", "ghost", "token-1", ""})),
              101U);
    EXPECT_FALSE(core().client_state("ghost").has_value());
}

TEST_F(ConnectTest, ResumingAsAnotherUserIsUnauthorized) {
    const ConnectedClient first = open_client(1, "user:ann");
    core().connection_closed(first.conn, NOTIFY_CLOSE_NORMAL);
    const ConnectionRef conn = open(2);
    const nlohmann::json reply =
        connect(conn, protocol::ConnectCommand{"user:bob", first.client, first.resume, ""});
    EXPECT_EQ(error_code(reply), 101U);
    EXPECT_EQ(core().client_state(first.client), ClientState::inactive);
}

TEST_F(ConnectTest, AUsersSubscriptionsCarryOverToItsNewClient) {
    const ConnectedClient first = open_client(1, "user:ann");
    core().subscribe(NOTIFY_TARGET_USER, "ann", "news", env.clock_ms);
    core().subscribe(NOTIFY_TARGET_USER, "ann", "sport", env.clock_ms);
    const ConnectedClient second = open_client(2, "user:ann");
    EXPECT_EQ(core().client_topics(second.client), (std::vector<std::string>{"news", "sport"}));
    const ConnectedClient stranger = open_client(3, "user:bob");
    EXPECT_TRUE(core().client_topics(stranger.client).empty());
}

}  // namespace
}  // namespace notify::core::testing
