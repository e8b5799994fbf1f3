#include <exception>
#include <limits>
#include <notify/protocol/binary.hpp>

#include "binary_format.hpp"
#include "binary_reader.hpp"
#include "json_reader.hpp"

namespace notify::protocol {

namespace {

namespace binary = detail::binary;
using binary::fail;
using binary::FrameReader;
using binary::FrameType;
using binary::hex_byte;
using binary::MalformedFrame;

// client, user and info strings; info is the text of a JSON object or empty, re-serialized
// compactly like the JSON decoder's.
ClientInfo read_client_info(FrameReader& reader, const std::string& path) {
    ClientInfo who;
    who.client = reader.text(path + ".client");
    who.user = reader.text(path + ".user");
    const std::string info_path = path + ".info";
    std::string info = reader.text(info_path);
    if (!info.empty()) {
        try {
            who.info = detail::compact_object_text(info, info_path);
        } catch (detail::Malformed& malformed) {
            throw MalformedFrame{malformed.code, std::move(malformed.message)};
        }
    }
    return who;
}

// Like the JSON decoder, this side does not check topic names: the server already did.
Reply read_result(FrameReader& reader) {
    Reply reply;
    reply.id = reader.positive_id("id");
    const std::uint8_t presence = reader.byte("result.presence");
    const auto optional_text = [&reader, presence](std::uint8_t bit, std::string_view path) {
        return (presence & bit) != 0 ? reader.text(path) : std::string();
    };
    reply.client = optional_text(binary::kResultClient, "result.client");
    reply.user = optional_text(binary::kResultUser, "result.user");
    reply.resume = optional_text(binary::kResultResume, "result.resume");
    reply.version = optional_text(binary::kResultVersion, "result.version");
    if ((presence & binary::kResultPositions) != 0) {
        const std::size_t count = reader.count("result.positions");
        reply.positions.reserve(count);
        for (std::size_t index = 0; index < count; ++index) {
            const std::string path = binary::element_path("result.positions", index);
            TopicPosition position;
            position.topic = reader.text(path + ".topic");
            position.offset = reader.varint(path + ".offset");
            position.epoch = reader.text(path + ".epoch");
            reply.positions.push_back(std::move(position));
        }
    }
    if ((presence & binary::kResultPosition) != 0) {
        Position position;
        position.offset = reader.varint("result.offset");
        position.epoch = reader.text("result.epoch");
        reply.position = std::move(position);
    }
    if ((presence & binary::kResultRecovered) != 0) {
        const std::uint8_t recovered = reader.byte("result.recovered");
        if (recovered > 1) {
            fail("result.recovered", "expected 0 or 1, found " + hex_byte(recovered));
        }
        reply.recovered = recovered == 1;
    }
    if ((presence & binary::kResultFlags) != 0) {
        const std::uint8_t flags = reader.byte("result.flags");
        reply.resumed = (flags & binary::kFlagResumed) != 0;
        reply.overflow = (flags & binary::kFlagOverflow) != 0;
        if ((flags & binary::kFlagTtl) != 0) {
            reply.ttl_ms = reader.varint("result.ttl_ms");
        }
        if ((flags & binary::kFlagPresence) != 0) {
            reply.has_presence = true;
            const std::size_t count = reader.count("result.presence");
            reply.presence.reserve(count);
            for (std::size_t index = 0; index < count; ++index) {
                reply.presence.push_back(
                    read_client_info(reader, binary::element_path("result.presence", index)));
            }
        }
        if ((flags & binary::kFlagPresenceStats) != 0) {
            reply.presence_clients = reader.varint("result.clients");
            reply.presence_users = reader.varint("result.users");
        }
        if ((flags & binary::kFlagMessages) != 0) {
            reply.has_messages = true;
            const std::size_t count = reader.count("result.messages");
            reply.messages.reserve(count);
            for (std::size_t index = 0; index < count; ++index) {
                const std::string path = binary::element_path("result.messages", index);
                HistoryMessage message;
                message.offset = reader.varint(path + ".offset");
                message.data = std::string(reader.bytes(path + ".data"));
                reply.messages.push_back(std::move(message));
            }
        }
    }
    return reply;
}

Reply read_error(FrameReader& reader) {
    Reply reply;
    // An error for a command whose id could not be read carries id 0.
    reply.id = reader.varint("id");
    const auto code = static_cast<ErrorCode>(
        reader.varint_at_most("error.code", std::numeric_limits<std::uint32_t>::max()));
    reply.error = DecodeError{reply.id, code, reader.text("error.message")};
    return reply;
}

MessagePush read_message(FrameReader& reader) {
    MessagePush message;
    message.topic = reader.text("push.message.topic");
    message.offset = reader.varint("push.message.offset");
    message.epoch = reader.text("push.message.epoch");
    message.data = std::string(reader.bytes("push.message.data"));
    return message;
}

DisconnectPush read_disconnect(FrameReader& reader) {
    DisconnectPush disconnect;
    disconnect.code = static_cast<std::uint16_t>(
        reader.varint_at_most("push.disconnect.code", std::numeric_limits<std::uint16_t>::max()));
    disconnect.reason = reader.text("push.disconnect.reason");
    return disconnect;
}

RecoverPush read_recover(FrameReader& reader) {
    RecoverPush recover;
    recover.topic = reader.text("push.recover.topic");
    recover.offset = reader.varint("push.recover.offset");
    recover.epoch = reader.text("push.recover.epoch");
    recover.reason = reader.text("push.recover.reason");
    return recover;
}

template <typename Push>
Push read_presence_change(FrameReader& reader, const std::string& path) {
    Push push;
    push.topic = reader.text(path + ".topic");
    push.who = read_client_info(reader, path);
    return push;
}

ServerFrame read_frame(std::uint8_t type, FrameReader& reader) {
    switch (static_cast<FrameType>(type)) {
        case FrameType::result:
            return read_result(reader);
        case FrameType::error:
            return read_error(reader);
        case FrameType::message_push:
            return read_message(reader);
        case FrameType::disconnect_push:
            return read_disconnect(reader);
        case FrameType::recover_push:
            return read_recover(reader);
        case FrameType::join_push:
            return read_presence_change<JoinPush>(reader, "push.join");
        case FrameType::leave_push:
            return read_presence_change<LeavePush>(reader, "push.leave");
        default:
            break;
    }
    // A push kind from a newer server: a distinct code lets clients skip it.
    if (type >= binary::kFirstPushType && type <= binary::kLastPushType) {
        throw MalformedFrame{ErrorCode::unknown_command, "push: unknown type " + hex_byte(type)};
    }
    fail("", "expected a reply or a push, found frame type " + hex_byte(type));
}

}  // namespace

// Bytes after the last field a type defines are ignored: later versions append fields there.
std::variant<ServerFrame, DecodeError> decode_server_frame_binary(std::string_view frame) {
    try {
        FrameReader reader(frame);
        if (frame.empty()) {
            fail("", "empty frame");
        }
        return read_frame(reader.byte("type"), reader);
    } catch (MalformedFrame& malformed) {
        return DecodeError{0, malformed.code, std::move(malformed.message)};
    } catch (const std::exception& error) {
        return DecodeError{0, ErrorCode::internal, std::string("decoding failed: ") + error.what()};
    }
}

}  // namespace notify::protocol
