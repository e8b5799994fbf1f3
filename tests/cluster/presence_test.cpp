// Presence across the cluster (plugins/redis keeps it in Redis, docs/protocol.md §presence): the
// `presence` and `presence_stats` client commands and the server API answer for the whole
// cluster on every node, including a node where nobody subscribed to the topic; entries go away
// everywhere when a client unsubscribes, disconnects or its node dies; a client id that moves is
// listed once; a Redis restarted empty gets the entries back; garbage on a topic channel changes
// nothing. Everything that can only be seen "eventually" is polled with a bound, never slept on.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "cluster_fixture.hpp"

namespace notify::test::cluster {
namespace {

constexpr const char* kSecretEnv = "NOTIFY_CLUSTER_PRESENCE_JWT_SECRET";
constexpr const char* kApiKeyEnv = "NOTIFY_CLUSTER_PRESENCE_API_KEY";
constexpr const char* kApiKey = "cluster-presence-api-key";
// The cluster fixture's app id: the prefix of every Redis key and channel.
constexpr const char* kPrefix = "cluster-e2e";
// How long a change may take to show on every node (it takes milliseconds; this is the bound of
// a loaded machine).
constexpr milliseconds kVisible = seconds(5);

// A presence entry in one canonical text form, so that lists compare and print well: the
// protocol's member order, `user` always written, `info` only when the client has one.
std::string entry(const std::string& client, const std::string& user,
                  const json& info = json()) {
    json object{{"client", client}, {"user", user}};
    if (!info.is_null()) object["info"] = info;
    return object.dump();
}

std::string canonical(const json& item) {
    return entry(item.value("client", std::string("<none>")), item.value("user", std::string()),
                 item.contains("info") ? item.at("info") : json());
}

std::string describe(const std::vector<std::string>& entries) {
    std::string text = "[";
    for (const std::string& item : entries) text += (text.size() > 1 ? ", " : "") + item;
    return text + "]";
}

std::vector<std::string> sorted(std::vector<std::string> entries) {
    std::sort(entries.begin(), entries.end());
    return entries;
}

// FNV-1a 64 of `text` (the redis plugin's shard hash, plugins/redis/README.md).
std::uint64_t fnv1a64(const std::string& text) {
    std::uint64_t hash = 0xcbf29ce484222325ull;
    for (const unsigned char c : text) {
        hash ^= c;
        hash *= 0x100000001b3ull;
    }
    return hash;
}

// The bus channel of client shard of `client` (64 shards, the plugin's default).
std::string client_channel(const std::string& client) {
    return std::string(kPrefix) + ".client." + std::to_string(fnv1a64(client) % 64);
}

std::string topic_channel(const std::string& topic) {
    return std::string(kPrefix) + ".topic." + topic;
}

std::string presence_key(const std::string& topic) {
    return std::string(kPrefix) + ".presence.{" + topic + "}";
}

std::string expiry_key(const std::string& topic) {
    return std::string(kPrefix) + ".presence.expire.{" + topic + "}";
}

// One wire field of plugins/redis/wire.hpp: a 4-byte big-endian length and the bytes.
std::string field(const std::string& bytes) {
    const auto len = static_cast<std::uint32_t>(bytes.size());
    std::string out;
    out.push_back(static_cast<char>((len >> 24) & 0xffu));
    out.push_back(static_cast<char>((len >> 16) & 0xffu));
    out.push_back(static_cast<char>((len >> 8) & 0xffu));
    out.push_back(static_cast<char>(len & 0xffu));
    return out + bytes;
}

// A presence bus message ('J': op, topic, client, node, user, info), spelled out by hand so that
// malformed variants can be made too.
std::string presence_message(const std::string& op, const std::string& topic,
                             const std::string& client, const std::string& node,
                             const std::string& user = "", const std::string& info = "") {
    return std::string("NB\x01J", 4) + field(op) + field(topic) + field(client) + field(node) +
           field(user) + field(info);
}

// PUBLISH with binary-safe arguments (redis-cli takes arguments from argv, which cannot hold a
// NUL byte): one RESP command on a fresh connection. Returns Redis' answer (":N" = receivers).
std::string publish_raw(unsigned short port, const std::string& channel,
                        const std::string& payload) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return "socket failed";
    timeval timeout{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return "connect failed";
    }
    const auto bulk = [](const std::string& text) {
        return "$" + std::to_string(text.size()) + "\r\n" + text + "\r\n";
    };
    const std::string command = "*3\r\n" + bulk("PUBLISH") + bulk(channel) + bulk(payload);
    std::size_t sent = 0;
    while (sent < command.size()) {
        const ssize_t n = ::send(fd, command.data() + sent, command.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            ::close(fd);
            return "send failed";
        }
        sent += static_cast<std::size_t>(n);
    }
    std::string answer;
    char buffer[256];
    while (answer.find("\r\n") == std::string::npos) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        answer.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return answer.substr(0, answer.find("\r\n"));
}

class ClusterPresenceTest : public ClusterTest {
  protected:
    void SetUp() override {
        ClusterTest::SetUp();
        if (IsSkipped()) return;
        if (!NOTIFY_CLUSTER_HAVE_JWT_AND_HTTP_API) {
            GTEST_SKIP() << "plugins/jwt or plugins/http_api is not built";
        }
        ::setenv(kSecretEnv, "cluster-presence-secret-of-32-bytes!", 1);
        ::setenv(kApiKeyEnv, kApiKey, 1);
        // A presence namespace that any client may read: a node where nobody subscribed can
        // be asked too.
        extra_manifest_ = "[namespaces.room]\npresence = true\nread_presence = \"any\"\n";
    }

