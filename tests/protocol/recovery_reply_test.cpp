// The reply fields of recovery and session resumption, in both encodings: a subscribe reply's
// position and recovered, a connect reply's resumed and overflow.
#include <gtest/gtest.h>

#include <array>
#include <notify/protocol/binary.hpp>
#include <notify/protocol/json.hpp>
#include <string>

#include "binary_test_support.hpp"

namespace {

namespace protocol = notify::protocol;
using protocol::DecodeError;
using protocol::ErrorCode;
using protocol::Position;
using protocol::Reply;
using protocol::ServerFrame;
using protocol::SessionResume;
using protocol::testing::from_hex;
using protocol::testing::sample_recovery_replies;
using protocol::testing::to_hex;

Reply reply_with_id(std::uint64_t id) {
    Reply reply;
    reply.id = id;
    return reply;
}

Reply connect_reply(std::uint64_t id, SessionResume session) {
    Reply reply = reply_with_id(id);
    reply.client = "c1";
    reply.user = "u1";
    reply.resume = "r1";
    reply.version = "0.1.0";
    reply.resumed = session.resumed;
    reply.overflow = session.overflow;
    return reply;
}

Reply subscribe_reply(std::uint64_t id, Position position, std::optional<bool> recovered) {
    Reply reply = reply_with_id(id);
    reply.position = std::move(position);
    reply.recovered = recovered;
    return reply;
}

ServerFrame decoded_json(std::string_view json) {
    auto result = protocol::decode_server_frame(json);
    if (auto* error = std::get_if<DecodeError>(&result)) {
        ADD_FAILURE() << json << " -> " << error->message;
        return {};
    }
    return std::get<ServerFrame>(result);
}

ServerFrame decoded_binary(std::string_view frame) {
    auto result = protocol::decode_server_frame_binary(frame);
    if (auto* error = std::get_if<DecodeError>(&result)) {
        ADD_FAILURE() << to_hex(frame) << " -> " << error->message;
        return {};
    }
    return std::get<ServerFrame>(result);
}

DecodeError json_error(std::string_view json) {
    auto result = protocol::decode_server_frame(json);
    if (auto* error = std::get_if<DecodeError>(&result)) {
        return *error;
    }
    ADD_FAILURE() << "decoded without error: " << json;
    return {};
}

DecodeError binary_error(std::string_view frame) {
    auto result = protocol::decode_server_frame_binary(frame);
    if (auto* error = std::get_if<DecodeError>(&result)) {
        return *error;
    }
    ADD_FAILURE() << "decoded without error: " << to_hex(frame);
    return {};
}

// The reply each sample's own JSON encoder writes ("everything" has none: only binary holds it).
std::optional<std::string> json_of(const Reply& reply) {
    if (reply.position && reply.client.empty() && reply.positions.empty()) {
        return protocol::encode_subscribe_reply(reply.id, *reply.position, reply.recovered);
    }
    if (!reply.client.empty() && !reply.position && reply.positions.empty()) {
        return protocol::encode_connect_reply(reply.id, reply.client, reply.user, reply.resume,
                                              reply.version,
                                              SessionResume{reply.resumed, reply.overflow, std::nullopt});
    }
    return std::nullopt;
}

// ---- JSON ---------------------------------------------------------------------------------

TEST(RecoveryReplyJson, ConnectReplyAddsResumedAndOverflowOnlyWhenTrue) {
    EXPECT_EQ(protocol::encode_connect_reply(1, "c1", "u1", "r1", "0.1.0", SessionResume{}),
              R"({"id":1,"result":{"client":"c1","user":"u1","resume":"r1","version":"0.1.0"}})");
    EXPECT_EQ(
        protocol::encode_connect_reply(1, "c1", "u1", "r1", "0.1.0", SessionResume{true, false, std::nullopt}),
        R"({"id":1,"result":{"client":"c1","user":"u1","resume":"r1","version":"0.1.0",)"
        R"("resumed":true}})");
    EXPECT_EQ(
        protocol::encode_connect_reply(1, "c1", "u1", "r1", "0.1.0", SessionResume{true, true, std::nullopt}),
        R"({"id":1,"result":{"client":"c1","user":"u1","resume":"r1","version":"0.1.0",)"
        R"("resumed":true,"overflow":true}})");
}

TEST(RecoveryReplyJson, TheOldConnectReplyIsTheOneOfAFreshSession) {
    EXPECT_EQ(protocol::encode_connect_reply(7, "c", "", "r\"", "v"),
              protocol::encode_connect_reply(7, "c", "", "r\"", "v", SessionResume{}));
}

TEST(RecoveryReplyJson, SubscribeReplyCarriesThePositionAndRecoveredOnlyWhenGiven) {
    EXPECT_EQ(protocol::encode_subscribe_reply(2, Position{41, "e"}, std::nullopt),
              R"({"id":2,"result":{"offset":41,"epoch":"e"}})");
    EXPECT_EQ(protocol::encode_subscribe_reply(2, Position{41, "e"}, true),
              R"({"id":2,"result":{"offset":41,"epoch":"e","recovered":true}})");
    EXPECT_EQ(
        protocol::encode_subscribe_reply(2, Position{18446744073709551615ULL, "a\"b"}, false),
        R"({"id":2,"result":{"offset":18446744073709551615,"epoch":"a\"b","recovered":false}})");
}

