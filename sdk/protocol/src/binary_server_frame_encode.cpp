#include <limits>
#include <notify/protocol/binary.hpp>
#include <stdexcept>

#include "binary_format.hpp"

namespace notify::protocol {

namespace {

namespace binary = detail::binary;
using binary::append_field;
using binary::append_type;
using binary::append_varint;
using binary::field_size;
using binary::FrameType;
using binary::varint_size;

std::size_t positions_size(std::span<const TopicPosition> positions) {
    std::size_t size = varint_size(positions.size());
    for (const TopicPosition& position : positions) {
        size +=
            field_size(position.topic) + varint_size(position.offset) + field_size(position.epoch);
    }
    return size;
}

void append_positions(std::string& out, std::span<const TopicPosition> positions) {
    append_varint(out, positions.size());
    for (const TopicPosition& position : positions) {
        append_field(out, position.topic);
        append_varint(out, position.offset);
        append_field(out, position.epoch);
    }
}

std::size_t client_info_size(const ClientInfo& who) {
    return field_size(who.client) + field_size(who.user) + field_size(who.info);
}

void append_client_info(std::string& out, const ClientInfo& who) {
    append_field(out, who.client);
    append_field(out, who.user);
    append_field(out, who.info);
}

// A result carries each of its fields behind its presence bit; flags go in the byte behind
// kResultFlags.
struct ResultFields {
    std::string_view client{};
    std::string_view user{};
    std::string_view resume{};
    std::string_view version{};
    std::span<const TopicPosition> positions{};
    const Position* position = nullptr;
    bool recovered = false;
    std::optional<std::uint64_t> ttl_ms{};  // behind kFlagTtl of the flags byte
    std::span<const ClientInfo> present{};      // behind kFlagPresence
    std::uint64_t clients = 0;                  // behind kFlagPresenceStats
    std::uint64_t users = 0;
    std::span<const HistoryMessage> messages{};  // behind kFlagMessages
    std::uint8_t flags = 0;
    std::uint8_t presence = 0;
};

std::uint8_t session_flags(const SessionResume& session) {
    return static_cast<std::uint8_t>((session.resumed ? binary::kFlagResumed : 0) |
                                     (session.overflow ? binary::kFlagOverflow : 0) |
                                     (session.ttl_ms ? binary::kFlagTtl : 0));
}

std::size_t result_size(std::uint64_t id, const ResultFields& fields) {
    const auto has = [&fields](std::uint8_t bit) { return (fields.presence & bit) != 0; };
    const auto sized = [&has](std::uint8_t bit, std::string_view value) {
        return has(bit) ? field_size(value) : 0;
    };
    std::size_t size = 1 + varint_size(id) + 1 + sized(binary::kResultClient, fields.client) +
                       sized(binary::kResultUser, fields.user) +
                       sized(binary::kResultResume, fields.resume) +
                       sized(binary::kResultVersion, fields.version);
    if (has(binary::kResultPositions)) {
        size += positions_size(fields.positions);
    }
    if (has(binary::kResultPosition)) {
        size += varint_size(fields.position->offset) + field_size(fields.position->epoch);
    }
    if (has(binary::kResultRecovered)) {
        ++size;
    }
    if (has(binary::kResultFlags)) {
        ++size;
        if ((fields.flags & binary::kFlagTtl) != 0) {
            size += varint_size(fields.ttl_ms.value_or(0));
        }
        if ((fields.flags & binary::kFlagPresence) != 0) {
            size += varint_size(fields.present.size());
            for (const ClientInfo& who : fields.present) {
                size += client_info_size(who);
            }
        }
        if ((fields.flags & binary::kFlagPresenceStats) != 0) {
            size += varint_size(fields.clients) + varint_size(fields.users);
        }
        if ((fields.flags & binary::kFlagMessages) != 0) {
            size += varint_size(fields.messages.size());
            for (const HistoryMessage& message : fields.messages) {
                size += varint_size(message.offset) + field_size(message.data);
            }
        }
    }
    return size;
}

std::string encode_result(std::uint64_t id, const ResultFields& fields) {
    std::string out;
    out.reserve(result_size(id, fields));
    append_type(out, FrameType::result);
    append_varint(out, id);
    out += static_cast<char>(fields.presence);
    const auto has = [&fields](std::uint8_t bit) { return (fields.presence & bit) != 0; };
    const auto append_if = [&out, &has](std::uint8_t bit, std::string_view value) {
        if (has(bit)) {
            append_field(out, value);
        }
    };
    append_if(binary::kResultClient, fields.client);
    append_if(binary::kResultUser, fields.user);
    append_if(binary::kResultResume, fields.resume);
    append_if(binary::kResultVersion, fields.version);
    if (has(binary::kResultPositions)) {
        append_positions(out, fields.positions);
    }
    if (has(binary::kResultPosition)) {
        append_varint(out, fields.position->offset);
        append_field(out, fields.position->epoch);
    }
    if (has(binary::kResultRecovered)) {
        out += static_cast<char>(fields.recovered ? 1 : 0);
    }
    if (has(binary::kResultFlags)) {
        out += static_cast<char>(fields.flags);
        if ((fields.flags & binary::kFlagTtl) != 0) {
            append_varint(out, fields.ttl_ms.value_or(0));
        }
        if ((fields.flags & binary::kFlagPresence) != 0) {
            append_varint(out, fields.present.size());
            for (const ClientInfo& who : fields.present) {
                append_client_info(out, who);
            }
        }
        if ((fields.flags & binary::kFlagPresenceStats) != 0) {
            append_varint(out, fields.clients);
            append_varint(out, fields.users);
        }
        if ((fields.flags & binary::kFlagMessages) != 0) {
            append_varint(out, fields.messages.size());
            for (const HistoryMessage& message : fields.messages) {
                append_varint(out, message.offset);
                append_field(out, message.data);
            }
        }
    }
    return out;
}

}  // namespace

std::string encode_connect_reply_binary(std::uint64_t id, std::string_view client,
                                        std::string_view user, std::string_view resume_token,
                                        std::string_view server_version) {
    return encode_connect_reply_binary(id, client, user, resume_token, server_version,
                                       SessionResume{});
}

std::string encode_connect_reply_binary(std::uint64_t id, std::string_view client,
                                        std::string_view user, std::string_view resume_token,
                                        std::string_view server_version, SessionResume session) {
    const std::uint8_t flags = session_flags(session);
    return encode_result(
        id, ResultFields{.client = client,
                         .user = user,
                         .resume = resume_token,
                         .version = server_version,
                         .ttl_ms = session.ttl_ms,
                         .flags = flags,
                         .presence = static_cast<std::uint8_t>(
                             binary::kResultClient | binary::kResultUser | binary::kResultResume |
                             binary::kResultVersion | (flags != 0 ? binary::kResultFlags : 0))});
}

std::string encode_empty_reply_binary(std::uint64_t id) {
    return encode_result(id, ResultFields{});
}

std::string encode_refresh_reply_binary(std::uint64_t id, std::optional<std::uint64_t> ttl_ms) {
    if (!ttl_ms) {
        return encode_empty_reply_binary(id);
    }
    return encode_result(id, ResultFields{.ttl_ms = ttl_ms,
                                          .flags = binary::kFlagTtl,
                                          .presence = binary::kResultFlags});
}

std::string encode_subscribe_reply_binary(std::uint64_t id, const Position& position,
                                          std::optional<bool> recovered) {
    return encode_result(id,
                         ResultFields{.position = &position,
                                      .recovered = recovered.value_or(false),
                                      .presence = static_cast<std::uint8_t>(
                                          binary::kResultPosition |
                                          (recovered.has_value() ? binary::kResultRecovered : 0))});
}

std::string encode_publish_reply_binary(std::uint64_t id,
                                        std::span<const TopicPosition> positions) {
    return encode_result(
        id, ResultFields{.positions = positions, .presence = binary::kResultPositions});
}

std::string encode_error_reply_binary(std::uint64_t id, ErrorCode code, std::string_view message) {
    const auto code_value = static_cast<std::uint32_t>(code);
    std::string out;
    out.reserve(1 + varint_size(id) + varint_size(code_value) + field_size(message));
    append_type(out, FrameType::error);
    append_varint(out, id);
    append_varint(out, code_value);
    append_field(out, message);
    return out;
}

std::string encode_presence_reply_binary(std::uint64_t id, std::span<const ClientInfo> clients) {
    return encode_result(id, ResultFields{.present = clients,
                                          .flags = binary::kFlagPresence,
                                          .presence = binary::kResultFlags});
}

std::string encode_presence_stats_reply_binary(std::uint64_t id, std::uint64_t clients,
                                               std::uint64_t users) {
    return encode_result(id, ResultFields{.clients = clients,
                                          .users = users,
                                          .flags = binary::kFlagPresenceStats,
                                          .presence = binary::kResultFlags});
}

std::string encode_history_reply_binary(std::uint64_t id, const Position& position,
                                        std::span<const HistoryMessage> messages) {
    return encode_result(id, ResultFields{.position = &position,
                                          .messages = messages,
                                          .flags = binary::kFlagMessages,
                                          .presence = static_cast<std::uint8_t>(
                                              binary::kResultPosition | binary::kResultFlags)});
}

std::string encode_join_push_binary(std::string_view topic, const ClientInfo& who) {
    std::string out;
    out.reserve(1 + field_size(topic) + client_info_size(who));
    append_type(out, FrameType::join_push);
    append_field(out, topic);
    append_client_info(out, who);
    return out;
}

std::string encode_leave_push_binary(std::string_view topic, const ClientInfo& who) {
    std::string out;
    out.reserve(1 + field_size(topic) + client_info_size(who));
    append_type(out, FrameType::leave_push);
    append_field(out, topic);
    append_client_info(out, who);
    return out;
}

std::string encode_message_push_binary(std::string_view topic, std::uint64_t offset,
                                       std::string_view epoch, std::string_view payload) {
    std::string out;
    out.reserve(1 + field_size(topic) + varint_size(offset) + field_size(epoch) +
                field_size(payload));
    append_type(out, FrameType::message_push);
    append_field(out, topic);
    append_varint(out, offset);
    append_field(out, epoch);
    append_field(out, payload);
    return out;
}

std::string encode_disconnect_push_binary(std::uint16_t code, std::string_view reason) {
    std::string out;
    out.reserve(1 + varint_size(code) + field_size(reason));
    append_type(out, FrameType::disconnect_push);
    append_varint(out, code);
    append_field(out, reason);
    return out;
}

std::string encode_recover_push_binary(std::string_view topic, std::uint64_t offset,
                                       std::string_view epoch, std::string_view reason) {
    std::string out;
    out.reserve(1 + field_size(topic) + varint_size(offset) + field_size(epoch) +
                field_size(reason));
    append_type(out, FrameType::recover_push);
    append_field(out, topic);
    append_varint(out, offset);
    append_field(out, epoch);
    append_field(out, reason);
    return out;
}

std::string encode_server_frame_binary(const ServerFrame& frame) {
    if (const auto* message = std::get_if<MessagePush>(&frame)) {
        return encode_message_push_binary(message->topic, message->offset, message->epoch,
                                          message->data);
    }
    if (const auto* disconnect = std::get_if<DisconnectPush>(&frame)) {
        return encode_disconnect_push_binary(disconnect->code, disconnect->reason);
    }
    if (const auto* recover = std::get_if<RecoverPush>(&frame)) {
        return encode_recover_push_binary(recover->topic, recover->offset, recover->epoch,
                                          recover->reason);
    }
    if (const auto* join = std::get_if<JoinPush>(&frame)) {
        return encode_join_push_binary(join->topic, join->who);
    }
    if (const auto* leave = std::get_if<LeavePush>(&frame)) {
        return encode_leave_push_binary(leave->topic, leave->who);
    }
    const auto& reply = std::get<Reply>(frame);
    if (reply.error) {
        return encode_error_reply_binary(reply.id, reply.error->code, reply.error->message);
    }
    ResultFields fields{.client = reply.client,
                        .user = reply.user,
                        .resume = reply.resume,
                        .version = reply.version,
                        .positions = reply.positions,
                        .position = reply.position ? &*reply.position : nullptr,
                        .recovered = reply.recovered.value_or(false),
                        .ttl_ms = reply.ttl_ms,
                        .present = reply.presence,
                        .clients = reply.presence_clients.value_or(0),
                        .users = reply.presence_users.value_or(0),
                        .messages = reply.messages,
                        .flags = static_cast<std::uint8_t>(
                            session_flags(
                                SessionResume{reply.resumed, reply.overflow, reply.ttl_ms}) |
                            (reply.has_presence || !reply.presence.empty() ? binary::kFlagPresence
                                                                           : 0) |
                            (reply.presence_clients || reply.presence_users
                                 ? binary::kFlagPresenceStats
                                 : 0) |
                            (reply.has_messages || !reply.messages.empty() ? binary::kFlagMessages
                                                                           : 0))};
    const auto mark = [&fields](bool present, std::uint8_t bit) {
        if (present) {
            fields.presence = static_cast<std::uint8_t>(fields.presence | bit);
        }
    };
    mark(!reply.client.empty(), binary::kResultClient);
    mark(!reply.user.empty(), binary::kResultUser);
    mark(!reply.resume.empty(), binary::kResultResume);
    mark(!reply.version.empty(), binary::kResultVersion);
    mark(!reply.positions.empty(), binary::kResultPositions);
    mark(reply.position.has_value(), binary::kResultPosition);
    mark(reply.recovered.has_value(), binary::kResultRecovered);
    mark(fields.flags != 0, binary::kResultFlags);
    return encode_result(reply.id, fields);
}

}  // namespace notify::protocol
