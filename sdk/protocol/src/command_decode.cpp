#include "json_reader.hpp"

#include <array>
#include <limits>
#include <optional>

namespace notify::protocol {

namespace {

using detail::as_list;
using detail::as_non_empty_string;
using detail::as_positive_id;
using detail::as_string;
using detail::as_topic;
using detail::as_uint64;
using detail::fail;
using detail::Fields;
using detail::Json;

constexpr std::array<std::string_view, 11> kCommandNames = {
    "connect", "subscribe", "unsubscribe", "publish",        "send",   "ping",
    "ack",     "refresh",   "presence",    "presence_stats", "history"};

std::string optional_string(Fields& fields, std::string_view key) {
    const Json* value = fields.find(key);
    return value == nullptr ? std::string() : as_string(*value, fields.path_of(key));
}

ConnectCommand read_connect(const Json& value) {
    Fields fields(value, "connect");
    ConnectCommand connect;
    connect.token = optional_string(fields, "token");
    connect.client = optional_string(fields, "client");
    connect.resume = optional_string(fields, "resume");
    connect.user = optional_string(fields, "user");
    fields.reject_unread();
    return connect;
}

// "since":{"offset":O,"epoch":"E"} of subscribe and history.
std::optional<Position> optional_since(Fields& fields) {
    const Json* since = fields.find("since");
    if (since == nullptr) {
        return std::nullopt;
    }
    Fields position(*since, fields.path_of("since"));
    Position read{as_uint64(position.require("offset"), position.path_of("offset")),
                  as_string(position.require("epoch"), position.path_of("epoch"))};
    position.reject_unread();
    return read;
}

SubscribeCommand read_subscribe(const Json& value) {
    Fields fields(value, "subscribe");
    SubscribeCommand subscribe;
    subscribe.topic = as_topic(fields.require("topic"), fields.path_of("topic"));
    subscribe.since = optional_since(fields);
    subscribe.token = optional_string(fields, "token");
    fields.reject_unread();
    return subscribe;
}

UnsubscribeCommand read_unsubscribe(const Json& value) {
    Fields fields(value, "unsubscribe");
    UnsubscribeCommand unsubscribe;
    unsubscribe.topic = as_topic(fields.require("topic"), fields.path_of("topic"));
    fields.reject_unread();
    return unsubscribe;
}

PublishCommand read_publish(const Json& value) {
    Fields fields(value, "publish");
    PublishCommand publish;
    const Json* topic = fields.find("topic");
    const Json* topics = fields.find("topics");
    if (topic != nullptr && topics != nullptr) {
        fail(fields.path(), "expected topic or topics, not both");
    }
    if (topic != nullptr) {
        publish.topics.push_back(as_topic(*topic, fields.path_of("topic")));
    } else if (topics != nullptr) {
        publish.topics = as_list(*topics, fields.path_of("topics"), as_topic);
    }
    if (const Json* clients = fields.find("clients")) {
        publish.clients = as_list(*clients, fields.path_of("clients"), as_non_empty_string);
    }
    if (const Json* users = fields.find("users")) {
        publish.users = as_list(*users, fields.path_of("users"), as_non_empty_string);
    }
    if (publish.topics.empty() && publish.clients.empty() && publish.users.empty()) {
        fail(fields.path(), "expected at least one target in topic, topics, clients or users");
    }
    publish.data = detail::read_payload(fields);
    fields.reject_unread();
    return publish;
}

SendCommand read_send(const Json& value) {
    Fields fields(value, "send");
    SendCommand send;
    send.data = detail::read_payload(fields);
    fields.reject_unread();
    return send;
}

PingCommand read_ping(const Json& value) {
    Fields fields(value, "ping");
    fields.reject_unread();
    return PingCommand{};
}

AckCommand read_ack(const Json& value) {
    Fields fields(value, "ack");
    AckCommand ack;
    ack.topic = as_topic(fields.require("topic"), fields.path_of("topic"));
    ack.offset = as_uint64(fields.require("offset"), fields.path_of("offset"));
    fields.reject_unread();
    return ack;
}

RefreshCommand read_refresh(const Json& value) {
    Fields fields(value, "refresh");
    RefreshCommand refresh;
    refresh.token = as_non_empty_string(fields.require("token"), fields.path_of("token"));
    fields.reject_unread();
    return refresh;
}

PresenceCommand read_presence(const Json& value) {
    Fields fields(value, "presence");
    PresenceCommand presence;
    presence.topic = as_topic(fields.require("topic"), fields.path_of("topic"));
    fields.reject_unread();
    return presence;
}

PresenceStatsCommand read_presence_stats(const Json& value) {
    Fields fields(value, "presence_stats");
    PresenceStatsCommand stats;
    stats.topic = as_topic(fields.require("topic"), fields.path_of("topic"));
    fields.reject_unread();
    return stats;
}

HistoryCommand read_history(const Json& value) {
    Fields fields(value, "history");
    HistoryCommand history;
    history.topic = as_topic(fields.require("topic"), fields.path_of("topic"));
    if (const Json* limit = fields.find("limit")) {
        const std::string path = fields.path_of("limit");
        const std::uint64_t number = as_uint64(*limit, path);
        if (number > std::numeric_limits<std::uint32_t>::max()) {
            fail(path, "expected at most 4294967295");
        }
        history.limit = static_cast<std::uint32_t>(number);
    }
    history.since = optional_since(fields);
    if (const Json* reverse = fields.find("reverse")) {
        if (!reverse->is_boolean()) {
            fail(fields.path_of("reverse"), "expected a boolean");
        }
        history.reverse = reverse->get<bool>();
    }
    fields.reject_unread();
    return history;
}

CommandBody read_body(std::string_view name, const Json& value) {
    if (name == "connect") {
        return read_connect(value);
    }
    if (name == "subscribe") {
        return read_subscribe(value);
    }
    if (name == "unsubscribe") {
        return read_unsubscribe(value);
    }
    if (name == "publish") {
        return read_publish(value);
    }
    if (name == "send") {
        return read_send(value);
    }
    if (name == "ack") {
        return read_ack(value);
    }
    if (name == "refresh") {
        return read_refresh(value);
    }
    if (name == "presence") {
        return read_presence(value);
    }
    if (name == "presence_stats") {
        return read_presence_stats(value);
    }
    if (name == "history") {
        return read_history(value);
    }
    return read_ping(value);
}

bool is_command_name(std::string_view key) {
    for (const std::string_view name : kCommandNames) {
        if (key == name) {
            return true;
        }
    }
    return false;
}

// The one member besides "id"; its name decides the command.
const Json::object_t::value_type& command_member(const Json& root) {
    const Json::object_t& members = root.get_ref<const Json::object_t&>();
    const Json::object_t::value_type* command = nullptr;
    for (const auto& member : members) {
        if (member.first == "id") {
            continue;
        }
        if (command != nullptr) {
            fail("", "expected exactly one command, found \"" + command->first + "\" and \"" +
                         member.first + "\"");
        }
        command = &member;
    }
    if (command == nullptr) {
        fail("", "expected a command: connect, subscribe, unsubscribe, publish, send, ping, ack, "
             "refresh, presence, presence_stats or history");
    }
    return *command;
}

}  // namespace

std::variant<Command, DecodeError> decode_command(std::string_view json) {
    Command command;
    try {
        const Json root = detail::parse_object(json);
        Fields fields(root, "");
        command.id = as_positive_id(fields.require("id"), "id");
        const auto& [name, body] = command_member(root);
        if (!is_command_name(name)) {
            return DecodeError{command.id, ErrorCode::unknown_command,
                               "unknown command \"" + name + "\""};
        }
        command.body = read_body(name, body);
    } catch (detail::Malformed& malformed) {
        return DecodeError{command.id, malformed.code, std::move(malformed.message)};
    } catch (const std::exception& error) {
        return DecodeError{command.id, ErrorCode::internal,
                           std::string("decoding failed: ") + error.what()};
    }
    return command;
}

}  // namespace notify::protocol
