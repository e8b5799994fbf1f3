// The presence, presence_stats and history commands, their replies, and the join and leave
// pushes, in both encodings (docs/protocol.md §3, §4, §5 and §12).
#include <gtest/gtest.h>

#include <notify/protocol/binary.hpp>
#include <notify/protocol/json.hpp>
#include <string>
#include <vector>

#include "binary_test_support.hpp"

namespace {

namespace protocol = notify::protocol;
using protocol::ClientInfo;
using protocol::Command;
using protocol::DecodeError;
using protocol::ErrorCode;
using protocol::HistoryCommand;
using protocol::HistoryMessage;
using protocol::JoinPush;
using protocol::LeavePush;
using protocol::Position;
using protocol::PresenceCommand;
using protocol::PresenceStatsCommand;
using protocol::Reply;
using protocol::ServerFrame;
using protocol::testing::all_byte_values;
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

ServerFrame json_frame(std::string_view json) {
    auto decoded = protocol::decode_server_frame(json);
    if (auto* error = std::get_if<DecodeError>(&decoded)) {
        ADD_FAILURE() << json << " -> " << error->message;
        return {};
    }
    return std::get<ServerFrame>(decoded);
}

ServerFrame binary_frame(std::string_view frame) {
    auto decoded = protocol::decode_server_frame_binary(frame);
    if (auto* error = std::get_if<DecodeError>(&decoded)) {
        ADD_FAILURE() << to_hex(frame) << " -> " << error->message;
        return {};
    }
    return std::get<ServerFrame>(decoded);
}

DecodeError json_frame_error(std::string_view json) {
    auto decoded = protocol::decode_server_frame(json);
    if (auto* error = std::get_if<DecodeError>(&decoded)) return *error;
    ADD_FAILURE() << "decoded without error: " << json;
    return {};
}

DecodeError binary_frame_error(std::string_view frame) {
    auto decoded = protocol::decode_server_frame_binary(frame);
    if (auto* error = std::get_if<DecodeError>(&decoded)) return *error;
    ADD_FAILURE() << "decoded without error: " << to_hex(frame);
    return {};
}

DecodeError bad_request(std::uint64_t id, std::string message) {
    return DecodeError{id, ErrorCode::bad_request, std::move(message)};
}

Reply presence_reply(std::uint64_t id, std::vector<ClientInfo> clients) {
    Reply reply;
    reply.id = id;
    reply.has_presence = true;
    reply.presence = std::move(clients);
    return reply;
}

Reply stats_reply(std::uint64_t id, std::uint64_t clients, std::uint64_t users) {
    Reply reply;
    reply.id = id;
    reply.presence_clients = clients;
    reply.presence_users = users;
    return reply;
}

Reply history_reply(std::uint64_t id, Position position, std::vector<HistoryMessage> messages) {
    Reply reply;
    reply.id = id;
    reply.position = std::move(position);
    reply.has_messages = true;
    reply.messages = std::move(messages);
    return reply;
}

// ---- commands -----------------------------------------------------------------------------

TEST(PresenceCommands, JsonHasTheDocumentedForm) {
    const Command presence{12, PresenceCommand{"chat"}};
    EXPECT_EQ(protocol::encode_command(presence), R"({"id":12,"presence":{"topic":"chat"}})");
    EXPECT_EQ(json_command(R"({"id":12,"presence":{"topic":"chat"}})"), presence);
    const Command stats{13, PresenceStatsCommand{"chat"}};
    EXPECT_EQ(protocol::encode_command(stats), R"({"id":13,"presence_stats":{"topic":"chat"}})");
    EXPECT_EQ(json_command(R"({"id":13,"presence_stats":{"topic":"chat"}})"), stats);
}

TEST(PresenceCommands, BinaryHasTheDocumentedForm) {
    const Command presence{12, PresenceCommand{"chat"}};
    EXPECT_EQ(to_hex(protocol::encode_command_binary(presence)), "09 0c 04 63 68 61 74");
    EXPECT_EQ(binary_command(from_hex("09 0c 04 63 68 61 74")), presence);
    const Command stats{13, PresenceStatsCommand{"chat"}};
    EXPECT_EQ(to_hex(protocol::encode_command_binary(stats)), "0a 0d 04 63 68 61 74");
    EXPECT_EQ(binary_command(from_hex("0a 0d 04 63 68 61 74")), stats);
    // Bytes after the topic belong to a later version.
    EXPECT_EQ(binary_command(from_hex("0a 0d 04 63 68 61 74 ff 00")), stats);
}

TEST(PresenceCommands, DecodersAreStrict) {
    for (const std::string_view name : {"presence", "presence_stats"}) {
        const std::string prefix = std::string(R"({"id":5,")") + std::string(name) + "\":";
        const std::string path = std::string(name) + ".topic";
        EXPECT_EQ(json_error(prefix + "{}}"), bad_request(5, path + ": missing"));
        EXPECT_EQ(json_error(prefix + R"({"topic":""}})"),
                  bad_request(5, path + ": expected a non-empty string"));
        EXPECT_EQ(json_error(prefix + R"({"topic":7}})"),
                  bad_request(5, path + ": expected a non-empty string"));
        EXPECT_EQ(json_error(prefix + R"({"topic":"a\u0001"}})"),
                  bad_request(5, path + ": contains a control character"));
        EXPECT_EQ(json_error(prefix + R"({"topic":"a","limit":1}})"),
                  bad_request(5, std::string(name) + ".limit: unknown field"));
        EXPECT_EQ(json_error(prefix + R"("chat"})"),
                  bad_request(5, std::string(name) + ": expected an object"));
        EXPECT_EQ(json_error(prefix + "{\"topic\":\"" + std::string(256, 'x') + "\"}}"),
                  bad_request(5, path + ": longer than 255 bytes"));
    }
    EXPECT_EQ(binary_error(from_hex("09 05 00")),
              bad_request(5, "presence.topic: expected a non-empty string"));
    EXPECT_EQ(binary_error(from_hex("0a 05")),
              bad_request(5, "presence_stats.topic: truncated: the frame ends at byte 2"));
    EXPECT_EQ(binary_error(from_hex("0a 05 02 61 01")),
              bad_request(5, "presence_stats.topic: contains a control character"));
    EXPECT_EQ(binary_error(from_hex("09 00 01 61")),
              bad_request(0, "id: expected a positive integer"));
}

TEST(HistoryCommand, JsonHasTheDocumentedForm) {
    const Command plain{14, HistoryCommand{"chat", 0, std::nullopt, false}};
    EXPECT_EQ(protocol::encode_command(plain), R"({"id":14,"history":{"topic":"chat"}})");
    EXPECT_EQ(json_command(R"({"id":14,"history":{"topic":"chat"}})"), plain);
    // limit 0 and reverse false are the defaults, as if absent.
    EXPECT_EQ(json_command(R"({"id":14,"history":{"topic":"chat","limit":0,"reverse":false}})"),
              plain);
    EXPECT_EQ(json_command(
                  R"({"id":14,"history":{"topic":"chat","limit":null,"since":null,"reverse":null}})"),
              plain);

    const Command full{14, HistoryCommand{"chat", 2, Position{11, "a1b2"}, true}};
    EXPECT_EQ(protocol::encode_command(full),
              R"({"id":14,"history":{"topic":"chat","limit":2,"since":{"offset":11,"epoch":"a1b2"},"reverse":true}})");
    EXPECT_EQ(json_command(protocol::encode_command(full)), full);
    EXPECT_EQ(json_command(
                  R"({"id":14,"history":{"reverse":true,"since":{"epoch":"a1b2","offset":11},"limit":2,"topic":"chat"}})"),
              full);
    const Command largest{14, HistoryCommand{"chat", 4294967295U, Position{0, ""}, false}};
    EXPECT_EQ(json_command(
                  R"({"id":14,"history":{"topic":"chat","limit":4294967295,"since":{"offset":0,"epoch":""}}})"),
              largest);
    EXPECT_EQ(json_command(protocol::encode_command(largest)), largest);
}

TEST(HistoryCommand, JsonDecoderIsStrict) {
    EXPECT_EQ(json_error(R"({"id":5,"history":{}})"), bad_request(5, "history.topic: missing"));
    EXPECT_EQ(json_error(R"({"id":5,"history":{"topic":""}})"),
              bad_request(5, "history.topic: expected a non-empty string"));
    EXPECT_EQ(json_error(R"({"id":5,"history":{"topic":"a","limit":-1}})"),
              bad_request(5, "history.limit: expected an unsigned integer"));
    EXPECT_EQ(json_error(R"({"id":5,"history":{"topic":"a","limit":1.5}})"),
              bad_request(5, "history.limit: expected an unsigned integer"));
    EXPECT_EQ(json_error(R"({"id":5,"history":{"topic":"a","limit":"10"}})"),
              bad_request(5, "history.limit: expected an unsigned integer"));
    EXPECT_EQ(json_error(R"({"id":5,"history":{"topic":"a","limit":4294967296}})"),
              bad_request(5, "history.limit: expected at most 4294967295"));
    EXPECT_EQ(json_error(R"({"id":5,"history":{"topic":"a","reverse":1}})"),
              bad_request(5, "history.reverse: expected a boolean"));
    EXPECT_EQ(json_error(R"({"id":5,"history":{"topic":"a","reverse":"true"}})"),
              bad_request(5, "history.reverse: expected a boolean"));
    EXPECT_EQ(json_error(R"({"id":5,"history":{"topic":"a","since":{"offset":1}}})"),
              bad_request(5, "history.since.epoch: missing"));
    EXPECT_EQ(json_error(R"({"id":5,"history":{"topic":"a","since":{"epoch":"e"}}})"),
              bad_request(5, "history.since.offset: missing"));
    EXPECT_EQ(json_error(R"({"id":5,"history":{"topic":"a","since":{"offset":1,"epoch":"e","x":1}}})"),
              bad_request(5, "history.since.x: unknown field"));
    EXPECT_EQ(json_error(R"({"id":5,"history":{"topic":"a","since":5}})"),
              bad_request(5, "history.since: expected an object"));
    EXPECT_EQ(json_error(R"({"id":5,"history":{"topic":"a","offset":5}})"),
              bad_request(5, "history.offset: unknown field"));
}

TEST(HistoryCommand, BinaryHasTheDocumentedForm) {
    const Command full{14, HistoryCommand{"chat", 2, Position{11, "e"}, true}};
    EXPECT_EQ(to_hex(protocol::encode_command_binary(full)), "0b 0e 03 04 63 68 61 74 02 0b 01 65");
    EXPECT_EQ(binary_command(from_hex("0b 0e 03 04 63 68 61 74 02 0b 01 65")), full);
    const Command plain{14, HistoryCommand{"chat", 0, std::nullopt, false}};
    EXPECT_EQ(to_hex(protocol::encode_command_binary(plain)), "0b 0e 00 04 63 68 61 74 00");
    EXPECT_EQ(binary_command(from_hex("0b 0e 00 04 63 68 61 74 00")), plain);
    const Command reverse{14, HistoryCommand{"chat", 300, std::nullopt, true}};
    EXPECT_EQ(to_hex(protocol::encode_command_binary(reverse)),
              "0b 0e 02 04 63 68 61 74 ac 02");
    EXPECT_EQ(binary_command(from_hex("0b 0e 02 04 63 68 61 74 ac 02")), reverse);
    // Unknown flag bits and trailing bytes belong to a later version.
    EXPECT_EQ(binary_command(from_hex("0b 0e 80 04 63 68 61 74 00 ff")), plain);
}

TEST(HistoryCommand, BinaryDecoderIsStrict) {
    EXPECT_EQ(binary_error(from_hex("0b 05")),
              bad_request(5, "history.flags: truncated: the frame ends at byte 2"));
    EXPECT_EQ(binary_error(from_hex("0b 05 00 01 61")),
              bad_request(5, "history.limit: truncated: the frame ends at byte 5"));
    EXPECT_EQ(binary_error(from_hex("0b 05 00 00 00")),
              bad_request(5, "history.topic: expected a non-empty string"));
    EXPECT_EQ(binary_error(from_hex("0b 05 00 01 61 80 80 80 80 10")).code,
              ErrorCode::bad_request);  // 2^32 is past the limit's range
    EXPECT_EQ(binary_error(from_hex("0b 05 01 01 61 00")),
              bad_request(5, "history.since.offset: truncated: the frame ends at byte 6"));
    EXPECT_EQ(binary_error(from_hex("0b 05 01 01 61 00 00")),
              bad_request(5, "history.since.epoch: truncated: the frame ends at byte 7"));
    EXPECT_EQ(binary_command(from_hex("0b 05 00 01 61 ff ff ff ff 0f")),
              (Command{5, HistoryCommand{"a", 4294967295U, std::nullopt, false}}));
}

// ---- replies ------------------------------------------------------------------------------

TEST(PresenceReply, JsonHasTheDocumentedForm) {
    const std::vector<ClientInfo> clients = {ClientInfo{"c-6f1d", "alice", R"({"name":"Alice"})"},
                                             ClientInfo{"c-77aa", "", ""}};
    const std::string json =
        R"({"id":12,"result":{"presence":[{"client":"c-6f1d","user":"alice","info":{"name":"Alice"}},{"client":"c-77aa","user":""}]}})";
    EXPECT_EQ(protocol::encode_presence_reply(12, clients), json);
    EXPECT_EQ(json_frame(json), ServerFrame{presence_reply(12, clients)});
    // Nobody present: an empty list, told apart from an empty result.
    EXPECT_EQ(protocol::encode_presence_reply(12, {}), R"({"id":12,"result":{"presence":[]}})");
    EXPECT_EQ(json_frame(R"({"id":12,"result":{"presence":[]}})"),
              ServerFrame{presence_reply(12, {})});
    EXPECT_FALSE(std::get<Reply>(json_frame(R"({"id":12,"result":{}})")).has_presence);
    // user may be left out ("" then), info may be null; unknown members are ignored.
    EXPECT_EQ(json_frame(R"({"id":12,"result":{"presence":[{"client":"c","info":null,"x":1}]}})"),
              ServerFrame{presence_reply(12, {ClientInfo{"c", "", ""}})});
}

TEST(PresenceReply, InfoKeepsItsMemberOrderAndComesBackCompact) {
    const std::string info = R"({"z":1,"a":{"y":[1,2.5,"\u00e9"],"b":null},"m":true})";
    const Reply decoded = std::get<Reply>(json_frame(
        R"({"id":1,"result":{"presence":[{"client":"c","user":"u","info":)" + info + "}]}}"));
    ASSERT_EQ(decoded.presence.size(), 1U);
    EXPECT_EQ(decoded.presence[0].info, "{\"z\":1,\"a\":{\"y\":[1,2.5,\"\xc3\xa9\"],\"b\":null},\"m\":true}");
    const Reply spaced = std::get<Reply>(json_frame(
        R"({"id":1,"result":{"presence":[{"client":"c","info": { "b" : 1 , "a" : [ ] } }]}})"));
    EXPECT_EQ(spaced.presence[0].info, R"({"b":1,"a":[]})");
    // Compact input survives encode and decode exactly.
    const ClientInfo who{"c", "u", R"({"name":"Al\"ice","tags":["x","y"],"n":-3,"o":{}})"};
    const std::string encoded = protocol::encode_presence_reply(1, {&who, 1});
    EXPECT_EQ(std::get<Reply>(json_frame(encoded)).presence[0], who);
    EXPECT_EQ(std::get<Reply>(binary_frame(protocol::encode_presence_reply_binary(1, {&who, 1})))
                  .presence[0],
              who);
}

