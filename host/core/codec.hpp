// The client protocol in a connection's encoding: every frame the core reads or writes goes
// through these, so that JSON and binary connections get the same commands and answers.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "notify/notify.h"
#include "notify/protocol/json.hpp"

namespace notify::core {

// JSON and BINARY; anything else a transport might pass is refused at open_connection.
bool is_known_encoding(notify_encoding encoding);

std::variant<protocol::Command, protocol::DecodeError> decode_command(notify_encoding encoding,
                                                                      std::string_view frame);

std::string encode_connect_reply(notify_encoding encoding, std::uint64_t id,
                                 std::string_view client, std::string_view user,
                                 std::string_view resume_token, std::string_view server_version,
                                 protocol::SessionResume session);
std::string encode_subscribe_reply(notify_encoding encoding, std::uint64_t id,
                                   const protocol::Position& position,
                                   std::optional<bool> recovered);
std::string encode_empty_reply(notify_encoding encoding, std::uint64_t id);
std::string encode_refresh_reply(notify_encoding encoding, std::uint64_t id,
                                 std::optional<std::uint64_t> ttl_ms);
std::string encode_presence_reply(notify_encoding encoding, std::uint64_t id,
                                  std::span<const protocol::ClientInfo> clients);
std::string encode_presence_stats_reply(notify_encoding encoding, std::uint64_t id,
                                        std::uint64_t clients, std::uint64_t users);
std::string encode_history_reply(notify_encoding encoding, std::uint64_t id,
                                 const protocol::Position& position,
                                 std::span<const protocol::HistoryMessage> messages);
std::string encode_join_push(notify_encoding encoding, std::string_view topic,
                             const protocol::ClientInfo& who);
std::string encode_leave_push(notify_encoding encoding, std::string_view topic,
                              const protocol::ClientInfo& who);
std::string encode_publish_reply(notify_encoding encoding, std::uint64_t id,
                                 std::span<const protocol::TopicPosition> positions);
std::string encode_error_reply(notify_encoding encoding, std::uint64_t id,
                               protocol::ErrorCode code, std::string_view message);
std::string encode_message_push(notify_encoding encoding, std::string_view topic,
                                std::uint64_t offset, std::string_view epoch,
                                std::string_view payload);
std::string encode_disconnect_push(notify_encoding encoding, std::uint16_t code,
                                   std::string_view reason);
std::string encode_recover_push(notify_encoding encoding, std::string_view topic,
                                std::uint64_t offset, std::string_view epoch,
                                std::string_view reason);

}  // namespace notify::core
