// The client protocol v1, JSON encoding (docs/protocol.md). Used by notifyd (decode commands,
// encode replies and pushes), notify-cli and notify-bench (the other way round).
// Payloads are opaque bytes held in std::string; in JSON they travel as "data" (a JSON string)
// when they are valid UTF-8, else as "data_b64" (standard base64 with padding).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace notify::protocol {

inline constexpr std::uint32_t kProtocolVersion = 1;
inline constexpr std::string_view kJsonSubprotocol = "notify.json.v1";
inline constexpr std::string_view kBinarySubprotocol = "notify.binary.v1";  // binary.hpp

enum class ErrorCode : std::uint32_t {
    internal = 100,
    unauthorized = 101,
    bad_request = 102,       // not JSON, not an object, a field missing or of the wrong type
    unknown_command = 103,
    permission_denied = 104,
    limit_exceeded = 105,
    not_connected = 106,     // a command other than connect before connect succeeded
    already_connected = 107,
    not_found = 108,
    too_large = 109,
    unrecoverable = 110,     // reserved: a position that cannot be recovered
    token_expired = 111,     // the token has expired: get a new token, retrying this one is useless
};

std::string_view error_name(ErrorCode code);

struct Position {
    std::uint64_t offset = 0;
    std::string epoch;

    bool operator==(const Position&) const = default;
};

struct TopicPosition {
    std::string topic;
    std::uint64_t offset = 0;
    std::string epoch;

    bool operator==(const TopicPosition&) const = default;
};

// ---- client -> server ---------------------------------------------------------------------

struct ConnectCommand {
    std::string token;
    std::string client;  // requested client id (reconnect)
    std::string resume;  // resume token (reconnect)
    std::string user;    // requested user id (when the auth plugin allows it)

    bool operator==(const ConnectCommand&) const = default;
};
struct SubscribeCommand {
    std::string topic;
    // Recover from this position: the messages after since.offset of epoch since.epoch (an
    // empty epoch means "whatever the current epoch is", e.g. offset 0 for "from the start").
    std::optional<Position> since;
    // A subscription token (namespaces with subscribe = "token" require one); empty = absent.
    // Fields added later have a default member initializer, so positional initialisers of the
    // earlier fields ({topic, since}) stay free of -Wmissing-field-initializers.
    std::string token{};

    bool operator==(const SubscribeCommand&) const = default;
};
struct UnsubscribeCommand {
    std::string topic;

    bool operator==(const UnsubscribeCommand&) const = default;
};
struct PublishCommand {
    std::vector<std::string> topics;  // "topic": "x" is accepted as a one-element list
    std::vector<std::string> clients;
    std::vector<std::string> users;
    std::string data;  // bytes

    bool operator==(const PublishCommand&) const = default;
};
struct SendCommand {
    std::string data;  // bytes

    bool operator==(const SendCommand&) const = default;
};
struct PingCommand {
    bool operator==(const PingCommand&) const = default;
};
// Acknowledges every message of `topic` up to and including `offset` (one ack covers a range).
struct AckCommand {
    std::string topic;
    std::uint64_t offset = 0;

    bool operator==(const AckCommand&) const = default;
};

// Replaces the connection's token before it expires (the connect reply's ttl_ms); the token
// must be of the connection's user. Non-empty.
struct RefreshCommand {
    std::string token;

    bool operator==(const RefreshCommand&) const = default;
};

// The clients present on a topic (namespaces with presence = true). Answered with a presence
// result (encode_presence_reply).
struct PresenceCommand {
    std::string topic;

    bool operator==(const PresenceCommand&) const = default;
};
// How many clients and distinct users are present on a topic (encode_presence_stats_reply).
struct PresenceStatsCommand {
    std::string topic;

    bool operator==(const PresenceStatsCommand&) const = default;
};
// Messages of a topic's stream (encode_history_reply). limit: at most this many (0 = the
// server's maximum, limits.max_recovery); since: only messages after this position (its epoch
// must be the stream's, an empty epoch means the current one); reverse: newest first.
struct HistoryCommand {
    std::string topic;
    std::uint32_t limit = 0;
    std::optional<Position> since{};
    bool reverse = false;

    bool operator==(const HistoryCommand&) const = default;
};

