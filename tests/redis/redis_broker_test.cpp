// The redis broker plugin loaded with dlopen (as notifyd does) against a fake 1.3 host, with a
// real redis-server on a free loopback port. Two instances with two fake hosts act as two nodes.
#include <notify/notify.h>

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <variant>
#include <vector>

#include "redis_server.hpp"
#include "self_signed_certificate.hpp"
#include "wire.hpp"

namespace notify::test {
namespace {

using namespace std::chrono_literals;

struct Delivered {
    std::string topic;
    std::uint64_t offset = 0;
    std::string epoch;
    std::vector<std::string> clients;
    std::vector<std::string> users;
    std::string payload;
    std::string publish_key;
};

struct Completion {
    std::uint64_t request_id = 0;
    notify_status status = 0;
    std::uint64_t offset = 0;
    std::string epoch;
    std::string error;
};

struct Lost {
    std::string topic;
    std::uint64_t offset = 0;
    std::string reason;
};

using Value = std::variant<std::string, std::int64_t, std::vector<std::string>, bool>;

// Everything the plugin reports, copied under one mutex (plugin thread vs test thread).
class FakeHost {
  public:
    explicit FakeHost(std::string node_id, std::string node_name = "node")
        : node_id_(std::move(node_id)), node_name_(std::move(node_name)) {
        api_.size = sizeof api_;
        api_.abi_major = NOTIFY_ABI_MAJOR;
        api_.abi_minor = NOTIFY_ABI_MINOR;
        api_.log = [](notify_host_ctx* ctx, notify_log_level, notify_str message) {
            self(ctx)->record([&](FakeHost& h) { h.logs_.emplace_back(message.data, message.len); });
        };
        api_.config_get_string = [](const notify_config* cfg, const char* key, notify_str* out) -> notify_status {
            const auto* value = find(cfg, key);
            if (value == nullptr) return NOTIFY_ERR_NOT_FOUND;
            const auto* text = std::get_if<std::string>(value);
            if (text == nullptr) return NOTIFY_ERR_WRONG_TYPE;
            *out = notify_str{text->data(), text->size()};
            return NOTIFY_OK;
        };
        api_.config_get_path = api_.config_get_string;
        api_.config_get_int = [](const notify_config* cfg, const char* key, int64_t* out) -> notify_status {
            const auto* value = find(cfg, key);
            if (value == nullptr) return NOTIFY_ERR_NOT_FOUND;
            const auto* number = std::get_if<std::int64_t>(value);
            if (number == nullptr) return NOTIFY_ERR_WRONG_TYPE;
            *out = *number;
            return NOTIFY_OK;
        };
        api_.config_get_duration_ms = api_.config_get_int;  // tests give milliseconds
        api_.config_get_bool = [](const notify_config* cfg, const char* key, bool* out) -> notify_status {
            const auto* value = find(cfg, key);
            if (value == nullptr) return NOTIFY_ERR_NOT_FOUND;
            const auto* flag = std::get_if<bool>(value);
            if (flag == nullptr) return NOTIFY_ERR_WRONG_TYPE;
            *out = *flag;
            return NOTIFY_OK;
        };
        api_.config_get_array_size = [](const notify_config* cfg, const char* key, size_t* out) -> notify_status {
            const auto* value = find(cfg, key);
            if (value == nullptr) return NOTIFY_ERR_NOT_FOUND;
            const auto* list = std::get_if<std::vector<std::string>>(value);
            if (list == nullptr) return NOTIFY_ERR_WRONG_TYPE;
            *out = list->size();
            return NOTIFY_OK;
        };
        api_.config_get_array_string = [](const notify_config* cfg, const char* key, size_t index,
                                          notify_str* out) -> notify_status {
            const auto* list = std::get_if<std::vector<std::string>>(find(cfg, key));
            if (list == nullptr || index >= list->size()) return NOTIFY_ERR_NOT_FOUND;
            *out = notify_str{(*list)[index].data(), (*list)[index].size()};
            return NOTIFY_OK;
        };
        api_.broker_publish_complete = [](notify_host_ctx* ctx, uint64_t id, notify_status status,
                                          const notify_stream_position* position,
                                          notify_str error) {
            Completion c{id, status, position ? position->offset : 0,
                         position ? std::string{position->epoch.data, position->epoch.len} : "",
                         std::string{error.data, error.len}};
            self(ctx)->record([&](FakeHost& h) { h.completions_.push_back(c); });
        };
        api_.now_ms = [](notify_host_ctx*) -> int64_t {
            return std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                .count();
        };
        api_.broker_message = [](notify_host_ctx* ctx, const notify_bus_message* m) {
            Delivered d{std::string{m->topic.data, m->topic.len}, m->offset,
                        std::string{m->epoch.data, m->epoch.len}, {}, {},
                        std::string{reinterpret_cast<const char*>(m->payload.data), m->payload.len},
                        std::string{m->publish_key.data, m->publish_key.len}};
            for (size_t i = 0; i < m->client_count; ++i) d.clients.emplace_back(m->clients[i].data, m->clients[i].len);
            for (size_t i = 0; i < m->user_count; ++i) d.users.emplace_back(m->users[i].data, m->users[i].len);
            self(ctx)->record([&](FakeHost& h) { h.messages_.push_back(d); });
        };
        api_.broker_command = [](notify_host_ctx* ctx, const notify_cluster_command* c) {
            std::string line = std::to_string(c->type) + ":" + std::string{c->id.data, c->id.len} + ":" +
                               std::string{c->topic.data, c->topic.len};
            self(ctx)->record([&](FakeHost& h) { h.commands_.push_back(line); });
        };
        api_.broker_stream_lost = [](notify_host_ctx* ctx, notify_str topic,
                                     const notify_stream_position* current, notify_str reason) {
            Lost l{std::string{topic.data, topic.len}, current ? current->offset : 0,
                   std::string{reason.data, reason.len}};
            self(ctx)->record([&](FakeHost& h) { h.lost_.push_back(l); });
        };
        api_.node_info = [](notify_host_ctx* ctx, notify_node_info* out) {
            FakeHost* h = self(ctx);
            *out = notify_node_info{};
            out->size = sizeof *out;
            out->id = notify_str{h->node_id_.data(), h->node_id_.size()};
            out->name = notify_str{h->node_name_.data(), h->node_name_.size()};
            out->clients = 7;
        };
        api_.set_ready = [](notify_host_ctx* ctx, bool ready, notify_str reason) {
            std::string said = (ready ? "ready" : "not ready: ") + std::string{reason.data, reason.len};
            self(ctx)->record([&](FakeHost& h) { h.readiness_.push_back(said); });
        };
        api_.cluster_node_seen = [](notify_host_ctx* ctx, const notify_node_info* node, int64_t) {
            std::string id{node->id.data, node->id.len};
            const auto clients = node->clients;
            self(ctx)->record([&](FakeHost& h) { h.nodes_[id] = clients; });
        };
    }

    const notify_host_api* api() const { return &api_; }
    notify_host_ctx* ctx() { return reinterpret_cast<notify_host_ctx*>(this); }
    const notify_config* config() const { return reinterpret_cast<const notify_config*>(&values); }

    // Waits until `pred` holds over this host's records.
    bool wait(const std::function<bool(FakeHost&)>& pred, std::chrono::milliseconds timeout = 5s) {
        std::unique_lock lock{mutex_};
        return changed_.wait_for(lock, timeout, [&] { return pred(*this); });
    }
    template <typename F>
    auto with(F f) {
        std::lock_guard lock{mutex_};
        return f(*this);
    }