TEST(PresenceReply, MalformedEntriesAreErrors) {
    EXPECT_EQ(json_frame_error(R"({"id":1,"result":{"presence":{}}})").message,
              "result.presence: expected an array");
    EXPECT_EQ(json_frame_error(R"({"id":1,"result":{"presence":[{"user":"u"}]}})").message,
              "result.presence[0].client: missing");
    EXPECT_EQ(json_frame_error(R"({"id":1,"result":{"presence":[{"client":"c"},7]}})").message,
              "result.presence[1]: expected an object");
    EXPECT_EQ(json_frame_error(R"({"id":1,"result":{"presence":[{"client":"c","user":1}]}})")
                  .message,
              "result.presence[0].user: expected a string");
    EXPECT_EQ(
        json_frame_error(R"({"id":1,"result":{"presence":[{"client":"c","info":"{}"}]}})").message,
        "result.presence[0].info: expected a JSON object");
    EXPECT_EQ(
        json_frame_error(R"({"id":1,"result":{"presence":[{"client":"c","info":[1]}]}})").message,
        "result.presence[0].info: expected a JSON object");
}

TEST(PresenceReply, BinaryHasTheDocumentedForm) {
    const std::vector<ClientInfo> clients = {ClientInfo{"c", "u", R"({"n":1})"},
                                             ClientInfo{"d", "", ""}};
    const std::string hex = "40 0c 80 08 02 01 63 01 75 07 7b 22 6e 22 3a 31 7d 01 64 00 00";
    EXPECT_EQ(to_hex(protocol::encode_presence_reply_binary(12, clients)), hex);
    EXPECT_EQ(binary_frame(from_hex(hex)), ServerFrame{presence_reply(12, clients)});
    EXPECT_EQ(protocol::encode_server_frame_binary(presence_reply(12, clients)),
              protocol::encode_presence_reply_binary(12, clients));
    EXPECT_EQ(to_hex(protocol::encode_presence_reply_binary(12, {})), "40 0c 80 08 00");
    EXPECT_EQ(binary_frame(from_hex("40 0c 80 08 00")), ServerFrame{presence_reply(12, {})});
    // The info string is re-serialized compactly; anything but a JSON object is refused.
    EXPECT_EQ(std::get<Reply>(binary_frame(from_hex("40 0c 80 08 01 01 63 00 09 7b 20 22 6e 22 3a "
                                                    "31 20 7d")))
                  .presence[0]
                  .info,
              R"({"n":1})");
    EXPECT_EQ(binary_frame_error(from_hex("40 0c 80 08 01 01 63 00 01 31")),
              bad_request(0, "result.presence[0].info: expected a JSON object"));
    EXPECT_EQ(binary_frame_error(from_hex("40 0c 80 08 01 01 63 00 01 7b")),
              bad_request(0, "result.presence[0].info: expected a JSON object"));
    EXPECT_EQ(binary_frame_error(from_hex("40 0c 80 08 02 01 63 00 00")),
              bad_request(0, "result.presence[1].client: truncated: the frame ends at byte 9"));
    EXPECT_EQ(binary_frame_error(from_hex("40 0c 80 08 05 00")).code, ErrorCode::bad_request);
}

