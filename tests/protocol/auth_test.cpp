// The protocol's auth additions in both encodings: the refresh command and its reply, the
// subscribe token, the connect reply's ttl_ms and the token_expired error (111).
#include <gtest/gtest.h>

#include <notify/protocol/binary.hpp>
#include <notify/protocol/json.hpp>
#include <string>

#include "binary_test_support.hpp"

namespace {

namespace protocol = notify::protocol;
using protocol::Command;
using protocol::DecodeError;
using protocol::ErrorCode;
using protocol::Position;
using protocol::RefreshCommand;
using protocol::Reply;
using protocol::ServerFrame;
using protocol::SessionResume;
using protocol::SubscribeCommand;
using protocol::testing::from_hex;
using protocol::testing::to_hex;

Command json_command(std::string_view json) {
    auto decoded = protocol::decode_command(json);
    if (auto* error = std::get_if<DecodeError>(&decoded)) {
        ADD_FAILURE() << json << " -> " << error->message;
        return {};
    }
    return std::get<Command>(decoded);
}

Command binary_command(std::string_view frame) {
    auto decoded = protocol::decode_command_binary(frame);
    if (auto* error = std::get_if<DecodeError>(&decoded)) {
        ADD_FAILURE() << to_hex(frame) << " -> " << error->message;
        return {};
    }
    return std::get<Command>(decoded);
}

DecodeError json_error(std::string_view json) {
    auto decoded = protocol::decode_command(json);
    if (auto* error = std::get_if<DecodeError>(&decoded)) return *error;
    ADD_FAILURE() << "decoded without error: " << json;
    return {};
}

DecodeError binary_error(std::string_view frame) {
    auto decoded = protocol::decode_command_binary(frame);
    if (auto* error = std::get_if<DecodeError>(&decoded)) return *error;
    ADD_FAILURE() << "decoded without error: " << to_hex(frame);
    return {};
}

Reply json_reply(std::string_view json) {
    auto decoded = protocol::decode_server_frame(json);
    if (auto* error = std::get_if<DecodeError>(&decoded)) {
        ADD_FAILURE() << json << " -> " << error->message;
        return {};
    }
    return std::get<Reply>(std::get<ServerFrame>(decoded));
}

Reply binary_reply(std::string_view frame) {
    auto decoded = protocol::decode_server_frame_binary(frame);
    if (auto* error = std::get_if<DecodeError>(&decoded)) {
        ADD_FAILURE() << to_hex(frame) << " -> " << error->message;
        return {};
    }
    return std::get<Reply>(std::get<ServerFrame>(decoded));
}

DecodeError bad_request(std::uint64_t id, std::string message) {
    return DecodeError{id, ErrorCode::bad_request, std::move(message)};
}

// ---- refresh ------------------------------------------------------------------------------

TEST(RefreshCommand, JsonHasTheDocumentedForm) {
    const Command refresh{3, RefreshCommand{"new-token"}};
    EXPECT_EQ(protocol::encode_command(refresh), R"({"id":3,"refresh":{"token":"new-token"}})");
    EXPECT_EQ(json_command(R"({"id":3,"refresh":{"token":"new-token"}})"), refresh);
    const Command escaped{4, RefreshCommand{"a\"b\\c"}};
    EXPECT_EQ(json_command(protocol::encode_command(escaped)), escaped);
}

TEST(RefreshCommand, BinaryHasTheDocumentedForm) {
    const Command refresh{3, RefreshCommand{"t0k"}};
    EXPECT_EQ(to_hex(protocol::encode_command_binary(refresh)), "08 03 03 74 30 6b");
    EXPECT_EQ(binary_command(from_hex("08 03 03 74 30 6b")), refresh);
    // Bytes after the token belong to a later version.
    EXPECT_EQ(binary_command(from_hex("08 03 03 74 30 6b ff ff")), refresh);
}

TEST(RefreshCommand, JsonDecoderIsStrict) {
    EXPECT_EQ(json_error(R"({"id":5,"refresh":{}})"), bad_request(5, "refresh.token: missing"));
    EXPECT_EQ(json_error(R"({"id":5,"refresh":{"token":null}})"),
              bad_request(5, "refresh.token: missing"));
    EXPECT_EQ(json_error(R"({"id":5,"refresh":{"token":""}})"),
              bad_request(5, "refresh.token: expected a non-empty string"));
    EXPECT_EQ(json_error(R"({"id":5,"refresh":{"token":42}})"),
              bad_request(5, "refresh.token: expected a non-empty string"));
    EXPECT_EQ(json_error(R"({"id":5,"refresh":{"token":["t"]}})"),
              bad_request(5, "refresh.token: expected a non-empty string"));
    EXPECT_EQ(json_error(R"({"id":5,"refresh":{"token":"t","ttl":1}})"),
              bad_request(5, "refresh.ttl: unknown field"));
    EXPECT_EQ(json_error(R"({"id":5,"refresh":"t"})"),
              bad_request(5, "refresh: expected an object"));
    EXPECT_EQ(json_error(R"({"id":5,"refresh":{"token":"t"},"ping":{}})").code,
              ErrorCode::bad_request);
}

TEST(RefreshCommand, BinaryDecoderIsStrict) {
    EXPECT_EQ(binary_error(from_hex("08 05 00")),
              bad_request(5, "refresh.token: expected a non-empty string"));
    EXPECT_EQ(binary_error(from_hex("08 05")),
              bad_request(5, "refresh.token: truncated: the frame ends at byte 2"));
    EXPECT_EQ(binary_error(from_hex("08 05 03 74")).code, ErrorCode::bad_request);
    EXPECT_EQ(binary_error(from_hex("08 05 01 ff")).message,
              "refresh.token: invalid UTF-8 in the string at byte 2");
    EXPECT_EQ(binary_error(from_hex("08 00 01 74")),
              bad_request(0, "id: expected a positive integer"));
}

TEST(RefreshReply, JsonHasTheDocumentedForm) {
    EXPECT_EQ(protocol::encode_refresh_reply(3, 3600000), R"({"id":3,"result":{"ttl_ms":3600000}})");
    EXPECT_EQ(protocol::encode_refresh_reply(3, std::nullopt), R"({"id":3,"result":{}})");
    EXPECT_EQ(protocol::encode_refresh_reply(3, 18446744073709551615ULL),
              R"({"id":3,"result":{"ttl_ms":18446744073709551615}})");

    Reply expected;
    expected.id = 3;
    expected.ttl_ms = 3600000;
    EXPECT_EQ(json_reply(R"({"id":3,"result":{"ttl_ms":3600000}})"), expected);
    expected.ttl_ms.reset();
    EXPECT_EQ(json_reply(R"({"id":3,"result":{}})"), expected);
    EXPECT_EQ(json_reply(R"({"id":3,"result":{"ttl_ms":null}})"), expected);
}

TEST(RefreshReply, BinaryHasTheDocumentedForm) {
    // presence 80 (flags follow), flags 04 (ttl_ms follows), ttl_ms 3600000.
    EXPECT_EQ(to_hex(protocol::encode_refresh_reply_binary(3, 3600000)), "40 03 80 04 80 dd db 01");
    EXPECT_EQ(to_hex(protocol::encode_refresh_reply_binary(3, std::nullopt)), "40 03 00");
    EXPECT_EQ(to_hex(protocol::encode_refresh_reply_binary(3, 0)), "40 03 80 04 00");

    Reply expected;
    expected.id = 3;
    expected.ttl_ms = 3600000;
    EXPECT_EQ(binary_reply(from_hex("40 03 80 04 80 dd db 01")), expected);
    EXPECT_EQ(protocol::encode_server_frame_binary(expected),
              protocol::encode_refresh_reply_binary(3, 3600000));
    expected.ttl_ms.reset();
    EXPECT_EQ(binary_reply(from_hex("40 03 00")), expected);
}

TEST(RefreshReply, MalformedTtlIsAnError) {
    auto not_a_number = protocol::decode_server_frame(R"({"id":3,"result":{"ttl_ms":"1"}})");
    ASSERT_TRUE(std::holds_alternative<DecodeError>(not_a_number));
    EXPECT_EQ(std::get<DecodeError>(not_a_number).message,
              "result.ttl_ms: expected an unsigned integer");
    auto truncated = protocol::decode_server_frame_binary(from_hex("40 03 80 04"));
    ASSERT_TRUE(std::holds_alternative<DecodeError>(truncated));
    EXPECT_EQ(std::get<DecodeError>(truncated).message,
              "result.ttl_ms: truncated: the frame ends at byte 4");
}

// ---- subscribe token ----------------------------------------------------------------------

TEST(SubscribeToken, JsonHasTheDocumentedForm) {
    const Command plain{2, SubscribeCommand{"chat", std::nullopt, ""}};
    EXPECT_EQ(protocol::encode_command(plain), R"({"id":2,"subscribe":{"topic":"chat"}})");
    const Command with_token{2, SubscribeCommand{"vip:chat", std::nullopt, "s-tok"}};
    EXPECT_EQ(protocol::encode_command(with_token),
              R"({"id":2,"subscribe":{"topic":"vip:chat","token":"s-tok"}})");
    EXPECT_EQ(json_command(R"({"id":2,"subscribe":{"topic":"vip:chat","token":"s-tok"}})"),
              with_token);
    const Command both{2, SubscribeCommand{"vip:chat", Position{4, "e"}, "s-tok"}};
    EXPECT_EQ(protocol::encode_command(both),
              R"({"id":2,"subscribe":{"topic":"vip:chat","since":{"offset":4,"epoch":"e"},"token":"s-tok"}})");
    EXPECT_EQ(json_command(protocol::encode_command(both)), both);
    // An empty or null token is no token.
    EXPECT_EQ(json_command(R"({"id":2,"subscribe":{"topic":"chat","token":""}})"), plain);
    EXPECT_EQ(json_command(R"({"id":2,"subscribe":{"topic":"chat","token":null}})"), plain);
}

TEST(SubscribeToken, JsonDecoderIsStrict) {
    EXPECT_EQ(json_error(R"({"id":2,"subscribe":{"topic":"chat","token":7}})"),
              bad_request(2, "subscribe.token: expected a string"));
    EXPECT_EQ(json_error(R"({"id":2,"subscribe":{"topic":"chat","tokens":"t"}})"),
              bad_request(2, "subscribe.tokens: unknown field"));
}

TEST(SubscribeToken, BinaryHasTheDocumentedForm) {
    const Command with_token{2, SubscribeCommand{"chat", std::nullopt, "s"}};
    EXPECT_EQ(to_hex(protocol::encode_command_binary(with_token)), "02 02 02 04 63 68 61 74 01 73");
    EXPECT_EQ(binary_command(from_hex("02 02 02 04 63 68 61 74 01 73")), with_token);
    const Command both{2, SubscribeCommand{"chat", Position{13, "a1b2"}, "s"}};
    EXPECT_EQ(to_hex(protocol::encode_command_binary(both)),
              "02 02 03 04 63 68 61 74 0d 04 61 31 62 32 01 73");
    EXPECT_EQ(binary_command(from_hex("02 02 03 04 63 68 61 74 0d 04 61 31 62 32 01 73")), both);
    // No token: the frame of before (presence 00).
    EXPECT_EQ(to_hex(protocol::encode_command_binary(
                  Command{2, SubscribeCommand{"chat", std::nullopt, ""}})),
              "02 02 00 04 63 68 61 74");
    EXPECT_EQ(binary_error(from_hex("02 02 02 04 63 68 61 74")),
              bad_request(2, "subscribe.token: truncated: the frame ends at byte 8"));
}

// ---- connect reply ttl_ms -----------------------------------------------------------------

TEST(ConnectTtl, JsonHasTheDocumentedForm) {
    EXPECT_EQ(protocol::encode_connect_reply(1, "c1", "u1", "r1", "0.1.0",
                                             SessionResume{false, false, 60000}),
              R"({"id":1,"result":{"client":"c1","user":"u1","resume":"r1","version":"0.1.0","ttl_ms":60000}})");
    EXPECT_EQ(protocol::encode_connect_reply(1, "c1", "u1", "r1", "0.1.0",
                                             SessionResume{true, true, 0}),
              R"({"id":1,"result":{"client":"c1","user":"u1","resume":"r1","version":"0.1.0","resumed":true,"overflow":true,"ttl_ms":0}})");
    EXPECT_EQ(protocol::encode_connect_reply(1, "c1", "u1", "r1", "0.1.0", SessionResume{}),
              R"({"id":1,"result":{"client":"c1","user":"u1","resume":"r1","version":"0.1.0"}})");

    const Reply reply = json_reply(
        R"({"id":1,"result":{"client":"c1","user":"u1","resume":"r1","version":"0.1.0","resumed":true,"ttl_ms":60000}})");
    EXPECT_EQ(reply.client, "c1");
    EXPECT_TRUE(reply.resumed);
    EXPECT_EQ(reply.ttl_ms, std::optional<std::uint64_t>(60000));
    EXPECT_FALSE(json_reply(R"({"id":1,"result":{"client":"c1"}})").ttl_ms.has_value());
}

TEST(ConnectTtl, BinaryHasTheDocumentedForm) {
    // presence 8f, flags 04 (ttl_ms follows), ttl_ms 60000 = e0 d4 03.
    EXPECT_EQ(to_hex(protocol::encode_connect_reply_binary(1, "c", "", "r", "v",
                                                           SessionResume{false, false, 60000})),
              "40 01 8f 01 63 00 01 72 01 76 04 e0 d4 03");
    // resumed + ttl_ms: flags 05.
    EXPECT_EQ(to_hex(protocol::encode_connect_reply_binary(1, "c", "", "r", "v",
                                                           SessionResume{true, false, 60000})),
              "40 01 8f 01 63 00 01 72 01 76 05 e0 d4 03");
    EXPECT_EQ(to_hex(protocol::encode_connect_reply_binary(1, "c", "", "r", "v", SessionResume{})),
              "40 01 0f 01 63 00 01 72 01 76");

    Reply expected;
    expected.id = 1;
    expected.client = "c";
    expected.resume = "r";
    expected.version = "v";
    expected.resumed = true;
    expected.ttl_ms = 60000;
    EXPECT_EQ(binary_reply(from_hex("40 01 8f 01 63 00 01 72 01 76 05 e0 d4 03")), expected);
    EXPECT_EQ(binary_reply(protocol::encode_server_frame_binary(expected)), expected);
    // A decoder that predates ttl_ms ignores flag bit 2 and the bytes after the flags byte: the
    // same frame is an ordinary resumed connect reply to it.
    expected.ttl_ms.reset();
    EXPECT_EQ(binary_reply(from_hex("40 01 8f 01 63 00 01 72 01 76 01 e0 d4 03")), expected);
}

// ---- token_expired ------------------------------------------------------------------------

TEST(TokenExpired, IsCode111InBothEncodings) {
    EXPECT_EQ(static_cast<std::uint32_t>(ErrorCode::token_expired), 111U);
    EXPECT_EQ(protocol::error_name(ErrorCode::token_expired), "token_expired");
    EXPECT_EQ(protocol::encode_error_reply(1, ErrorCode::token_expired, "token expired"),
              R"({"id":1,"error":{"code":111,"message":"token expired"}})");
    EXPECT_EQ(to_hex(protocol::encode_error_reply_binary(1, ErrorCode::token_expired, "x")),
              "41 01 6f 01 78");

    const Reply json = json_reply(R"({"id":1,"error":{"code":111,"message":"token expired"}})");
    ASSERT_TRUE(json.error.has_value());
    EXPECT_EQ(json.error->code, ErrorCode::token_expired);
    EXPECT_EQ(json.error->message, "token expired");
    const Reply binary = binary_reply(from_hex("41 01 6f 01 78"));
    ASSERT_TRUE(binary.error.has_value());
    EXPECT_EQ(binary.error->code, ErrorCode::token_expired);
}

// docs/protocol.md §12, "Auth in bytes".
TEST(AuthInBytes, TheDocumentedFramesAreWhatTheCodecWrites) {
    EXPECT_EQ(to_hex(protocol::encode_command_binary(
                  Command{1, protocol::ConnectCommand{"t0k", "", "", ""}})),
              "01 01 01 01 03 74 30 6b");
    EXPECT_EQ(to_hex(protocol::encode_connect_reply_binary(1, "c", "", "r", "v",
                                                           SessionResume{false, false, 300000})),
              "40 01 8f 01 63 00 01 72 01 76 04 e0 a7 12");
    EXPECT_EQ(to_hex(protocol::encode_command_binary(Command{9, RefreshCommand{"t1k"}})),
              "08 09 03 74 31 6b");
    EXPECT_EQ(to_hex(protocol::encode_refresh_reply_binary(9, 300000)), "40 09 80 04 e0 a7 12");
    EXPECT_EQ(to_hex(protocol::encode_command_binary(Command{10, RefreshCommand{"t2k"}})),
              "08 0a 03 74 32 6b");
    EXPECT_EQ(to_hex(protocol::encode_error_reply_binary(10, ErrorCode::token_expired,
                                                         "token expired")),
              "41 0a 6f 0d 74 6f 6b 65 6e 20 65 78 70 69 72 65 64");
    EXPECT_EQ(to_hex(protocol::encode_command_binary(
                  Command{11, SubscribeCommand{"chat", std::nullopt, "stk"}})),
              "02 0b 02 04 63 68 61 74 03 73 74 6b");
    EXPECT_EQ(to_hex(protocol::encode_refresh_reply_binary(11, std::nullopt)), "40 0b 00");
}

// docs/protocol.md §3, refresh: the JSON exchange.
TEST(AuthInJson, TheDocumentedFramesAreWhatTheCodecWrites) {
    EXPECT_EQ(protocol::encode_connect_reply(1, "c-6f1d", "alice", "r-93ab", "0.1.0",
                                             SessionResume{false, false, 300000}),
              R"({"id":1,"result":{"client":"c-6f1d","user":"alice","resume":"r-93ab","version":"0.1.0","ttl_ms":300000}})");
    EXPECT_EQ(protocol::encode_command(Command{9, RefreshCommand{"eyJ...b"}}),
              R"({"id":9,"refresh":{"token":"eyJ...b"}})");
    EXPECT_EQ(protocol::encode_refresh_reply(9, 300000), R"({"id":9,"result":{"ttl_ms":300000}})");
}

}  // namespace