TEST(RecoveryReplyJson, DecodesTheDocumentedReplies) {
    EXPECT_EQ(decoded_json(R"({"id":1,"result":{"client":"c1","user":"u1","resume":"r1",)"
                           R"("version":"0.1.0","resumed":true,"overflow":true}})"),
              ServerFrame{connect_reply(1, SessionResume{true, true, std::nullopt})});
    EXPECT_EQ(decoded_json(R"({"id":1,"result":{"client":"c1","user":"u1","resume":"r1",)"
                           R"("version":"0.1.0","resumed":false,"overflow":null}})"),
              ServerFrame{connect_reply(1, SessionResume{})});
    EXPECT_EQ(decoded_json(R"({"id":2,"result":{"offset":41,"epoch":"e"}})"),
              ServerFrame{subscribe_reply(2, Position{41, "e"}, std::nullopt)});
    EXPECT_EQ(decoded_json(R"({"id":2,"result":{"recovered":false,"epoch":"","offset":0}})"),
              ServerFrame{subscribe_reply(2, Position{0, ""}, false)});
}

TEST(RecoveryReplyJson, EveryReplySurvivesARoundTrip) {
    for (const Reply& reply : sample_recovery_replies()) {
        if (const std::optional<std::string> json = json_of(reply)) {
            EXPECT_EQ(decoded_json(*json), ServerFrame{reply}) << *json;
        }
    }
}

TEST(RecoveryReplyJson, AnEmptyResultHasNoPositionAndIsNotResumed) {
    const Reply empty = std::get<Reply>(decoded_json(R"({"id":3,"result":{}})"));
    EXPECT_FALSE(empty.position.has_value());
    EXPECT_FALSE(empty.recovered.has_value());
    EXPECT_FALSE(empty.resumed);
    EXPECT_FALSE(empty.overflow);
}

TEST(RecoveryReplyJson, NamesTheFieldOfEveryMalformedReply) {
    const std::array<std::pair<std::string_view, std::string_view>, 7> cases = {{
        {R"({"id":1,"result":{"resumed":1}})", "result.resumed: expected a boolean"},
        {R"({"id":1,"result":{"overflow":"true"}})", "result.overflow: expected a boolean"},
        {R"({"id":2,"result":{"offset":1,"epoch":"e","recovered":0}})",
         "result.recovered: expected a boolean"},
        {R"({"id":2,"result":{"offset":1}})", "result.epoch: missing"},
        {R"({"id":2,"result":{"epoch":"e","recovered":true}})", "result.offset: missing"},
        {R"({"id":2,"result":{"offset":-1,"epoch":"e"}})",
         "result.offset: expected an unsigned integer"},
        {R"({"id":2,"result":{"offset":1,"epoch":7}})", "result.epoch: expected a string"},
    }};
    for (const auto& [json, message] : cases) {
        const DecodeError error = json_error(json);
        EXPECT_EQ(error.code, ErrorCode::bad_request) << json;
        EXPECT_EQ(error.message, message) << json;
    }
}