TEST(PresenceStatsReply, HasTheDocumentedForms) {
    EXPECT_EQ(protocol::encode_presence_stats_reply(13, 2, 1),
              R"({"id":13,"result":{"clients":2,"users":1}})");
    EXPECT_EQ(json_frame(R"({"id":13,"result":{"clients":2,"users":1}})"),
              ServerFrame{stats_reply(13, 2, 1)});
    EXPECT_EQ(json_frame(R"({"id":13,"result":{"users":0,"clients":0}})"),
              ServerFrame{stats_reply(13, 0, 0)});
    EXPECT_EQ(json_frame_error(R"({"id":13,"result":{"clients":2}})").message,
              "result.users: missing");
    EXPECT_EQ(json_frame_error(R"({"id":13,"result":{"clients":-2,"users":1}})").message,
              "result.clients: expected an unsigned integer");

    EXPECT_EQ(to_hex(protocol::encode_presence_stats_reply_binary(13, 2, 1)), "40 0d 80 10 02 01");
    EXPECT_EQ(binary_frame(from_hex("40 0d 80 10 02 01")), ServerFrame{stats_reply(13, 2, 1)});
    EXPECT_EQ(protocol::encode_server_frame_binary(stats_reply(13, 300, 0)),
              protocol::encode_presence_stats_reply_binary(13, 300, 0));
    EXPECT_EQ(binary_frame_error(from_hex("40 0d 80 10 02")),
              bad_request(0, "result.users: truncated: the frame ends at byte 5"));
}