using CommandBody = std::variant<ConnectCommand, SubscribeCommand, UnsubscribeCommand,
                                 PublishCommand, SendCommand, PingCommand, AckCommand,
                                 RefreshCommand, PresenceCommand, PresenceStatsCommand,
                                 HistoryCommand>;

struct Command {
    std::uint64_t id = 0;  // > 0; echoed by the reply
    CommandBody body;

    bool operator==(const Command&) const = default;
};

struct DecodeError {
    std::uint64_t id = 0;  // the command's id when it could be read, else 0
    ErrorCode code = ErrorCode::bad_request;
    std::string message;   // names the field and the problem

    bool operator==(const DecodeError&) const = default;
};

std::variant<Command, DecodeError> decode_command(std::string_view json);
std::string encode_command(const Command& command);

// ---- server -> client ---------------------------------------------------------------------

// A client present on a topic (presence replies, join and leave pushes). user: "" for an
// anonymous client. info: the text of a JSON object (the connection's info from auth) or empty
// for none. Encoders write it as it is, so it must be valid JSON (the server validated it);
// both decoders give it back re-serialized compactly with the members in their order (so a
// compact object round-trips exactly), and refuse anything but an object.
struct ClientInfo {
    std::string client;
    std::string user{};
    std::string info{};

    bool operator==(const ClientInfo&) const = default;
};
// One message of a history reply: its offset in the stream, and its payload bytes.
struct HistoryMessage {
    std::uint64_t offset = 0;
    std::string data{};

    bool operator==(const HistoryMessage&) const = default;
};

// {"id":N,"result":{"client":"…","user":"…","resume":"…","version":"…"}}
std::string encode_connect_reply(std::uint64_t id, std::string_view client, std::string_view user,
                                 std::string_view resume_token, std::string_view server_version);
// A connect reply of a reconnect that resumed its session: "resumed":true, plus "overflow":true
// when more was published to the inactive client than clients.buffer_size (nothing of the
// buffer is delivered then; the client recovers per topic with subscribe positions).
// ttl_ms (any connect reply): the connection's token expires in that many milliseconds, the
// client must send refresh before then; absent when the token does not expire.
struct SessionResume {
    bool resumed = false;
    bool overflow = false;
    std::optional<std::uint64_t> ttl_ms{};
};
std::string encode_connect_reply(std::uint64_t id, std::string_view client, std::string_view user,
                                 std::string_view resume_token, std::string_view server_version,
                                 SessionResume session);
std::string encode_empty_reply(std::uint64_t id);  // {"id":N,"result":{}}
// The reply to refresh: {"id":N,"result":{"ttl_ms":T}}, or {"id":N,"result":{}} when the new
// token does not expire.
std::string encode_refresh_reply(std::uint64_t id, std::optional<std::uint64_t> ttl_ms);
// {"id":N,"result":{"offset":O,"epoch":"E"}} and, when the subscribe carried a position,
// "recovered":true|false. The position is the stream's current one when the reply was made.
std::string encode_subscribe_reply(std::uint64_t id, const Position& position,
                                   std::optional<bool> recovered);
std::string encode_publish_reply(std::uint64_t id, std::span<const TopicPosition> positions);
std::string encode_error_reply(std::uint64_t id, ErrorCode code, std::string_view message);
// {"id":N,"result":{"presence":[{"client":"c","user":"u","info":{…}},…]}}: "user" is always
// written ("" for an anonymous client), "info" only when not empty.
std::string encode_presence_reply(std::uint64_t id, std::span<const ClientInfo> clients);
// {"id":N,"result":{"clients":C,"users":U}}: connections present, distinct non-empty users.
std::string encode_presence_stats_reply(std::uint64_t id, std::uint64_t clients,
                                        std::uint64_t users);
// {"id":N,"result":{"offset":O,"epoch":"E","messages":[{"offset":1,"data":"…"},…]}}: the
// stream's current position and the messages asked for ("data_b64" for non-UTF-8 payloads).
std::string encode_history_reply(std::uint64_t id, const Position& position,
                                 std::span<const HistoryMessage> messages);
std::string encode_message_push(std::string_view topic, std::uint64_t offset,
                                std::string_view epoch, std::string_view payload);
