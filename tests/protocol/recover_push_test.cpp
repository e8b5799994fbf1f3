// The recover push (docs/protocol.md §5 and §12): the server lost messages of a topic for this
// client; both encodings, round trips, the documented bytes and malformed input.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <notify/protocol/binary.hpp>
#include <notify/protocol/json.hpp>
#include <string>
#include <utility>

#include "binary_test_support.hpp"

namespace {

namespace protocol = notify::protocol;
using protocol::DecodeError;
using protocol::ErrorCode;
using protocol::RecoverPush;
using protocol::ServerFrame;
using protocol::testing::from_hex;
using protocol::testing::to_hex;

using Decoded = std::variant<ServerFrame, DecodeError>;

ServerFrame frame_of(const Decoded& decoded) {
    if (const auto* error = std::get_if<DecodeError>(&decoded)) {
        ADD_FAILURE() << "decode failed: " << error->message;
        return {};
    }
    return std::get<ServerFrame>(decoded);
}

DecodeError error_of(const Decoded& decoded) {
    if (const auto* error = std::get_if<DecodeError>(&decoded)) {
        return *error;
    }
    ADD_FAILURE() << "decoded without an error";
    return {};
}

const std::array<RecoverPush, 5> kSamples = {{
    {"chat", 41, "e", "messages lost on the cluster bus"},
    {"chat", 0, "", ""},
    {"ns:\xc3\xa9t\xc3\xa9", 18446744073709551615ULL, "a1b2", "epoch changed"},
    {"t\"q\\", 127, "e\n", std::string("nul\0inside\x1f", 11)},
    {"x", 128, "", "r"},
}};

TEST(RecoverPush, JsonEncoderWritesTheDocumentedForm) {
    EXPECT_EQ(protocol::encode_recover_push("chat", 41, "e", "messages lost on the cluster bus"),
              R"({"push":{"recover":{"topic":"chat","offset":41,"epoch":"e",)"
              R"("reason":"messages lost on the cluster bus"}}})");
    // An unknown position is written as 0 and "" (the encoder always writes both).
    EXPECT_EQ(protocol::encode_recover_push("a", 0, "", ""),
              R"({"push":{"recover":{"topic":"a","offset":0,"epoch":"","reason":""}}})");
}

TEST(RecoverPush, JsonEncoderWritesValidJsonForEveryString) {
    for (const RecoverPush& push : kSamples) {
        const std::string json =
            protocol::encode_recover_push(push.topic, push.offset, push.epoch, push.reason);
        const auto parsed = nlohmann::json::parse(json);
        const auto& body = parsed.at("push").at("recover");
        EXPECT_EQ(body.at("topic").get<std::string>(), push.topic) << json;
        EXPECT_EQ(body.at("offset").get<std::uint64_t>(), push.offset) << json;
        EXPECT_EQ(body.at("epoch").get<std::string>(), push.epoch) << json;
        EXPECT_EQ(body.at("reason").get<std::string>(), push.reason) << json;
    }
}

TEST(RecoverPush, JsonRoundTrip) {
    for (const RecoverPush& push : kSamples) {
        const std::string json =
            protocol::encode_recover_push(push.topic, push.offset, push.epoch, push.reason);
        EXPECT_EQ(frame_of(protocol::decode_server_frame(json)), ServerFrame{push}) << json;
    }
}

TEST(RecoverPush, BinaryEncoderWritesTheDocumentedBytes) {
    EXPECT_EQ(to_hex(protocol::encode_recover_push_binary("chat", 41, "e", "gap")),
              "82 04 63 68 61 74 29 01 65 03 67 61 70");
    EXPECT_EQ(to_hex(protocol::encode_recover_push_binary("a", 300, "", "")),
              "82 01 61 ac 02 00 00");
}

TEST(RecoverPush, BinaryRoundTripAndBothEncodingsAgree) {
    for (const RecoverPush& push : kSamples) {
        const std::string frame =
            protocol::encode_recover_push_binary(push.topic, push.offset, push.epoch, push.reason);
        EXPECT_EQ(frame_of(protocol::decode_server_frame_binary(frame)), ServerFrame{push})
            << to_hex(frame);
        EXPECT_EQ(protocol::encode_server_frame_binary(ServerFrame{push}), frame);
        const std::string json =
            protocol::encode_recover_push(push.topic, push.offset, push.epoch, push.reason);
        EXPECT_EQ(frame_of(protocol::decode_server_frame(json)),
                  frame_of(protocol::decode_server_frame_binary(frame)));
    }
}

TEST(RecoverPush, JsonDecoderTakesAnUnknownPositionAsZeroAndIgnoresNewMembers) {
    EXPECT_EQ(frame_of(protocol::decode_server_frame(R"({"push":{"recover":{"topic":"chat"}}})")),
              (ServerFrame{RecoverPush{"chat", 0, "", ""}}));
    EXPECT_EQ(frame_of(protocol::decode_server_frame(
                  R"({"push":{"recover":{"topic":"chat","offset":null,"epoch":null,)"
                  R"("reason":"r","retry_ms":5}}})")),
              (ServerFrame{RecoverPush{"chat", 0, "", "r"}}));
}

TEST(RecoverPush, JsonDecoderNamesTheFieldOfEveryMalformedPush) {
    const std::array<std::pair<std::string_view, std::string_view>, 8> cases = {{
        {R"({"push":{"recover":{}}})", "push.recover.topic: missing"},
        {R"({"push":{"recover":[]}})", "push.recover: expected an object"},
        {R"({"push":{"recover":{"topic":7}}})", "push.recover.topic: expected a string"},
        {R"({"push":{"recover":{"topic":"a","offset":-1}}})",
         "push.recover.offset: expected an unsigned integer"},
        {R"({"push":{"recover":{"topic":"a","offset":1.5}}})",
         "push.recover.offset: expected an unsigned integer"},
        {R"({"push":{"recover":{"topic":"a","epoch":1}}})",
         "push.recover.epoch: expected a string"},
        {R"({"push":{"recover":{"topic":"a","reason":false}}})",
         "push.recover.reason: expected a string"},
        {R"({"push":{"recover":{"topic":"a"},)"
         R"("message":{"topic":"a","offset":1,"epoch":"e","data":""}}})",
         R"(push: expected exactly one kind, found "message" and "recover")"},
    }};
    for (const auto& [json, message] : cases) {
        const DecodeError error = error_of(protocol::decode_server_frame(json));
        EXPECT_EQ(error.code, ErrorCode::bad_request) << json;
        EXPECT_EQ(error.message, message) << json;
    }
}

TEST(RecoverPush, BinaryDecoderRefusesMalformedFrames) {
    const std::string frame = protocol::encode_recover_push_binary("chat", 41, "e", "gap");
    for (std::size_t size = 1; size < frame.size(); ++size) {
        const DecodeError error =
            error_of(protocol::decode_server_frame_binary(frame.substr(0, size)));
        EXPECT_EQ(error.code, ErrorCode::bad_request) << "cut at " << size;
        EXPECT_EQ(error.message.rfind("push.recover.", 0), 0u) << error.message;
    }
    EXPECT_EQ(error_of(protocol::decode_server_frame_binary(from_hex("82 01 ff 00 00 00"))).message,
              "push.recover.topic: invalid UTF-8 in the string at byte 1");
    EXPECT_EQ(error_of(protocol::decode_server_frame_binary(from_hex("82 01 61 80 00 00 00")))
                  .message,
              "push.recover.offset: non-minimal varint at byte 3");
    EXPECT_EQ(error_of(protocol::decode_server_frame_binary(from_hex("82 01 61 00 00 05 61")))
                  .message,
              "push.recover.reason: length 5 at byte 5 runs past the end of the frame (1 bytes "
              "left)");
    // Bytes after the last field are a later version's fields: ignored.
    EXPECT_EQ(frame_of(protocol::decode_server_frame_binary(frame + std::string("\x01\x02", 2))),
              (ServerFrame{RecoverPush{"chat", 41, "e", "gap"}}));
}

}  // namespace