    // start_cluster with this suite's manifest: one Redis server; the jwt auth plugin before
    // `anonymous` (tokens carry a user and an info object); the server API on base+7+node;
    // `broker_keys` added to [broker] (e.g. presence_ttl).
    void start_presence_cluster(unsigned short base_port, std::string broker_keys = "") {
        broker_keys_ = std::move(broker_keys);
        base_ = base_port;
        redis_.push_back(std::make_unique<RedisServer>(static_cast<unsigned short>(base_ + 5)));
        for (int node = 0; node < kNodes; ++node) {
            ASSERT_NO_FATAL_FAILURE(start_presence_node(node));
        }
    }

    unsigned short api_port(int node) const {
        return static_cast<unsigned short>(base_ + 7 + node);
    }

    std::string presence_manifest(int node) const {
        std::string text = manifest(node);
        const auto insert_before = [&](const std::string& needle, const std::string& what) {
            const auto at = text.find(needle);
            if (at == std::string::npos) {
                ADD_FAILURE() << "the cluster manifest has no " << needle;
                return;
            }
            text.insert(at, what);
        };
        insert_before("[[auth]]\nplugin = \"anonymous\"",
                      "[[auth]]\nplugin = \"jwt\"\nhmac_secret_env = \"" + std::string(kSecretEnv) +
                          "\"\n");
        insert_before("[[auth]]", broker_keys_);  // the end of [broker]
        text += "[[handler]]\nplugin = \"http_api\"\nlisten = \"127.0.0.1:" +
                std::to_string(api_port(node)) + "\"\nkey_env = \"" + kApiKeyEnv + "\"\n";
        return text;
    }

    // ClusterTest::start_node with presence_manifest().
    void start_presence_node(int node) {
        const std::string label = "node" + std::to_string(node + 1);
        const auto file = dir_.path() / (label + ".toml");
        write_file(file, presence_manifest(node));
        const auto index = static_cast<std::size_t>(node);
        nodes_[index] = std::make_unique<Process>(
            std::vector<std::string>{NOTIFYD_PATH, "--config", file.string()}, dir_.path(), label);
        killed_[index] = false;
        ASSERT_TRUE(wait_for_port(node_port(node), seconds(10)))
            << label << " did not listen; stderr:\n"
            << nodes_[index]->stderr_text();
        ASSERT_TRUE(wait_for_port(api_port(node), seconds(10)))
            << label << "'s server API did not listen; stderr:\n"
            << nodes_[index]->stderr_text();
    }

