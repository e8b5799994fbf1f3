// The redis broker's pure parts: wire format v1, hashes, shard mapping, key and channel names.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "sha1.hpp"
#include "wire.hpp"

namespace notify::redis {
namespace {

TEST(RedisWire, TopicRoundTrip) {
    TopicMessage message{42, "e1", "news", "pk", 1700000000123, std::string{"a\0b", 3}};
    const std::string bytes = encode_topic(message);
    auto decoded = decode(bytes);
    ASSERT_TRUE(decoded);
    ASSERT_TRUE(std::holds_alternative<TopicMessage>(*decoded));
    EXPECT_EQ(std::get<TopicMessage>(*decoded), message);
}

TEST(RedisWire, TopicIsHeaderPlusTail) {
    // The Lua script writes "NB\1T" + field(offset) + field(epoch) and appends the tail.
    const std::string tail = encode_topic_tail("t", "", -5, "x");
    const std::string bytes = std::string{"NB\x01T", 4} + std::string{"\0\0\0\x01" "7", 5} +
                              std::string{"\0\0\0\x02" "ep", 6} + tail;
    auto decoded = decode(bytes);
    ASSERT_TRUE(decoded);
    const auto& message = std::get<TopicMessage>(*decoded);
    EXPECT_EQ(message.offset, 7u);
    EXPECT_EQ(message.epoch, "ep");
    EXPECT_EQ(message.topic, "t");
    EXPECT_EQ(message.time_ms, -5);
    EXPECT_EQ(message.payload, "x");
    auto parsed_tail = decode_topic_tail(tail);
    ASSERT_TRUE(parsed_tail);
    EXPECT_EQ(parsed_tail->payload, "x");
}

TEST(RedisWire, OtherTypesRoundTrip) {
    DirectMessage direct{{"c1", "c2"}, {"u1"}, "key", 5, "hello"};
    EXPECT_EQ(std::get<DirectMessage>(*decode(encode_direct(direct))), direct);
    DirectMessage empty{};
    EXPECT_EQ(std::get<DirectMessage>(*decode(encode_direct(empty))), empty);
    CommandMessage command{"node-a", 3, 1, "client-9", "", 4003, "bye", 77};
    EXPECT_EQ(std::get<CommandMessage>(*decode(encode_command(command))), command);
    NodeMessage node{"id", "name", "ws://a ws://b", "1.0", 1, 2, 3, 4, 5, 0.25, 1000, "app"};
    EXPECT_EQ(std::get<NodeMessage>(*decode(encode_node(node))), node);
    ProbeMessage probe{"node-a", 12};
    EXPECT_EQ(std::get<ProbeMessage>(*decode(encode_probe(probe))), probe);
}

TEST(RedisWire, ExtraTrailingFieldsAreIgnored) {
    ProbeMessage probe{"n", 1};
    std::string bytes = encode_probe(probe) + std::string{"\0\0\0\x01z", 5};
    EXPECT_EQ(std::get<ProbeMessage>(*decode(bytes)), probe);
}

TEST(RedisWire, MalformedInputIsRefused) {
    EXPECT_FALSE(decode(""));
    EXPECT_FALSE(decode("hello world"));        // redis-cli PUBLISH
    EXPECT_FALSE(decode("{\"json\":true}"));
    EXPECT_FALSE(decode(std::string{"NB\x02P", 4}));  // unknown version
    EXPECT_FALSE(decode(std::string{"NB\x01Z", 4}));  // unknown type
    EXPECT_FALSE(decode(std::string{"NB\x01T", 4}));  // no fields
    const std::string good = encode_topic({1, "e", "t", "", 0, "payload"});
    for (std::size_t cut = 0; cut < good.size(); ++cut) {
        EXPECT_FALSE(decode(good.substr(0, cut))) << "truncated at " << cut;
    }
    // A length larger than what follows.
    EXPECT_FALSE(decode(std::string{"NB\x01P\xff\xff\xff\xff", 8}));
    // Offset 0 or not a number.
    EXPECT_FALSE(decode(encode_topic({0, "e", "t", "", 0, "p"})));
    std::string bad_number = std::string{"NB\x01T", 4} + std::string{"\0\0\0\x02-1", 6} +
                             std::string{"\0\0\0\x01" "e", 5} + encode_topic_tail("t", "", 0, "");
    EXPECT_FALSE(decode(bad_number));
    // Command without origin; list count absurdly large.
    EXPECT_FALSE(decode(encode_command({"", 1, 1, "c", "", 0, "", 0})));
    EXPECT_FALSE(decode(std::string{"NB\x01" "D", 4} + std::string{"\0\0\0\x0a" "9999999999", 14}));
}

// A 4-byte big-endian length and the bytes: one wire field.
std::string field(std::string_view bytes) {
    const auto len = static_cast<std::uint32_t>(bytes.size());
    std::string out;
    out.push_back(static_cast<char>((len >> 24) & 0xffu));
    out.push_back(static_cast<char>((len >> 16) & 0xffu));
    out.push_back(static_cast<char>((len >> 8) & 0xffu));
    out.push_back(static_cast<char>(len & 0xffu));
    out.append(bytes);
    return out;
}

// A 'J' message spelled out field by field, as the presence scripts build it in Lua.
std::string presence_bytes(std::string_view op, std::string_view topic, std::string_view client,
                           std::string_view node, std::string_view user, std::string_view info) {
    return std::string{"NB\x01J", 4} + field(op) + field(topic) + field(client) + field(node) +
           field(user) + field(info);
}

TEST(RedisWire, PresenceRoundTripForEveryOp) {
    const std::vector<PresenceMessage> messages{
        {'+', "room:1", "c-1", "node-a", "alice", R"({"name":"Alice"})"},
        {'+', "room:1", "c-2", "node-a", "", ""},  // anonymous, no info
        {'-', "room:1", "c-1", "node-b", "", ""},
        {'*', "room:1", "", "node-a", "", ""},  // reload: no client
        {'+', std::string{"t\0p", 3}, std::string{"c\xff", 2}, "n", "u", "{}"},
    };
    for (const PresenceMessage& message : messages) {
        const std::string bytes = encode_presence(message);
        auto decoded = decode(bytes);
        ASSERT_TRUE(decoded) << message.op << " " << message.client;
        ASSERT_TRUE(std::holds_alternative<PresenceMessage>(*decoded));
        EXPECT_EQ(std::get<PresenceMessage>(*decoded), message);
    }
}

TEST(RedisWire, PresenceLayoutIsHeaderAndSixFields) {
    // The layout the Lua scripts write: op, topic, client, node, user, info.
    const PresenceMessage message{'-', "room:9", "c-9", "node-z", "bob", R"({"a":1})"};
    const std::string spelled = presence_bytes("-", "room:9", "c-9", "node-z", "bob", R"({"a":1})");
    EXPECT_EQ(encode_presence(message), spelled);
    auto decoded = decode(spelled);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(std::get<PresenceMessage>(*decoded), message);
    // Fields appended by a later version are ignored.
    auto longer = decode(spelled + field("later"));
    ASSERT_TRUE(longer);
    EXPECT_EQ(std::get<PresenceMessage>(*longer), message);
}

TEST(RedisWire, MalformedPresenceIsRefused) {
    EXPECT_FALSE(decode(std::string{"NB\x01J", 4}));  // no fields
    EXPECT_FALSE(decode(std::string{"NB\x01Jgarbage", 11}));
    // The op: one of + - *, exactly one byte.
    const std::vector<std::string> bad_ops{"", "x", "++", "+-", "0", std::string{"\0", 1}};
    for (const std::string& op : bad_ops) {
        EXPECT_FALSE(decode(presence_bytes(op, "room:1", "c", "n", "u", "")))
            << "op '" << op << "'";
    }
    // Empty topic, empty node: refused for every op.
    for (const char* op : {"+", "-", "*"}) {
        EXPECT_FALSE(decode(presence_bytes(op, "", "c", "n", "u", ""))) << op << " empty topic";
        EXPECT_FALSE(decode(presence_bytes(op, "room:1", "c", "", "u", ""))) << op << " empty node";
    }
    // Empty client: refused for '+' and '-', the normal case of '*'.
    EXPECT_FALSE(decode(presence_bytes("+", "room:1", "", "n", "u", "")));
    EXPECT_FALSE(decode(presence_bytes("-", "room:1", "", "n", "", "")));
    EXPECT_TRUE(decode(presence_bytes("*", "room:1", "", "n", "", "")));
    // Empty user and info are fine (an anonymous client without info).
    EXPECT_TRUE(decode(presence_bytes("+", "room:1", "c", "n", "", "")));
    // Every truncation of a good message.
    const std::string good = encode_presence({'+', "room:1", "c-1", "node-a", "alice", "{}"});
    for (std::size_t cut = 0; cut < good.size(); ++cut) {
        EXPECT_FALSE(decode(good.substr(0, cut))) << "truncated at " << cut;
    }
    // A length larger than what follows.
    EXPECT_FALSE(decode(std::string{"NB\x01J\x00\x00\x00\x01+\xff\xff\xff\xff", 13}));
}

TEST(RedisWire, PresenceRecordRoundTripAndOwnerPrefix) {
    const std::vector<PresenceRecord> records{
        {"node-a", "alice", R"({"name":"Alice"})"},
        {"node-a", "", ""},
        {"n", std::string{"u\0v", 3}, "{}"},
    };
    for (const PresenceRecord& record : records) {
        const std::string bytes = encode_presence_record(record);
        auto decoded = decode_presence_record(bytes);
        ASSERT_TRUE(decoded) << record.node << " " << record.user;
        EXPECT_EQ(*decoded, record);
        // No header: it is a hash value, not a bus message.
        EXPECT_FALSE(decode(bytes));
        // The remove script compares the stored value's first bytes with the owner prefix.
        const std::string prefix = presence_owner_prefix(record.node);
        EXPECT_EQ(bytes.compare(0, prefix.size(), prefix), 0) << record.node;
    }
    EXPECT_EQ(encode_presence_record({"node-a", "bob", "{}"}),
              field("node-a") + field("bob") + field("{}"));
    EXPECT_EQ(presence_owner_prefix("node-a"), field("node-a"));
    // Another node's record does not start with this node's prefix, even when one id is a
    // prefix of the other (the length comes first).
    const std::string of_ab = encode_presence_record({"node-ab", "u", ""});
    const std::string prefix_a = presence_owner_prefix("node-a");
    EXPECT_NE(of_ab.compare(0, prefix_a.size(), prefix_a), 0);
    const std::string of_a = encode_presence_record({"node-a", "u", ""});
    const std::string prefix_ab = presence_owner_prefix("node-ab");
    EXPECT_NE(of_a.compare(0, prefix_ab.size(), prefix_ab), 0);
}

TEST(RedisWire, MalformedPresenceRecordIsRefused) {
    EXPECT_FALSE(decode_presence_record(""));
    EXPECT_FALSE(decode_presence_record("garbage"));
    EXPECT_FALSE(decode_presence_record(field("") + field("u") + field("")));  // no node
    const std::string good = encode_presence_record({"node-a", "alice", "{}"});
    for (std::size_t cut = 0; cut < good.size(); ++cut) {
        EXPECT_FALSE(decode_presence_record(good.substr(0, cut))) << "truncated at " << cut;
    }
}

TEST(RedisWire, RandomBytesNeverCrash) {
    std::mt19937 random{1234};
    const std::string seed = encode_direct({{"a", "b"}, {"u"}, "k", 1, "p"});
    for (int i = 0; i < 20000; ++i) {
        std::string bytes = seed;
        const int flips = 1 + static_cast<int>(random() % 4);
        for (int f = 0; f < flips; ++f) {
            bytes[random() % bytes.size()] = static_cast<char>(random() & 0xff);
        }
        (void)decode(bytes);
        (void)decode_topic_tail(bytes);
    }
    const std::string presence = encode_presence({'+', "room:1", "c-1", "node-a", "u", "{}"});
    const std::string record = encode_presence_record({"node-a", "u", "{}"});
    for (int i = 0; i < 20000; ++i) {
        std::string bytes = i % 2 == 0 ? presence : record;
        const int flips = 1 + static_cast<int>(random() % 4);
        for (int f = 0; f < flips; ++f) {
            bytes[random() % bytes.size()] = static_cast<char>(random() & 0xff);
        }
        (void)decode(bytes);
        (void)decode_presence_record(bytes);
    }
    SUCCEED();
}

TEST(RedisWire, StrictNumbers) {
    EXPECT_EQ(parse_u64("0"), 0u);
    EXPECT_EQ(parse_u64("18446744073709551615"), 18446744073709551615ull);
    EXPECT_FALSE(parse_u64("18446744073709551616"));
    EXPECT_FALSE(parse_u64(" 1"));
    EXPECT_FALSE(parse_u64("1x"));
    EXPECT_FALSE(parse_u64("-1"));
    EXPECT_FALSE(parse_u64(""));
    EXPECT_EQ(parse_i64("-9"), -9);
    EXPECT_FALSE(parse_i64("+9"));
}

TEST(RedisHash, Fnv1a64KnownValues) {
    EXPECT_EQ(fnv1a64(""), 0xcbf29ce484222325ull);
    EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cull);
    EXPECT_EQ(fnv1a64("foobar"), 0x85944171f73967e8ull);
}

TEST(RedisHash, JumpHashIsStable) {
    // Values of the reference implementation (Lamping & Veach); other nodes and other
    // implementations must agree, so these never change.
    EXPECT_EQ(jump_hash(0, 1), 0);
    EXPECT_EQ(jump_hash(1, 10), 6);
    EXPECT_EQ(jump_hash(0xdeadbeef, 100), jump_hash(0xdeadbeef, 100));
    EXPECT_EQ(jump_hash(256, 1024), 520);
    for (std::uint64_t key = 0; key < 1000; ++key) {
        const auto b = jump_hash(key, 7);
        EXPECT_GE(b, 0);
        EXPECT_LT(b, 7);
    }
}

TEST(RedisHash, JumpHashMovesFewKeysWhenAServerIsAdded) {
    int moved = 0;
    const int keys = 10000;
    for (int i = 0; i < keys; ++i) {
        const std::uint64_t key = fnv1a64("topic-" + std::to_string(i));
        const auto before = jump_hash(key, 4);
        const auto after = jump_hash(key, 5);
        if (before != after) {
            ++moved;
            EXPECT_EQ(after, 4);  // keys only move to the new bucket
        }
    }
    EXPECT_NEAR(moved, keys / 5, keys / 25);
}

TEST(RedisHash, ShardMappingIsSpreadAndStable) {
    std::map<std::uint32_t, int> counts;
    for (int i = 0; i < 6400; ++i) {
        const auto shard = id_shard("client-" + std::to_string(i), 64);
        ASSERT_LT(shard, 64u);
        ++counts[shard];
    }
    EXPECT_EQ(counts.size(), 64u);
    for (const auto& [shard, count] : counts) {
        EXPECT_GT(count, 40) << shard;
        EXPECT_LT(count, 180) << shard;
    }
    EXPECT_EQ(id_shard("abc", 64), fnv1a64("abc") % 64);
    EXPECT_EQ(topic_server("anything", 1), 0u);
    EXPECT_EQ(shard_server(5, 1), 0u);
    EXPECT_EQ(topic_server("news", 3), static_cast<std::size_t>(jump_hash(fnv1a64("news"), 3)));
}

TEST(RedisNames, KeysShareTheTopicsHashSlot) {
    Names names{"notify"};
    EXPECT_EQ(names.meta_key("a.b"), "notify.meta.{a.b}");
    EXPECT_EQ(names.stream_key("a.b"), "notify.stream.{a.b}");
    EXPECT_EQ(names.topic_channel("a.b"), "notify.topic.a.b");
    EXPECT_EQ(names.client_channel(3), "notify.client.3");
    EXPECT_EQ(names.user_channel(63), "notify.user.63");
    EXPECT_EQ(names.control_channel(), "notify.control");
    EXPECT_EQ(names.node_channel("x"), "notify.node.x");
}

TEST(RedisNames, PresenceKeysShareTheTopicsHashTag) {
    Names names{"notify"};
    EXPECT_EQ(names.presence_key("room:1"), "notify.presence.{room:1}");
    EXPECT_EQ(names.presence_expiry_key("room:1"), "notify.presence.expire.{room:1}");
    // Redis Cluster hashes the text between the first '{' and the next '}': the same for the
    // presence keys and the topic's meta and stream keys (a script may touch them together).
    const auto tag = [](const std::string& key) {
        const auto open = key.find('{');
        const auto close = key.find('}', open + 1);
        return key.substr(open + 1, close - open - 1);
    };
    for (const std::string& topic : std::vector<std::string>{"room:1", "a.b", "x"}) {
        EXPECT_EQ(tag(names.presence_key(topic)), topic);
        EXPECT_EQ(tag(names.presence_expiry_key(topic)), topic);
        EXPECT_EQ(tag(names.presence_key(topic)), tag(names.meta_key(topic)));
    }
    EXPECT_NE(names.presence_key("t"), names.presence_expiry_key("t"));
}

TEST(RedisSha1, KnownValues) {
    EXPECT_EQ(sha1_hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    EXPECT_EQ(sha1_hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
    EXPECT_EQ(sha1_hex(std::string(1000, 'a')), "291e9a6c66994949b57ba5e650361e98fc36b1ba");
}

}  // namespace
}  // namespace notify::redis
