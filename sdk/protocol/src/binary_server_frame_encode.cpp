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

// A result carries the connect strings and the positions each behind its presence bit.
struct ResultFields {
    std::string_view client;
    std::string_view user;
    std::string_view resume;
    std::string_view version;
    std::span<const TopicPosition> positions;
    std::uint8_t presence = 0;
};

std::string encode_result(std::uint64_t id, const ResultFields& fields) {
    const auto sized = [&fields](std::uint8_t bit, std::string_view value) {
        return (fields.presence & bit) != 0 ? field_size(value) : 0;
    };
    std::string out;
    out.reserve(
        1 + varint_size(id) + 1 + sized(binary::kResultClient, fields.client) +
        sized(binary::kResultUser, fields.user) + sized(binary::kResultResume, fields.resume) +
        sized(binary::kResultVersion, fields.version) +
        ((fields.presence & binary::kResultPositions) != 0 ? positions_size(fields.positions) : 0));
    append_type(out, FrameType::result);
    append_varint(out, id);
    out += static_cast<char>(fields.presence);
    const auto append_if = [&out, &fields](std::uint8_t bit, std::string_view value) {
        if ((fields.presence & bit) != 0) {
            append_field(out, value);
        }
    };
    append_if(binary::kResultClient, fields.client);
    append_if(binary::kResultUser, fields.user);
    append_if(binary::kResultResume, fields.resume);
    append_if(binary::kResultVersion, fields.version);
    if ((fields.presence & binary::kResultPositions) != 0) {
        append_positions(out, fields.positions);
    }
    return out;
}

}  // namespace

std::string encode_connect_reply_binary(std::uint64_t id, std::string_view client,
                                        std::string_view user, std::string_view resume_token,
                                        std::string_view server_version) {
    return encode_result(id, ResultFields{client,
                                          user,
                                          resume_token,
                                          server_version,
                                          {},
                                          binary::kResultClient | binary::kResultUser |
                                              binary::kResultResume | binary::kResultVersion});
}

std::string encode_empty_reply_binary(std::uint64_t id) {
    return encode_result(id, ResultFields{});
}

std::string encode_publish_reply_binary(std::uint64_t id,
                                        std::span<const TopicPosition> positions) {
    return encode_result(id, ResultFields{{}, {}, {}, {}, positions, binary::kResultPositions});
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

std::string encode_server_frame_binary(const ServerFrame& frame) {
    if (const auto* message = std::get_if<MessagePush>(&frame)) {
        return encode_message_push_binary(message->topic, message->offset, message->epoch,
                                          message->data);
    }
    if (const auto* disconnect = std::get_if<DisconnectPush>(&frame)) {
        return encode_disconnect_push_binary(disconnect->code, disconnect->reason);
    }
    const auto& reply = std::get<Reply>(frame);
    if (reply.error) {
        return encode_error_reply_binary(reply.id, reply.error->code, reply.error->message);
    }
    ResultFields fields{reply.client, reply.user, reply.resume, reply.version, reply.positions, 0};
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
    return encode_result(reply.id, fields);
}

}  // namespace notify::protocol
