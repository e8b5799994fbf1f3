// Sessions across nodes (issue 10, "What must hold" 4): a client id is unique cluster-wide, a
// resume token is only good on the node that holds the session, and a client that moves recovers
// exactly from its positions.
#include <map>
#include <regex>

#include "cluster_fixture.hpp"

namespace notify::test::cluster {
namespace {

class ClusterSessionTest : public ClusterTest {};

// Waits until some node has subscribed to a client shard channel on the bus (app id
// "cluster-e2e" is the channels' prefix); false at the deadline.
bool wait_for_client_channel(const RedisServer& redis, milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        if (!redis.cli("PUBSUB", "CHANNELS", "cluster-e2e.client.*").empty()) return true;
        if (Clock::now() >= deadline) return false;
        std::this_thread::sleep_for(milliseconds(20));
    }
}

// Reads pushes until the connection closes (true) or the deadline.
bool wait_closed(NotifyClient& client, milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!client.closed() && Clock::now() < deadline) client.next_push(milliseconds(100));
    return client.closed();
}

TEST_F(ClusterSessionTest, NewerConnectionOfAClientIdOnAnotherNodeReplacesTheOlder) {
    ASSERT_NO_FATAL_FAILURE(start_cluster(39830));
    NotifyClient older(node_port(0));
    ASSERT_EQ(older.connect({{"token", "as:dup-1"}}).at("client").get<std::string>(), "dup-1");
    // Node 2 announces the newer connection on the client's shard channel; node 1 must have
    // subscribed to it first (PUB/SUB is at-most-once). dup-1 is the only client of the cluster
    // yet, so the only client channel there can be is its own.
    ASSERT_TRUE(wait_for_client_channel(redis(), seconds(5)))
        << "node 1 did not subscribe to dup-1's shard channel";
    NotifyClient newer(node_port(1));
    ASSERT_EQ(newer.connect({{"token", "as:dup-1"}}).at("client").get<std::string>(), "dup-1");

    ASSERT_TRUE(wait_closed(older, seconds(5))) << "node 1 kept the older connection";
    EXPECT_EQ(older.close_code(), 4002);  // NOTIFY_CLOSE_REPLACED

    // The newer one stays, and a direct publish to the id reaches it (once).
    const json ping = newer.request("ping", json::object());
    EXPECT_TRUE(ping.contains("result")) << ping.dump();
    // Node 2's SUBSCRIBE to the id's shard channel may not have taken effect yet (a publish
    // before it is lost): publish numbered messages until one arrives, then none may come twice.
    NotifyClient publisher(node_port(2));
    publisher.connect();
    std::map<std::string, int> got;
    const auto deadline = Clock::now() + seconds(5);
    for (int round = 1; got.empty() && Clock::now() < deadline; ++round) {
        const json reply = publisher.request(
            "publish",
            {{"clients", {"dup-1"}}, {"data", "to the newer one #" + std::to_string(round)}});
        ASSERT_TRUE(reply.contains("result")) << reply.dump();
        for (const json& message : newer.messages(10, milliseconds(200))) {
            const std::string data = message.value("data", "");
            if (data.rfind("to the newer one #", 0) == 0) ++got[data];
        }
    }
    ASSERT_FALSE(got.empty()) << "no direct publish to dup-1 reached the newer connection";
    for (const json& message : newer.messages(50, milliseconds(500))) {  // a duplicate?
        const std::string data = message.value("data", "");
        if (data.rfind("to the newer one #", 0) == 0) ++got[data];
    }
    for (const auto& [data, count] : got) EXPECT_EQ(count, 1) << data;
    EXPECT_FALSE(newer.closed()) << "the newer connection was closed with " << newer.close_code();
}