    std::map<std::string, Value> values;
    std::vector<Completion> completions_;
    std::vector<Delivered> messages_;
    std::vector<std::string> commands_;
    std::vector<Lost> lost_;
    std::vector<std::string> logs_;
    std::map<std::string, std::uint64_t> nodes_;
    std::vector<std::string> readiness_;  // what set_ready said, in order

  private:
    static FakeHost* self(notify_host_ctx* ctx) { return reinterpret_cast<FakeHost*>(ctx); }
    static const Value* find(const notify_config* cfg, const char* key) {
        const auto* values = reinterpret_cast<const std::map<std::string, Value>*>(cfg);
        auto it = values->find(key);
        return it == values->end() ? nullptr : &it->second;
    }
    template <typename F>
    void record(F f) {
        {
            std::lock_guard lock{mutex_};
            f(*this);
        }
        changed_.notify_all();
    }

    std::string node_id_;
    std::string node_name_;
    notify_host_api api_{};
    std::mutex mutex_;
    std::condition_variable changed_;
};

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

const notify_plugin_descriptor* plugin() {
    static const notify_plugin_descriptor* descriptor = [] {
        const std::string path = std::string{NOTIFY_TEST_PLUGIN_DIR} + "/notify_redis.so";
        void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
        if (handle == nullptr) {
            ADD_FAILURE() << dlerror();
            return static_cast<const notify_plugin_descriptor*>(nullptr);
        }
        auto entry = reinterpret_cast<notify_plugin_entry_fn>(dlsym(handle, NOTIFY_PLUGIN_ENTRY_NAME));
        return entry();
    }();
    return descriptor;
}

class Node {
  public:
    Node(const std::string& id, std::map<std::string, Value> values,
         const std::string& name = "node")
        : host(id, name) {
        host.values = std::move(values);
        notify_error err{};
        status = plugin()->create(host.api(), host.ctx(), host.config(), &instance, &err);
        error = err.message;
        if (status == NOTIFY_OK) {
            started = plugin()->start(instance, &err);
        }
    }
    ~Node() {
        if (instance != nullptr) {
            plugin()->stop(instance);
            plugin()->destroy(instance);
        }
    }
    const notify_broker_vtable* vt() const { return plugin()->broker; }

    notify_status publish(const std::string& topic, const std::string& payload,
                          std::uint64_t history_size = 10, std::string* error_out = nullptr,
                          std::uint32_t delivery = NOTIFY_DELIVERY_AT_MOST_ONCE) {
        notify_history_options options{sizeof options, history_size, 60000, delivery, 0};
        notify_broker_publish request{sizeof request, ++next_request, {topic.data(), topic.size()},
                                      {reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()},
                                      now_ms(), &options, {"k", 1}};
        notify_stream_position position{};
        notify_error err{};
        const notify_status result = vt()->publish(instance, &request, &position, &err);
        if (error_out != nullptr) *error_out = err.message;
        return result;
    }
    // Publishes and waits for the completion; returns it.
    Completion publish_wait(const std::string& topic, const std::string& payload,
                            std::uint64_t history_size = 10,
                            std::uint32_t delivery = NOTIFY_DELIVERY_AT_MOST_ONCE) {
        EXPECT_EQ(publish(topic, payload, history_size, nullptr, delivery), NOTIFY_PENDING);
        const std::uint64_t id = next_request;
        Completion result;
        EXPECT_TRUE(host.wait([&](FakeHost& h) {
            for (const auto& c : h.completions_) {
                if (c.request_id == id) {
                    result = c;
                    return true;
                }
            }
            return false;
        }));
        return result;
    }
    void interest(std::uint32_t kind, const std::string& name, bool up) {
        notify_error err{};
        EXPECT_EQ(vt()->interest(instance, kind, {name.data(), name.size()}, up, &err), NOTIFY_OK);
    }
    std::vector<std::uint64_t> offsets(const std::string& topic) {
        return host.with([&](FakeHost& h) {
            std::vector<std::uint64_t> out;
            for (const auto& m : h.messages_) {
                if (m.topic == topic) out.push_back(m.offset);
            }
            return out;
        });
    }
    bool wait_offsets(const std::string& topic, std::vector<std::uint64_t> want,
                      std::chrono::milliseconds timeout = 5s) {
        host.wait([&](FakeHost& h) {
            std::size_t n = 0;
            for (const auto& m : h.messages_) n += m.topic == topic ? 1 : 0;
            return n >= want.size();
        }, timeout);
        return offsets(topic) == want;
    }