TEST(HistoryReply, JsonHasTheDocumentedForm) {
    const std::vector<HistoryMessage> messages = {
        HistoryMessage{12, "hello, everyone"}, HistoryMessage{13, std::string("\x00\x01\x02\xff", 4)}};
    const std::string json =
        R"({"id":14,"result":{"offset":13,"epoch":"a1b2","messages":[{"offset":12,"data":"hello, everyone"},{"offset":13,"data_b64":"AAEC/w=="}]}})";
    EXPECT_EQ(protocol::encode_history_reply(14, Position{13, "a1b2"}, messages), json);
    EXPECT_EQ(json_frame(json), ServerFrame{history_reply(14, Position{13, "a1b2"}, messages)});
    // An empty history: an empty list, told apart from a subscribe result.
    EXPECT_EQ(protocol::encode_history_reply(14, Position{0, "e"}, {}),
              R"({"id":14,"result":{"offset":0,"epoch":"e","messages":[]}})");
    EXPECT_EQ(json_frame(R"({"id":14,"result":{"offset":0,"epoch":"e","messages":[]}})"),
              ServerFrame{history_reply(14, Position{0, "e"}, {})});
    EXPECT_FALSE(std::get<Reply>(json_frame(R"({"id":14,"result":{"offset":0,"epoch":"e"}})"))
                     .has_messages);
    // Every byte value survives as data_b64.
    const std::vector<HistoryMessage> binary = {HistoryMessage{1, all_byte_values()}};
    EXPECT_EQ(json_frame(protocol::encode_history_reply(1, Position{1, "e"}, binary)),
              ServerFrame{history_reply(1, Position{1, "e"}, binary)});
}