// ---- binary -------------------------------------------------------------------------------

TEST(RecoveryReplyBinary, SubscribeReplyBytes) {
    // presence 20: offset 300 (ac 02), epoch "a1b2"; presence 60 adds the recovered byte.
    EXPECT_EQ(
        to_hex(protocol::encode_subscribe_reply_binary(2, Position{300, "a1b2"}, std::nullopt)),
        "40 02 20 ac 02 04 61 31 62 32");
    EXPECT_EQ(to_hex(protocol::encode_subscribe_reply_binary(2, Position{300, "a1b2"}, true)),
              "40 02 60 ac 02 04 61 31 62 32 01");
    EXPECT_EQ(to_hex(protocol::encode_subscribe_reply_binary(2, Position{0, ""}, false)),
              "40 02 60 00 00 00");
}

TEST(RecoveryReplyBinary, ConnectReplyPutsResumedAndOverflowInAFlagsByteAfterTheStrings) {
    EXPECT_EQ(to_hex(protocol::encode_connect_reply_binary(9, "c", "", "r", "v", SessionResume{})),
              "40 09 0f 01 63 00 01 72 01 76");
    EXPECT_EQ(to_hex(protocol::encode_connect_reply_binary(9, "c", "", "r", "v",
                                                           SessionResume{true, false, std::nullopt})),
              "40 09 8f 01 63 00 01 72 01 76 01");
    EXPECT_EQ(to_hex(protocol::encode_connect_reply_binary(9, "c", "", "r", "v",
                                                           SessionResume{true, true, std::nullopt})),
              "40 09 8f 01 63 00 01 72 01 76 03");
}

TEST(RecoveryReplyBinary, DecodesTheDocumentedBytes) {
    EXPECT_EQ(decoded_binary(from_hex("40 02 60 ac 02 04 61 31 62 32 01")),
              ServerFrame{subscribe_reply(2, Position{300, "a1b2"}, true)});
    EXPECT_EQ(decoded_binary(from_hex("40 02 20 ac 02 04 61 31 62 32")),
              ServerFrame{subscribe_reply(2, Position{300, "a1b2"}, std::nullopt)});
    Reply resumed = reply_with_id(9);
    resumed.client = "c";
    resumed.resume = "r";
    resumed.version = "v";
    resumed.resumed = true;
    resumed.overflow = true;
    EXPECT_EQ(decoded_binary(from_hex("40 09 8f 01 63 00 01 72 01 76 03")), ServerFrame{resumed});
}

TEST(RecoveryReplyBinary, TheOldConnectReplyIsTheOneOfAFreshSession) {
    EXPECT_EQ(protocol::encode_connect_reply_binary(7, "c", "", "r", "v"),
              protocol::encode_connect_reply_binary(7, "c", "", "r", "v", SessionResume{}));
}

TEST(RecoveryReplyBinary, EveryReplySurvivesARoundTrip) {
    for (const Reply& reply : sample_recovery_replies()) {
        const std::string bytes = protocol::encode_server_frame_binary(reply);
        EXPECT_EQ(decoded_binary(bytes), ServerFrame{reply}) << to_hex(bytes);
    }
}

TEST(RecoveryReplyBinary, ReplyEncodersMatchTheGeneralEncoder) {
    const Reply subscribed = subscribe_reply(4, Position{7, "e"}, std::nullopt);
    EXPECT_EQ(protocol::encode_subscribe_reply_binary(4, Position{7, "e"}, std::nullopt),
              protocol::encode_server_frame_binary(subscribed));
    const Reply recovered = subscribe_reply(4, Position{7, "e"}, false);
    EXPECT_EQ(protocol::encode_subscribe_reply_binary(4, Position{7, "e"}, false),
              protocol::encode_server_frame_binary(recovered));
    const Reply overflowed = connect_reply(5, SessionResume{true, true, std::nullopt});
    EXPECT_EQ(protocol::encode_connect_reply_binary(5, "c1", "u1", "r1", "0.1.0",
                                                    SessionResume{true, true, std::nullopt}),
              protocol::encode_server_frame_binary(overflowed));
}