    FakeHost host;
    void* instance = nullptr;
    notify_status status = NOTIFY_OK;
    notify_status started = NOTIFY_OK;
    std::string error;
    std::uint64_t next_request = 0;
};

std::map<std::string, Value> config_for(const RedisServer& redis, std::string prefix = "t") {
    return {{"addresses", std::vector<std::string>{redis.address()}},
            {"prefix", prefix},
            {"probe_interval", std::int64_t{500}},
            {"announce_interval", std::int64_t{200}},
            {"unsubscribe_delay", std::int64_t{300}},
            {"command_timeout", std::int64_t{2000}},
            {"connect_timeout", std::int64_t{1000}}};
}

// The plugin's default number of client/user channel shards (config key 'shards').
constexpr std::uint32_t kShards = 64;

// The pub/sub channels of config_for's prefix "t".
std::string topic_channel(const std::string& topic) {
    return redis::Names{"t"}.topic_channel(topic);
}
std::string client_channel(const std::string& client) {
    return redis::Names{"t"}.client_channel(redis::id_shard(client, kShards));
}
std::string user_channel(const std::string& user) {
    return redis::Names{"t"}.user_channel(redis::id_shard(user, kShards));
}

// Waits until `channel` has `subscribers` subscribers (PUBSUB NUMSUB); false at the deadline.
// The plugin's SUBSCRIBE is asynchronous: what is published before it takes effect is lost.
bool wait_numsub(const RedisServer& redis, const std::string& channel, int subscribers,
                 std::chrono::milliseconds timeout = 5s) {
    const std::string want = channel + "\n" + std::to_string(subscribers);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (redis.cli("PUBSUB", "NUMSUB", channel) == want) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(20ms);
    }
}

struct HistoryResult {
    notify_status status = 0;
    std::vector<std::pair<std::uint64_t, std::string>> entries;
    std::uint64_t offset = 0;
    std::string epoch;
    std::string error;
};

HistoryResult read_history(Node& node, const std::string& topic, std::uint64_t since,
                           std::uint64_t limit = 0) {
    HistoryResult result;
    notify_history_options options{sizeof options, 10, 60000, 0, 0};
    notify_history_request request{sizeof request, {topic.data(), topic.size()}, since, limit, &options};
    notify_stream_position current{};
    notify_error err{};
    result.status = node.vt()->history_read(
        node.instance, &request,
        [](void* ctx, uint64_t offset, int64_t, notify_bytes payload) {
            static_cast<HistoryResult*>(ctx)->entries.emplace_back(
                offset, std::string{reinterpret_cast<const char*>(payload.data), payload.len});
            return true;
        },
        &result, &current, &err);
    result.offset = current.offset;
    result.epoch.assign(current.epoch.data, current.epoch.len);
    result.error = err.message;
    return result;
}

// Writes a message into a topic's stream the way the publish script does, but without PUBLISH:
// a message "lost" on the bus.
void write_silently(RedisServer& redis, const std::string& prefix, const std::string& topic,
                    const std::string& payload) {
    const std::string meta = prefix + ".meta.{" + topic + "}";
    const std::string stream = prefix + ".stream.{" + topic + "}";
    const std::string offset = redis.cli("HINCRBY", meta, "s", "1");
    const std::string tail = redis::encode_topic_tail(topic, "", 1000, payload);
    redisContext* c = redisConnect("127.0.0.1", redis.port());
    ASSERT_TRUE(c != nullptr && c->err == 0);
    auto* reply = static_cast<redisReply*>(redisCommand(c, "XADD %s %s-0 m %b", stream.c_str(),
                                                        offset.c_str(), tail.data(), tail.size()));
    ASSERT_NE(reply, nullptr);
    EXPECT_NE(reply->type, REDIS_REPLY_ERROR) << reply->str;
    freeReplyObject(reply);
    redisFree(c);
}

// ---- presence ----

void presence_add(Node& node, const std::string& topic, const std::string& client,
                  const std::string& user, const std::string& info = "") {
    const notify_presence_entry entry{sizeof entry, {client.data(), client.size()},
                                      {user.data(), user.size()}, {info.data(), info.size()}};
    notify_error err{};
    EXPECT_EQ(node.vt()->presence_add(node.instance, {topic.data(), topic.size()}, &entry, &err),
              NOTIFY_OK)
        << err.message;
}

void presence_remove(Node& node, const std::string& topic, const std::string& client) {
    notify_error err{};
    EXPECT_EQ(node.vt()->presence_remove(node.instance, {topic.data(), topic.size()},
                                         {client.data(), client.size()}, &err),
              NOTIFY_OK)
        << err.message;
}

// The node's presence of `topic` as sorted "client|user|info" lines; one "error: ..." line when
// the read fails.
std::vector<std::string> read_presence(Node& node, const std::string& topic) {
    std::vector<std::string> entries;
    notify_error err{};
    const notify_status status = node.vt()->presence_read(
        node.instance, {topic.data(), topic.size()},
        [](void* ctx, const notify_presence_entry* entry) {
            static_cast<std::vector<std::string>*>(ctx)->push_back(
                std::string{entry->client_id.data, entry->client_id.len} + "|" +
                std::string{entry->user_id.data, entry->user_id.len} + "|" +
                std::string{entry->info.data, entry->info.len});
            return true;
        },
        &entries, &err);
    if (status != NOTIFY_OK) return {"error: " + std::string{err.message}};
    std::sort(entries.begin(), entries.end());
    return entries;
}

// clients/users of presence_stats, or {-1, -1} when it fails.
std::pair<std::int64_t, std::int64_t> read_presence_stats(Node& node, const std::string& topic) {
    notify_presence_stats stats{sizeof stats, 0, 0};
    notify_error err{};
    if (node.vt()->presence_stats(node.instance, {topic.data(), topic.size()}, &stats, &err) !=
        NOTIFY_OK) {
        return {-1, -1};
    }
    return {static_cast<std::int64_t>(stats.clients), static_cast<std::int64_t>(stats.users)};
}

// Polls until the node's presence of `topic` is `want` (sorted here); false at the deadline.
bool wait_presence(Node& node, const std::string& topic, std::vector<std::string> want,
                   std::vector<std::string>* last, std::chrono::milliseconds timeout = 5s) {
    std::sort(want.begin(), want.end());
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        *last = read_presence(node, topic);
        if (*last == want) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(20ms);
    }
}

class RedisBroker : public ::testing::Test {
  protected:
    void SetUp() override {
        if (RedisServer::server_path().empty()) {
            GTEST_SKIP() << "redis-server not installed";
        }
        ASSERT_NE(plugin(), nullptr);
        redis = std::make_unique<RedisServer>();
    }
    std::unique_ptr<RedisServer> redis;
};

TEST_F(RedisBroker, DescriptorDeclaresItsCapabilities) {
    EXPECT_EQ(plugin()->broker->capabilities,
              static_cast<std::uint32_t>(NOTIFY_BROKER_CAP_HISTORY | NOTIFY_BROKER_CAP_CLUSTER |
                                         NOTIFY_BROKER_CAP_PRESENCE | NOTIFY_BROKER_CAP_DURABLE |
                                         NOTIFY_BROKER_CAP_DURABLE_SUBSCRIPTIONS));
    const notify_broker_vtable* vt = plugin()->broker;
    ASSERT_TRUE(NOTIFY_HAS_FIELD(vt, notify_broker_vtable, presence_stats));
    EXPECT_NE(vt->presence_add, nullptr);
    EXPECT_NE(vt->presence_remove, nullptr);
    EXPECT_NE(vt->presence_read, nullptr);
    EXPECT_NE(vt->presence_stats, nullptr);
}