TEST(HistoryReply, MalformedMessagesAreErrors) {
    EXPECT_EQ(json_frame_error(R"({"id":1,"result":{"messages":[{"data":"x"}]}})").message,
              "result.messages[0].offset: missing");
    EXPECT_EQ(json_frame_error(R"({"id":1,"result":{"messages":[{"offset":1}]}})").message,
              "result.messages[0]: expected exactly one of data or data_b64");
    EXPECT_EQ(json_frame_error(R"({"id":1,"result":{"messages":[{"offset":1,"data_b64":"x"}]}})")
                  .message,
              "result.messages[0].data_b64: invalid base64");
    EXPECT_EQ(json_frame_error(R"({"id":1,"result":{"messages":"x"}})").message,
              "result.messages: expected an array");
}

TEST(HistoryReply, BinaryHasTheDocumentedForm) {
    const std::vector<HistoryMessage> messages = {HistoryMessage{13, "hi"},
                                                  HistoryMessage{12, std::string("\x00\xff", 2)}};
    const std::string hex = "40 0e a0 0d 01 65 20 02 0d 02 68 69 0c 02 00 ff";
    EXPECT_EQ(to_hex(protocol::encode_history_reply_binary(14, Position{13, "e"}, messages)), hex);
    EXPECT_EQ(binary_frame(from_hex(hex)),
              ServerFrame{history_reply(14, Position{13, "e"}, messages)});
    EXPECT_EQ(protocol::encode_server_frame_binary(history_reply(14, Position{13, "e"}, messages)),
              from_hex(hex));
    EXPECT_EQ(to_hex(protocol::encode_history_reply_binary(14, Position{0, ""}, {})),
              "40 0e a0 00 00 20 00");
    EXPECT_EQ(binary_frame(from_hex("40 0e a0 00 00 20 00")),
              ServerFrame{history_reply(14, Position{0, ""}, {})});
    EXPECT_EQ(binary_frame_error(from_hex("40 0e a0 0d 01 65 20 01 0d 05 68 69")).message,
              "result.messages[0].data: length 5 at byte 9 runs past the end of the frame (2 "
              "bytes left)");
}

