#include "core_fixture.hpp"

namespace notify::core::testing {
namespace {

using CommandTest = CoreTest;

TEST_F(CommandTest, PingGetsAnEmptyReply) {
    const ConnectedClient client = open_client(1);
    const nlohmann::json reply = request(client.conn, protocol::PingCommand{});
    EXPECT_EQ(reply, nlohmann::json::parse(R"({"id":2,"result":{}})"));
}

TEST_F(CommandTest, SendEmitsADataEventWithTheClientsIdsAndGetsAnEmptyReply) {
    const ConnectedClient client = open_client(1, "user:ann");
    env.clear_records();
    const nlohmann::json reply = request(client.conn, protocol::SendCommand{"hello handlers"});
    EXPECT_TRUE(reply["result"].empty());
    const std::vector<RecordedEvent> data = env.events_of(NOTIFY_EVENT_DATA);
    ASSERT_EQ(data.size(), 1U);
    EXPECT_EQ(data[0].client_id, client.client);
    EXPECT_EQ(data[0].user_id, "ann");
    EXPECT_EQ(data[0].data, "hello handlers");
    EXPECT_EQ(data[0].time_ms, env.clock_ms);
}

TEST_F(CommandTest, SendCarriesBinaryDataUnchanged) {
    const ConnectedClient client = open_client(1);
    const std::string bytes("\x00\xff\x80raw", 6);
    request(client.conn, protocol::SendCommand{bytes});
    ASSERT_EQ(env.events_of(NOTIFY_EVENT_DATA).size(), 1U);
    EXPECT_EQ(env.events_of(NOTIFY_EVENT_DATA)[0].data, bytes);
}

TEST_F(CommandTest, EveryEventCarriesItsSize) {
    const ConnectedClient client = open_client(1, "user:ann");
    subscribe(client.conn, "news");
    publish(client.conn, {"news"}, "x");
    request(client.conn, protocol::SendCommand{"d"});
    core().connection_closed(client.conn, NOTIFY_CLOSE_NORMAL);
    ASSERT_FALSE(env.events.empty());
    for (const RecordedEvent& event : env.events) {
        EXPECT_EQ(event.size, sizeof(notify_event));
    }
}

}  // namespace
}  // namespace notify::core::testing