    // A connection token of `user` (HS256, notify-cli token), with `info` when not empty.
    std::string token(const std::string& user, const std::string& info = "") {
        std::vector<std::string> args{"token", "--secret-env", kSecretEnv, "--sub", user, "--ttl",
                                      "1h"};
        if (!info.empty()) {
            args.push_back("--info");
            args.push_back(info);
        }
        auto minted = start_cli("token", args);
        EXPECT_EQ(minted->wait_for(seconds(10)), 0) << minted->stderr_text();
        std::string text = minted->stdout_text();
        while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
        return text;
    }

    // A client on `node`, connected with `connect` and subscribed to `topic`.
    std::unique_ptr<NotifyClient> subscriber(int node, const json& connect,
                                             const std::string& topic) {
        auto client = std::make_unique<NotifyClient>(node_port(node));
        client->connect(connect);
        const json reply = client->request("subscribe", {{"topic", topic}});
        EXPECT_TRUE(reply.contains("result")) << "subscribe on node" << node + 1 << ": "
                                              << reply.dump();
        return client;
    }

    // The connection this suite asks `node` with: an anonymous client subscribed to nothing.
    NotifyClient& asker(int node) {
        auto& client = askers_.at(static_cast<std::size_t>(node));
        if (!client || client->closed()) {
            client = std::make_unique<NotifyClient>(node_port(node));
            client->connect();
        }
        return *client;
    }

    // The `presence` answer of `node` for `topic`, sorted canonical entries; an error reply or
    // a malformed result becomes one "error: …" entry (so that it never equals a wanted list).
    std::vector<std::string> presence(int node, const std::string& topic) {
        json frame;
        try {
            frame = asker(node).request("presence", {{"topic", topic}});
        } catch (const std::exception& error) {
            askers_.at(static_cast<std::size_t>(node)).reset();
            return {std::string("error: ") + error.what()};
        }
        if (!frame.contains("result") || !frame.at("result").contains("presence") ||
            !frame.at("result").at("presence").is_array()) {
            return {"error: " + frame.dump()};
        }
        std::vector<std::string> entries;
        for (const json& item : frame.at("result").at("presence")) {
            entries.push_back(canonical(item));
        }
        return sorted(std::move(entries));
    }

    // The `presence_stats` result of `node` ({"clients":N,"users":M}) or the whole error frame.
    json presence_stats(int node, const std::string& topic) {
        try {
            const json frame = asker(node).request("presence_stats", {{"topic", topic}});
            return frame.contains("result") ? frame.at("result") : frame;
        } catch (const std::exception& error) {
            askers_.at(static_cast<std::size_t>(node)).reset();
            return json{{"error", error.what()}};
        }
    }

    // Polls `node` until its presence of `topic` is `want` (any order); false at the deadline,
    // with what it last answered in last_.
    bool wait_presence(int node, const std::string& topic, const std::vector<std::string>& want,
                       milliseconds timeout = kVisible) {
        const std::vector<std::string> wanted = sorted(want);
        const auto deadline = Clock::now() + timeout;
        for (;;) {
            last_ = presence(node, topic);
            if (last_ == wanted) return true;
            if (Clock::now() >= deadline) return false;
            std::this_thread::sleep_for(milliseconds(50));
        }
    }

    // Every node of `nodes` answers `want` within `timeout` (each node polled in turn).
    void expect_presence(const std::vector<int>& nodes, const std::string& topic,
                         const std::vector<std::string>& want, milliseconds timeout = kVisible) {
        for (const int node : nodes) {
            EXPECT_TRUE(wait_presence(node, topic, want, timeout))
                << "node" << node + 1 << " answered " << describe(last_) << ", wanted "
                << describe(sorted(want));
        }
    }

