#include "core/codec.hpp"

#include "core/json_fast_path.hpp"
#include "notify/protocol/binary.hpp"

namespace notify::core {

namespace {

bool is_binary(notify_encoding encoding) {
    return encoding == NOTIFY_ENCODING_BINARY;
}

}  // namespace

bool is_known_encoding(notify_encoding encoding) {
    return encoding == NOTIFY_ENCODING_JSON || encoding == NOTIFY_ENCODING_BINARY;
}

std::variant<protocol::Command, protocol::DecodeError> decode_command(notify_encoding encoding,
                                                                      std::string_view frame) {
    if (is_binary(encoding)) return protocol::decode_command_binary(frame);
    if (auto plain = decode_plain_json_command(frame)) return std::move(*plain);
    return protocol::decode_command(frame);
}

std::string encode_connect_reply(notify_encoding encoding, std::uint64_t id,
                                 std::string_view client, std::string_view user,
                                 std::string_view resume_token, std::string_view server_version,
                                 protocol::SessionResume session) {
    return is_binary(encoding)
               ? protocol::encode_connect_reply_binary(id, client, user, resume_token,
                                                       server_version, session)
               : protocol::encode_connect_reply(id, client, user, resume_token, server_version,
                                                session);
}

std::string encode_subscribe_reply(notify_encoding encoding, std::uint64_t id,
                                   const protocol::Position& position,
                                   std::optional<bool> recovered) {
    return is_binary(encoding) ? protocol::encode_subscribe_reply_binary(id, position, recovered)
                               : protocol::encode_subscribe_reply(id, position, recovered);
}

std::string encode_refresh_reply(notify_encoding encoding, std::uint64_t id,
                                 std::optional<std::uint64_t> ttl_ms) {
    return is_binary(encoding) ? protocol::encode_refresh_reply_binary(id, ttl_ms)
                               : protocol::encode_refresh_reply(id, ttl_ms);
}

std::string encode_presence_reply(notify_encoding encoding, std::uint64_t id,
                                  std::span<const protocol::ClientInfo> clients) {
    return is_binary(encoding) ? protocol::encode_presence_reply_binary(id, clients)
                               : protocol::encode_presence_reply(id, clients);
}

std::string encode_presence_stats_reply(notify_encoding encoding, std::uint64_t id,
                                        std::uint64_t clients, std::uint64_t users) {
    return is_binary(encoding) ? protocol::encode_presence_stats_reply_binary(id, clients, users)
                               : protocol::encode_presence_stats_reply(id, clients, users);
}

std::string encode_history_reply(notify_encoding encoding, std::uint64_t id,
                                 const protocol::Position& position,
                                 std::span<const protocol::HistoryMessage> messages) {
    return is_binary(encoding) ? protocol::encode_history_reply_binary(id, position, messages)
                               : protocol::encode_history_reply(id, position, messages);
}

std::string encode_join_push(notify_encoding encoding, std::string_view topic,
                             const protocol::ClientInfo& who) {
    return is_binary(encoding) ? protocol::encode_join_push_binary(topic, who)
                               : protocol::encode_join_push(topic, who);
}

std::string encode_leave_push(notify_encoding encoding, std::string_view topic,
                              const protocol::ClientInfo& who) {
    return is_binary(encoding) ? protocol::encode_leave_push_binary(topic, who)
                               : protocol::encode_leave_push(topic, who);
}

std::string encode_empty_reply(notify_encoding encoding, std::uint64_t id) {
    return is_binary(encoding) ? protocol::encode_empty_reply_binary(id)
                               : protocol::encode_empty_reply(id);
}

std::string encode_publish_reply(notify_encoding encoding, std::uint64_t id,
                                 std::span<const protocol::TopicPosition> positions) {
    return is_binary(encoding) ? protocol::encode_publish_reply_binary(id, positions)
                               : protocol::encode_publish_reply(id, positions);
}

std::string encode_error_reply(notify_encoding encoding, std::uint64_t id,
                               protocol::ErrorCode code, std::string_view message) {
    return is_binary(encoding) ? protocol::encode_error_reply_binary(id, code, message)
                               : protocol::encode_error_reply(id, code, message);
}

std::string encode_message_push(notify_encoding encoding, std::string_view topic,
                                std::uint64_t offset, std::string_view epoch,
                                std::string_view payload) {
    return is_binary(encoding)
               ? protocol::encode_message_push_binary(topic, offset, epoch, payload)
               : protocol::encode_message_push(topic, offset, epoch, payload);
}

std::string encode_disconnect_push(notify_encoding encoding, std::uint16_t code,
                                   std::string_view reason) {
    return is_binary(encoding) ? protocol::encode_disconnect_push_binary(code, reason)
                               : protocol::encode_disconnect_push(code, reason);
}

std::string encode_recover_push(notify_encoding encoding, std::string_view topic,
                                std::uint64_t offset, std::string_view epoch,
                                std::string_view reason) {
    return is_binary(encoding) ? protocol::encode_recover_push_binary(topic, offset, epoch, reason)
                               : protocol::encode_recover_push(topic, offset, epoch, reason);
}

}  // namespace notify::core