// A decoder that predates these results skips the flag bits it does not know and the fields
// behind them: a history result is a subscribe-like position to it.
TEST(NewResults, OlderFieldsStayReadable) {
    const Reply reply = std::get<Reply>(binary_frame(from_hex("40 0e a0 0d 01 65 00 ff ff")));
    EXPECT_EQ(reply.position, (Position{13, "e"}));
    EXPECT_FALSE(reply.has_messages);
}

// ---- pushes -------------------------------------------------------------------------------

TEST(JoinLeavePush, JsonHasTheDocumentedForm) {
    const ClientInfo anonymous{"c-77aa", "", ""};
    const ClientInfo alice{"c-6f1d", "alice", R"({"name":"Alice"})"};
    EXPECT_EQ(protocol::encode_join_push("chat", anonymous),
              R"({"push":{"join":{"topic":"chat","client":"c-77aa","user":""}}})");
    EXPECT_EQ(protocol::encode_leave_push("chat", alice),
              R"({"push":{"leave":{"topic":"chat","client":"c-6f1d","user":"alice","info":{"name":"Alice"}}}})");
    EXPECT_EQ(json_frame(R"({"push":{"join":{"topic":"chat","client":"c-77aa","user":""}}})"),
              (ServerFrame{JoinPush{"chat", anonymous}}));
    EXPECT_EQ(
        json_frame(
            R"({"push":{"leave":{"topic":"chat","client":"c-6f1d","user":"alice","info":{"name":"Alice"}}}})"),
        (ServerFrame{LeavePush{"chat", alice}}));
    // Info keeps its member order.
    EXPECT_EQ(std::get<JoinPush>(json_frame(
                  R"({"push":{"join":{"topic":"t","client":"c","info":{"z":0,"a":1},"later":1}}})"))
                  .who.info,
              R"({"z":0,"a":1})");
}