std::string encode_disconnect_push(std::uint16_t code, std::string_view reason);
// {"push":{"recover":{"topic":"…","offset":O,"epoch":"E","reason":"…"}}}: messages of `topic`
// were lost on the server's side (the cluster bus lost them and history could not fill the gap,
// or the stream's epoch changed). The client resubscribes with `since` = the last position it
// saw of that topic. offset/epoch: the stream's current position when known (0 and "" when
// not); they are always written.
std::string encode_recover_push(std::string_view topic, std::uint64_t offset,
                                std::string_view epoch, std::string_view reason);
// {"push":{"join":{"topic":"t","client":"c","user":"u","info":{…}}}}: `who` subscribed to
// `topic` (namespaces with join_leave = true); "info" only when not empty.
std::string encode_join_push(std::string_view topic, const ClientInfo& who);
// {"push":{"leave":{"topic":"t","client":"c","user":"u","info":{…}}}}: `who` left `topic`.
std::string encode_leave_push(std::string_view topic, const ClientInfo& who);

struct Reply {
    std::uint64_t id = 0;
    std::optional<DecodeError> error;      // code + message when the command failed
    std::string client;                    // connect
    std::string user;                      // connect
    std::string resume;                    // connect: the resume token for a later reconnect
    std::vector<TopicPosition> positions;  // publish
    std::string version;                   // connect: the server's version
    bool resumed = false;                  // connect: the session was resumed
    bool overflow = false;                 // connect: the resumed session's buffer overflowed
    std::optional<Position> position;      // subscribe: the stream's current position
    std::optional<bool> recovered;         // subscribe with a position: whether it was recovered
    std::optional<std::uint64_t> ttl_ms{};  // connect, refresh: the token expires in ttl_ms ms
    // presence: the clients present. has_presence tells an empty list ("presence":[]) from a
    // result without one; the decoders set it whenever the result carries the list.
    std::vector<ClientInfo> presence{};
    std::optional<std::uint64_t> presence_clients{};  // presence_stats: "clients"
    std::optional<std::uint64_t> presence_users{};    // presence_stats: "users"
    // history: the messages (position holds the stream's current position). has_messages
    // tells an empty history ("messages":[]) from a result without one, as has_presence does.
    std::vector<HistoryMessage> messages{};
    bool has_presence = false;
    bool has_messages = false;

    bool operator==(const Reply&) const = default;
};
struct MessagePush {
    std::string topic;
    std::uint64_t offset = 0;
    std::string epoch;
    std::string data;  // bytes

    bool operator==(const MessagePush&) const = default;
};
struct DisconnectPush {
    std::uint16_t code = 0;
    std::string reason;

    bool operator==(const DisconnectPush&) const = default;
};
// The server lost messages of `topic` for this client (docs/protocol.md, "recover"): resubscribe
// with `since` = the last position seen of it. `offset`/`epoch` are the stream's current position
// when the server knows it (0 and "" otherwise); `reason` is for people.
struct RecoverPush {
    std::string topic;
    std::uint64_t offset = 0;
    std::string epoch;
    std::string reason;

    bool operator==(const RecoverPush&) const = default;
};
// `who` subscribed to `topic` (join) or is no longer subscribed to it (leave), in a namespace
// with join_leave = true; sent to the topic's other subscribers.
struct JoinPush {
    std::string topic;
    ClientInfo who{};

    bool operator==(const JoinPush&) const = default;
};
struct LeavePush {
    std::string topic;
    ClientInfo who{};

    bool operator==(const LeavePush&) const = default;
};
using ServerFrame =
    std::variant<Reply, MessagePush, DisconnectPush, RecoverPush, JoinPush, LeavePush>;

std::variant<ServerFrame, DecodeError> decode_server_frame(std::string_view json);

// ---- helpers ------------------------------------------------------------------------------

bool is_valid_utf8(std::string_view bytes);
inline constexpr std::size_t kMaxTopicSize = 255;  // bytes
// Non-empty, at most kMaxTopicSize bytes, valid UTF-8, no control characters (C0, DEL, C1).
bool is_valid_topic(std::string_view topic);
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);
// Appends `"…"` with JSON escaping; `utf8` should be valid UTF-8 (a byte that does not start a
// valid sequence is written as U+FFFD, so the output is always valid JSON).
void append_json_string(std::string& out, std::string_view utf8);
// Appends "data":"…" or "data_b64":"…" (no braces, no comma) for an opaque payload.
void append_payload_field(std::string& out, std::string_view payload);

}  // namespace notify::protocol
