// The redis broker's pure parts: wire format v1, hashes, shard mapping, key and channel names.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

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

TEST(RedisSha1, KnownValues) {
    EXPECT_EQ(sha1_hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    EXPECT_EQ(sha1_hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
    EXPECT_EQ(sha1_hex(std::string(1000, 'a')), "291e9a6c66994949b57ba5e650361e98fc36b1ba");
}

}  // namespace
}  // namespace notify::redis