TEST(RecoveryReplyBinary, AgreesWithJsonOnEveryReplyJsonCanWrite) {
    for (const Reply& reply : sample_recovery_replies()) {
        if (const std::optional<std::string> json = json_of(reply)) {
            EXPECT_EQ(decoded_binary(protocol::encode_server_frame_binary(reply)),
                      decoded_json(*json))
                << *json;
        }
    }
}

TEST(RecoveryReplyBinary, EveryTruncationIsAnError) {
    for (const Reply& reply : sample_recovery_replies()) {
        const std::string bytes = protocol::encode_server_frame_binary(reply);
        for (std::size_t size = 0; size < bytes.size(); ++size) {
            const DecodeError error = binary_error(bytes.substr(0, size));
            EXPECT_EQ(error.code, ErrorCode::bad_request) << to_hex(bytes) << " cut at " << size;
        }
    }
    EXPECT_EQ(binary_error(from_hex("40 02 60 ac 02 04 61 31 62 32")).message,
              "result.recovered: truncated: the frame ends at byte 10");
    EXPECT_EQ(binary_error(from_hex("40 09 8f 01 63 00 01 72 01 76")).message,
              "result.flags: truncated: the frame ends at byte 10");
    EXPECT_EQ(binary_error(from_hex("40 02 20 ac")).message,
              "result.offset: truncated: the frame ends at byte 4");
}

TEST(RecoveryReplyBinary, RecoveredIsZeroOrOne) {
    EXPECT_EQ(
        binary_error(from_hex("40 02 60 00 00 02")),
        (DecodeError{0, ErrorCode::bad_request, "result.recovered: expected 0 or 1, found 0x02"}));
}

// A later version may define the rest of the flags byte (bits 6-7; bit 2 is ttl_ms, bits 3-5
// presence, presence_stats and history), and fields after it.
TEST(RecoveryReplyBinary, UnknownFlagsAndTrailingBytesAreIgnored) {
    Reply resumed = reply_with_id(1);
    resumed.resumed = true;
    EXPECT_EQ(decoded_binary(from_hex("40 01 80 c1 03 61 62 63")), ServerFrame{resumed});
    EXPECT_EQ(decoded_binary(from_hex("40 01 80 00")), ServerFrame{reply_with_id(1)});
}

// What a decoder that predates these fields sees: it ignores bits 5-7 and every byte after the
// fields it knows, and reads exactly the fields those bits leave.
TEST(RecoveryReplyBinary, ADecoderIgnoringTheNewBitsReadsTheOldFields) {
    for (const Reply& reply : sample_recovery_replies()) {
        // The type byte, then the id in one byte: the presence byte is the third.
        ASSERT_LT(reply.id, 128U);
        std::string bytes = protocol::encode_server_frame_binary(reply);
        constexpr std::size_t kPresenceAt = 2;
        bytes[kPresenceAt] = static_cast<char>(bytes[kPresenceAt] & 0x1F);
        Reply old_fields = reply;
        old_fields.position.reset();
        old_fields.recovered.reset();
        old_fields.resumed = false;
        old_fields.overflow = false;
        EXPECT_EQ(decoded_binary(bytes), ServerFrame{old_fields}) << to_hex(bytes);
    }
}

// ---- docs/protocol.md, section 11 and "Recovery and acks in bytes": every line -------------

Reply documented_resume_reply() {
    Reply reply = reply_with_id(1);
    reply.client = "c-6f1d";
    reply.user = "alice";
    reply.resume = "r-93ac";
    reply.version = "0.1.0";
    reply.resumed = true;
    reply.overflow = true;
    return reply;
}