TEST(JoinLeavePush, JsonDecoderChecksTheMembers) {
    EXPECT_EQ(json_frame_error(R"({"push":{"join":{"client":"c"}}})").message,
              "push.join.topic: missing");
    EXPECT_EQ(json_frame_error(R"({"push":{"leave":{"topic":"t"}}})").message,
              "push.leave.client: missing");
    EXPECT_EQ(json_frame_error(R"({"push":{"leave":{"topic":"t","client":"c","info":1}}})").message,
              "push.leave.info: expected a JSON object");
    EXPECT_EQ(json_frame_error(R"({"push":{"join":{"topic":"t","client":"c"},"leave":{}}})").message,
              R"(push: expected exactly one kind, found "join" and "leave")");
    EXPECT_EQ(json_frame_error(R"({"push":{}})").message,
              "push: expected a kind: message, disconnect, recover, join or leave");
}

TEST(JoinLeavePush, BinaryHasTheDocumentedForm) {
    const ClientInfo who{"c", "u", ""};
    EXPECT_EQ(to_hex(protocol::encode_join_push_binary("chat", who)),
              "83 04 63 68 61 74 01 63 01 75 00");
    EXPECT_EQ(to_hex(protocol::encode_leave_push_binary("chat", who)),
              "84 04 63 68 61 74 01 63 01 75 00");
    EXPECT_EQ(binary_frame(from_hex("83 04 63 68 61 74 01 63 01 75 00")),
              (ServerFrame{JoinPush{"chat", who}}));
    EXPECT_EQ(binary_frame(from_hex("84 04 63 68 61 74 01 63 01 75 00 ff")),
              (ServerFrame{LeavePush{"chat", who}}));
    const ClientInfo with_info{"c", "", R"({"n":1})"};
    EXPECT_EQ(binary_frame(protocol::encode_join_push_binary("t", with_info)),
              (ServerFrame{JoinPush{"t", with_info}}));
    EXPECT_EQ(binary_frame_error(from_hex("83 04 63 68 61 74 01 63 01 75")),
              bad_request(0, "push.join.info: truncated: the frame ends at byte 10"));
    EXPECT_EQ(binary_frame_error(from_hex("84 04 63 68 61 74 01 63 00 02 5b 5d")),
              bad_request(0, "push.leave.info: expected a JSON object"));
}

// ---- docs/protocol.md: the examples of presence, history and join/leave ------------------

