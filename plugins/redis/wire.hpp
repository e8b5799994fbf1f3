// The pure parts of the redis broker: the bus wire format (version 1), key and channel names,
// and the hashes that place topics and ids on shards. No hiredis, no threads: unit-tested alone.
//
// Wire format v1 (every message on a Redis channel of this broker):
//   'N' 'B' <version=1> <type>  then fields, each a 4-byte big-endian length + that many bytes.
//   Integers are fields holding decimal ASCII (strictly parsed). Fields are in a fixed order per
//   type; a reader ignores extra fields after the ones it knows (later writers may append).
//   type 'T' topic:    offset, epoch, topic, publish_key, time_ms, payload
//                      (the publish Lua script writes offset+epoch and appends the "tail" the
//                      plugin encoded: topic, publish_key, time_ms, payload; streams store the tail)
//   type 'D' direct:   client count, clients..., user count, users..., publish_key, time_ms, payload
//   type 'C' command:  origin node, type, target, id, topic, code, reason, time_ms
//   type 'A' announce: id, name, urls, version, connections, clients, users, topics,
//                      subscriptions, cpu, uptime_ms, app_id
//   type 'P' probe:    origin node, nonce
//   type 'J' presence: op ("+" joined or replaced, "-" left, "*" reload), topic, client, node,
//                      user, info. Sent on the topic's channel by the presence scripts.
// A presence hash value (not a bus message, no header): node, user, info.
// A durable subscription (no header): field = node name, client; value = user, resume token,
// acked offset.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace notify::redis {

inline constexpr std::uint8_t kWireVersion = 1;

struct TopicMessage {
    std::uint64_t offset = 0;
    std::string epoch;
    std::string topic;
    std::string publish_key;
    std::int64_t time_ms = 0;
    std::string payload;
    bool operator==(const TopicMessage&) const = default;
};

// The part of a topic message the plugin encodes (and a stream entry keeps).
struct TopicTail {
    std::string topic;
    std::string publish_key;
    std::int64_t time_ms = 0;
    std::string payload;
    bool operator==(const TopicTail&) const = default;
};

struct DirectMessage {
    std::vector<std::string> clients;
    std::vector<std::string> users;
    std::string publish_key;
    std::int64_t time_ms = 0;
    std::string payload;
    bool operator==(const DirectMessage&) const = default;
};

struct CommandMessage {
    std::string origin;
    std::uint32_t type = 0;
    std::uint32_t target = 0;
    std::string id;
    std::string topic;
    std::uint16_t code = 0;
    std::string reason;
    std::int64_t time_ms = 0;
    bool operator==(const CommandMessage&) const = default;
};

struct NodeMessage {
    std::string id;
    std::string name;
    std::string urls;
    std::string version;
    std::uint64_t connections = 0;
    std::uint64_t clients = 0;
    std::uint64_t users = 0;
    std::uint64_t topics = 0;
    std::uint64_t subscriptions = 0;
    double cpu = 0;
    std::int64_t uptime_ms = 0;
    std::string app_id;
    bool operator==(const NodeMessage&) const = default;
};

struct ProbeMessage {
    std::string origin;
    std::uint64_t nonce = 0;
    bool operator==(const ProbeMessage&) const = default;
};

// A change of a topic's presence, made by node `node`. '+' adds or replaces the client's entry;
// '-' removes it only where that node is still its owner (a client that moved to another node
// stays); '*' says the node rewrote its entries in Redis (after a reconnect): reload the topic.
struct PresenceMessage {
    char op = '+';
    std::string topic;
    std::string client;
    std::string node;
    std::string user;
    std::string info;
    bool operator==(const PresenceMessage&) const = default;
};

// What the presence hash keeps per client.
struct PresenceRecord {
    std::string node;
    std::string user;
    std::string info;
    bool operator==(const PresenceRecord&) const = default;
};

// A durable subscription as stored: the hash field names the node that holds it and the client.
struct SubscriptionValue {
    std::string user;
    std::string resume_token;
    std::uint64_t acked_offset = 0;
    bool operator==(const SubscriptionValue&) const = default;
};

using BusMessage = std::variant<TopicMessage, DirectMessage, CommandMessage, NodeMessage,
                                ProbeMessage, PresenceMessage>;

std::string encode_topic_tail(std::string_view topic, std::string_view publish_key,
                              std::int64_t time_ms, std::string_view payload);
// What the publish script sends: header + offset + epoch + tail (tests and tools).
std::string encode_topic(const TopicMessage& message);
std::string encode_direct(const DirectMessage& message);
std::string encode_command(const CommandMessage& message);
std::string encode_node(const NodeMessage& message);
std::string encode_probe(const ProbeMessage& message);
std::string encode_presence(const PresenceMessage& message);
std::string encode_presence_record(const PresenceRecord& record);
// The first bytes of every record of `node` (the remove script compares them).
std::string presence_owner_prefix(std::string_view node);
std::optional<PresenceRecord> decode_presence_record(std::string_view bytes);
std::string encode_subscription_field(std::string_view node, std::string_view client);
// (node, client); nullopt when malformed or either is empty.
std::optional<std::pair<std::string, std::string>> decode_subscription_field(std::string_view bytes);
std::string encode_subscription_value(const SubscriptionValue& value);
std::optional<SubscriptionValue> decode_subscription_value(std::string_view bytes);

// nullopt for anything malformed (wrong magic/version/type, truncated field, bad number).
std::optional<BusMessage> decode(std::string_view bytes);
std::optional<TopicTail> decode_topic_tail(std::string_view bytes);

// Strict decimal parsers (no sign, no spaces, no overflow).
std::optional<std::uint64_t> parse_u64(std::string_view text);
std::optional<std::int64_t> parse_i64(std::string_view text);

// ---- hashing --------------------------------------------------------------------------------

std::uint64_t fnv1a64(std::string_view data) noexcept;
// Lamping & Veach, "A Fast, Minimal Memory, Consistent Hash Algorithm" (2014).
std::int32_t jump_hash(std::uint64_t key, std::int32_t buckets) noexcept;
// The Redis server (index into addresses) that carries a topic's keys and channel.
std::size_t topic_server(std::string_view topic, std::size_t servers) noexcept;
// The client/user channel shard of an id (0..shards).
std::uint32_t id_shard(std::string_view id, std::uint32_t shards) noexcept;
// The Redis server that carries client/user channel shard n.
std::size_t shard_server(std::uint32_t shard, std::size_t servers) noexcept;

// ---- names ----------------------------------------------------------------------------------

struct Names {
    std::string prefix;
    std::string topic_channel(std::string_view topic) const;
    std::string client_channel(std::uint32_t shard) const;
    std::string user_channel(std::uint32_t shard) const;
    std::string control_channel() const;
    std::string node_channel(std::string_view node_id) const;
    // Both keys of a topic share the {topic} hash tag: one slot in Redis Cluster.
    std::string meta_key(std::string_view topic) const;
    std::string stream_key(std::string_view topic) const;
    // Presence: hash client -> record, and sorted set client -> expiry (Redis time, ms).
    std::string presence_key(std::string_view topic) const;
    std::string presence_expiry_key(std::string_view topic) const;
    // Durable subscriptions of a topic: hash (node, client) -> value, on the topic's server.
    std::string subscriptions_key(std::string_view topic) const;
    // The topics of a server where node `node` has (or had) durable subscriptions: a set.
    std::string subscriptions_index_key(std::string_view node) const;
};

}  // namespace notify::redis
