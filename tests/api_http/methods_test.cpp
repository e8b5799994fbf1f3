// The server API's methods through http_api against a real notifyd: what the API says happened
// is checked against what real clients (notify-cli over ws, tcp and SSE; WebSocket clients)
// see.
#include "api_fixture.hpp"

#include <memory>
#include <set>
#include <utility>
#include <vector>

namespace notify::test {
namespace {

using json = nlohmann::json;
using std::chrono::seconds;

class ApiHttpMethods : public ApiHttpTest {};

std::unique_ptr<Process> start_sub(const std::filesystem::path& dir, const std::string& label,
                                   const std::string& url, const std::string& topic) {
    return std::make_unique<Process>(
        std::vector<std::string>{NOTIFY_CLI_PATH, "sub", url, topic, "--count", "2", "--timeout",
                                 "20"},
        dir, label);
}

bool is_message(const json& frame, const std::string& topic, const std::string& data) {
    const json* message = message_of(frame, topic);
    return message != nullptr && message->value("data", "") == data;
}

TEST_F(ApiHttpMethods, PublishReachesWebSocketTcpAndSseSubscribersAtTheReturnedPosition) {
    start({39607, 39608, 39609});
    std::vector<std::unique_ptr<Process>> subscribers;
    subscribers.push_back(start_sub(dir_.path(), "ws", url(), "chat"));
    subscribers.push_back(start_sub(dir_.path(), "tcp", "tcp://127.0.0.1:39608", "chat"));
    subscribers.push_back(start_sub(dir_.path(), "sse", "http://127.0.0.1:39609/http", "chat"));
    for (const auto& subscriber : subscribers) {
        ASSERT_TRUE(subscriber->wait_for_stderr("ready", seconds(10)))
            << subscriber->stderr_text();
    }
    // What each subscriber must print: the messages at the positions the API returned.
    std::vector<json> expected;
    for (const std::string data : {"first", "hello from the api"}) {
        const json result = api_ok("publish", json{{"topic", "chat"}, {"data", data}}.dump());
        ASSERT_EQ(result["positions"].size(), 1u) << result;
        const json& position = result["positions"][0];
        EXPECT_EQ(position["topic"], "chat");
        expected.push_back(json{{"topic", "chat"},
                                {"offset", position["offset"]},
                                {"epoch", position["epoch"]},
                                {"data", data}});
    }
    EXPECT_EQ(expected[1]["offset"].get<std::uint64_t>(),
              expected[0]["offset"].get<std::uint64_t>() + 1);
    for (const auto& subscriber : subscribers) {
        ASSERT_EQ(subscriber->wait_for(seconds(20)), 0) << subscriber->stderr_text();
        const auto lines = split_lines(subscriber->stdout_text());
        ASSERT_EQ(lines.size(), 2u) << subscriber->stdout_text();
        EXPECT_EQ(json::parse(lines[0]), expected[0]) << lines[0];
        EXPECT_EQ(json::parse(lines[1]), expected[1]) << lines[1];
    }
}

TEST_F(ApiHttpMethods, DisconnectClosesTheWebSocketWithTheGivenCode) {
    start({39610});
    WsPeer alice(39610, "alice");
    const json result = api_ok(
        "disconnect",
        json{{"client", alice.client_id()}, {"code", 4321}, {"reason", "bye from the api"}}.dump());
    EXPECT_EQ(result["clients"], 1) << result;
    json last_push;
    const auto code = alice.wait_for_close(seconds(5), &last_push);
    ASSERT_TRUE(code.has_value()) << "not closed";
    EXPECT_EQ(*code, 4321);
    EXPECT_EQ(last_push["push"]["disconnect"]["code"], 4321) << last_push;
    EXPECT_EQ(last_push["push"]["disconnect"]["reason"], "bye from the api") << last_push;
}

TEST_F(ApiHttpMethods, PresenceAndHistoryMatchReality) {
    start({39611});
    WsPeer alice(39611, "alice");
    WsPeer bob(39611, "bob");
    ASSERT_TRUE(alice.command("subscribe", json{{"topic", "room:1"}}).contains("result"));
    ASSERT_TRUE(bob.command("subscribe", json{{"topic", "room:1"}}).contains("result"));

    const json presence = api_ok("presence", R"({"topic":"room:1"})");
    ASSERT_EQ(presence["clients"].size(), 2u) << presence;
    std::set<std::pair<std::string, std::string>> present;
    for (const json& entry : presence["clients"]) {
        present.emplace(entry["client"].get<std::string>(), entry["user"].get<std::string>());
    }
    EXPECT_EQ(present, (std::set<std::pair<std::string, std::string>>{
                           {alice.client_id(), "alice"}, {bob.client_id(), "bob"}}));
    const json stats = api_ok("presence_stats", R"({"topic":"room:1"})");
    EXPECT_EQ(stats["clients"], 2);
    EXPECT_EQ(stats["users"], 2);
    const HttpReply no_presence = api("presence", R"({"topic":"chat"})");
    EXPECT_EQ(no_presence.status, 404u) << no_presence.body;

    std::vector<json> seen;
    for (const std::string data : {"one", "two", "three"}) {
        api_ok("publish", json{{"topic", "room:1"}, {"data", data}}.dump());
        const auto frame = alice.wait_for(
            [&](const json& f) { return is_message(f, "room:1", data); }, seconds(5));
        ASSERT_TRUE(frame.has_value()) << data;
        seen.push_back((*frame)["push"]["message"]);
    }
    const json history = api_ok("history", R"({"topic":"room:1"})");
    ASSERT_EQ(history["publications"].size(), 3u) << history;
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(history["publications"][i]["offset"], seen[i]["offset"]);
        EXPECT_EQ(history["publications"][i]["data"], seen[i]["data"]);
    }
    EXPECT_EQ(history["offset"], seen[2]["offset"]);
    EXPECT_EQ(history["epoch"], seen[2]["epoch"]);
    const json newest = api_ok("history", R"({"topic":"room:1","limit":1,"reverse":true})");
    ASSERT_EQ(newest["publications"].size(), 1u) << newest;
    EXPECT_EQ(newest["publications"][0]["data"], "three");
}

TEST_F(ApiHttpMethods, SubscribeOfAConnectedClientThenPublishReachesIt) {
    start({39612});
    WsPeer carol(39612, "carol");
    const json result =
        api_ok("subscribe", json{{"client", carol.client_id()}, {"topic", "news"}}.dump());
    EXPECT_EQ(result["clients"], 1) << result;
    api_ok("publish", R"({"topic":"news","data":"extra"})");
    EXPECT_TRUE(carol.wait_for([](const json& f) { return is_message(f, "news", "extra"); },
                               seconds(5)));
    api_ok("unsubscribe", json{{"client", carol.client_id()}, {"topic", "news"}}.dump());
    api_ok("publish", R"({"topic":"news","data":"after"})");
    EXPECT_FALSE(carol.wait_for([](const json& f) { return is_message(f, "news", "after"); },
                                std::chrono::milliseconds(500)));
}

TEST_F(ApiHttpMethods, TopicsListsTopicsWithTheirSubscriberCounts) {
    start({39613});
    WsPeer first(39613, "u1");
    WsPeer second(39613, "u2");
    ASSERT_TRUE(first.command("subscribe", json{{"topic", "chat:a"}}).contains("result"));
    ASSERT_TRUE(second.command("subscribe", json{{"topic", "chat:a"}}).contains("result"));
    ASSERT_TRUE(second.command("subscribe", json{{"topic", "other"}}).contains("result"));
    const json all = api_ok("topics", "{}");
    EXPECT_EQ(all["topics"], json::parse(R"([{"topic":"chat:a","subscribers":2,"publishes":0},
                                             {"topic":"other","subscribers":1,"publishes":0}])"))
        << all;
    const json matching = api_ok("topics", R"({"pattern":"chat:*"})");
    EXPECT_EQ(matching["topics"],
              json::parse(R"([{"topic":"chat:a","subscribers":2,"publishes":0}])"))
        << matching;

    // Ordered by a count, the largest first, then cut to the limit.
    api_ok("publish", R"({"topic":"other","data":"1"})");
    api_ok("publish", R"({"topic":"other","data":"2"})");
    const json busiest = api_ok("topics", R"({"order":"publishes","limit":1})");
    EXPECT_EQ(busiest["topics"],
              json::parse(R"([{"topic":"other","subscribers":1,"publishes":2}])"))
        << busiest;
    const json largest = api_ok("topics", R"({"order":"subscribers","limit":1})");
    EXPECT_EQ(largest["topics"][0]["topic"], "chat:a") << largest;
    const HttpReply unknown = api("topics", R"({"order":"size"})");
    EXPECT_NE(unknown.body.find("topics.order"), std::string::npos) << unknown.body;
}

TEST_F(ApiHttpMethods, InfoReturnsTheNode) {
    start({39614});
    WsPeer someone(39614, "someone");
    const json info = api_ok("info", "{}");
    ASSERT_TRUE(info.contains("node")) << info;
    EXPECT_TRUE(info["node"].is_object()) << info;
    EXPECT_FALSE(info["node"].empty()) << info;
}

TEST_F(ApiHttpMethods, BatchAppliesGoodItemsAndFailsBadOnesAlone) {
    start({39615});
    const json batch = api_ok("batch", R"({"commands":[
        {"method":"publish","params":{"topic":"chat","data":"a"}},
        {"method":"publish","params":{"topic":"chat","data":"x","colour":"red"}},
        {"method":"no_such_method","params":{}},
        {"method":"publish","params":{"topic":"chat","data":"b"}}]})");
    ASSERT_EQ(batch["replies"].size(), 4u) << batch;
    const json& replies = batch["replies"];
    ASSERT_TRUE(replies[0].contains("result")) << batch;
    EXPECT_EQ(replies[1]["error"]["code"], 102) << batch;
    EXPECT_EQ(replies[2]["error"]["code"], 103) << batch;
    ASSERT_TRUE(replies[3].contains("result")) << batch;
    const std::uint64_t first = replies[0]["result"]["positions"][0]["offset"];
    const std::uint64_t second = replies[3]["result"]["positions"][0]["offset"];
    EXPECT_EQ(second, first + 1);
    const json history = api_ok("history", R"({"topic":"chat"})");
    ASSERT_EQ(history["publications"].size(), 2u) << history;
    EXPECT_EQ(history["publications"][0]["data"], "a");
    EXPECT_EQ(history["publications"][1]["data"], "b");
}

}  // namespace
}  // namespace notify::test
