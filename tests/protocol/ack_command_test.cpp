// The ack command in both encodings: its documented forms, round trips, and what is refused.
// (Malformed JSON acks are in command_decode_test.cpp with the other commands' errors.)
#include <gtest/gtest.h>

#include <notify/protocol/binary.hpp>
#include <notify/protocol/json.hpp>
#include <string>

#include "binary_test_support.hpp"

namespace {

namespace protocol = notify::protocol;
using protocol::AckCommand;
using protocol::Command;
using protocol::DecodeError;
using protocol::ErrorCode;
using protocol::testing::from_hex;
using protocol::testing::to_hex;

constexpr std::string_view kDocumentedAckJson = R"({"id":7,"ack":{"topic":"orders:1","offset":5}})";
// type 07, id 7, topic "orders:1" (8 bytes), offset 5.
constexpr std::string_view kDocumentedAckHex = "07 07 08 6f 72 64 65 72 73 3a 31 05";

Command decoded_json(std::string_view json) {
    auto result = protocol::decode_command(json);
    if (auto* error = std::get_if<DecodeError>(&result)) {
        ADD_FAILURE() << json << " -> " << error->message;
        return {};
    }
    return std::get<Command>(result);
}

Command decoded_binary(std::string_view frame) {
    auto result = protocol::decode_command_binary(frame);
    if (auto* error = std::get_if<DecodeError>(&result)) {
        ADD_FAILURE() << to_hex(frame) << " -> " << error->message;
        return {};
    }
    return std::get<Command>(result);
}

DecodeError binary_error(std::string_view frame) {
    auto result = protocol::decode_command_binary(frame);
    if (auto* error = std::get_if<DecodeError>(&result)) {
        return *error;
    }
    ADD_FAILURE() << "decoded without error: " << to_hex(frame);
    return {};
}

DecodeError bad_request(std::uint64_t id, std::string message) {
    return DecodeError{id, ErrorCode::bad_request, std::move(message)};
}

TEST(AckCommandJson, DecodesTheDocumentedForm) {
    EXPECT_EQ(decoded_json(kDocumentedAckJson), (Command{7, AckCommand{"orders:1", 5}}));
    EXPECT_EQ(decoded_json(R"({"ack":{"offset":0,"topic":"chat"},"id":1})"),
              (Command{1, AckCommand{"chat", 0}}));
    EXPECT_EQ(decoded_json(R"({"id":2,"ack":{"topic":"chat","offset":18446744073709551615}})"),
              (Command{2, AckCommand{"chat", 18446744073709551615ULL}}));
}

TEST(AckCommandJson, EncodesTheDocumentedForm) {
    EXPECT_EQ(protocol::encode_command(Command{7, AckCommand{"orders:1", 5}}), kDocumentedAckJson);
    EXPECT_EQ(protocol::encode_command(Command{1, AckCommand{"a\"b", 18446744073709551615ULL}}),
              R"({"id":1,"ack":{"topic":"a\"b","offset":18446744073709551615}})");
}

TEST(AckCommandJson, SurvivesARoundTrip) {
    for (const Command& command :
         {Command{1, AckCommand{"chat", 0}}, Command{2, AckCommand{"ns:\xC3\xA9t\xC3\xA9", 41}},
          Command{3, AckCommand{"t", 18446744073709551615ULL}}}) {
        const std::string json = protocol::encode_command(command);
        EXPECT_EQ(decoded_json(json), command) << json;
    }
}

TEST(AckCommandJson, AnEmptyAckIsABadRequestNotAnUnknownCommand) {
    const auto decoded = protocol::decode_command(R"({"id":9,"ack":{}})");
    ASSERT_TRUE(std::holds_alternative<DecodeError>(decoded));
    EXPECT_EQ(std::get<DecodeError>(decoded).code, ErrorCode::bad_request);
    EXPECT_EQ(std::get<DecodeError>(decoded).message, "ack.topic: missing");
}

TEST(AckCommandBinary, EncodesTheDocumentedBytes) {
    EXPECT_EQ(to_hex(protocol::encode_command_binary(Command{7, AckCommand{"orders:1", 5}})),
              kDocumentedAckHex);
    EXPECT_EQ(to_hex(protocol::encode_command_binary(Command{1, AckCommand{"t", 300}})),
              "07 01 01 74 ac 02");
}

TEST(AckCommandBinary, DecodesTheDocumentedBytes) {
    EXPECT_EQ(decoded_binary(from_hex(kDocumentedAckHex)), (Command{7, AckCommand{"orders:1", 5}}));
}

TEST(AckCommandBinary, DecodesToTheSameValueAsJson) {
    const Command from_json = decoded_json(kDocumentedAckJson);
    EXPECT_EQ(decoded_binary(protocol::encode_command_binary(from_json)), from_json);
}

TEST(AckCommandBinary, IgnoresTrailingBytesLikeEveryKnownType) {
    EXPECT_EQ(decoded_binary(from_hex("07 01 01 74 05 ff 00")), (Command{1, AckCommand{"t", 5}}));
}

TEST(AckCommandBinary, EveryTruncationIsAnErrorNamingTheMissingField) {
    const std::string frame = from_hex(kDocumentedAckHex);
    for (std::size_t size = 2; size < frame.size(); ++size) {
        const DecodeError error = binary_error(frame.substr(0, size));
        EXPECT_EQ(error.id, 7U) << "cut at " << size;
        EXPECT_EQ(error.code, ErrorCode::bad_request) << "cut at " << size;
    }
    EXPECT_EQ(binary_error(from_hex("07")),
              bad_request(0, "id: truncated: the frame ends at byte 1"));
    EXPECT_EQ(binary_error(from_hex("07 07")),
              bad_request(7, "ack.topic: truncated: the frame ends at byte 2"));
    EXPECT_EQ(binary_error(from_hex("07 07 08 6f 72 64")),
              bad_request(7,
                          "ack.topic: length 8 at byte 2 runs past the end of the frame (3 bytes "
                          "left)"));
    EXPECT_EQ(binary_error(from_hex("07 07 08 6f 72 64 65 72 73 3a 31")),
              bad_request(7, "ack.offset: truncated: the frame ends at byte 11"));
    EXPECT_EQ(binary_error(from_hex("07 07 01 74 ac")),
              bad_request(7, "ack.offset: truncated: the frame ends at byte 5"));
}

TEST(AckCommandBinary, RefusesWhatJsonRefuses) {
    EXPECT_EQ(binary_error(from_hex("07 00 01 74 05")),
              bad_request(0, "id: expected a positive integer"));
    EXPECT_EQ(binary_error(from_hex("07 07 00 05")),
              bad_request(7, "ack.topic: expected a non-empty string"));
    EXPECT_EQ(binary_error(from_hex("07 07 02 61 00 05")),
              bad_request(7, "ack.topic: contains a control character"));
    EXPECT_EQ(binary_error(from_hex("07 07 01 ff 05")),
              bad_request(7, "ack.topic: invalid UTF-8 in the string at byte 2"));
    EXPECT_EQ(binary_error(protocol::encode_command_binary(
                  Command{7, AckCommand{std::string(256, 'o'), 5}})),
              bad_request(7, "ack.topic: longer than 255 bytes"));
    EXPECT_EQ(binary_error(from_hex("07 07 01 74 85 00")),
              bad_request(7, "ack.offset: non-minimal varint at byte 4"));
    EXPECT_EQ(binary_error(from_hex("07 07 01 74 ff ff ff ff ff ff ff ff ff 02")),
              bad_request(7, "ack.offset: varint exceeds 64 bits at byte 4"));
}

}  // namespace