const protocol::Command kDocumentedReconnect{
    1, protocol::ConnectCommand{"t0k", "c-6f1d", "r-93ab", ""}};
const protocol::Command kDocumentedRecovery{
    2, protocol::SubscribeCommand{"chat", Position{13, "a1b2"}, ""}};

TEST(DocumentedRecoveryExchange, JsonIsWhatTheEncodersWrite) {
    EXPECT_EQ(protocol::encode_command(kDocumentedReconnect),
              R"({"id":1,"connect":{"token":"t0k","client":"c-6f1d","resume":"r-93ab"}})");
    EXPECT_EQ(protocol::encode_connect_reply(1, "c-6f1d", "alice", "r-93ac", "0.1.0",
                                             SessionResume{true, true, std::nullopt}),
              R"({"id":1,"result":{"client":"c-6f1d","user":"alice","resume":"r-93ac",)"
              R"("version":"0.1.0","resumed":true,"overflow":true}})");
    EXPECT_EQ(protocol::encode_command(kDocumentedRecovery),
              R"({"id":2,"subscribe":{"topic":"chat","since":{"offset":13,"epoch":"a1b2"}}})");
    EXPECT_EQ(protocol::encode_subscribe_reply(2, Position{15, "a1b2"}, true),
              R"({"id":2,"result":{"offset":15,"epoch":"a1b2","recovered":true}})");
    EXPECT_EQ(protocol::encode_message_push("chat", 14, "a1b2", "are you there?"),
              R"({"push":{"message":{"topic":"chat","offset":14,"epoch":"a1b2",)"
              R"("data":"are you there?"}}})");
}

TEST(DocumentedRecoveryExchange, BytesAreWhatTheEncodersWrite) {
    EXPECT_EQ(to_hex(protocol::encode_command_binary(kDocumentedReconnect)),
              "01 01 01 07 03 74 30 6b 06 63 2d 36 66 31 64 06 72 2d 39 33 61 62");
    EXPECT_EQ(to_hex(protocol::encode_connect_reply_binary(1, "c-6f1d", "alice", "r-93ac", "0.1.0",
                                                           SessionResume{true, true, std::nullopt})),
              "40 01 8f 06 63 2d 36 66 31 64 05 61 6c 69 63 65 06 72 2d 39 33 61 63 05 30 2e 31 "
              "2e 30 03");
    EXPECT_EQ(to_hex(protocol::encode_command_binary(kDocumentedRecovery)),
              "02 02 01 04 63 68 61 74 0d 04 61 31 62 32");
    EXPECT_EQ(to_hex(protocol::encode_subscribe_reply_binary(2, Position{15, "a1b2"}, true)),
              "40 02 60 0f 04 61 31 62 32 01");
    EXPECT_EQ(to_hex(protocol::encode_command_binary(
                  protocol::Command{7, protocol::AckCommand{"orders:1", 5}})),
              "07 07 08 6f 72 64 65 72 73 3a 31 05");
    EXPECT_EQ(to_hex(protocol::encode_empty_reply_binary(7)), "40 07 00");
}

TEST(DocumentedRecoveryExchange, BytesDecodeAsDocumented) {
    EXPECT_EQ(decoded_binary(from_hex("40 01 8f 06 63 2d 36 66 31 64 05 61 6c 69 63 65 06 72 2d "
                                      "39 33 61 63 05 30 2e 31 2e 30 03")),
              ServerFrame{documented_resume_reply()});
    EXPECT_EQ(decoded_binary(from_hex("40 02 60 0f 04 61 31 62 32 01")),
              ServerFrame{subscribe_reply(2, Position{15, "a1b2"}, true)});
    EXPECT_EQ(decoded_json(R"({"id":1,"result":{"client":"c-6f1d","user":"alice","resume":)"
                           R"("r-93ac","version":"0.1.0","resumed":true,"overflow":true}})"),
              ServerFrame{documented_resume_reply()});
}

}  // namespace
