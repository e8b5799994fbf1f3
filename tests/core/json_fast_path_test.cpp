// The fast path for plain JSON commands must accept the everyday forms and, for every frame it
// accepts, give exactly the command protocol::decode_command gives; everything else it leaves
// to that decoder (whose error messages the protocol tests pin down).
#include "core/json_fast_path.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <variant>
#include <vector>

namespace notify::core {
namespace {

void expect_same_as_full_decoder(const std::string& frame) {
    const auto fast = decode_plain_json_command(frame);
    if (!fast) return;
    const auto full = protocol::decode_command(frame);
    const auto* command = std::get_if<protocol::Command>(&full);
    ASSERT_NE(command, nullptr) << "fast path accepted what the decoder refuses: " << frame << " ("
                                << std::get<protocol::DecodeError>(full).message << ")";
    EXPECT_EQ(*command, *fast) << frame;
}

TEST(JsonFastPath, AcceptsThePlainFormsAndAgreesWithTheDecoder) {
    const std::vector<std::string> plain = {
        R"({"id":3,"publish":{"topics":["chat:room"],"data":"hello"}})",
        R"({"publish":{"data":"hello","topic":"news"},"id":18446744073709551615})",
        R"({"id":7,"publish":{"topics":["a","b"],"clients":["c1"],"users":["u1","u2"],"data":""}})",
        R"({"id":8,"publish":{"users":["alice"],"data":"{\"text\":\"h\u00e9\\n\"}"}})",
        " {\"id\" : 9 , \"publish\" : {\"topic\" : \"t\", \"data\" : \"caf\xC3\xA9 \xF0\x9F\x98\x80\"}}\n",
        R"({"id":10,"ack":{"topic":"durable:jobs","offset":42}})",
        R"({"id":11,"send":{"data":"to the handler"}})",
        R"({"id":12,"ping":{}})",
        R"({"id":13,"publish":{"topics":["x"],"clients":[],"data":"\ud83d\ude00"}})",
    };
    for (const std::string& frame : plain) {
        EXPECT_TRUE(decode_plain_json_command(frame).has_value()) << frame;
        expect_same_as_full_decoder(frame);
    }
    const auto publish = decode_plain_json_command(plain[0]);
    ASSERT_TRUE(publish.has_value());
    EXPECT_EQ(publish->id, 3U);
    const auto& body = std::get<protocol::PublishCommand>(publish->body);
    EXPECT_EQ(body.topics, std::vector<std::string>{"chat:room"});
    EXPECT_EQ(body.data, "hello");
}

TEST(JsonFastPath, LeavesEverythingElseToTheDecoder) {
    const std::vector<std::string> others = {
        R"({"id":1,"connect":{}})",                                   // another command
        R"({"id":1,"subscribe":{"topic":"a"}})",
        R"({"id":0,"ping":{}})",                                      // zero id
        R"({"id":-0,"ping":{}})",
        R"({"id":-3,"ping":{}})",
        R"({"id":1.0,"ping":{}})",
        R"({"id":"1","ping":{}})",
        R"({"id":18446744073709551616,"ping":{}})",                   // above 2^64-1
        R"({"id":1,"id":2,"ping":{}})",                               // duplicate keys
        R"({"id":1,"publish":{"topic":"a","topic":"b","data":""}})",
        R"({"id":1,"publish":{"topic":"a","data":"x","data":"y"}})",
        R"({"id":1,"publish":{"topic":"a","topics":["b"],"data":""}})",  // both forms
        R"({"id":1,"publish":{"topic":null,"users":["u"],"data":""}})",  // null = absent
        R"({"id":1,"publish":{"topic":"a","data_b64":"aGk="}})",
        R"({"id":1,"publish":{"topic":"a","data":"x","extra":1}})",   // unknown member
        R"({"id":1,"publish":{"topic":"","data":"x"}})",              // empty topic
        "{\"id\":1,\"publish\":{\"topic\":\"a\\u0001\",\"data\":\"x\"}}",  // control character
        R"({"id":1,"publish":{"topics":[],"data":"x"}})",             // no target
        R"({"id":1,"publish":{"clients":[""],"data":"x"}})",          // empty client id
        R"({"id":1,"publish":{"topic":"a"}})",                        // no data
        R"({"id":1,"publish":{"topic":"a","data":5}})",
        R"({"id":1,"ack":{"topic":"a","offset":0}})",                 // zero: "0" or "-0"?
        R"({"id":1,"ack":{"topic":"a","offset":-0}})",
        R"({"id":1,"ping":{"x":1}})",
        R"({"id":1,"ping":{},"send":{"data":""}})",                   // two commands
        R"({"id":1,"publish":{"topic":"a","data":"\ud800"}})",        // lone surrogate
        "{\"id\":1,\"publish\":{\"topic\":\"a\",\"data\":\"\xED\xA0\x80\"}}",  // encoded surrogate
        "{\"id\":1,\"publish\":{\"topic\":\"a\",\"data\":\"\xC0\x80\"}}",      // overlong
        "\xEF\xBB\xBF{\"id\":1,\"ping\":{}}",                          // byte order mark
        R"({"id":1,"ping":{}} x)",
        R"([{"id":1,"ping":{}}])",
        "",
    };
    for (const std::string& frame : others) {
        EXPECT_FALSE(decode_plain_json_command(frame).has_value()) << frame;
    }
    const std::string topic_of_256(256, 't');
    EXPECT_FALSE(decode_plain_json_command(R"({"id":1,"publish":{"topic":")" + topic_of_256 +
                                           R"(","data":""}})")
                     .has_value());
    const std::string big(kFastPathMaxFrame, 'x');
    EXPECT_FALSE(decode_plain_json_command(R"({"id":1,"send":{"data":")" + big + R"("}})")
                     .has_value());
}

// Random byte edits of plain frames: whatever the fast path still accepts must decode the same.
TEST(JsonFastPath, MutatedFramesNeverDisagreeWithTheDecoder) {
    const std::vector<std::string> seeds = {
        R"({"id":3,"publish":{"topics":["chat:room","b"],"clients":["c"],"data":"hi \"x\" \u00e9"}})",
        R"({"id":10,"ack":{"topic":"durable:jobs","offset":42}})",
        R"({"id":11,"send":{"data":"to the handler"}})",
        R"({"id":12,"ping":{}})",
    };
    const std::string alphabet = "{}[]\":,\\u0123456789-+.eEtfnl aZ\x01\x7F\xC3\xA9\xED\xF0";
    std::mt19937 random(20261205);
    std::size_t accepted = 0;
    for (int round = 0; round < 20000; ++round) {
        std::string frame = seeds[random() % seeds.size()];
        const int edits = 1 + static_cast<int>(random() % 3);
        for (int edit = 0; edit < edits; ++edit) {
            const std::size_t at = random() % frame.size();
            const char byte = alphabet[random() % alphabet.size()];
            switch (random() % 3) {
                case 0: frame[at] = byte; break;
                case 1: frame.insert(frame.begin() + static_cast<std::ptrdiff_t>(at), byte); break;
                default: frame.erase(at, 1); break;
            }
        }
        if (decode_plain_json_command(frame)) ++accepted;
        expect_same_as_full_decoder(frame);
        if (HasFatalFailure()) return;
    }
    EXPECT_GT(accepted, 0U);  // some edits keep the frame plain (a digit of the id, a data byte)
}

}  // namespace
}  // namespace notify::core