TEST_F(ClusterSessionTest, ResumeTokenOnAnotherNodeIsNotResumed) {
    ASSERT_NO_FATAL_FAILURE(start_cluster(39840));
    NotifyClient first(node_port(0));
    first.connect();
    const json subscribed = first.request("subscribe", {{"topic", "moves"}});
    ASSERT_TRUE(subscribed.contains("result")) << subscribed.dump();
    const std::string client = first.client();
    const std::string resume = first.resume();
    first.vanish();

    NotifyClient elsewhere(node_port(1));
    const json frame = elsewhere.connect_frame({{"client", client}, {"resume", resume}});
    if (frame.contains("error")) {
        EXPECT_EQ(frame.at("error").at("code"), 101) << frame.dump();  // unauthorized
    } else {
        EXPECT_FALSE(frame.at("result").value("resumed", false))
            << "node 2 claims to resume a session node 1 holds: " << frame.dump();
    }
}

// A client read 1..40 on node 1 and reconnects to node 2 with its last position: it gets exactly
// 41..last, then live messages. Once as a fresh client with --since, once with the old client id
// and resume token that node 2 cannot resume (notify-cli then starts afresh with --since).
TEST_F(ClusterSessionTest, NotifyCliRecoversExactlyOnAnotherNode) {
    ASSERT_NO_FATAL_FAILURE(start_cluster(39850));
    auto pub = start_cli("pub", {"pub", url(2), "moves", "m", "--count", "100", "--timeout", "15"});
    ASSERT_EQ(pub->wait_for(seconds(15)), 0) << pub->stderr_text();

    auto first = start_cli(
        "first", {"sub", url(0), "moves", "--since", "0", "--count", "40", "--timeout", "10"});
    ASSERT_EQ(first->wait_for(seconds(10)), 0) << first->stderr_text();
    const auto read = parse_cli_lines(first->stdout_text());
    ASSERT_EQ(read.size(), 40u);
    EXPECT_EQ(read.back().offset, 40u);
    std::smatch session;
    const std::string announced = first->stderr_text();
    ASSERT_TRUE(std::regex_search(announced, session, std::regex(R"re(client (\S+) (\S+)\n)re")))
        << announced;
    const std::string since = "40:" + read.back().epoch;

    const std::vector<std::vector<std::string>> variants{
        {},                                                             // a fresh client
        {"--client", session[1].str(), "--resume", session[2].str()}};  // the old session
    int round = 0;
    for (const auto& extra : variants) {
        SCOPED_TRACE(extra.empty() ? "fresh client" : "old client id and resume token");
        ++round;
        std::vector<std::string> args{"sub",
                                      url(1),
                                      "moves",
                                      "--since",
                                      since,
                                      "--count",
                                      std::to_string(60 + 10 * round),
                                      "--timeout",
                                      "15"};
        args.insert(args.end(), extra.begin(), extra.end());
        auto moved = start_cli("moved", args);
        ASSERT_TRUE(moved->wait_for_stderr("ready", seconds(10))) << moved->stderr_text();
        // Live messages after the recovery, published on node 3.
        auto more = start_cli("more", {"pub", url(2), "moves", "live" + std::to_string(round),
                                       "--count", "10", "--timeout", "10"});
        ASSERT_EQ(more->wait_for(seconds(10)), 0) << more->stderr_text();
        ASSERT_EQ(moved->wait_for(seconds(10)), 0) << moved->stderr_text();
        const auto lines = parse_cli_lines(moved->stdout_text());
        ASSERT_EQ(lines.size(), static_cast<std::size_t>(60 + 10 * round));
        for (std::size_t i = 0; i < lines.size(); ++i) {
            ASSERT_EQ(lines[i].offset, 41 + i);
            ASSERT_EQ(lines[i].epoch, read.back().epoch);
            if (41 + i <= 100) {
                ASSERT_EQ(lines[i].data, "m-" + std::to_string(41 + i));
            }
        }
        EXPECT_EQ(lines.back().data, "live" + std::to_string(round) + "-10");
        EXPECT_EQ(moved->stderr_text().find("could not be recovered"), std::string::npos)
            << moved->stderr_text();
    }
}

}  // namespace
}  // namespace notify::test::cluster