    bool wait_stats(int node, const std::string& topic, std::uint64_t clients,
                    std::uint64_t users, milliseconds timeout = kVisible) {
        const json want{{"clients", clients}, {"users", users}};
        const auto deadline = Clock::now() + timeout;
        for (;;) {
            last_stats_ = presence_stats(node, topic);
            if (last_stats_ == want) return true;
            if (Clock::now() >= deadline) return false;
            std::this_thread::sleep_for(milliseconds(50));
        }
    }

    void expect_stats(const std::vector<int>& nodes, const std::string& topic,
                      std::uint64_t clients, std::uint64_t users) {
        for (const int node : nodes) {
            EXPECT_TRUE(wait_stats(node, topic, clients, users))
                << "node" << node + 1 << " answered " << last_stats_.dump() << ", wanted "
                << clients << " clients, " << users << " users";
        }
    }

    // The server API of `node` (notify-cli api): the printed result, or {"cli_error": …}.
    json api(int node, const std::string& method, const json& params) {
        auto call = start_cli("api", {"api", "http://127.0.0.1:" + std::to_string(api_port(node)),
                                      method, params.dump(), "--key", kApiKey, "--timeout", "5"});
        const auto code = call->wait_for(seconds(10));
        const json printed = json::parse(call->stdout_text(), nullptr, false);
        if (code != 0 || printed.is_discarded()) {
            return json{{"cli_error", call->stderr_text() + call->stdout_text()}};
        }
        return printed;
    }

    // The server API's presence of `topic` on `node`, in the canonical form (the API leaves
    // out an empty user).
    std::vector<std::string> api_presence(int node, const std::string& topic) {
        const json result = api(node, "presence", {{"topic", topic}});
        if (!result.contains("clients") || !result.at("clients").is_array()) {
            return {"error: " + result.dump()};
        }
        std::vector<std::string> entries;
        for (const json& item : result.at("clients")) entries.push_back(canonical(item));
        return sorted(std::move(entries));
    }

    bool wait_api_presence(int node, const std::string& topic,
                           const std::vector<std::string>& want) {
        const std::vector<std::string> wanted = sorted(want);
        const auto deadline = Clock::now() + kVisible;
        for (;;) {
            last_ = api_presence(node, topic);
            if (last_ == wanted) return true;
            if (Clock::now() >= deadline) return false;
            std::this_thread::sleep_for(milliseconds(50));
        }
    }

    // The client ids of the topic's presence hash in Redis, sorted.
    std::vector<std::string> redis_clients(const std::string& topic) {
        std::vector<std::string> clients;
        std::istringstream listed(redis().cli("HKEYS", presence_key(topic)));
        for (std::string line; std::getline(listed, line);) {
            if (!line.empty()) clients.push_back(line);
        }
        return sorted(std::move(clients));
    }

    bool wait_redis_clients(const std::string& topic, const std::vector<std::string>& want,
                            milliseconds timeout) {
        const std::vector<std::string> wanted = sorted(want);
        const auto deadline = Clock::now() + timeout;
        for (;;) {
            last_ = redis_clients(topic);
            if (last_ == wanted) return true;
            if (Clock::now() >= deadline) return false;
            std::this_thread::sleep_for(milliseconds(100));
        }
    }

