#include <gtest/gtest.h>

#include <notify/protocol/binary.hpp>
#include <string>

#include "binary_test_support.hpp"

namespace {

namespace protocol = notify::protocol;
using protocol::Command;
using protocol::DecodeError;
using protocol::ErrorCode;
using protocol::ServerFrame;
using protocol::testing::from_hex;
using protocol::testing::to_hex;

DecodeError command_error(std::string_view frame) {
    auto result = protocol::decode_command_binary(frame);
    if (auto* error = std::get_if<DecodeError>(&result)) {
        return *error;
    }
    ADD_FAILURE() << "decoded without error: " << to_hex(frame);
    return {};
}

DecodeError frame_error(std::string_view frame) {
    auto result = protocol::decode_server_frame_binary(frame);
    if (auto* error = std::get_if<DecodeError>(&result)) {
        return *error;
    }
    ADD_FAILURE() << "decoded without error: " << to_hex(frame);
    return {};
}

DecodeError bad_request(std::uint64_t id, std::string message) {
    return DecodeError{id, ErrorCode::bad_request, std::move(message)};
}

// Every proper prefix of a valid frame lacks a field the type requires.
TEST(BinaryMalformed, EveryTruncationOfEveryCommandIsAnError) {
    for (const Command& command : protocol::testing::sample_commands()) {
        const std::string frame = protocol::encode_command_binary(command);
        for (std::size_t size = 0; size < frame.size(); ++size) {
            const DecodeError error = command_error(frame.substr(0, size));
            EXPECT_EQ(error.code, ErrorCode::bad_request) << to_hex(frame) << " cut at " << size;
            EXPECT_FALSE(error.message.empty());
        }
    }
}

TEST(BinaryMalformed, EveryTruncationOfEveryServerFrameIsAnError) {
    for (const ServerFrame& frame : protocol::testing::sample_server_frames()) {
        const std::string bytes = protocol::encode_server_frame_binary(frame);
        for (std::size_t size = 0; size < bytes.size(); ++size) {
            const DecodeError error = frame_error(bytes.substr(0, size));
            EXPECT_EQ(error.code, ErrorCode::bad_request) << to_hex(bytes) << " cut at " << size;
            EXPECT_FALSE(error.message.empty());
        }
    }
}

TEST(BinaryMalformed, TruncationNamesTheFieldAndWhereTheFrameEnds) {
    EXPECT_EQ(command_error(""), bad_request(0, "empty frame"));
    EXPECT_EQ(command_error(from_hex("06")),
              bad_request(0, "id: truncated: the frame ends at byte 1"));
    EXPECT_EQ(command_error(from_hex("06 80")),
              bad_request(0, "id: truncated: the frame ends at byte 2"));
    EXPECT_EQ(command_error(from_hex("02 05 00")),
              bad_request(5, "subscribe.topic: truncated: the frame ends at byte 3"));
    EXPECT_EQ(frame_error(from_hex("41 05 66")),
              bad_request(0, "error.message: truncated: the frame ends at byte 3"));
}

TEST(BinaryMalformed, OverlongVarintsAreRefused) {
    EXPECT_EQ(command_error(from_hex("06 ff ff ff ff ff ff ff ff ff 81 01")),
              bad_request(0, "id: varint longer than 10 bytes at byte 1"));
    EXPECT_EQ(command_error(from_hex("06 ff ff ff ff ff ff ff ff ff 02")),
              bad_request(0, "id: varint exceeds 64 bits at byte 1"));
    EXPECT_EQ(command_error(from_hex("06 81 00")),
              bad_request(0, "id: non-minimal varint at byte 1"));
    EXPECT_EQ(frame_error(from_hex("80 01 74 80 80 80 80 80 80 80 80 80 80 00")),
              bad_request(0, "push.message.offset: varint longer than 10 bytes at byte 3"));
}

TEST(BinaryMalformed, NumbersOutOfRangeAreRefused) {
    EXPECT_EQ(command_error(from_hex("06 00")), bad_request(0, "id: expected a positive integer"));
    EXPECT_EQ(frame_error(from_hex("40 00 00")), bad_request(0, "id: expected a positive integer"));
    EXPECT_EQ(frame_error(from_hex("81 80 80 04 00")),
              bad_request(0, "push.disconnect.code: expected at most 65535"));
    EXPECT_EQ(frame_error(from_hex("41 01 80 80 80 80 10 00")),
              bad_request(0, "error.code: expected at most 4294967295"));
}

TEST(BinaryMalformed, LengthsPastTheEndAreRefused) {
    EXPECT_EQ(command_error(from_hex("04 03 01 04 63 68 61 74 00 00 09 00 01 02 ff")),
              bad_request(3,
                          "publish.data: length 9 at byte 10 runs past the end of the frame "
                          "(4 bytes left)"));
    EXPECT_EQ(command_error(from_hex("04 03 c8 01 00 00 00")),
              bad_request(3,
                          "publish.topics: count 200 at byte 2 exceeds the 3 bytes left in "
                          "the frame"));
    EXPECT_EQ(command_error(from_hex("05 01 ff ff ff ff ff ff ff ff ff 01")),
              bad_request(1,
                          "send.data: length 18446744073709551615 at byte 2 runs past the end "
                          "of the frame (0 bytes left)"));
    EXPECT_EQ(frame_error(from_hex("40 01 10 ff ff ff ff 0f")),
              bad_request(0,
                          "result.positions: count 4294967295 at byte 3 exceeds the 0 bytes "
                          "left in the frame"));
}

TEST(BinaryMalformed, InvalidUtf8IsRefusedInEveryString) {
    EXPECT_EQ(command_error(from_hex("02 05 00 01 ff")),
              bad_request(5, "subscribe.topic: invalid UTF-8 in the string at byte 3"));
    EXPECT_EQ(command_error(from_hex("01 01 01 01 02 c0 80")),
              bad_request(1, "connect.token: invalid UTF-8 in the string at byte 4"));
    EXPECT_EQ(command_error(from_hex("04 01 00 01 03 ed a0 80 00 00")),
              bad_request(1, "publish.clients[0]: invalid UTF-8 in the string at byte 4"));
    EXPECT_EQ(frame_error(from_hex("80 01 80 00 00 00")),
              bad_request(0, "push.message.topic: invalid UTF-8 in the string at byte 1"));
    EXPECT_EQ(frame_error(from_hex("41 00 66 01 fe")),
              bad_request(0, "error.message: invalid UTF-8 in the string at byte 3"));
}

TEST(BinaryMalformed, CommandsGetTheSameSemanticChecksAsJson) {
    EXPECT_EQ(command_error(from_hex("03 07 02 61 01")),
              bad_request(7, "unsubscribe.topic: contains a control character"));
    EXPECT_EQ(command_error(from_hex("03 07 02 c2 85")),
              bad_request(7, "unsubscribe.topic: contains a control character"));
    EXPECT_EQ(command_error(protocol::encode_command_binary(
                  {7, protocol::UnsubscribeCommand{std::string(256, 'a')}})),
              bad_request(7, "unsubscribe.topic: longer than 255 bytes"));
    EXPECT_EQ(command_error(from_hex("04 04 00 00 00 01 78")),
              bad_request(4, "publish: expected at least one target in topics, clients or users"));
    EXPECT_EQ(command_error(from_hex("04 04 02 01 61 00 01 78")),
              bad_request(4, "publish.topics[1]: expected a non-empty string"));
    EXPECT_EQ(command_error(from_hex("04 04 00 00 01 00 01 78")),
              bad_request(4, "publish.users[0]: expected a non-empty string"));
    EXPECT_EQ(command_error(from_hex("01 01 02 00")),
              bad_request(1, "connect.version: unsupported protocol version 2, expected 1"));
}

TEST(BinaryMalformed, UnknownTypesAreErrors) {
    EXPECT_EQ(command_error(from_hex("0c 06")),
              (DecodeError{6, ErrorCode::unknown_command, "unknown command type 0x0c"}));
    EXPECT_EQ(command_error(from_hex("3f 80 01 ff")),
              (DecodeError{128, ErrorCode::unknown_command, "unknown command type 0x3f"}));
    EXPECT_EQ(command_error(from_hex("08 00")), bad_request(0, "id: expected a positive integer"));
    EXPECT_EQ(command_error(from_hex("00 01")),
              bad_request(0, "expected a command, found frame type 0x00"));
    EXPECT_EQ(command_error(from_hex("40 01 00")),
              bad_request(0, "expected a command, found frame type 0x40"));
    EXPECT_EQ(frame_error(from_hex("85 00")),
              (DecodeError{0, ErrorCode::unknown_command, "push: unknown type 0x85"}));
    EXPECT_EQ(frame_error(from_hex("bf")),
              (DecodeError{0, ErrorCode::unknown_command, "push: unknown type 0xbf"}));
    EXPECT_EQ(frame_error(from_hex("42 01")),
              bad_request(0, "expected a reply or a push, found frame type 0x42"));
    EXPECT_EQ(frame_error(from_hex("06 01")),
              bad_request(0, "expected a reply or a push, found frame type 0x06"));
    EXPECT_EQ(frame_error(""), bad_request(0, "empty frame"));
}

TEST(BinaryMalformed, EverySingleByteFrameIsAnErrorAndNeverACrash) {
    for (int value = 0; value < 256; ++value) {
        const std::string frame(1, static_cast<char>(value));
        EXPECT_TRUE(std::holds_alternative<DecodeError>(protocol::decode_command_binary(frame)));
        EXPECT_TRUE(
            std::holds_alternative<DecodeError>(protocol::decode_server_frame_binary(frame)));
    }
}

}  // namespace
