#include "json_writer.hpp"

#include <notify/protocol/json.hpp>

namespace notify::protocol {

namespace {

using detail::append_uint;

// Appends `"key":` preceded by a comma unless it is the first member of its object.
void append_key(std::string& out, std::string_view key, bool& first) {
    if (!first) {
        out += ',';
    }
    first = false;
    append_json_string(out, key);
    out += ':';
}

void append_optional_string(std::string& out, std::string_view key, std::string_view value,
                            bool& first) {
    if (!value.empty()) {
        append_key(out, key, first);
        append_json_string(out, value);
    }
}

void append_string_list(std::string& out, std::string_view key,
                        const std::vector<std::string>& values, bool& first) {
    if (values.empty()) {
        return;
    }
    append_key(out, key, first);
    out += '[';
    for (std::size_t index = 0; index < values.size(); ++index) {
        if (index != 0) {
            out += ',';
        }
        append_json_string(out, values[index]);
    }
    out += ']';
}

struct BodyEncoder {
    std::string& out;

    void operator()(const ConnectCommand& connect) const {
        out += "\"connect\":{";
        bool first = true;
        append_optional_string(out, "token", connect.token, first);
        append_optional_string(out, "client", connect.client, first);
        append_optional_string(out, "resume", connect.resume, first);
        append_optional_string(out, "user", connect.user, first);
        out += '}';
    }
    void append_since(const std::optional<Position>& since) const {
        if (since) {
            out += ",\"since\":{\"offset\":";
            append_uint(out, since->offset);
            out += ",\"epoch\":";
            append_json_string(out, since->epoch);
            out += '}';
        }
    }
    void operator()(const SubscribeCommand& subscribe) const {
        out += "\"subscribe\":{\"topic\":";
        append_json_string(out, subscribe.topic);
        append_since(subscribe.since);
        if (!subscribe.token.empty()) {
            out += ",\"token\":";
            append_json_string(out, subscribe.token);
        }
        out += '}';
    }
    void operator()(const UnsubscribeCommand& unsubscribe) const {
        out += "\"unsubscribe\":{\"topic\":";
        append_json_string(out, unsubscribe.topic);
        out += '}';
    }
    void operator()(const PublishCommand& publish) const {
        out += "\"publish\":{";
        bool first = true;
        append_string_list(out, "topics", publish.topics, first);
        append_string_list(out, "clients", publish.clients, first);
        append_string_list(out, "users", publish.users, first);
        if (!first) {
            out += ',';
        }
        append_payload_field(out, publish.data);
        out += '}';
    }
    void operator()(const SendCommand& send) const {
        out += "\"send\":{";
        append_payload_field(out, send.data);
        out += '}';
    }
    void operator()(const PingCommand&) const { out += "\"ping\":{}"; }
    void operator()(const AckCommand& ack) const {
        out += "\"ack\":{\"topic\":";
        append_json_string(out, ack.topic);
        out += ",\"offset\":";
        append_uint(out, ack.offset);
        out += '}';
    }
    void operator()(const PresenceCommand& presence) const {
        out += "\"presence\":{\"topic\":";
        append_json_string(out, presence.topic);
        out += '}';
    }
    void operator()(const PresenceStatsCommand& stats) const {
        out += "\"presence_stats\":{\"topic\":";
        append_json_string(out, stats.topic);
        out += '}';
    }
    // limit 0 and reverse false are the defaults, left out.
    void operator()(const HistoryCommand& history) const {
        out += "\"history\":{\"topic\":";
        append_json_string(out, history.topic);
        if (history.limit != 0) {
            out += ",\"limit\":";
            append_uint(out, history.limit);
        }
        append_since(history.since);
        if (history.reverse) {
            out += ",\"reverse\":true";
        }
        out += '}';
    }
    void operator()(const RefreshCommand& refresh) const {
        out += "\"refresh\":{\"token\":";
        append_json_string(out, refresh.token);
        out += '}';
    }
};

}  // namespace

std::string encode_command(const Command& command) {
    std::string out = "{\"id\":";
    append_uint(out, command.id);
    out += ',';
    std::visit(BodyEncoder{out}, command.body);
    out += '}';
    return out;
}

}  // namespace notify::protocol
