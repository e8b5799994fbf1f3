#include <gtest/gtest.h>

#include <array>
#include <notify/protocol/binary.hpp>
#include <notify/protocol/json.hpp>
#include <string>

#include "binary_test_support.hpp"

namespace {

namespace protocol = notify::protocol;
using protocol::Command;
using protocol::DecodeError;
using protocol::DisconnectPush;
using protocol::ErrorCode;
using protocol::MessagePush;
using protocol::Reply;
using protocol::ServerFrame;
using protocol::SessionResume;
using protocol::TopicPosition;
using protocol::testing::all_byte_values;
using protocol::testing::from_hex;
using protocol::testing::to_hex;

Command decoded_command(std::string_view frame) {
    auto result = protocol::decode_command_binary(frame);
    if (auto* error = std::get_if<DecodeError>(&result)) {
        ADD_FAILURE() << to_hex(frame) << " -> " << error->message;
        return {};
    }
    return std::get<Command>(result);
}

ServerFrame decoded_frame(std::string_view frame) {
    auto result = protocol::decode_server_frame_binary(frame);
    if (auto* error = std::get_if<DecodeError>(&result)) {
        ADD_FAILURE() << to_hex(frame) << " -> " << error->message;
        return {};
    }
    return std::get<ServerFrame>(result);
}

Reply result_reply(std::uint64_t id) {
    Reply reply;
    reply.id = id;
    return reply;
}

Reply error_reply(std::uint64_t id, ErrorCode code, std::string message) {
    Reply reply = result_reply(id);
    reply.error = DecodeError{id, code, std::move(message)};
    return reply;
}

TEST(BinaryCodec, EveryCommandSurvivesARoundTrip) {
    for (const Command& command : protocol::testing::sample_commands()) {
        const std::string frame = protocol::encode_command_binary(command);
        EXPECT_EQ(decoded_command(frame), command) << to_hex(frame);
    }
}

TEST(BinaryCodec, EveryServerFrameSurvivesARoundTrip) {
    for (const ServerFrame& frame : protocol::testing::sample_server_frames()) {
        const std::string bytes = protocol::encode_server_frame_binary(frame);
        EXPECT_EQ(decoded_frame(bytes), frame) << to_hex(bytes);
    }
}

TEST(BinaryCodec, ReplyEncodersMatchTheGeneralEncoder) {
    const auto frames = protocol::testing::sample_server_frames();
    const auto& connect = std::get<Reply>(frames[0]);
    EXPECT_EQ(protocol::encode_connect_reply_binary(connect.id, connect.client, connect.user,
                                                    connect.resume, connect.version),
              protocol::encode_server_frame_binary(connect));
    EXPECT_EQ(protocol::encode_empty_reply_binary(3),
              protocol::encode_server_frame_binary(frames[2]));
    const auto& publish = std::get<Reply>(frames[3]);
    EXPECT_EQ(protocol::encode_publish_reply_binary(publish.id, publish.positions),
              protocol::encode_server_frame_binary(publish));
}

TEST(BinaryCodec, AConnectReplyKeepsEmptyFieldsAsTheJsonOneDoes) {
    EXPECT_EQ(to_hex(protocol::encode_connect_reply_binary(9, "c", "", "r", "v")),
              "40 09 0f 01 63 00 01 72 01 76");
    Reply expected = result_reply(9);
    expected.client = "c";
    expected.resume = "r";
    expected.version = "v";
    EXPECT_EQ(decoded_frame(protocol::encode_connect_reply_binary(9, "c", "", "r", "v")),
              ServerFrame{expected});
}

TEST(BinaryCodec, APublishReplyWithoutPositionsStillSaysPublish) {
    EXPECT_EQ(to_hex(protocol::encode_publish_reply_binary(4, {})), "40 04 10 00");
    EXPECT_EQ(decoded_frame(protocol::encode_publish_reply_binary(4, {})),
              ServerFrame{result_reply(4)});
}

TEST(BinaryCodec, PayloadsOfEveryByteValueTravelRaw) {
    const std::string payload = all_byte_values();
    const std::string push = protocol::encode_message_push_binary("t", 1, "e", payload);
    EXPECT_EQ(push.size(), 1 + 2 + 1 + 2 + 2 + payload.size());
    EXPECT_EQ(push.substr(push.size() - payload.size()), payload);
    EXPECT_EQ(std::get<MessagePush>(decoded_frame(push)).data, payload);
    for (int value = 0; value < 256; ++value) {
        const std::string single(1, static_cast<char>(value));
        const Command send{1, protocol::SendCommand{single}};
        EXPECT_EQ(decoded_command(protocol::encode_command_binary(send)), send) << value;
    }
}

TEST(BinaryCodec, TheMessagePushIsAllocatedAtItsExactSize) {
    const std::string payload(100000, 'x');
    const std::string push = protocol::encode_message_push_binary("topic", 300, "epoch", payload);
    EXPECT_EQ(push.size(), 1 + 6 + 2 + 6 + 3 + payload.size());
    EXPECT_EQ(push.capacity(), push.size());
}

TEST(BinaryCodec, VarintsUseTheShortestForm) {
    EXPECT_EQ(to_hex(protocol::encode_command_binary({127, protocol::PingCommand{}})), "06 7f");
    EXPECT_EQ(to_hex(protocol::encode_command_binary({128, protocol::PingCommand{}})), "06 80 01");
    EXPECT_EQ(
        to_hex(protocol::encode_command_binary({18446744073709551615ULL, protocol::PingCommand{}})),
        "06 ff ff ff ff ff ff ff ff ff 01");
}

TEST(BinaryCodec, TrailingBytesOfAKnownTypeAreIgnored) {
    EXPECT_EQ(decoded_command(from_hex("06 04 ff ff 00")), (Command{4, protocol::PingCommand{}}));
    EXPECT_EQ(decoded_frame(from_hex("81 e9 07 00 01 02 03")),
              (ServerFrame{DisconnectPush{1001, ""}}));
}

TEST(BinaryCodec, UnknownPresenceBitsAreIgnoredWithTheFieldsAfterTheKnownOnes) {
    // bit 7 set, its field appended after the token: a later version's connect.
    EXPECT_EQ(decoded_command(from_hex("01 01 01 81 01 74 02 7a 7a")),
              (Command{1, protocol::ConnectCommand{"t", "", "", ""}}));
}

// docs/protocol.md, section 12, "Example exchange": every line, byte for byte.
TEST(BinaryCodec, TheDocumentedExchangeDecodesAsDocumented) {
    const std::string payload("\x00\x01\x02\xff", 4);
    EXPECT_EQ(decoded_command(from_hex("01 01 01 01 03 74 30 6b")),
              (Command{1, protocol::ConnectCommand{"t0k", "", "", ""}}));
    Reply connect = result_reply(1);
    connect.client = "c-6f1d";
    connect.user = "alice";
    connect.resume = "r-93ab";
    connect.version = "0.1.0";
    EXPECT_EQ(decoded_frame(from_hex("40 01 0f 06 63 2d 36 66 31 64 05 61 6c 69 63 65 06 72 2d "
                                     "39 33 61 62 05 30 2e 31 2e 30")),
              ServerFrame{connect});
    EXPECT_EQ(decoded_command(from_hex("02 02 00 04 63 68 61 74")),
              (Command{2, protocol::SubscribeCommand{"chat", std::nullopt, ""}}));
    EXPECT_EQ(decoded_frame(from_hex("40 02 00")), ServerFrame{result_reply(2)});
    EXPECT_EQ(decoded_command(from_hex("04 03 01 04 63 68 61 74 00 00 04 00 01 02 ff")),
              (Command{3, protocol::PublishCommand{{"chat"}, {}, {}, payload}}));
    EXPECT_EQ(decoded_frame(from_hex("80 04 63 68 61 74 ac 02 04 61 31 62 32 04 00 01 02 ff")),
              (ServerFrame{MessagePush{"chat", 300, "a1b2", payload}}));
    Reply publish = result_reply(3);
    publish.positions = {TopicPosition{"chat", 300, "a1b2"}};
    EXPECT_EQ(decoded_frame(from_hex("40 03 10 01 04 63 68 61 74 ac 02 04 61 31 62 32")),
              ServerFrame{publish});
    EXPECT_EQ(decoded_command(from_hex("06 04")), (Command{4, protocol::PingCommand{}}));
    EXPECT_EQ(decoded_frame(from_hex("40 04 00")), ServerFrame{result_reply(4)});

    const auto empty_topic = protocol::decode_command_binary(from_hex("02 05 00 00"));
    const DecodeError expected_empty_topic{5, ErrorCode::bad_request,
                                           "subscribe.topic: expected a non-empty string"};
    EXPECT_EQ(std::get<DecodeError>(empty_topic), expected_empty_topic);
    EXPECT_EQ(to_hex(protocol::encode_error_reply_binary(5, expected_empty_topic.code,
                                                         expected_empty_topic.message)),
              "41 05 66 2c 73 75 62 73 63 72 69 62 65 2e 74 6f 70 69 63 3a 20 65 78 70 65 63 74 "
              "65 64 20 61 20 6e 6f 6e 2d 65 6d 70 74 79 20 73 74 72 69 6e 67");
    const auto unknown = protocol::decode_command_binary(from_hex("3f 06"));
    const DecodeError expected_unknown{6, ErrorCode::unknown_command, "unknown command type 0x3f"};
    EXPECT_EQ(std::get<DecodeError>(unknown), expected_unknown);
    EXPECT_EQ(decoded_frame(from_hex("41 06 67 19 75 6e 6b 6e 6f 77 6e 20 63 6f 6d 6d 61 6e 64 "
                                     "20 74 79 70 65 20 30 78 33 66")),
              ServerFrame{error_reply(6, ErrorCode::unknown_command, "unknown command type 0x3f")});
    EXPECT_EQ(decoded_frame(from_hex("81 e9 07 14 73 65 72 76 65 72 20 73 68 75 74 74 69 6e 67 "
                                     "20 64 6f 77 6e")),
              (ServerFrame{DisconnectPush{1001, "server shutting down"}}));

    std::string tcp;
    protocol::append_length_prefixed(tcp, from_hex("06 04"));
    EXPECT_EQ(to_hex(tcp), "02 00 00 00 06 04");
}

TEST(BinaryCodec, TheDocumentedExchangeIsWhatTheEncodersWrite) {
    EXPECT_EQ(
        to_hex(protocol::encode_command_binary({1, protocol::ConnectCommand{"t0k", "", "", ""}})),
        "01 01 01 01 03 74 30 6b");
    EXPECT_EQ(
        to_hex(protocol::encode_connect_reply_binary(1, "c-6f1d", "alice", "r-93ab", "0.1.0")),
        "40 01 0f 06 63 2d 36 66 31 64 05 61 6c 69 63 65 06 72 2d 39 33 61 62 05 30 2e 31 "
        "2e 30");
    EXPECT_EQ(to_hex(protocol::encode_message_push_binary("chat", 300, "a1b2",
                                                          std::string("\x00\x01\x02\xff", 4))),
              "80 04 63 68 61 74 ac 02 04 61 31 62 32 04 00 01 02 ff");
    EXPECT_EQ(to_hex(protocol::encode_disconnect_push_binary(1001, "server shutting down")),
              "81 e9 07 14 73 65 72 76 65 72 20 73 68 75 74 74 69 6e 67 20 64 6f 77 6e");
}

class JsonBinaryEquivalence : public ::testing::TestWithParam<std::string_view> {};

// Decode JSON, encode binary, decode binary: the same value as the JSON decoder gave.
TEST_P(JsonBinaryEquivalence, CommandsDecodeToTheSameValue) {
    auto from_json = protocol::decode_command(GetParam());
    ASSERT_TRUE(std::holds_alternative<Command>(from_json)) << GetParam();
    const Command& command = std::get<Command>(from_json);
    EXPECT_EQ(decoded_command(protocol::encode_command_binary(command)), command);
}

INSTANTIATE_TEST_SUITE_P(
    DocumentedCommands, JsonBinaryEquivalence,
    ::testing::Values(
        R"({"id":1,"connect":{"token":"t","client":"c","resume":"r","user":"u"}})",
        R"({"id":1,"connect":{}})", R"({"id":2,"subscribe":{"topic":"chat"}})",
        R"({"id":2,"subscribe":{"topic":"chat","since":{"offset":41,"epoch":"e"}}})",
        R"({"id":3,"unsubscribe":{"topic":"chat"}})",
        R"({"id":4,"publish":{"topics":["a","b"],"clients":["c1"],"users":["u1"],"data":"hello"}})",
        R"({"id":4,"publish":{"topic":"a","data_b64":"/wABAg=="}})",
        R"({"id":5,"send":{"data":"x"}})", R"({"id":5,"send":{"data_b64":"/w=="}})",
        R"({"id":18446744073709551615,"ping":{}})"));

TEST(JsonBinaryServerFrames, DecodeToTheSameValue) {
    const std::array<std::string_view, 9> documented = {
        R"({"id":1,"result":{"client":"c1","user":"u1","resume":"r1","version":"0.1.0"}})",
        R"({"id":2,"result":{}})",
        R"({"id":4,"result":{"positions":[{"topic":"a","offset":7,"epoch":"e"}]}})",
        R"({"id":2,"error":{"code":102,"message":"subscribe.topic: expected a non-empty string"}})",
        R"({"id":0,"error":{"code":102,"message":"expected a JSON object"}})",
        R"({"push":{"message":{"topic":"chat","offset":7,"epoch":"e","data":"hello"}}})",
        R"({"push":{"message":{"topic":"chat","offset":8,"epoch":"e","data_b64":"gA=="}}})",
        R"({"push":{"disconnect":{"code":4001,"reason":"slow consumer"}}})",
        R"({"push":{"recover":{"topic":"chat","offset":41,"epoch":"e","reason":"gap"}}})",
    };
    for (const std::string_view json : documented) {
        auto from_json = protocol::decode_server_frame(json);
        ASSERT_TRUE(std::holds_alternative<ServerFrame>(from_json)) << json;
        const ServerFrame& frame = std::get<ServerFrame>(from_json);
        EXPECT_EQ(decoded_frame(protocol::encode_server_frame_binary(frame)), frame) << json;
    }
}

TEST(JsonBinaryServerFrames, EncodersAgreeOnEverySample) {
    for (const ServerFrame& frame : protocol::testing::sample_server_frames()) {
        std::string json;
        if (const auto* message = std::get_if<MessagePush>(&frame)) {
            json = protocol::encode_message_push(message->topic, message->offset, message->epoch,
                                                 message->data);
        } else if (const auto* disconnect = std::get_if<DisconnectPush>(&frame)) {
            json = protocol::encode_disconnect_push(disconnect->code, disconnect->reason);
        } else if (const auto* recover = std::get_if<protocol::RecoverPush>(&frame)) {
            json = protocol::encode_recover_push(recover->topic, recover->offset, recover->epoch,
                                                 recover->reason);
        } else if (const auto* join = std::get_if<protocol::JoinPush>(&frame)) {
            json = protocol::encode_join_push(join->topic, join->who);
        } else if (const auto* leave = std::get_if<protocol::LeavePush>(&frame)) {
            json = protocol::encode_leave_push(leave->topic, leave->who);
        } else {
            const auto& reply = std::get<Reply>(frame);
            if (reply.error) {
                json =
                    protocol::encode_error_reply(reply.id, reply.error->code, reply.error->message);
            } else if (reply.has_presence) {
                json = protocol::encode_presence_reply(reply.id, reply.presence);
            } else if (reply.presence_clients) {
                json = protocol::encode_presence_stats_reply(reply.id, *reply.presence_clients,
                                                             reply.presence_users.value_or(0));
            } else if (reply.has_messages) {
                json = protocol::encode_history_reply(reply.id, reply.position.value_or(
                                                                    protocol::Position{}),
                                                      reply.messages);
            } else if (!reply.positions.empty()) {
                json = protocol::encode_publish_reply(reply.id, reply.positions);
            } else if (reply.client.empty()) {
                json = protocol::encode_refresh_reply(reply.id, reply.ttl_ms);
            } else {
                json = protocol::encode_connect_reply(
                    reply.id, reply.client, reply.user, reply.resume, reply.version,
                    SessionResume{reply.resumed, reply.overflow, reply.ttl_ms});
            }
        }
        auto from_json = protocol::decode_server_frame(json);
        ASSERT_TRUE(std::holds_alternative<ServerFrame>(from_json)) << json;
        EXPECT_EQ(decoded_frame(protocol::encode_server_frame_binary(frame)),
                  std::get<ServerFrame>(from_json))
            << json;
    }
}

}  // namespace