TEST_F(RedisBroker, BadAddressNamesKeyAndValue) {
    auto values = config_for(*redis);
    values["addresses"] = std::vector<std::string>{"localhost"};
    Node node{"a", values};
    EXPECT_EQ(node.status, NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_NE(node.error.find("addresses"), std::string::npos) << node.error;
    EXPECT_NE(node.error.find("localhost"), std::string::npos) << node.error;
}

TEST_F(RedisBroker, PresenceTtlUnderThreeSecondsIsRefused) {
    auto values = config_for(*redis);
    values["presence_ttl"] = std::int64_t{2999};
    Node node{"a", values};
    EXPECT_EQ(node.status, NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_NE(node.error.find("presence_ttl"), std::string::npos) << node.error;
    values["presence_ttl"] = std::int64_t{3000};
    Node ok{"b", values};
    EXPECT_EQ(ok.status, NOTIFY_OK) << ok.error;
}

TEST_F(RedisBroker, PublishAssignsOffsetsAndHistoryReadsThem) {
    Node node{"a", config_for(*redis)};
    ASSERT_EQ(node.status, NOTIFY_OK) << node.error;
    const Completion first = node.publish_wait("news", "one");
    ASSERT_EQ(first.status, NOTIFY_OK) << first.error;
    EXPECT_EQ(first.offset, 1u);
    EXPECT_EQ(first.epoch.size(), 16u);
    const Completion second = node.publish_wait("news", "two");
    EXPECT_EQ(second.offset, 2u);
    EXPECT_EQ(second.epoch, first.epoch);

    HistoryResult all = read_history(node, "news", 0);
    ASSERT_EQ(all.status, NOTIFY_OK) << all.error;
    ASSERT_EQ(all.entries.size(), 2u);
    EXPECT_EQ(all.entries[0], (std::pair<std::uint64_t, std::string>{1, "one"}));
    EXPECT_EQ(all.entries[1], (std::pair<std::uint64_t, std::string>{2, "two"}));
    EXPECT_EQ(all.offset, 2u);
    EXPECT_EQ(all.epoch, first.epoch);

    HistoryResult since = read_history(node, "news", 1);
    ASSERT_EQ(since.entries.size(), 1u);
    EXPECT_EQ(since.entries[0].first, 2u);

    HistoryResult unknown = read_history(node, "nothing", 0);
    EXPECT_EQ(unknown.status, NOTIFY_OK);
    EXPECT_EQ(unknown.offset, 0u);
    EXPECT_EQ(unknown.epoch, "");
    EXPECT_TRUE(unknown.entries.empty());

    // history_size trims; keys share the {topic} hash tag.
    for (int i = 0; i < 12; ++i) node.publish_wait("news", "m" + std::to_string(i));
    EXPECT_EQ(read_history(node, "news", 0).entries.size(), 10u);
    EXPECT_EQ(redis->cli("XLEN", "t.stream.{news}"), "10");
    EXPECT_EQ(redis->cli("HGET", "t.meta.{news}", "s"), "14");
}

TEST_F(RedisBroker, TopicMessagesReachInterestedNodesInOrderIncludingTheirOwn) {
    Node a{"node-a", config_for(*redis)};
    Node b{"node-b", config_for(*redis)};
    ASSERT_EQ(a.status, NOTIFY_OK) << a.error;
    ASSERT_EQ(b.status, NOTIFY_OK) << b.error;
    a.interest(NOTIFY_INTEREST_TOPIC, "chat", true);
    b.interest(NOTIFY_INTEREST_TOPIC, "chat", true);
    ASSERT_TRUE(wait_numsub(*redis, topic_channel("chat"), 2));
    for (int i = 0; i < 50; ++i) {
        ASSERT_EQ(a.publish("chat", "m" + std::to_string(i)), NOTIFY_PENDING);
    }
    std::vector<std::uint64_t> want;
    for (std::uint64_t i = 1; i <= 50; ++i) want.push_back(i);
    EXPECT_TRUE(b.wait_offsets("chat", want)) << ::testing::PrintToString(b.offsets("chat"));
    EXPECT_TRUE(a.wait_offsets("chat", want)) << ::testing::PrintToString(a.offsets("chat"));
    const auto first = b.host.with([](FakeHost& h) { return h.messages_.front(); });
    EXPECT_EQ(first.payload, "m0");
    EXPECT_EQ(first.publish_key, "k");
}

TEST_F(RedisBroker, DirectMessagesAndCommandsFollowIdsToTheirNode) {
    Node a{"node-a", config_for(*redis)};
    Node b{"node-b", config_for(*redis)};
    b.interest(NOTIFY_INTEREST_CLIENT, "c1", true);
    b.interest(NOTIFY_INTEREST_USER, "u1", true);
    ASSERT_TRUE(wait_numsub(*redis, client_channel("c1"), 1));
    ASSERT_TRUE(wait_numsub(*redis, user_channel("u1"), 1));

    notify_str clients[] = {{"c1", 2}, {"c-elsewhere", 11}};
    notify_str users[] = {{"u1", 2}};
    notify_broker_direct direct{sizeof direct, clients, 2, users, 1,
                                {reinterpret_cast<const std::uint8_t*>("hi"), 2}, 5, {"pk", 2}};
    notify_error err{};
    ASSERT_EQ(a.vt()->publish_direct(a.instance, &direct, &err), NOTIFY_OK) << err.message;
    ASSERT_TRUE(b.host.wait([](FakeHost& h) { return h.messages_.size() >= 2; }));
    b.host.with([](FakeHost& h) {
        bool saw_client = false, saw_user = false;
        for (const auto& m : h.messages_) {
            EXPECT_TRUE(m.topic.empty());
            EXPECT_EQ(m.payload, "hi");
            for (const auto& id : m.clients) saw_client = saw_client || id == "c1";
            for (const auto& id : m.users) saw_user = saw_user || id == "u1";
        }
        EXPECT_TRUE(saw_client);
        EXPECT_TRUE(saw_user);
        return 0;
    });

    notify_cluster_command command{sizeof command, NOTIFY_COMMAND_SUBSCRIBE, NOTIFY_TARGET_CLIENT,
                                   {"c1", 2}, {"room", 4}, 0, {}, 9};
    ASSERT_EQ(a.vt()->send_command(a.instance, &command, &err), NOTIFY_OK);
    EXPECT_TRUE(b.host.wait([](FakeHost& h) { return !h.commands_.empty(); }));
    EXPECT_EQ(b.host.with([](FakeHost& h) { return h.commands_.front(); }), "1:c1:room");

    // A command is not carried back to its own node.
    a.interest(NOTIFY_INTEREST_CLIENT, "c1", true);
    ASSERT_TRUE(wait_numsub(*redis, client_channel("c1"), 2));
    ASSERT_EQ(a.vt()->send_command(a.instance, &command, &err), NOTIFY_OK);
    EXPECT_TRUE(b.host.wait([](FakeHost& h) { return h.commands_.size() >= 2; }));
    std::this_thread::sleep_for(100ms);
    EXPECT_TRUE(a.host.with([](FakeHost& h) { return h.commands_.empty(); }));
}

TEST_F(RedisBroker, NodesSeeEachOthersAnnouncements) {
    Node a{"node-a", config_for(*redis)};
    Node b{"node-b", config_for(*redis)};
    EXPECT_TRUE(a.host.wait([](FakeHost& h) { return h.nodes_.count("node-b") == 1; }));
    EXPECT_TRUE(b.host.wait([](FakeHost& h) { return h.nodes_.count("node-a") == 1; }));
    EXPECT_EQ(a.host.with([](FakeHost& h) { return h.nodes_.count("node-a"); }), 0u);
    EXPECT_EQ(a.host.with([](FakeHost& h) { return h.nodes_["node-b"]; }), 7u);
}

TEST_F(RedisBroker, MalformedBusMessagesAreCountedNotDelivered) {
    Node b{"node-b", config_for(*redis)};
    b.interest(NOTIFY_INTEREST_TOPIC, "chat", true);
    ASSERT_TRUE(wait_numsub(*redis, topic_channel("chat"), 1));
    redis->cli("PUBLISH", "t.topic.chat", "hello from redis-cli");
    redis->cli("PUBLISH", "t.topic.chat", "again");
    redis->cli("PUBLISH", "t.control", "garbage");
    EXPECT_TRUE(b.host.wait([](FakeHost& h) {
        for (const auto& line : h.logs_) {
            if (line.find("malformed") != std::string::npos) return true;
        }
        return false;
    }));
    const Completion done = b.publish_wait("chat", "real");
    EXPECT_TRUE(b.wait_offsets("chat", {done.offset}));
    const auto malformed_lines = b.host.with([](FakeHost& h) {
        int n = 0;
        for (const auto& line : h.logs_) n += line.find("malformed") != std::string::npos ? 1 : 0;
        return n;
    });
    EXPECT_EQ(malformed_lines, 1);  // rate-limited
}

TEST_F(RedisBroker, GapOnTheBusIsFilledFromHistory) {
    Node a{"node-a", config_for(*redis)};
    Node b{"node-b", config_for(*redis)};
    b.interest(NOTIFY_INTEREST_TOPIC, "g", true);
    ASSERT_TRUE(wait_numsub(*redis, topic_channel("g"), 1));
    a.publish_wait("g", "1");
    ASSERT_TRUE(b.wait_offsets("g", {1}));
    write_silently(*redis, "t", "g", "2");
    write_silently(*redis, "t", "g", "3");
    a.publish_wait("g", "4");
    EXPECT_TRUE(b.wait_offsets("g", {1, 2, 3, 4})) << ::testing::PrintToString(b.offsets("g"));
    const auto payloads = b.host.with([](FakeHost& h) {
        std::string all;
        for (const auto& m : h.messages_) all += m.payload;
        return all;
    });
    EXPECT_EQ(payloads, "1234");
    EXPECT_TRUE(b.host.with([](FakeHost& h) { return h.lost_.empty(); }));
}

TEST_F(RedisBroker, GapThatHistoryCannotFillIsReportedLost) {
    Node a{"node-a", config_for(*redis)};
    Node b{"node-b", config_for(*redis)};
    b.interest(NOTIFY_INTEREST_TOPIC, "g", true);
    ASSERT_TRUE(wait_numsub(*redis, topic_channel("g"), 1));
    a.publish_wait("g", "1", 0);
    ASSERT_TRUE(b.wait_offsets("g", {1}));
    redis->cli("HINCRBY", "t.meta.{g}", "s", "2");  // offsets 2 and 3 never reach the bus
    a.publish_wait("g", "4", 0);
    EXPECT_TRUE(b.wait_offsets("g", {1, 4})) << ::testing::PrintToString(b.offsets("g"));
    ASSERT_TRUE(b.host.wait([](FakeHost& h) { return !h.lost_.empty(); }));
    EXPECT_EQ(b.host.with([](FakeHost& h) { return h.lost_.front().topic; }), "g");
}

TEST_F(RedisBroker, EpochChangeIsReportedLost) {
    Node a{"node-a", config_for(*redis)};
    Node b{"node-b", config_for(*redis)};
    b.interest(NOTIFY_INTEREST_TOPIC, "e", true);
    ASSERT_TRUE(wait_numsub(*redis, topic_channel("e"), 1));
    a.publish_wait("e", "1");
    ASSERT_TRUE(b.wait_offsets("e", {1}));
    redis->cli("DEL", "t.meta.{e}");
    const Completion again = a.publish_wait("e", "new");
    EXPECT_EQ(again.offset, 1u);
    EXPECT_TRUE(b.wait_offsets("e", {1, 1}));
    EXPECT_TRUE(b.host.wait([](FakeHost& h) { return !h.lost_.empty(); }));
}

// A gap whose fill finds another epoch (Redis lost the stream): the old epoch's messages that
// were waiting behind the fill are dropped, not handed over after the loss was reported (each
// would look like one more epoch change: a second recovery, offsets seen twice).
TEST_F(RedisBroker, MessagesOfALostEpochWaitingBehindAFillAreDropped) {
    Node a{"node-a", config_for(*redis)};
    Node b{"node-b", config_for(*redis)};
    b.interest(NOTIFY_INTEREST_TOPIC, "g", true);
    ASSERT_TRUE(wait_numsub(*redis, topic_channel("g"), 1));
    const Completion first = a.publish_wait("g", "1");
    ASSERT_TRUE(b.wait_offsets("g", {1}));
    // The stream starts over in Redis under another epoch, and two late messages of the old
    // one reach the bus: offset 3 (a gap after 1: it waits behind a fill) and 4.
    redis->cli("DEL", "t.stream.{g}");
    redis->cli("HSET", "t.meta.{g}", "e", "0123456789abcdef", "s", "5");
    redisContext* c = redisConnect("127.0.0.1", redis->port());
    ASSERT_TRUE(c != nullptr && c->err == 0);
    for (std::uint64_t offset : {3u, 4u}) {
        const std::string message = redis::encode_topic(
            redis::TopicMessage{offset, first.epoch, "g", "", now_ms(), "late"});
        auto* reply = static_cast<redisReply*>(redisCommand(
            c, "PUBLISH %s %b", topic_channel("g").c_str(), message.data(), message.size()));
        ASSERT_NE(reply, nullptr);
        freeReplyObject(reply);
    }
    redisFree(c);
    ASSERT_TRUE(b.host.wait([](FakeHost& h) { return !h.lost_.empty(); }));
    // A publish in the new epoch is handed over; nothing of the old one after 1.
    const Completion next = a.publish_wait("g", "new");
    EXPECT_EQ(next.offset, 6u);
    ASSERT_TRUE(b.wait_offsets("g", {1, 6})) << ::testing::PrintToString(b.offsets("g"));
    b.host.with([](FakeHost& h) { EXPECT_EQ(h.lost_.size(), 1u); });
}

TEST_F(RedisBroker, KilledPubSubConnectionReconnectsAndFillsWhatItMissed) {
    Node a{"node-a", config_for(*redis)};
    Node b{"node-b", config_for(*redis)};
    b.interest(NOTIFY_INTEREST_TOPIC, "k", true);
    ASSERT_TRUE(wait_numsub(*redis, topic_channel("k"), 1));
    a.publish_wait("k", "1");
    ASSERT_TRUE(b.wait_offsets("k", {1}));
    redis->cli("CLIENT", "KILL", "TYPE", "pubsub");
    for (int i = 2; i <= 5; ++i) a.publish_wait("k", std::to_string(i));
    EXPECT_TRUE(b.wait_offsets("k", {1, 2, 3, 4, 5}, 8s)) << ::testing::PrintToString(b.offsets("k"));
    // Still live afterwards.
    a.publish_wait("k", "6");
    EXPECT_TRUE(b.wait_offsets("k", {1, 2, 3, 4, 5, 6}, 8s)) << ::testing::PrintToString(b.offsets("k"));
}

TEST_F(RedisBroker, DeafServerIsDetectedByTheProbe) {
    Node b{"node-b", config_for(*redis)};
    b.interest(NOTIFY_INTEREST_TOPIC, "p", true);
    ASSERT_TRUE(wait_numsub(*redis, topic_channel("p"), 1));
    redis->stop_signal();
    // The probe finds the connection deaf (> 2 probe intervals) while Redis is still stopped.
    const bool detected = b.host.wait([](FakeHost& h) {
        for (const auto& line : h.logs_) {
            if (line.find("reconnecting") != std::string::npos) return true;
        }
        return false;
    }, 10s);
    redis->cont();
    EXPECT_TRUE(detected) << "no reconnect within 10 s of Redis going deaf";
    // Works again afterwards: the commands connection is up and the topic subscribed again.
    EXPECT_TRUE(b.host.wait([](FakeHost& h) {
        return !h.readiness_.empty() && h.readiness_.back().rfind("ready", 0) == 0;
    }, 10s));
    ASSERT_TRUE(wait_numsub(*redis, topic_channel("p"), 1, 10s));
    const Completion done = b.publish_wait("p", "x");
    EXPECT_EQ(done.status, NOTIFY_OK) << done.error;
    EXPECT_TRUE(b.wait_offsets("p", {done.offset}));
}

TEST_F(RedisBroker, UnreachableRedisFailsPublishesPromptlyAndRecovers) {
    const unsigned short port = redis->port();
    redis->kill9();
    auto values = config_for(*redis);
    Node node{"a", values};
    ASSERT_EQ(node.status, NOTIFY_OK) << node.error;
    EXPECT_EQ(node.started, NOTIFY_OK);
    std::string error;
    EXPECT_EQ(node.publish("x", "y", 10, &error), NOTIFY_ERR_IO);
    EXPECT_NE(error.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << error;
    EXPECT_NE(error.find("refused"), std::string::npos) << error;
    HistoryResult read = read_history(node, "x", 0);
    EXPECT_EQ(read.status, NOTIFY_ERR_IO);
    notify_cluster_command command{sizeof command, NOTIFY_COMMAND_DISCONNECT, NOTIFY_TARGET_USER,
                                   {"u", 1}, {}, 4003, {}, 0};
    notify_error err{};
    EXPECT_EQ(node.vt()->send_command(node.instance, &command, &err), NOTIFY_ERR_IO);

    redis->restart();
    ASSERT_TRUE(node.host.wait([&](FakeHost&) { return false; }, 100ms) || true);
    bool ok = false;
    for (int i = 0; i < 100 && !ok; ++i) {
        std::this_thread::sleep_for(50ms);
        ok = node.publish("x", "y") == NOTIFY_PENDING;
    }
    EXPECT_TRUE(ok);
}

TEST_F(RedisBroker, ReadinessFollowsTheConnectionToRedis) {
    auto values = config_for(*redis);
    Node node{"a", values};
    ASSERT_EQ(node.status, NOTIFY_OK) << node.error;
    ASSERT_EQ(node.started, NOTIFY_OK);
    const auto last_is = [](const std::string& prefix) {
        return [prefix](FakeHost& h) {
            return !h.readiness_.empty() && h.readiness_.back().rfind(prefix, 0) == 0;
        };
    };
    EXPECT_TRUE(node.host.wait(last_is("ready")));
    EXPECT_EQ(node.host.with([](FakeHost& h) { return h.readiness_.front(); }).rfind("not ready", 0),
              0u);  // said before the first connection was up
    const unsigned short port = redis->port();
    redis->kill9();
    ASSERT_TRUE(node.host.wait(last_is("not ready: redis 127.0.0.1:" + std::to_string(port))))
        << node.host.with([](FakeHost& h) { return h.readiness_.back(); });
    redis->restart();
    EXPECT_TRUE(node.host.wait(last_is("ready"), 15s));
}

TEST_F(RedisBroker, InFlightPublishesFailAsUnknownOutcomeAndLimitApplies) {
    auto values = config_for(*redis);
    values["max_pending"] = std::int64_t{2};
    values["command_timeout"] = std::int64_t{500};
    Node node{"a", values};
    ASSERT_EQ(node.status, NOTIFY_OK) << node.error;
    redis->stop_signal();
    EXPECT_EQ(node.publish("x", "1"), NOTIFY_PENDING);
    EXPECT_EQ(node.publish("x", "2"), NOTIFY_PENDING);
    std::string error;
    EXPECT_EQ(node.publish("x", "3", 10, &error), NOTIFY_ERR_LIMIT);
    EXPECT_NE(error.find("max_pending"), std::string::npos) << error;
    ASSERT_TRUE(node.host.wait([](FakeHost& h) { return h.completions_.size() >= 2; }, 5s));
    node.host.with([](FakeHost& h) {
        for (const auto& c : h.completions_) {
            EXPECT_EQ(c.status, NOTIFY_ERR_IO);
            EXPECT_NE(c.error.find("unknown outcome"), std::string::npos) << c.error;
        }
        return 0;
    });
    redis->cont();
}

TEST_F(RedisBroker, UnsubscribesAfterTheDelay) {
    auto values = config_for(*redis);
    values["unsubscribe_delay"] = std::int64_t{2000};
    Node b{"node-b", values};
    b.interest(NOTIFY_INTEREST_TOPIC, "u", true);
    ASSERT_TRUE(wait_numsub(*redis, "t.topic.u", 1));
    const auto down = std::chrono::steady_clock::now();
    b.interest(NOTIFY_INTEREST_TOPIC, "u", false);
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(redis->cli("PUBSUB", "NUMSUB", "t.topic.u"), "t.topic.u\n1");  // within the delay
    EXPECT_TRUE(wait_numsub(*redis, "t.topic.u", 0, 10s));
    // Not before the delay (less a little for rounding).
    EXPECT_GE(std::chrono::steady_clock::now() - down, 1900ms);
}

// Two nodes with interest in a topic: what one adds the other lists (with user and info) and
// counts, a removal is seen by both, a removal by a node that does not own the entry (the
// client moved) changes nothing, and a third node without interest reads it from Redis.
TEST_F(RedisBroker, PresenceOfOneNodeIsReadOnTheOthers) {
    Node a{"node-a", config_for(*redis)};
    Node b{"node-b", config_for(*redis)};
    ASSERT_EQ(a.status, NOTIFY_OK) << a.error;
    ASSERT_EQ(b.status, NOTIFY_OK) << b.error;
    a.interest(NOTIFY_INTEREST_TOPIC, "room", true);
    b.interest(NOTIFY_INTEREST_TOPIC, "room", true);
    ASSERT_TRUE(wait_numsub(*redis, topic_channel("room"), 2));
    std::vector<std::string> last;

    presence_add(a, "room", "c1", "alice", R"({"n":1})");
    presence_add(a, "room", "c2", "", "");
    presence_add(b, "room", "c3", "alice", "");
    // Each node sees its own entries at once (a's may or may not have come yet).
    const auto at_once = read_presence(b, "room");
    EXPECT_NE(std::find(at_once.begin(), at_once.end(), "c3|alice|"), at_once.end())
        << ::testing::PrintToString(at_once);
    std::vector<std::string> want{R"(c1|alice|{"n":1})", "c2||", "c3|alice|"};
    EXPECT_TRUE(wait_presence(b, "room", want, &last)) << ::testing::PrintToString(last);
    EXPECT_TRUE(wait_presence(a, "room", want, &last)) << ::testing::PrintToString(last);
    EXPECT_EQ(read_presence_stats(a, "room"), (std::pair<std::int64_t, std::int64_t>{3, 1}));
    EXPECT_EQ(read_presence_stats(b, "room"), (std::pair<std::int64_t, std::int64_t>{3, 1}));
    EXPECT_EQ(redis->cli("HLEN", "t.presence.{room}"), "3");
    EXPECT_EQ(redis->cli("ZCARD", "t.presence.expire.{room}"), "3");

    presence_remove(a, "room", "c1");
    want = {"c2||", "c3|alice|"};
    EXPECT_TRUE(wait_presence(b, "room", want, &last)) << ::testing::PrintToString(last);
    EXPECT_TRUE(wait_presence(a, "room", want, &last)) << ::testing::PrintToString(last);
    EXPECT_EQ(read_presence_stats(b, "room"), (std::pair<std::int64_t, std::int64_t>{2, 1}));

    // b removes c2, which a owns: nothing changes. A later change of a's, once b lists it, shows
    // that b has read the removal's message before it.
    presence_remove(b, "room", "c2");
    presence_add(a, "room", "c4", "bob", "");
    want = {"c2||", "c3|alice|", "c4|bob|"};
    EXPECT_TRUE(wait_presence(b, "room", want, &last)) << ::testing::PrintToString(last);
    EXPECT_TRUE(wait_presence(a, "room", want, &last)) << ::testing::PrintToString(last);
    EXPECT_EQ(redis->cli("HEXISTS", "t.presence.{room}", "c2"), "1");

    // c2 moves to b (b adds it, then a, the older node, removes it): b's entry stays. Until a
    // removes it a lists its own (a node's own entries are the truth for its clients).
    presence_add(b, "room", "c2", "carol", "");
    want = {"c2|carol|", "c3|alice|", "c4|bob|"};
    EXPECT_TRUE(wait_presence(b, "room", want, &last)) << ::testing::PrintToString(last);
    presence_remove(a, "room", "c2");
    presence_add(a, "room", "c5", "", "");
    want = {"c2|carol|", "c3|alice|", "c4|bob|", "c5||"};
    EXPECT_TRUE(wait_presence(b, "room", want, &last)) << ::testing::PrintToString(last);
    EXPECT_TRUE(wait_presence(a, "room", want, &last)) << ::testing::PrintToString(last);
    EXPECT_EQ(read_presence_stats(a, "room"), (std::pair<std::int64_t, std::int64_t>{4, 3}));

    // A node without interest in the topic reads Redis.
    Node c{"node-c", config_for(*redis)};
    ASSERT_EQ(c.status, NOTIFY_OK) << c.error;
    EXPECT_TRUE(wait_presence(c, "room", want, &last)) << ::testing::PrintToString(last);
    EXPECT_EQ(read_presence_stats(c, "room"), (std::pair<std::int64_t, std::int64_t>{4, 3}));
    EXPECT_TRUE(wait_presence(c, "elsewhere", {}, &last)) << ::testing::PrintToString(last);
}

}  // namespace
}  // namespace notify::test

// ---- durable subscriptions and at-least-once ---------------------------------------------------

namespace notify::test {
namespace {

struct LoadedSubscription {
    std::string client;
    std::string user;
    std::string token;
    std::string topic;
    std::uint64_t acked = 0;
    bool operator<(const LoadedSubscription& other) const {
        return std::tie(client, topic) < std::tie(other.client, other.topic);
    }
    bool operator==(const LoadedSubscription& other) const = default;
};

std::vector<LoadedSubscription> load_subscriptions(Node& node) {
    std::vector<LoadedSubscription> out;
    notify_error err{};
    const auto sink = [](void* ctx, const notify_durable_subscription* record) {
        auto* list = static_cast<std::vector<LoadedSubscription>*>(ctx);
        list->push_back({std::string{record->client_id.data, record->client_id.len},
                         std::string{record->user_id.data, record->user_id.len},
                         std::string{record->resume_token.data, record->resume_token.len},
                         std::string{record->topic.data, record->topic.len},
                         record->acked_offset});
        return true;
    };
    EXPECT_EQ(node.vt()->subscriptions_load(node.instance, sink, &out, &err), NOTIFY_OK)
        << err.message;
    std::sort(out.begin(), out.end());
    return out;
}

void save_subscription(Node& node, const std::string& client, const std::string& topic,
                       std::uint64_t acked, const std::string& token = "tok") {
    const notify_durable_subscription record{sizeof(notify_durable_subscription),
                                             {client.data(), client.size()},
                                             {"u", 1},
                                             {token.data(), token.size()},
                                             {topic.data(), topic.size()},
                                             acked};
    notify_error err{};
    EXPECT_EQ(node.vt()->subscription_save(node.instance, &record, &err), NOTIFY_OK) << err.message;
}

void remove_subscription(Node& node, const std::string& client, const std::string& topic) {
    notify_error err{};
    EXPECT_EQ(node.vt()->subscription_remove(node.instance, {client.data(), client.size()},
                                             {topic.data(), topic.size()}, &err),
              NOTIFY_OK);
}

// Publishes at-least-once to topic and waits for the answer: the writes queued before it on the
// topic's connection are applied by then.
Completion fence(Node& node, const std::string& topic) {
    return node.publish_wait(topic, "fence", 10, NOTIFY_DELIVERY_AT_LEAST_ONCE);
}

bool logged(Node& node, const std::string& needle, std::chrono::milliseconds timeout = 5s) {
    return node.host.wait(
        [&](FakeHost& h) {
            for (const auto& line : h.logs_) {
                if (line.find(needle) != std::string::npos) return true;
            }
            return false;
        },
        timeout);
}

class RedisDurable : public ::testing::Test {
  protected:
    void SetUp() override {
        if (RedisServer::server_path().empty()) GTEST_SKIP() << "redis-server not installed";
        ASSERT_NE(plugin(), nullptr);
    }
};

TEST_F(RedisDurable, SubscriptionsAreKeptPerNodeNameAndTheLatestSaveWins) {
    RedisServer redis;
    Node alpha("a1", config_for(redis), "alpha");
    Node beta("b1", config_for(redis), "beta");
    ASSERT_EQ(alpha.started, NOTIFY_OK);
    save_subscription(alpha, "c1", "orders:1", 5);
    save_subscription(alpha, "c2", "orders:1", 7);
    save_subscription(alpha, "c1", "orders:2", 1);
    save_subscription(alpha, "c1", "orders:1", 9, "tok2");  // later: wins
    remove_subscription(alpha, "c2", "orders:1");
    remove_subscription(alpha, "nobody", "orders:1");  // absent: fine
    save_subscription(beta, "c1", "orders:1", 100);
    EXPECT_EQ(fence(alpha, "orders:1").status, NOTIFY_OK);
    EXPECT_EQ(fence(alpha, "orders:2").status, NOTIFY_OK);
    EXPECT_EQ(fence(beta, "orders:1").status, NOTIFY_OK);

    // A node restarted under the name "alpha" (another id) restores alpha's records only.
    Node alpha_again("a2", config_for(redis), "alpha");
    EXPECT_EQ(load_subscriptions(alpha_again),
              (std::vector<LoadedSubscription>{{"c1", "u", "tok2", "orders:1", 9},
                                               {"c1", "u", "tok", "orders:2", 1}}));
    Node beta_again("b2", config_for(redis), "beta");
    EXPECT_EQ(load_subscriptions(beta_again),
              (std::vector<LoadedSubscription>{{"c1", "u", "tok", "orders:1", 100}}));
    Node gamma("g1", config_for(redis), "gamma");
    EXPECT_TRUE(load_subscriptions(gamma).empty());
}

TEST_F(RedisDurable, AWriteMadeWhileRedisIsDownIsSentWhenItIsBack) {
    RedisServer redis;
    Node alpha("a1", config_for(redis), "alpha");
    ASSERT_EQ(alpha.started, NOTIFY_OK);
    redis.kill9();
    ASSERT_TRUE(alpha.host.wait([](FakeHost& h) {
        return !h.readiness_.empty() && h.readiness_.back().rfind("not ready", 0) == 0;
    })) << "the plugin did not notice Redis going";
    save_subscription(alpha, "c1", "orders:3", 42);
    // Redis comes back empty: the record can only be there if the held write was sent again.
    redis.restart();
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    std::vector<LoadedSubscription> loaded;
    while (std::chrono::steady_clock::now() < deadline) {
        Node reader("r", config_for(redis), "alpha");
        loaded = load_subscriptions(reader);
        if (!loaded.empty()) break;
        std::this_thread::sleep_for(100ms);
    }
    EXPECT_EQ(loaded, (std::vector<LoadedSubscription>{{"c1", "u", "tok", "orders:3", 42}}));
}

TEST_F(RedisDurable, LoadWithRedisUnreachableWarnsAndLoadsNothing) {
    RedisServer redis;
    auto config = config_for(redis);
    config["addresses"] = std::vector<std::string>{"127.0.0.1:1"};
    config["connect_timeout"] = std::int64_t{300};
    Node alpha("a1", config, "alpha");
    EXPECT_TRUE(load_subscriptions(alpha).empty());
    EXPECT_TRUE(logged(alpha, "cannot load the durable subscriptions of node 'alpha'", 1s));
}

TEST_F(RedisDurable, AtLeastOnceUseChecksRedisPersistence) {
    {
        RedisServer plain;  // the test server's default: no AOF
        Node node("a1", config_for(plain), "alpha");
        EXPECT_EQ(fence(node, "orders:1").status, NOTIFY_OK);
        EXPECT_TRUE(logged(node, "appendonly is 'no', not 'yes'"));
        EXPECT_TRUE(logged(node, "appendfsync is 'everysec', not 'always'"));
    }
    RedisServer durable(0, {"--appendonly", "yes", "--appendfsync", "always"});
    Node node("a2", config_for(durable), "alpha");
    save_subscription(node, "c1", "orders:1", 1);  // a durable subscription asks too
    EXPECT_TRUE(logged(node, "appendonly yes and appendfsync always"));
    node.host.with([](FakeHost& h) {
        for (const auto& line : h.logs_) EXPECT_EQ(line.find(", not '"), std::string::npos) << line;
    });
}

TEST_F(RedisDurable, AnotherLiveNodeWithTheSameNameIsAnError) {
    RedisServer redis;
    Node first("a1", config_for(redis), "same");
    Node second("a2", config_for(redis), "same");
    EXPECT_TRUE(logged(first, "another live node (id a2) is also named 'same'"));
}

}  // namespace
}  // namespace notify::test

// ---- TLS ------------------------------------------------------------------------------------

namespace notify::test {
namespace {

// redis-server's tls-port: one per test, since CTest runs the tests of this file in parallel.
constexpr unsigned short kTlsPortPublish = 39521;
constexpr unsigned short kTlsPortRestart = 39522;
constexpr unsigned short kTlsPortUntrusted = 39523;
constexpr unsigned short kTlsPortWrongName = 39524;
constexpr unsigned short kTlsPortBadKeys = 39525;

class RedisTls : public ::testing::Test {
  protected:
    void SetUp() override {
        if (RedisServer::server_path().empty()) GTEST_SKIP() << "redis-server not installed";
        ASSERT_NE(plugin(), nullptr);
        const auto pem = cli::testing::make_self_signed_certificate("localhost");
        cert_ = dir_.path() / "redis.crt";
        key_ = dir_.path() / "redis.key";
        write_file(cert_, pem.certificate_pem);
        write_file(key_, pem.private_key_pem);
    }
    void start_redis(unsigned short tls_port) {
        tls_port_ = tls_port;
        redis_ = std::make_unique<RedisServer>(
            0, std::vector<std::string>{"--tls-port", std::to_string(tls_port), "--tls-cert-file",
                                        cert_.string(), "--tls-key-file", key_.string(),
                                        "--tls-auth-clients", "no"});
    }
    std::map<std::string, Value> tls_config() const {
        auto config = config_for(*redis_);
        config["addresses"] = std::vector<std::string>{"127.0.0.1:" + std::to_string(tls_port_)};
        config["tls"] = true;
        config["tls_ca_file"] = cert_.string();
        config["tls_server_name"] = std::string{"localhost"};
        return config;
    }

    TempDir dir_;
    std::filesystem::path cert_;
    std::filesystem::path key_;
    std::unique_ptr<RedisServer> redis_;
    unsigned short tls_port_ = 0;
};

TEST_F(RedisTls, PublishHistoryAndTheBusWorkOverTls) {
    start_redis(kTlsPortPublish);
    Node publisher("p", tls_config());
    Node subscriber("s", tls_config());
    ASSERT_EQ(publisher.status, NOTIFY_OK) << publisher.error;
    subscriber.interest(NOTIFY_INTEREST_TOPIC, "secure", true);
    ASSERT_TRUE(wait_numsub(*redis_, "t.topic.secure", 1, 5s));
    for (int i = 1; i <= 3; ++i) {
        const Completion done = publisher.publish_wait("secure", "m" + std::to_string(i));
        EXPECT_EQ(done.status, NOTIFY_OK) << done.error;
        EXPECT_EQ(done.offset, static_cast<std::uint64_t>(i));
    }
    EXPECT_TRUE(subscriber.wait_offsets("secure", {1, 2, 3}));
    const HistoryResult history = read_history(subscriber, "secure", 0);  // the blocking path
    EXPECT_EQ(history.status, NOTIFY_OK) << history.error;
    ASSERT_EQ(history.entries.size(), 3U);
    EXPECT_EQ(history.entries.back(), (std::pair<std::uint64_t, std::string>{3, "m3"}));
    // It really went over TLS: the plain port saw none of these connections' commands as
    // plain clients (every client of the server is on the TLS port).
    EXPECT_NE(redis_->cli("CLIENT", "LIST").find("laddr=127.0.0.1:" + std::to_string(tls_port_)),
              std::string::npos);
}

// Redis going away under the tunnel: the kept blocking connection and the async ones see the
// end of the stream (never a SIGPIPE, which would end the process), fail, and work again once
// Redis is back.
TEST_F(RedisTls, ARedisRestartBehindTheTunnelIsSurvived) {
    start_redis(kTlsPortRestart);
    Node node("n", tls_config());
    ASSERT_EQ(node.status, NOTIFY_OK) << node.error;
    EXPECT_EQ(node.publish_wait("r", "before").status, NOTIFY_OK);
    EXPECT_EQ(read_history(node, "r", 0).status, NOTIFY_OK);  // keeps its blocking connection
    redis_->kill9();
    EXPECT_NE(read_history(node, "r", 0).status, NOTIFY_OK);
    redis_->restart();
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    Completion after;
    while (std::chrono::steady_clock::now() < deadline) {
        if (node.publish("r", "after") == NOTIFY_PENDING) {
            const std::uint64_t id = node.next_request;
            node.host.wait([&](FakeHost& h) {
                for (const auto& c : h.completions_) {
                    if (c.request_id == id) {
                        after = c;
                        return true;
                    }
                }
                return false;
            });
            if (after.status == NOTIFY_OK) break;
        }
        std::this_thread::sleep_for(100ms);
    }
    EXPECT_EQ(after.status, NOTIFY_OK) << after.error;
    const HistoryResult history = read_history(node, "r", 0);
    EXPECT_EQ(history.status, NOTIFY_OK) << history.error;
}

TEST_F(RedisTls, AnUntrustedCertificateIsRefusedSayingWhy) {
    start_redis(kTlsPortUntrusted);
    auto config = tls_config();
    config.erase("tls_ca_file");  // the system's trust store does not know our certificate
    Node node("n", config);
    ASSERT_EQ(node.status, NOTIFY_OK) << node.error;
    std::string error;
    EXPECT_EQ(node.publish("t", "x", 10, &error), NOTIFY_ERR_IO);
    EXPECT_NE(error.find("certificate verify failed"), std::string::npos) << error;
}

TEST_F(RedisTls, AWrongServerNameIsRefused) {
    start_redis(kTlsPortWrongName);
    auto config = tls_config();
    config["tls_server_name"] = std::string{"redis.example.org"};
    Node node("n", config);
    std::string error;
    EXPECT_EQ(node.publish("t", "x", 10, &error), NOTIFY_ERR_IO);
    EXPECT_NE(error.find("certificate verify failed"), std::string::npos) << error;
}

TEST_F(RedisTls, BadTlsSettingsFailCreateNamingTheKey) {
    start_redis(kTlsPortBadKeys);
    auto without_tls = tls_config();
    without_tls.erase("tls");
    Node plain("a", without_tls);
    EXPECT_EQ(plain.status, NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_NE(plain.error.find("'tls' is not true"), std::string::npos) << plain.error;

    auto missing_ca = tls_config();
    missing_ca["tls_ca_file"] = (dir_.path() / "nowhere.pem").string();
    Node no_ca("b", missing_ca);
    EXPECT_EQ(no_ca.status, NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_NE(no_ca.error.find("tls_ca_file"), std::string::npos) << no_ca.error;

    auto half_client = tls_config();
    half_client["tls_cert_file"] = cert_.string();
    Node half("c", half_client);
    EXPECT_EQ(half.status, NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_NE(half.error.find("set both"), std::string::npos) << half.error;
}

}  // namespace
}  // namespace notify::test
