#include <exception>
#include <limits>
#include <notify/protocol/binary.hpp>

#include "binary_format.hpp"
#include "binary_reader.hpp"

namespace notify::protocol {

namespace {

namespace binary = detail::binary;
using binary::fail;
using binary::FrameReader;
using binary::FrameType;
using binary::hex_byte;
using binary::MalformedFrame;

std::string optional_text(FrameReader& reader, std::uint8_t presence, std::uint8_t bit,
                          std::string_view path) {
    return (presence & bit) != 0 ? reader.text(path) : std::string();
}

ConnectCommand read_connect(FrameReader& reader) {
    const std::uint64_t version = reader.varint("connect.version");
    if (version != kBinaryProtocolVersion) {
        fail("connect.version", "unsupported protocol version " + std::to_string(version) +
                                    ", expected " + std::to_string(kBinaryProtocolVersion));
    }
    const std::uint8_t presence = reader.byte("connect.presence");
    ConnectCommand connect;
    connect.token = optional_text(reader, presence, binary::kConnectToken, "connect.token");
    connect.client = optional_text(reader, presence, binary::kConnectClient, "connect.client");
    connect.resume = optional_text(reader, presence, binary::kConnectResume, "connect.resume");
    connect.user = optional_text(reader, presence, binary::kConnectUser, "connect.user");
    return connect;
}

SubscribeCommand read_subscribe(FrameReader& reader) {
    const std::uint8_t presence = reader.byte("subscribe.presence");
    SubscribeCommand subscribe;
    subscribe.topic = reader.topic("subscribe.topic");
    if ((presence & binary::kSubscribeSince) != 0) {
        Position since;
        since.offset = reader.varint("subscribe.since.offset");
        since.epoch = reader.text("subscribe.since.epoch");
        subscribe.since = std::move(since);
    }
    subscribe.token =
        optional_text(reader, presence, binary::kSubscribeToken, "subscribe.token");
    return subscribe;
}

std::vector<std::string> read_list(FrameReader& reader, std::string_view path,
                                   std::string (FrameReader::*read_element)(std::string_view)) {
    const std::size_t size = reader.count(path);
    std::vector<std::string> list;
    list.reserve(size);
    for (std::size_t index = 0; index < size; ++index) {
        // The element's path ("publish.topics[2]") is only spelled out when it is refused:
        // building it for every element was a visible part of decoding a publish.
        try {
            list.push_back((reader.*read_element)(path));
        } catch (binary::MalformedFrame& malformed) {
            if (malformed.message.starts_with(path)) {
                malformed.message.replace(0, path.size(), binary::element_path(path, index));
            }
            throw;
        }
    }
    return list;
}

PublishCommand read_publish(FrameReader& reader) {
    PublishCommand publish;
    publish.topics = read_list(reader, "publish.topics", &FrameReader::topic);
    publish.clients = read_list(reader, "publish.clients", &FrameReader::non_empty_text);
    publish.users = read_list(reader, "publish.users", &FrameReader::non_empty_text);
    if (publish.topics.empty() && publish.clients.empty() && publish.users.empty()) {
        fail("publish", "expected at least one target in topics, clients or users");
    }
    publish.data = std::string(reader.bytes("publish.data"));
    return publish;
}

AckCommand read_ack(FrameReader& reader) {
    AckCommand ack;
    ack.topic = reader.topic("ack.topic");
    ack.offset = reader.varint("ack.offset");
    return ack;
}

HistoryCommand read_history(FrameReader& reader) {
    const std::uint8_t flags = reader.byte("history.flags");
    HistoryCommand history;
    history.topic = reader.topic("history.topic");
    history.limit = static_cast<std::uint32_t>(
        reader.varint_at_most("history.limit", std::numeric_limits<std::uint32_t>::max()));
    if ((flags & binary::kHistorySince) != 0) {
        Position since;
        since.offset = reader.varint("history.since.offset");
        since.epoch = reader.text("history.since.epoch");
        history.since = std::move(since);
    }
    history.reverse = (flags & binary::kHistoryReverse) != 0;
    return history;
}

CommandBody read_body(std::uint8_t type, FrameReader& reader) {
    switch (static_cast<FrameType>(type)) {
        case FrameType::connect:
            return read_connect(reader);
        case FrameType::subscribe:
            return read_subscribe(reader);
        case FrameType::unsubscribe:
            return UnsubscribeCommand{reader.topic("unsubscribe.topic")};
        case FrameType::publish:
            return read_publish(reader);
        case FrameType::send:
            return SendCommand{std::string(reader.bytes("send.data"))};
        case FrameType::ping:
            return PingCommand{};
        case FrameType::ack:
            return read_ack(reader);
        case FrameType::refresh:
            return RefreshCommand{reader.non_empty_text("refresh.token")};
        case FrameType::presence:
            return PresenceCommand{reader.topic("presence.topic")};
        case FrameType::presence_stats:
            return PresenceStatsCommand{reader.topic("presence_stats.topic")};
        case FrameType::history:
            return read_history(reader);
        default:
            // A command of a later version: the id is known, so the error can be matched.
            throw MalformedFrame{ErrorCode::unknown_command,
                                 "unknown command type " + hex_byte(type)};
    }
}

}  // namespace

// Bytes after the last field a type defines are ignored: later versions append fields there.
std::variant<Command, DecodeError> decode_command_binary(std::string_view frame) {
    Command command;
    try {
        FrameReader reader(frame);
        if (frame.empty()) {
            fail("", "empty frame");
        }
        const std::uint8_t type = reader.byte("type");
        if (type < binary::kFirstCommandType || type > binary::kLastCommandType) {
            fail("", "expected a command, found frame type " + hex_byte(type));
        }
        command.id = reader.positive_id("id");
        command.body = read_body(type, reader);
    } catch (MalformedFrame& malformed) {
        return DecodeError{command.id, malformed.code, std::move(malformed.message)};
    } catch (const std::exception& error) {
        return DecodeError{command.id, ErrorCode::internal,
                           std::string("decoding failed: ") + error.what()};
    }
    return command;
}

}  // namespace notify::protocol
