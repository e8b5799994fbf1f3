#include "core_fixture.hpp"

namespace notify::core::testing {
namespace {

using DisconnectTest = CoreTest;

TEST_F(DisconnectTest, ServerDisconnectPushesClosesWithTheCodeAndInvalidates) {
    const ConnectedClient ann = open_client(1, "user:ann");
    subscribe(ann.conn, "news");
    core().disconnect(NOTIFY_TARGET_CLIENT, ann.client, NOTIFY_CLOSE_DISCONNECTED, "banned");

    const nlohmann::json push = last_frame(ann.conn);
    EXPECT_EQ(push["push"]["disconnect"]["code"], NOTIFY_CLOSE_DISCONNECTED);
    EXPECT_EQ(push["push"]["disconnect"]["reason"], "banned");
    ASSERT_EQ(env.closes.size(), 1U);
    EXPECT_EQ(env.closes[0].conn, ann.conn);
    EXPECT_EQ(env.closes[0].code, NOTIFY_CLOSE_DISCONNECTED);
    EXPECT_EQ(env.closes[0].reason, "banned");
    EXPECT_EQ(core().client_state(ann.client), ClientState::invalid);
    EXPECT_TRUE(core().topic_subscribers("news").empty());
    const std::vector<RecordedEvent> disconnects = env.events_of(NOTIFY_EVENT_DISCONNECT);
    ASSERT_EQ(disconnects.size(), 1U);
    EXPECT_EQ(disconnects[0].client_id, ann.client);
    EXPECT_EQ(disconnects[0].user_id, "ann");
}

TEST_F(DisconnectTest, CloseAfterADisconnectIsStale) {
    const ConnectedClient ann = open_client(1);
    core().disconnect(NOTIFY_TARGET_CLIENT, ann.client, NOTIFY_CLOSE_DISCONNECTED, "bye");
    core().connection_closed(ann.conn, NOTIFY_CLOSE_DISCONNECTED);
    EXPECT_EQ(core().client_state(ann.client), ClientState::invalid);
    EXPECT_TRUE(env.events_of(NOTIFY_EVENT_INACTIVATE).empty());
    EXPECT_EQ(core().stats().connections, 0U);
}

TEST_F(DisconnectTest, DisconnectedIdCannotResume) {
    const ConnectedClient ann = open_client(1);
    core().disconnect(NOTIFY_TARGET_CLIENT, ann.client, NOTIFY_CLOSE_DISCONNECTED, "bye");
    const ConnectionRef conn = open(2);
    const nlohmann::json reply =
        connect(conn, protocol::ConnectCommand{"", ann.client, ann.resume, ""});
    EXPECT_EQ(reply["error"]["message"], "client id invalidated");
}

TEST_F(DisconnectTest, DisconnectingAnInactiveClientInvalidatesItWithoutAClose) {
    const ConnectedClient ann = open_client(1);
    core().connection_closed(ann.conn, NOTIFY_CLOSE_NORMAL);
    core().disconnect(NOTIFY_TARGET_CLIENT, ann.client, NOTIFY_CLOSE_DISCONNECTED, "bye");
    EXPECT_EQ(core().client_state(ann.client), ClientState::invalid);
    EXPECT_TRUE(env.closes.empty());
    EXPECT_EQ(env.events_of(NOTIFY_EVENT_DISCONNECT).size(), 1U);
}

TEST_F(DisconnectTest, DisconnectingAUserDisconnectsEveryClientOfTheUser) {
    const ConnectedClient phone = open_client(1, "user:ann");
    const ConnectedClient laptop = open_client(2, "user:ann");
    const ConnectedClient other = open_client(3, "user:bob");
    core().disconnect(NOTIFY_TARGET_USER, "ann", NOTIFY_CLOSE_DISCONNECTED, "account closed");
    EXPECT_EQ(core().client_state(phone.client), ClientState::invalid);
    EXPECT_EQ(core().client_state(laptop.client), ClientState::invalid);
    EXPECT_EQ(core().client_state(other.client), ClientState::active);
    EXPECT_EQ(env.closes.size(), 2U);
    EXPECT_EQ(core().stats().users, 1U);
}

TEST_F(DisconnectTest, UnknownTargetsAreIgnored) {
    core().disconnect(NOTIFY_TARGET_CLIENT, "ghost", NOTIFY_CLOSE_DISCONNECTED, "x");
    core().disconnect(NOTIFY_TARGET_USER, "ghost", NOTIFY_CLOSE_DISCONNECTED, "x");
    EXPECT_TRUE(env.closes.empty());
    EXPECT_TRUE(env.events.empty());
}

TEST_F(DisconnectTest, ShutdownPushesAndClosesEveryConnectionGoingAway) {
    const ConnectedClient ann = open_client(1);
    const ConnectionRef unconnected = open(2, 1);
    core().shutdown();
    ASSERT_EQ(env.closes.size(), 2U);
    for (const RecordedClose& close : env.closes) {
        EXPECT_EQ(close.code, NOTIFY_CLOSE_GOING_AWAY);
    }
    EXPECT_EQ(last_frame(ann.conn)["push"]["disconnect"]["code"], NOTIFY_CLOSE_GOING_AWAY);
    EXPECT_EQ(last_frame(unconnected)["push"]["disconnect"]["code"], NOTIFY_CLOSE_GOING_AWAY);
    EXPECT_EQ(core().open_connection({0, 3}, "127.0.0.1:3", NOTIFY_ENCODING_JSON),
              NOTIFY_ERR_CLOSED);

    // The sessions survive the shutdown's closes like any lost connection.
    core().connection_closed(ann.conn, NOTIFY_CLOSE_GOING_AWAY);
    EXPECT_EQ(core().client_state(ann.client), ClientState::inactive);
}

}  // namespace
}  // namespace notify::core::testing
