#include <notify/protocol/binary.hpp>

#include "binary_format.hpp"

namespace notify::protocol {

namespace {

namespace binary = detail::binary;
using binary::append_field;
using binary::append_type;
using binary::append_varint;
using binary::field_size;
using binary::FrameType;

std::size_t list_size(const std::vector<std::string>& list) {
    std::size_t size = binary::varint_size(list.size());
    for (const std::string& element : list) {
        size += field_size(element);
    }
    return size;
}

void append_list(std::string& out, const std::vector<std::string>& list) {
    append_varint(out, list.size());
    for (const std::string& element : list) {
        append_field(out, element);
    }
}

// Empty optional strings are left out, as the JSON encoder leaves them out.
void append_optional(std::string& out, std::uint8_t presence, std::uint8_t bit,
                     std::string_view value) {
    if ((presence & bit) != 0) {
        append_field(out, value);
    }
}

struct BodyEncoder {
    std::string& out;
    std::uint64_t id;

    void start(FrameType type, std::size_t body_size) const {
        out.reserve(1 + binary::varint_size(id) + body_size);
        append_type(out, type);
        append_varint(out, id);
    }

    void operator()(const ConnectCommand& connect) const {
        std::uint8_t presence = 0;
        const auto mark = [&presence](std::string_view value, std::uint8_t bit) {
            if (!value.empty()) {
                presence = static_cast<std::uint8_t>(presence | bit);
            }
            return field_size(value);
        };
        const std::size_t size = binary::varint_size(kBinaryProtocolVersion) + 1 +
                                 mark(connect.token, binary::kConnectToken) +
                                 mark(connect.client, binary::kConnectClient) +
                                 mark(connect.resume, binary::kConnectResume) +
                                 mark(connect.user, binary::kConnectUser);
        start(FrameType::connect, size);
        append_varint(out, kBinaryProtocolVersion);
        out += static_cast<char>(presence);
        append_optional(out, presence, binary::kConnectToken, connect.token);
        append_optional(out, presence, binary::kConnectClient, connect.client);
        append_optional(out, presence, binary::kConnectResume, connect.resume);
        append_optional(out, presence, binary::kConnectUser, connect.user);
    }

    void operator()(const SubscribeCommand& subscribe) const {
        std::size_t size = 1 + field_size(subscribe.topic);
        if (subscribe.since) {
            size +=
                binary::varint_size(subscribe.since->offset) + field_size(subscribe.since->epoch);
        }
        if (!subscribe.token.empty()) {
            size += field_size(subscribe.token);
        }
        start(FrameType::subscribe, size);
        out += static_cast<char>((subscribe.since ? binary::kSubscribeSince : 0) |
                                 (subscribe.token.empty() ? 0 : binary::kSubscribeToken));
        append_field(out, subscribe.topic);
        if (subscribe.since) {
            append_varint(out, subscribe.since->offset);
            append_field(out, subscribe.since->epoch);
        }
        if (!subscribe.token.empty()) {
            append_field(out, subscribe.token);
        }
    }

    void operator()(const UnsubscribeCommand& unsubscribe) const {
        start(FrameType::unsubscribe, field_size(unsubscribe.topic));
        append_field(out, unsubscribe.topic);
    }

    void operator()(const PublishCommand& publish) const {
        start(FrameType::publish, list_size(publish.topics) + list_size(publish.clients) +
                                      list_size(publish.users) + field_size(publish.data));
        append_list(out, publish.topics);
        append_list(out, publish.clients);
        append_list(out, publish.users);
        append_field(out, publish.data);
    }

    void operator()(const SendCommand& send) const {
        start(FrameType::send, field_size(send.data));
        append_field(out, send.data);
    }

    void operator()(const PingCommand&) const { start(FrameType::ping, 0); }

    void operator()(const AckCommand& ack) const {
        start(FrameType::ack, field_size(ack.topic) + binary::varint_size(ack.offset));
        append_field(out, ack.topic);
        append_varint(out, ack.offset);
    }

    void operator()(const PresenceCommand& presence) const {
        start(FrameType::presence, field_size(presence.topic));
        append_field(out, presence.topic);
    }

    void operator()(const PresenceStatsCommand& stats) const {
        start(FrameType::presence_stats, field_size(stats.topic));
        append_field(out, stats.topic);
    }

    void operator()(const HistoryCommand& history) const {
        std::size_t size = 1 + field_size(history.topic) + binary::varint_size(history.limit);
        if (history.since) {
            size += binary::varint_size(history.since->offset) + field_size(history.since->epoch);
        }
        start(FrameType::history, size);
        out += static_cast<char>((history.since ? binary::kHistorySince : 0) |
                                 (history.reverse ? binary::kHistoryReverse : 0));
        append_field(out, history.topic);
        append_varint(out, history.limit);
        if (history.since) {
            append_varint(out, history.since->offset);
            append_field(out, history.since->epoch);
        }
    }

    void operator()(const RefreshCommand& refresh) const {
        start(FrameType::refresh, field_size(refresh.token));
        append_field(out, refresh.token);
    }
};

}  // namespace

std::string encode_command_binary(const Command& command) {
    std::string out;
    std::visit(BodyEncoder{out, command.id}, command.body);
    return out;
}

}  // namespace notify::protocol