TEST(PresenceHistoryDocs, TheJsonExamplesAreWhatTheCodecWrites) {
    EXPECT_EQ(protocol::encode_command(Command{12, PresenceCommand{"chat"}}),
              R"({"id":12,"presence":{"topic":"chat"}})");
    const std::vector<ClientInfo> clients = {ClientInfo{"c-6f1d", "alice", R"({"name":"Alice"})"},
                                             ClientInfo{"c-77aa", "", ""}};
    EXPECT_EQ(protocol::encode_presence_reply(12, clients),
              R"({"id":12,"result":{"presence":[{"client":"c-6f1d","user":"alice","info":{"name":"Alice"}},{"client":"c-77aa","user":""}]}})");
    EXPECT_EQ(protocol::encode_command(Command{13, PresenceStatsCommand{"chat"}}),
              R"({"id":13,"presence_stats":{"topic":"chat"}})");
    EXPECT_EQ(protocol::encode_presence_stats_reply(13, 2, 1),
              R"({"id":13,"result":{"clients":2,"users":1}})");
    EXPECT_EQ(protocol::encode_command(
                  Command{14, HistoryCommand{"chat", 2, Position{11, "a1b2"}, false}}),
              R"({"id":14,"history":{"topic":"chat","limit":2,"since":{"offset":11,"epoch":"a1b2"}}})");
    EXPECT_EQ(protocol::encode_history_reply(
                  14, Position{13, "a1b2"},
                  std::vector<HistoryMessage>{HistoryMessage{12, "hello, everyone"},
                                              HistoryMessage{13, std::string("\x00\x01\x02\xff", 4)}}),
              R"({"id":14,"result":{"offset":13,"epoch":"a1b2","messages":[{"offset":12,"data":"hello, everyone"},{"offset":13,"data_b64":"AAEC/w=="}]}})");
    EXPECT_EQ(protocol::encode_command(Command{15, HistoryCommand{"chat", 1, std::nullopt, true}}),
              R"({"id":15,"history":{"topic":"chat","limit":1,"reverse":true}})");
    EXPECT_EQ(protocol::encode_join_push("chat", ClientInfo{"c-77aa", "", ""}),
              R"({"push":{"join":{"topic":"chat","client":"c-77aa","user":""}}})");
    EXPECT_EQ(protocol::encode_leave_push("chat", clients[0]),
              R"({"push":{"leave":{"topic":"chat","client":"c-6f1d","user":"alice","info":{"name":"Alice"}}}})");
    EXPECT_EQ(protocol::encode_error_reply(16, ErrorCode::not_found,
                                           "presence is not enabled for namespace chat"),
              R"({"id":16,"error":{"code":108,"message":"presence is not enabled for namespace chat"}})");
}

// docs/protocol.md §12, "Presence and history in bytes".
TEST(PresenceHistoryDocs, TheBinaryExamplesAreWhatTheCodecWrites) {
    EXPECT_EQ(to_hex(protocol::encode_command_binary(Command{12, PresenceCommand{"chat"}})),
              "09 0c 04 63 68 61 74");
    EXPECT_EQ(to_hex(protocol::encode_presence_reply_binary(
                  12, std::vector<ClientInfo>{ClientInfo{"c", "u", R"({"n":1})"},
                                              ClientInfo{"d", "", ""}})),
              "40 0c 80 08 02 01 63 01 75 07 7b 22 6e 22 3a 31 7d 01 64 00 00");
    EXPECT_EQ(to_hex(protocol::encode_command_binary(Command{13, PresenceStatsCommand{"chat"}})),
              "0a 0d 04 63 68 61 74");
    EXPECT_EQ(to_hex(protocol::encode_presence_stats_reply_binary(13, 2, 1)), "40 0d 80 10 02 01");
    EXPECT_EQ(to_hex(protocol::encode_command_binary(
                  Command{14, HistoryCommand{"chat", 2, Position{11, "e"}, true}})),
              "0b 0e 03 04 63 68 61 74 02 0b 01 65");
    EXPECT_EQ(to_hex(protocol::encode_history_reply_binary(
                  14, Position{13, "e"},
                  std::vector<HistoryMessage>{HistoryMessage{13, "hi"},
                                              HistoryMessage{12, std::string("\x00\xff", 2)}})),
              "40 0e a0 0d 01 65 20 02 0d 02 68 69 0c 02 00 ff");
    EXPECT_EQ(to_hex(protocol::encode_join_push_binary("chat", ClientInfo{"c", "u", ""})),
              "83 04 63 68 61 74 01 63 01 75 00");
    EXPECT_EQ(to_hex(protocol::encode_leave_push_binary("chat", ClientInfo{"c", "u", ""})),
              "84 04 63 68 61 74 01 63 01 75 00");
}

}  // namespace
