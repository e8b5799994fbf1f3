#include "core_fixture.hpp"

namespace notify::core::testing {
namespace {

using ConnectionTest = CoreTest;

TEST_F(ConnectionTest, OpenConnectionRefusesPastMaxConnections) {
    config.limits.max_connections = 2;
    open(1);
    open(2);
    EXPECT_EQ(core().open_connection({0, 3}, "127.0.0.1:3", NOTIFY_ENCODING_JSON),
              NOTIFY_ERR_LIMIT);
    EXPECT_EQ(core().stats().connections, 2U);
}

TEST_F(ConnectionTest, ClosedConnectionFreesItsPlaceUnderTheLimit) {
    config.limits.max_connections = 1;
    open(1);
    core().connection_closed({0, 1}, NOTIFY_CLOSE_NORMAL);
    EXPECT_EQ(core().stats().connections, 0U);
    EXPECT_EQ(core().open_connection({0, 2}, "127.0.0.1:2", NOTIFY_ENCODING_JSON), NOTIFY_OK);
}

TEST_F(ConnectionTest, OpeningTheSameConnectionTwiceIsRefused) {
    open(1);
    EXPECT_EQ(core().open_connection({0, 1}, "127.0.0.1:1", NOTIFY_ENCODING_JSON),
              NOTIFY_ERR_INVALID_ARGUMENT);
}

TEST_F(ConnectionTest, SameConnectionIdOnAnotherTransportIsAnotherConnection) {
    open(1, 0);
    open(1, 1);
    EXPECT_EQ(core().stats().connections, 2U);
}

TEST_F(ConnectionTest, CommandBeforeConnectIsRefusedWithNotConnected) {
    const ConnectionRef conn = open(1);
    const nlohmann::json reply = subscribe(conn, "news");
    EXPECT_EQ(error_code(reply), 106U);
    EXPECT_EQ(reply["id"], 1);
    EXPECT_TRUE(env.closes.empty());
    EXPECT_EQ(core().stats().refusals, 1U);
    EXPECT_TRUE(connect(conn).contains("result"));
}

TEST_F(ConnectionTest, SecondConnectIsRefusedWithAlreadyConnected) {
    const ConnectedClient client = open_client(1);
    const nlohmann::json reply = connect(client.conn);
    EXPECT_EQ(error_code(reply), 107U);
    EXPECT_EQ(core().client_state(client.client), ClientState::active);
}

TEST_F(ConnectionTest, MalformedJsonGetsBadRequestAndTheConnectionStaysOpen) {
    const ConnectionRef conn = open(1);
    core().receive(conn, "{not json");
    const nlohmann::json reply = last_frame(conn);
    EXPECT_EQ(error_code(reply), 102U);
    EXPECT_EQ(reply["id"], 0);
    EXPECT_FALSE(reply["error"]["message"].get<std::string>().empty());
    EXPECT_TRUE(env.closes.empty());
    EXPECT_TRUE(connect(conn).contains("result"));
}

TEST_F(ConnectionTest, UnknownCommandGetsUnknownCommandWithItsId) {
    const ConnectedClient client = open_client(1);
    core().receive(client.conn, R"({"id":7,"frobnicate":{}})");
    const nlohmann::json reply = last_frame(client.conn);
    EXPECT_EQ(error_code(reply), 103U);
    EXPECT_EQ(reply["id"], 7);
    EXPECT_NE(reply["error"]["message"].get<std::string>().find("frobnicate"), std::string::npos);
}

TEST_F(ConnectionTest, EveryErrorReplyCountsAsARefusal) {
    const ConnectionRef conn = open(1);
    core().receive(conn, "[]");
    subscribe(conn, "news");
    connect(conn);
    connect(conn);
    EXPECT_EQ(core().stats().refusals, 3U);
}

TEST_F(ConnectionTest, FramesOnUnknownConnectionsAreIgnored) {
    core().receive({0, 99}, R"({"id":1,"ping":{}})");
    core().connection_closed({0, 99}, NOTIFY_CLOSE_NORMAL);
    EXPECT_TRUE(env.deliveries.empty());
}

}  // namespace
}  // namespace notify::core::testing