    std::string broker_keys_;
    std::array<std::unique_ptr<NotifyClient>, kNodes> askers_;
    std::vector<std::string> last_;
    json last_stats_;
};

const std::vector<int> kAllNodes{0, 1, 2};

// Subscribers on nodes 1 and 2, node 3 with none (it answers without a replica of its own):
// every node lists every subscriber with its user and info, in the client protocol and the
// server API, and counts them; an unsubscribe is seen everywhere.
TEST_F(ClusterPresenceTest, SubscribersOfEveryNodeAreListedOnEveryNode) {
    ASSERT_NO_FATAL_FAILURE(start_presence_cluster(39340));
    const std::string topic = "room:lobby";
    const json alice_info{{"name", "Alice"}};
    const json bob_info{{"name", "Bob"}, {"n", 2}};
    const std::string alice = token("alice", alice_info.dump());
    const std::string bob = token("bob", bob_info.dump());

    auto alice1 = subscriber(0, {{"token", alice}}, topic);
    auto anonymous1 = subscriber(0, json::object(), topic);
    auto bob2 = subscriber(1, {{"token", bob}}, topic);
    auto alice2 = subscriber(1, {{"token", alice}}, topic);  // alice's second connection
    const std::vector<std::string> everyone{
        entry(alice1->client(), "alice", alice_info), entry(anonymous1->client(), ""),
        entry(bob2->client(), "bob", bob_info), entry(alice2->client(), "alice", alice_info)};

    expect_presence(kAllNodes, topic, everyone);
    expect_stats(kAllNodes, topic, 4, 2);  // two distinct users across two nodes
    // The server API answers the same, here on the node without subscribers and on node 1.
    for (const int node : {2, 0}) {
        EXPECT_TRUE(wait_api_presence(node, topic, everyone))
            << "server API of node" << node + 1 << " answered " << describe(last_);
        EXPECT_EQ(api(node, "presence_stats", {{"topic", topic}}),
                  (json{{"clients", 4}, {"users", 2}}))
            << "server API of node" << node + 1;
    }

    // bob leaves: gone everywhere, and with him the second user.
    const json left = bob2->request("unsubscribe", {{"topic", topic}});
    ASSERT_TRUE(left.contains("result")) << left.dump();
    const std::vector<std::string> without_bob{everyone[0], everyone[1], everyone[3]};
    expect_presence(kAllNodes, topic, without_bob);
    expect_stats(kAllNodes, topic, 3, 1);
    // alice's connection on node 1 leaves: her other one still counts her.
    ASSERT_TRUE(alice1->request("unsubscribe", {{"topic", topic}}).contains("result"));
    expect_presence(kAllNodes, topic, {everyone[1], everyone[3]});
    expect_stats(kAllNodes, topic, 2, 1);
    EXPECT_TRUE(wait_api_presence(2, topic, {everyone[1], everyone[3]}))
        << "server API of node3 answered " << describe(last_);

    // A topic nobody subscribed to is empty everywhere (not an error).
    expect_presence(kAllNodes, "room:empty", {});
    expect_stats(kAllNodes, "room:empty", 0, 0);
}

// A client whose connection goes (closed, or lost without a close) leaves every node's
// presence; resuming its session on its node brings it back.
TEST_F(ClusterPresenceTest, DisconnectedClientsLeaveEveryNode) {
    ASSERT_NO_FATAL_FAILURE(start_presence_cluster(39350));
    const std::string topic = "room:bye";
    auto first = subscriber(0, {{"token", "as:bye-1"}, {"user", "u1"}}, topic);
    auto second = subscriber(1, {{"user", "u2"}}, topic);  // anonymous, resumable
    auto third = subscriber(1, {{"token", "as:bye-3"}, {"user", "u3"}}, topic);
    const std::string e1 = entry("bye-1", "u1");
    const std::string e2 = entry(second->client(), "u2");
    const std::string e3 = entry("bye-3", "u3");
    expect_presence(kAllNodes, topic, {e1, e2, e3});

    first.reset();  // TCP close
    expect_presence(kAllNodes, topic, {e2, e3});
    second->vanish();  // lost without a close
    expect_presence(kAllNodes, topic, {e3});
    expect_stats(kAllNodes, topic, 1, 1);

    // The session of `second` is still on node 2 (clients.ttl): resuming it subscribes it
    // again, and it is present again everywhere.
    const std::string client = second->client();
    const std::string resume = second->resume();
    second.reset();
    NotifyClient again(node_port(1));
    const json frame = again.connect_frame({{"client", client}, {"resume", resume}, {"user", "u2"}});
    ASSERT_TRUE(frame.contains("result")) << frame.dump();
    ASSERT_TRUE(frame.at("result").value("resumed", false)) << frame.dump();
    expect_presence(kAllNodes, topic, {e2, e3});
}

// A node killed with its subscribers: they leave the other nodes' answers (the dead node stops
// announcing; the others forget its entries after 3 announce intervals) and, once their
// presence_ttl passes unrefreshed, Redis.
TEST_F(ClusterPresenceTest, KilledNodesClientsLeaveTheOtherNodes) {
    ASSERT_NO_FATAL_FAILURE(start_presence_cluster(39360, "presence_ttl = \"3s\"\n"));
    const std::string topic = "room:k9";
    auto survivor = subscriber(0, {{"token", "as:k9-1"}, {"user", "u1"}}, topic);
    auto victim = subscriber(1, {{"token", "as:k9-2"}, {"user", "u2"}}, topic);
    auto victim_too = subscriber(1, {{"token", "as:k9-3"}}, topic);
    const std::string e1 = entry("k9-1", "u1");
    expect_presence(kAllNodes, topic, {e1, entry("k9-2", "u2"), entry("k9-3", "")});
    EXPECT_TRUE(wait_redis_clients(topic, {"k9-1", "k9-2", "k9-3"}, kVisible))
        << "the presence hash holds " << describe(last_);

    ASSERT_NO_FATAL_FAILURE(kill_node(1));
    const auto killed = Clock::now();
    // Node 1 answers from its replica: the dead node's entries are hidden there.
    expect_presence({0}, topic, {e1}, seconds(10));
    std::cout << "node2's clients left node1's presence "
              << std::chrono::duration_cast<milliseconds>(Clock::now() - killed).count()
              << " ms after the kill" << std::endl;
    // Their entries expire in Redis (presence_ttl 3 s) while node 1 keeps refreshing its own.
    // Nothing reads the topic from Redis meanwhile (node 3, which would, is asked only after):
    // the expiry must not depend on someone reading.
    EXPECT_TRUE(wait_redis_clients(topic, {"k9-1"}, seconds(10)))
        << "10 s after node 1 hid them (presence_ttl 3 s, last refreshed before the kill) the "
           "presence hash still holds "
        << describe(last_)
        << " (expiry set: " << redis().cli("ZRANGE", expiry_key(topic), "0", "-1", "WITHSCORES")
        << ")";
    EXPECT_NE(redis().cli("ZSCORE", expiry_key(topic), "k9-1"), "");
    // Node 3 (no subscriber: it reads Redis) agrees.
    expect_presence({2}, topic, {e1}, seconds(10));
    expect_stats({0, 2}, topic, 1, 1);
    EXPECT_TRUE(wait_redis_clients(topic, {"k9-1"}, seconds(5))) << describe(last_);
    EXPECT_EQ(redis().cli("ZSCORE", expiry_key(topic), "k9-2"), "");
    // And what is left keeps working: a new subscriber on node 3 shows up on node 1.
    auto late = subscriber(2, {{"token", "as:k9-4"}, {"user", "u4"}}, topic);
    expect_presence({0, 2}, topic, {e1, entry("k9-4", "u4")});
}

// A client id that connects on another node replaces its older connection (docs: a newer
// connection replaces an older one): the newer node's entry is the only one, and the older
// node's removal does not take it away.
TEST_F(ClusterPresenceTest, ClientIdThatMovesIsListedOnceWithTheNewerEntry) {
    ASSERT_NO_FATAL_FAILURE(start_presence_cluster(39370));
    const std::string topic = "room:moves";
    auto older = subscriber(0, {{"token", "as:mover"}, {"user", "old-user"}}, topic);
    // Node 2 announces the newer connection on the id's shard channel: node 1 must hear it.
    // mover is the only client of the cluster yet, so the channel's subscriber is node 1.
    const std::string channel = client_channel("mover");
    {
        const auto deadline = Clock::now() + seconds(5);
        while (redis().cli("PUBSUB", "NUMSUB", channel) != channel + "\n1" &&
               Clock::now() < deadline) {
            std::this_thread::sleep_for(milliseconds(20));
        }
        ASSERT_EQ(redis().cli("PUBSUB", "NUMSUB", channel), channel + "\n1")
            << "node 1 did not subscribe to mover's shard channel";
    }
    expect_presence(kAllNodes, topic, {entry("mover", "old-user")});

    // The newer connection subscribes right away, before node 1 has closed the older one (so
    // node 1's removal comes after node 2's entry was written).
    NotifyClient newer(node_port(1));
    const std::uint64_t connect_id =
        newer.send("connect", {{"token", "as:mover"}, {"user", "new-user"}});
    const std::uint64_t subscribe_id = newer.send("subscribe", {{"topic", topic}});
    const auto connected = newer.reply(connect_id, seconds(5));
    ASSERT_TRUE(connected && connected->contains("result"))
        << (connected ? connected->dump() : "no reply");
    const auto subscribed = newer.reply(subscribe_id, seconds(5));
    ASSERT_TRUE(subscribed && subscribed->contains("result"))
        << (subscribed ? subscribed->dump() : "no reply");

    const auto deadline = Clock::now() + seconds(5);
    while (!older->closed() && Clock::now() < deadline) older->next_push(milliseconds(100));
    ASSERT_TRUE(older->closed()) << "node 1 kept the older connection";
    EXPECT_EQ(older->close_code(), 4002);  // replaced

    const std::vector<std::string> moved{entry("mover", "new-user")};
    expect_presence(kAllNodes, topic, moved);
    // It stays so: sampled on every node for a while (node 1's removal, or a late refresh of
    // its entry, must not change it).
    const auto until = Clock::now() + milliseconds(1500);
    while (Clock::now() < until) {
        for (const int node : kAllNodes) {
            const auto now = presence(node, topic);
            ASSERT_EQ(now, moved) << "node" << node + 1 << " answered " << describe(now);
        }
        std::this_thread::sleep_for(milliseconds(100));
    }
    EXPECT_EQ(redis_clients(topic), std::vector<std::string>{"mover"});
    const std::string record = redis().cli("HGET", presence_key(topic), "mover");
    EXPECT_NE(record.find("new-user"), std::string::npos) << "the record in Redis: " << record;
    EXPECT_TRUE(newer.request("ping", json::object()).contains("result"));

    // The newer node still owns it: its unsubscribe removes it everywhere.
    ASSERT_TRUE(newer.request("unsubscribe", {{"topic", topic}}).contains("result"));
    expect_presence(kAllNodes, topic, {});
    EXPECT_TRUE(wait_redis_clients(topic, {}, kVisible)) << describe(last_);
}

// Redis restarted without its data (no persistence): every node writes its entries again when
// it reconnects, and every node lists them again; changes propagate as before.
TEST_F(ClusterPresenceTest, EntriesComeBackAfterRedisRestartsEmpty) {
    ASSERT_NO_FATAL_FAILURE(start_presence_cluster(39380));
    const std::string topic = "room:restart";
    auto first = subscriber(0, {{"token", "as:rs-1"}, {"user", "u1"}}, topic);
    auto second = subscriber(1, {{"token", "as:rs-2"}, {"user", "u2"}}, topic);
    const std::string e1 = entry("rs-1", "u1");
    const std::string e2 = entry("rs-2", "u2");
    expect_presence(kAllNodes, topic, {e1, e2});

    redis().kill9();
    redis().restart();
    EXPECT_TRUE(wait_redis_clients(topic, {"rs-1", "rs-2"}, seconds(10)))
        << "after the restart the presence hash holds " << describe(last_);
    expect_presence(kAllNodes, topic, {e1, e2}, seconds(10));
    expect_stats(kAllNodes, topic, 2, 2);

    // Live again: an unsubscribe on node 2 and a new subscriber on node 3 are seen everywhere.
    ASSERT_TRUE(second->request("unsubscribe", {{"topic", topic}}).contains("result"));
    auto third = subscriber(2, {{"token", "as:rs-3"}, {"user", "u3"}}, topic);
    expect_presence(kAllNodes, topic, {e1, entry("rs-3", "u3")}, seconds(10));
}

// Presence messages that do not decode, published by hand on the topic's channel, are dropped:
// nodes keep running and answering, and nothing changes. A well-formed removal naming a node
// that does not own the entry changes nothing either.
TEST_F(ClusterPresenceTest, MalformedPresenceMessagesChangeNothing) {
    ASSERT_NO_FATAL_FAILURE(start_presence_cluster(39390));
    const std::string topic = "room:garbage";
    auto first = subscriber(0, {{"token", "as:g-1"}, {"user", "u1"}}, topic);
    auto second = subscriber(1, {{"token", "as:g-2"}, {"user", "u2"}}, topic);
    const std::string e1 = entry("g-1", "u1");
    const std::string e2 = entry("g-2", "u2");
    expect_presence(kAllNodes, topic, {e1, e2});

    const std::string channel = topic_channel(topic);
    const std::string listeners = redis().cli("PUBSUB", "NUMSUB", channel);
    ASSERT_NE(listeners, channel + "\n0") << "no node listens on " << channel;
    // redis-cli first, as an operator would.
    redis().cli("PUBLISH", channel, "NB\x01Jgarbage");
    const std::vector<std::pair<std::string, std::string>> garbage{
        {"header only", std::string("NB\x01J", 4)},
        {"not fields", std::string("NB\x01Jgarbage", 11)},
        {"another version", std::string("NB\x02J", 4) + presence_message("+", topic, "x", "n")
                                                            .substr(4)},
        {"bad op", presence_message("x", topic, "g-1", "node-x")},
        {"two-byte op", presence_message("--", topic, "g-1", "node-x")},
        {"empty op", presence_message("", topic, "g-2", "node-x")},
        {"empty topic", presence_message("+", "", "intruder", "node-x", "u")},
        {"empty node", presence_message("+", topic, "intruder", "", "u")},
        {"empty node, removal", presence_message("-", topic, "g-1", "")},
        {"empty client, add", presence_message("+", topic, "", "node-x", "u")},
        {"empty client, removal", presence_message("-", topic, "", "node-x")},
        {"truncated add", presence_message("+", topic, "intruder", "node-x", "u").substr(0, 30)},
        {"length past the end", std::string("NB\x01J\xff\xff\xff\xff+", 9)},
        {"another topic's change on this channel",
         presence_message("+", "room:other", "intruder", "node-x", "u")},
        {"removal by a node that does not own the entry", presence_message("-", topic, "g-1",
                                                                           "node-x")},
    };
    for (const auto& [what, payload] : garbage) {
        const std::string answer = publish_raw(redis().port(), channel, payload);
        EXPECT_TRUE(answer.rfind(':', 0) == 0 && answer != ":0")
            << what << ": PUBLISH answered " << answer << " (no node received it)";
    }
    EXPECT_TRUE(wait_for_any_log("malformed", kVisible)) << "no node logged a malformed message";
    for (int node = 0; node < kNodes; ++node) EXPECT_TRUE(node_running(node)) << node + 1;

    // A real change after the garbage, on the same channel: once every node shows it, every
    // node has read the garbage before it (one connection, one order).
    auto third = subscriber(0, {{"token", "as:g-3"}, {"user", "u3"}}, topic);
    const std::string e3 = entry("g-3", "u3");
    expect_presence(kAllNodes, topic, {e1, e2, e3});
    expect_stats(kAllNodes, topic, 3, 3);
    EXPECT_EQ(redis_clients(topic), (std::vector<std::string>{"g-1", "g-2", "g-3"}));
    for (int node = 0; node < kNodes; ++node) EXPECT_TRUE(node_running(node)) << node + 1;
    // And changes keep flowing.
    ASSERT_TRUE(first->request("unsubscribe", {{"topic", topic}}).contains("result"));
    expect_presence(kAllNodes, topic, {e2, e3});
    expect_presence(kAllNodes, "room:other", {});
}

}  // namespace
}  // namespace notify::test::cluster
