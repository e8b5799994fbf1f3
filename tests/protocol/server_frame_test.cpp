#include <notify/protocol/json.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <array>
#include <string>

namespace {

namespace protocol = notify::protocol;
using protocol::DecodeError;
using protocol::DisconnectPush;
using protocol::ErrorCode;
using protocol::MessagePush;
using protocol::Reply;
using protocol::ServerFrame;
using protocol::TopicPosition;

ServerFrame decoded(std::string_view json) {
    auto result = protocol::decode_server_frame(json);
    if (auto* error = std::get_if<DecodeError>(&result)) {
        ADD_FAILURE() << json << " -> " << error->message;
        return {};
    }
    return std::get<ServerFrame>(result);
}

DecodeError decode_error(std::string_view json) {
    auto result = protocol::decode_server_frame(json);
    if (auto* error = std::get_if<DecodeError>(&result)) {
        return *error;
    }
    ADD_FAILURE() << "decoded without error: " << json;
    return {};
}

std::string all_byte_values() {
    std::string bytes;
    for (int value = 0; value < 256; ++value) {
        bytes += static_cast<char>(value);
    }
    return bytes;
}

Reply reply_with_id(std::uint64_t id) {
    Reply reply;
    reply.id = id;
    return reply;
}

TEST(ServerFrameEncode, WritesTheDocumentedForms) {
    EXPECT_EQ(protocol::encode_connect_reply(1, "c1", "u1", "r1", "0.1.0"),
              R"({"id":1,"result":{"client":"c1","user":"u1","resume":"r1","version":"0.1.0"}})");
    EXPECT_EQ(protocol::encode_empty_reply(2), R"({"id":2,"result":{}})");
    const std::array positions = {TopicPosition{"a", 7, "e"}, TopicPosition{"b", 1, "f"}};
    EXPECT_EQ(protocol::encode_publish_reply(4, positions),
              R"({"id":4,"result":{"positions":[{"topic":"a","offset":7,"epoch":"e"},)"
              R"({"topic":"b","offset":1,"epoch":"f"}]}})");
    EXPECT_EQ(protocol::encode_publish_reply(4, {}), R"({"id":4,"result":{"positions":[]}})");
    EXPECT_EQ(protocol::encode_error_reply(3, ErrorCode::bad_request, "subscribe.topic: missing"),
              R"({"id":3,"error":{"code":102,"message":"subscribe.topic: missing"}})");
    EXPECT_EQ(protocol::encode_message_push("chat", 7, "e", "hi"),
              R"({"push":{"message":{"topic":"chat","offset":7,"epoch":"e","data":"hi"}}})");
    EXPECT_EQ(protocol::encode_message_push("chat", 8, "e", "\x80"),
              R"({"push":{"message":{"topic":"chat","offset":8,"epoch":"e","data_b64":"gA=="}}})");
    EXPECT_EQ(protocol::encode_disconnect_push(4001, "slow consumer"),
              R"({"push":{"disconnect":{"code":4001,"reason":"slow consumer"}}})");
}

TEST(ServerFrameEncode, EscapesEveryStringItWrites) {
    const std::string push = protocol::encode_message_push("a\"b", 18446744073709551615ULL,
                                                           "e\\1", "line\nbreak\x01");
    const auto json = nlohmann::json::parse(push);
    EXPECT_EQ(json["push"]["message"]["topic"], "a\"b");
    EXPECT_EQ(json["push"]["message"]["offset"].get<std::uint64_t>(), 18446744073709551615ULL);
    EXPECT_EQ(json["push"]["message"]["epoch"], "e\\1");
    EXPECT_EQ(json["push"]["message"]["data"], "line\nbreak\x01");
    const auto error = nlohmann::json::parse(
        protocol::encode_error_reply(1, ErrorCode::internal, "quote \" and \t tab"));
    EXPECT_EQ(error["error"]["message"], "quote \" and \t tab");
}

TEST(ServerFrameRoundTrip, ConnectReply) {
    Reply expected = reply_with_id(1);
    expected.client = "c1";
    expected.user = "u1";
    expected.resume = "r1";
    expected.version = "0.1.0";
    EXPECT_EQ(decoded(protocol::encode_connect_reply(1, "c1", "u1", "r1", "0.1.0")),
              (ServerFrame{expected}));
}

TEST(ServerFrameRoundTrip, EmptyReply) {
    EXPECT_EQ(decoded(protocol::encode_empty_reply(9)), (ServerFrame{reply_with_id(9)}));
}

TEST(ServerFrameRoundTrip, PublishReply) {
    const std::array positions = {TopicPosition{"a", 7, "e"}, TopicPosition{"b", 0, ""}};
    Reply expected = reply_with_id(4);
    expected.positions.assign(positions.begin(), positions.end());
    EXPECT_EQ(decoded(protocol::encode_publish_reply(4, positions)), (ServerFrame{expected}));
}

TEST(ServerFrameRoundTrip, ErrorReplyKeepsCodeMessageAndId) {
    Reply expected = reply_with_id(3);
    expected.error = DecodeError{3, ErrorCode::limit_exceeded, "too many topics"};
    EXPECT_EQ(decoded(protocol::encode_error_reply(3, ErrorCode::limit_exceeded,
                                                   "too many topics")),
              (ServerFrame{expected}));
}

TEST(ServerFrameRoundTrip, ErrorReplyForAnUnreadableIdCarriesIdZero) {
    Reply expected = reply_with_id(0);
    expected.error = DecodeError{0, ErrorCode::bad_request, "expected a JSON object"};
    EXPECT_EQ(decoded(protocol::encode_error_reply(0, ErrorCode::bad_request,
                                                   "expected a JSON object")),
              (ServerFrame{expected}));
}

TEST(ServerFrameRoundTrip, TextMessagePush) {
    EXPECT_EQ(decoded(protocol::encode_message_push("chat", 7, "e", "h\xC3\xA9llo \"you\"")),
              (ServerFrame{MessagePush{"chat", 7, "e", "h\xC3\xA9llo \"you\""}}));
}

TEST(ServerFrameRoundTrip, BinaryMessagePushCarriesAllByteValuesAsBase64) {
    const std::string payload = all_byte_values();
    const std::string push = protocol::encode_message_push("bin", 1, "e", payload);
    EXPECT_NE(push.find("\"data_b64\":"), std::string::npos);
    EXPECT_EQ(decoded(push), (ServerFrame{MessagePush{"bin", 1, "e", payload}}));
}

TEST(ServerFrameRoundTrip, EmptyAndNulPayloadsStayText) {
    EXPECT_EQ(decoded(protocol::encode_message_push("t", 1, "e", "")),
              (ServerFrame{MessagePush{"t", 1, "e", ""}}));
    const std::string with_nul("a\0b", 3);
    const std::string push = protocol::encode_message_push("t", 2, "e", with_nul);
    EXPECT_NE(push.find(R"("data":"a\u0000b")"), std::string::npos);
    EXPECT_EQ(decoded(push), (ServerFrame{MessagePush{"t", 2, "e", with_nul}}));
}

TEST(ServerFrameRoundTrip, DisconnectPush) {
    EXPECT_EQ(decoded(protocol::encode_disconnect_push(4002, "replaced")),
              (ServerFrame{DisconnectPush{4002, "replaced"}}));
}

TEST(ServerFrameDecode, IgnoresMembersFromNewerServers) {
    EXPECT_EQ(decoded(R"({"id":2,"result":{"later":true},"trace":"x"})"),
              (ServerFrame{reply_with_id(2)}));
    EXPECT_EQ(decoded(R"({"push":{"disconnect":{"code":1000,"reason":"bye","retry":false}}})"),
              (ServerFrame{DisconnectPush{1000, "bye"}}));
}

TEST(ServerFrameDecode, ReportsAnUnknownPushKindAsUnknownCommandSoClientsCanSkipIt) {
    const DecodeError error = decode_error(R"({"push":{"typing":{"topic":"a"}}})");
    EXPECT_EQ(error.code, ErrorCode::unknown_command);
    EXPECT_EQ(error.message, R"(push: unknown kind "typing")");
}

TEST(ServerFrameDecode, NamesTheFieldOfEveryMalformedFrame) {
    const std::array<std::pair<std::string_view, std::string_view>, 14> cases = {{
        {"[]", "expected a JSON object"},
        {R"({"id":1})", "expected exactly one of push, result or error"},
        {R"({"id":1,"result":{},"error":{"code":1,"message":""}})",
         "expected exactly one of push, result or error"},
        {R"({"result":{}})", "id: missing"},
        {R"({"id":0,"result":{}})", "id: expected a positive integer"},
        {R"({"id":1,"result":[]})", "result: expected an object"},
        {R"({"id":1,"result":{"positions":{}}})", "result.positions: expected an array"},
        {R"({"id":1,"result":{"positions":[{"topic":"a","epoch":"e"}]}})",
         "result.positions[0].offset: missing"},
        {R"({"id":1,"error":{"code":4294967296,"message":"m"}})",
         "error.code: expected at most 4294967295"},
        {R"({"id":1,"error":{"code":102}})", "error.message: missing"},
        {R"({"push":{}})", "push: expected a kind: message, disconnect, recover, join or leave"},
        {R"({"push":{"message":{"topic":"a","offset":1,"epoch":"e"}}})",
         "push.message: expected exactly one of data or data_b64"},
        {R"({"push":{"message":{"topic":"a","offset":1,"epoch":"e","data_b64":"%"}}})",
         "push.message.data_b64: invalid base64"},
        {R"({"push":{"disconnect":{"code":65536}}})",
         "push.disconnect.code: expected at most 65535"},
    }};
    for (const auto& [json, message] : cases) {
        const DecodeError error = decode_error(json);
        EXPECT_EQ(error.code, ErrorCode::bad_request) << json;
        EXPECT_EQ(error.message, message) << json;
    }
}

TEST(ServerFrameDecode, RejectsInvalidUtf8AndHostileNesting) {
    EXPECT_EQ(decode_error("{\"push\":\xC0\xAF}").message, "invalid UTF-8 at byte 8");
    EXPECT_EQ(decode_error(std::string(100'000, '{')).message, "nested deeper than 16 levels");
}

}  // namespace
