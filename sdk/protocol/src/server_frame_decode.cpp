#include "json_reader.hpp"

#include <limits>
#include <optional>

namespace notify::protocol {

namespace {

using detail::as_positive_id;
using detail::as_string;
using detail::as_uint64;
using detail::fail;
using detail::Fields;
using detail::Json;
using detail::OrderedJson;

// The member `key` of an ordered object, or nullptr.
const OrderedJson* ordered_member(const OrderedJson* object, std::string_view key) {
    if (object == nullptr || !object->is_object()) {
        return nullptr;
    }
    const auto member = object->find(key);
    return member == object->end() ? nullptr : &*member;
}

// {"client":"c","user":"u","info":{…}}; `ordered` is the same object with its members in order
// (for info's text). user and info may be absent.
ClientInfo read_client_info(Fields& fields, const OrderedJson* ordered) {
    ClientInfo who;
    who.client = as_string(fields.require("client"), fields.path_of("client"));
    if (const Json* user = fields.find("user")) {
        who.user = as_string(*user, fields.path_of("user"));
    }
    if (fields.find("info") != nullptr) {
        const OrderedJson* info = ordered_member(ordered, "info");
        if (info == nullptr) {
            fail(fields.path_of("info"), "expected a JSON object");
        }
        who.info = detail::compact_object(*info, fields.path_of("info"));
    }
    return who;
}

// Servers may add members in later minor versions, so this side ignores the ones it does not
// know (the server side, decode_command, rejects them).
std::string optional_string(Fields& fields, std::string_view key) {
    const Json* value = fields.find(key);
    return value == nullptr ? std::string() : as_string(*value, fields.path_of(key));
}

std::optional<bool> optional_bool(Fields& fields, std::string_view key) {
    const Json* value = fields.find(key);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (!value->is_boolean()) {
        fail(fields.path_of(key), "expected a boolean");
    }
    return value->get<bool>();
}

std::uint64_t bounded_uint(const Json& value, std::string_view path, std::uint64_t max) {
    const std::uint64_t number = as_uint64(value, path);
    if (number > max) {
        fail(path, "expected at most " + std::to_string(max));
    }
    return number;
}

TopicPosition read_position(const Json& value, std::string path) {
    Fields fields(value, std::move(path));
    return TopicPosition{as_string(fields.require("topic"), fields.path_of("topic")),
                         as_uint64(fields.require("offset"), fields.path_of("offset")),
                         as_string(fields.require("epoch"), fields.path_of("epoch"))};
}

template <typename Element>
void read_array(const Json& value, const std::string& path, Element read_element) {
    if (!value.is_array()) {
        fail(path, "expected an array");
    }
    for (std::size_t index = 0; index < value.size(); ++index) {
        read_element(value[index], path + '[' + std::to_string(index) + ']', index);
    }
}

// `ordered`: the result object with its members in order (a presence list's info texts).
Reply read_result(std::uint64_t id, const Json& value, const OrderedJson* ordered) {
    Fields fields(value, "result");
    Reply reply;
    reply.id = id;
    reply.client = optional_string(fields, "client");
    reply.user = optional_string(fields, "user");
    reply.resume = optional_string(fields, "resume");
    reply.version = optional_string(fields, "version");
    reply.resumed = optional_bool(fields, "resumed").value_or(false);
    reply.overflow = optional_bool(fields, "overflow").value_or(false);
    if (const Json* ttl = fields.find("ttl_ms")) {
        reply.ttl_ms = as_uint64(*ttl, fields.path_of("ttl_ms"));
    }
    // A subscribe result: the stream's position, both members or neither.
    const Json* offset = fields.find("offset");
    const Json* epoch = fields.find("epoch");
    if (offset != nullptr || epoch != nullptr) {
        reply.position = Position{as_uint64(fields.require("offset"), fields.path_of("offset")),
                                  as_string(fields.require("epoch"), fields.path_of("epoch"))};
    }
    reply.recovered = optional_bool(fields, "recovered");
    if (const Json* positions = fields.find("positions")) {
        const std::string path = fields.path_of("positions");
        if (!positions->is_array()) {
            fail(path, "expected an array");
        }
        for (std::size_t index = 0; index < positions->size(); ++index) {
            reply.positions.push_back(
                read_position((*positions)[index], path + '[' + std::to_string(index) + ']'));
        }
    }
    // A presence result.
    if (const Json* presence = fields.find("presence")) {
        const OrderedJson* list = ordered_member(ordered, "presence");
        reply.has_presence = true;
        read_array(*presence, fields.path_of("presence"),
                   [&](const Json& element, std::string path, std::size_t index) {
                       const OrderedJson* entry =
                           list != nullptr && list->is_array() && index < list->size()
                               ? &(*list)[index]
                               : nullptr;
                       Fields client(element, std::move(path));
                       reply.presence.push_back(read_client_info(client, entry));
                   });
    }
    // A presence_stats result: both counts or neither.
    const Json* clients = fields.find("clients");
    const Json* users = fields.find("users");
    if (clients != nullptr || users != nullptr) {
        reply.presence_clients = as_uint64(fields.require("clients"), fields.path_of("clients"));
        reply.presence_users = as_uint64(fields.require("users"), fields.path_of("users"));
    }
    // A history result (its position is offset and epoch above).
    if (const Json* messages = fields.find("messages")) {
        reply.has_messages = true;
        read_array(*messages, fields.path_of("messages"),
                   [&](const Json& element, std::string path, std::size_t) {
                       Fields message(element, std::move(path));
                       HistoryMessage read;
                       read.offset =
                           as_uint64(message.require("offset"), message.path_of("offset"));
                       read.data = detail::read_payload(message);
                       reply.messages.push_back(std::move(read));
                   });
    }
    return reply;
}

Reply read_error(std::uint64_t id, const Json& value) {
    Fields fields(value, "error");
    Reply reply;
    reply.id = id;
    const auto code = bounded_uint(fields.require("code"), fields.path_of("code"),
                                   std::numeric_limits<std::uint32_t>::max());
    reply.error = DecodeError{id, static_cast<ErrorCode>(code),
                              as_string(fields.require("message"), fields.path_of("message"))};
    return reply;
}

Reply read_reply(Fields& root, std::string_view json) {
    const Json* result = root.find("result");
    const Json* error = root.find("error");
    if ((result == nullptr) == (error == nullptr)) {
        fail("", "expected exactly one of push, result or error");
    }
    if (result != nullptr) {
        const std::uint64_t id = as_positive_id(root.require("id"), "id");
        // Only a presence list holds info objects, whose member order the ordered parse keeps.
        if (result->is_object() && result->contains("presence")) {
            const OrderedJson ordered = detail::parse_ordered(json);
            return read_result(id, *result, ordered_member(&ordered, "result"));
        }
        return read_result(id, *result, nullptr);
    }
    // An error for a command whose id could not be read carries id 0.
    return read_error(as_uint64(root.require("id"), "id"), *error);
}

MessagePush read_message(const Json& value) {
    Fields fields(value, "push.message");
    MessagePush message;
    message.topic = as_string(fields.require("topic"), fields.path_of("topic"));
    message.offset = as_uint64(fields.require("offset"), fields.path_of("offset"));
    message.epoch = as_string(fields.require("epoch"), fields.path_of("epoch"));
    message.data = detail::read_payload(fields);
    return message;
}

DisconnectPush read_disconnect(const Json& value) {
    Fields fields(value, "push.disconnect");
    DisconnectPush disconnect;
    disconnect.code = static_cast<std::uint16_t>(
        bounded_uint(fields.require("code"), fields.path_of("code"),
                     std::numeric_limits<std::uint16_t>::max()));
    disconnect.reason = optional_string(fields, "reason");
    return disconnect;
}

// The stream's current position is optional (a server may not know it): 0 and "" then.
RecoverPush read_recover(const Json& value) {
    Fields fields(value, "push.recover");
    RecoverPush recover;
    recover.topic = as_string(fields.require("topic"), fields.path_of("topic"));
    if (const Json* offset = fields.find("offset")) {
        recover.offset = as_uint64(*offset, fields.path_of("offset"));
    }
    recover.epoch = optional_string(fields, "epoch");
    recover.reason = optional_string(fields, "reason");
    return recover;
}

// join and leave: {"topic":"t","client":"c","user":"u","info":{…}}.
template <typename Push>
Push read_presence_change(const Json& value, std::string path, const OrderedJson* ordered) {
    Fields fields(value, std::move(path));
    Push push;
    push.topic = as_string(fields.require("topic"), fields.path_of("topic"));
    push.who = read_client_info(fields, ordered);
    return push;
}

// `json`: the whole frame, parsed again in order for a join or leave's info.
ServerFrame read_push(const Json& value, std::string_view json) {
    Fields fields(value, "push");
    // The kinds this version knows, in name order (the order the message below lists them).
    constexpr std::string_view kKinds[] = {"disconnect", "join", "leave", "message", "recover"};
    const Json* found = nullptr;
    std::string_view found_kind;
    for (const std::string_view kind : kKinds) {
        const Json* member = fields.find(kind);
        if (member == nullptr) {
            continue;
        }
        if (found != nullptr) {
            fail("push", "expected exactly one kind, found \"" + std::string(found_kind) +
                             "\" and \"" + std::string(kind) + "\"");
        }
        found = member;
        found_kind = kind;
    }
    if (found_kind == "message") {
        return read_message(*found);
    }
    if (found_kind == "disconnect") {
        return read_disconnect(*found);
    }
    if (found_kind == "recover") {
        return read_recover(*found);
    }
    if (found_kind == "join" || found_kind == "leave") {
        const OrderedJson ordered = detail::parse_ordered(json);
        const OrderedJson* push = ordered_member(ordered_member(&ordered, "push"), found_kind);
        const std::string path = "push." + std::string(found_kind);
        if (found_kind == "join") {
            return read_presence_change<JoinPush>(*found, path, push);
        }
        return read_presence_change<LeavePush>(*found, path, push);
    }
    // A push kind from a newer server: a distinct code lets clients skip it.
    if (!value.empty()) {
        throw detail::Malformed{ErrorCode::unknown_command,
                                "push: unknown kind \"" + value.begin().key() + "\""};
    }
    fail("push", "expected a kind: message, disconnect, recover, join or leave");
}

}  // namespace

std::variant<ServerFrame, DecodeError> decode_server_frame(std::string_view json) {
    try {
        const Json root = detail::parse_object(json);
        Fields fields(root, "");
        if (const Json* push = fields.find("push")) {
            return read_push(*push, json);
        }
        return read_reply(fields, json);
    } catch (detail::Malformed& malformed) {
        return DecodeError{0, malformed.code, std::move(malformed.message)};
    } catch (const std::exception& error) {
        return DecodeError{0, ErrorCode::internal,
                           std::string("decoding failed: ") + error.what()};
    }
}

}  // namespace notify::protocol
