#include "core_fixture.hpp"

namespace notify::core::testing {
namespace {

class SessionTest : public CoreTest {
  protected:
    SessionTest() {
        config.clients.ttl = std::chrono::milliseconds(10'000);
        config.clients.invalidation_time = std::chrono::milliseconds(30'000);
    }
};

TEST_F(SessionTest, LostConnectionMakesTheClientInactiveAndKeepsItsSubscriptions) {
    const ConnectedClient client = open_client(1, "user:ann");
    subscribe(client.conn, "news");
    core().connection_closed(client.conn, NOTIFY_CLOSE_NORMAL);
    EXPECT_EQ(core().client_state(client.client), ClientState::inactive);
    EXPECT_EQ(core().client_topics(client.client), std::vector<std::string>{"news"});
    EXPECT_EQ(core().topic_subscribers("news"), std::vector<std::string>{client.client});
    const std::vector<RecordedEvent> inactivations = env.events_of(NOTIFY_EVENT_INACTIVATE);
    ASSERT_EQ(inactivations.size(), 1U);
    EXPECT_EQ(inactivations[0].client_id, client.client);
    EXPECT_EQ(inactivations[0].user_id, "ann");
    EXPECT_EQ(core().stats().clients_inactive, 1U);
    EXPECT_EQ(core().stats().connections, 0U);
}

TEST_F(SessionTest, MessagesPublishedWhileInactiveWaitForTheResume) {
    const ConnectedClient client = open_client(1);
    subscribe(client.conn, "news");
    core().connection_closed(client.conn, NOTIFY_CLOSE_NORMAL);
    env.clear_records();
    core().publish(PublishTargets{{"news"}, {}, {}}, "missed");
    EXPECT_TRUE(env.deliveries.empty());
    EXPECT_EQ(core().stats().deliveries, 0U);
}

TEST_F(SessionTest, CleanerKeepsAnInactiveClientWithinTtl) {
    const ConnectedClient client = open_client(1);
    core().connection_closed(client.conn, NOTIFY_CLOSE_NORMAL);
    env.clock_ms += 9'999;
    core().clean();
    EXPECT_EQ(core().client_state(client.client), ClientState::inactive);
    EXPECT_TRUE(env.events_of(NOTIFY_EVENT_DISCONNECT).empty());
}

TEST_F(SessionTest, CleanerExpiresAnInactiveClientPastTtl) {
    const ConnectedClient client = open_client(1, "user:ann");
    subscribe(client.conn, "news");
    core().connection_closed(client.conn, NOTIFY_CLOSE_NORMAL);
    env.clock_ms += 10'000;
    core().clean();
    EXPECT_EQ(core().client_state(client.client), ClientState::invalid);
    EXPECT_TRUE(core().client_topics(client.client).empty());
    EXPECT_TRUE(core().topic_subscribers("news").empty());
    EXPECT_EQ(core().stats().topics, 0U);
    const std::vector<RecordedEvent> disconnects = env.events_of(NOTIFY_EVENT_DISCONNECT);
    ASSERT_EQ(disconnects.size(), 1U);
    EXPECT_EQ(disconnects[0].client_id, client.client);
    EXPECT_EQ(disconnects[0].user_id, "ann");
}

TEST_F(SessionTest, ActiveClientsAreNotExpired) {
    const ConnectedClient client = open_client(1);
    env.clock_ms += 1'000'000;
    core().clean();
    EXPECT_EQ(core().client_state(client.client), ClientState::active);
}

TEST_F(SessionTest, InvalidatedIdIsRefusedThenForgottenAfterTheInvalidationTime) {
    const ConnectedClient client = open_client(1, "client:fixed");
    core().connection_closed(client.conn, NOTIFY_CLOSE_NORMAL);
    env.clock_ms += 10'000;
    core().clean();
    ASSERT_EQ(core().client_state("fixed"), ClientState::invalid);

    // The resume token of the expired session no longer works...
    const ConnectionRef resume_conn = open(2);
    nlohmann::json reply =
        connect(resume_conn, protocol::ConnectCommand{"", "fixed", client.resume, ""});
    EXPECT_EQ(error_code(reply), 101U);
    EXPECT_EQ(reply["error"]["message"], "client id invalidated");
    // ...and the id is refused even when the auth chain hands it out.
    const ConnectionRef auth_conn = open(3);
    reply = connect(auth_conn, protocol::ConnectCommand{"client:fixed", "", "", ""});
    EXPECT_EQ(reply["error"]["message"], "client id invalidated");

    env.clock_ms += 29'999;
    core().clean();
    EXPECT_EQ(core().client_state("fixed"), ClientState::invalid);
    env.clock_ms += 1;
    core().clean();
    EXPECT_FALSE(core().client_state("fixed").has_value());
    EXPECT_EQ(core().stats().clients_invalid, 0U);

    const ConnectedClient again = open_client(4, "client:fixed");
    EXPECT_EQ(again.client, "fixed");
    EXPECT_EQ(env.events_of(NOTIFY_EVENT_CONNECT).size(), 2U);
}

TEST_F(SessionTest, NewerConnectionReplacesTheOlderOne) {
    const ConnectedClient first = open_client(1, "user:ann");
    subscribe(first.conn, "news");
    const ConnectionRef newer = open(2, 1);
    const nlohmann::json reply =
        connect(newer, protocol::ConnectCommand{"", first.client, first.resume, ""});
    ASSERT_EQ(reply["result"]["client"], first.client);

    ASSERT_EQ(env.closes.size(), 1U);
    EXPECT_EQ(env.closes[0].conn, first.conn);
    EXPECT_EQ(env.closes[0].code, NOTIFY_CLOSE_REPLACED);
    const nlohmann::json push = last_frame(first.conn);
    EXPECT_EQ(push["push"]["disconnect"]["code"], NOTIFY_CLOSE_REPLACED);
    EXPECT_EQ(env.events_of(NOTIFY_EVENT_RECONNECT).size(), 1U);

    // What went to the replaced connection may be lost: the newer one recovers first.
    EXPECT_EQ(reply["result"]["overflow"], true);
    subscribe(newer, "news");
    env.clear_records();
    core().publish(PublishTargets{{"news"}, {}, {}}, "to the newer one");
    EXPECT_EQ(messages_to(newer).size(), 1U);
    EXPECT_TRUE(messages_to(first.conn).empty());
}

TEST_F(SessionTest, StaleCloseAfterAReplaceIsIgnored) {
    const ConnectedClient first = open_client(1);
    const ConnectionRef newer = open(2);
    connect(newer, protocol::ConnectCommand{"", first.client, first.resume, ""});
    env.clear_records();
    core().connection_closed(first.conn, NOTIFY_CLOSE_REPLACED);
    EXPECT_EQ(core().client_state(first.client), ClientState::active);
    EXPECT_TRUE(env.events_of(NOTIFY_EVENT_INACTIVATE).empty());
    EXPECT_EQ(core().stats().connections, 1U);
    EXPECT_TRUE(request(newer, protocol::PingCommand{}).contains("result"));
}

TEST_F(SessionTest, FramesFromAReplacedConnectionAreIgnored) {
    const ConnectedClient first = open_client(1);
    const ConnectionRef newer = open(2);
    connect(newer, protocol::ConnectCommand{"", first.client, first.resume, ""});
    env.clear_records();
    send(first.conn, protocol::SubscribeCommand{"news", std::nullopt});
    EXPECT_TRUE(env.deliveries.empty());
    EXPECT_TRUE(core().client_topics(first.client).empty());
}

TEST_F(SessionTest, ReconnectWithinTtlKeepsTheSessionPastTheOldDeadline) {
    const ConnectedClient first = open_client(1);
    core().connection_closed(first.conn, NOTIFY_CLOSE_NORMAL);
    env.clock_ms += 5'000;
    const ConnectionRef newer = open(2);
    connect(newer, protocol::ConnectCommand{"", first.client, first.resume, ""});
    env.clock_ms += 20'000;
    core().clean();
    EXPECT_EQ(core().client_state(first.client), ClientState::active);
}

}  // namespace
}  // namespace notify::core::testing
