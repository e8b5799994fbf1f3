#include "core/json_fast_path.hpp"

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <vector>

namespace notify::core {

namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

// One bit per member of a command object, to refuse duplicates (nlohmann keeps the last one,
// simdjson both) by leaving them to the full decoder.
class SeenMembers {
public:
    bool first_time(unsigned bit) {
        const unsigned mask = 1U << bit;
        if ((seen_ & mask) != 0) return false;
        seen_ |= mask;
        return true;
    }
    bool has(unsigned bit) const { return (seen_ & (1U << bit)) != 0; }

private:
    unsigned seen_ = 0;
};

bool read_string(element value, std::string_view& out) {
    return value.get_string().get(out) == simdjson::SUCCESS;
}

bool read_non_empty_string(element value, std::string& out) {
    std::string_view text;
    if (!read_string(value, text) || text.empty()) return false;
    out.assign(text);
    return true;
}

bool read_topic(element value, std::string& out) {
    std::string_view text;
    if (!read_string(value, text) || text.size() > protocol::kMaxTopicSize ||
        !protocol::is_valid_topic(text)) {
        return false;
    }
    out.assign(text);
    return true;
}

// simdjson keeps a non-negative integer as INT64 unless it is above INT64_MAX, and "-0" as
// INT64 0; only the full decoder tells "0" from "-0", so zero is left to it.
bool read_positive(element value, std::uint64_t& out) {
    if (value.type() == element_type::UINT64) {
        return value.get_uint64().get(out) == simdjson::SUCCESS;
    }
    std::int64_t number = 0;
    if (value.type() != element_type::INT64 || value.get_int64().get(number) != simdjson::SUCCESS ||
        number <= 0) {
        return false;
    }
    out = static_cast<std::uint64_t>(number);
    return true;
}

bool read_list(element value, std::vector<std::string>& out,
               bool (*read_element)(element, std::string&)) {
    array items;
    if (value.get_array().get(items) != simdjson::SUCCESS) return false;
    out.reserve(items.size());
    for (element item : items) {
        if (!read_element(item, out.emplace_back())) return false;
    }
    return true;
}

bool read_data(element value, std::string& out) {
    std::string_view text;
    if (!read_string(value, text)) return false;
    out.assign(text);
    return true;
}

bool read_publish(element value, protocol::PublishCommand& publish) {
    enum : unsigned { topic, topics, clients, users, data };
    object members;
    if (value.get_object().get(members) != simdjson::SUCCESS) return false;
    SeenMembers seen;
    for (const auto [key, member] : members) {
        bool read = false;
        if (key == "topic") {
            std::string one;
            read = seen.first_time(topic) && read_topic(member, one);
            if (read) publish.topics.push_back(std::move(one));
        } else if (key == "topics") {
            read = seen.first_time(topics) && read_list(member, publish.topics, read_topic);
        } else if (key == "clients") {
            read = seen.first_time(clients) &&
                   read_list(member, publish.clients, read_non_empty_string);
        } else if (key == "users") {
            read = seen.first_time(users) &&
                   read_list(member, publish.users, read_non_empty_string);
        } else if (key == "data") {
            read = seen.first_time(data) && read_data(member, publish.data);
        }
        if (!read) return false;
    }
    const bool one_topic_form = !(seen.has(topic) && seen.has(topics));
    const bool has_target =
        !publish.topics.empty() || !publish.clients.empty() || !publish.users.empty();
    return one_topic_form && has_target && seen.has(data);
}

bool read_send(element value, protocol::SendCommand& send) {
    object members;
    if (value.get_object().get(members) != simdjson::SUCCESS || members.size() != 1) return false;
    const auto [key, member] = *members.begin();
    return key == "data" && read_data(member, send.data);
}

bool read_ack(element value, protocol::AckCommand& ack) {
    enum : unsigned { topic, offset };
    object members;
    if (value.get_object().get(members) != simdjson::SUCCESS) return false;
    SeenMembers seen;
    for (const auto [key, member] : members) {
        bool read = false;
        if (key == "topic") {
            read = seen.first_time(topic) && read_topic(member, ack.topic);
        } else if (key == "offset") {
            read = seen.first_time(offset) && read_positive(member, ack.offset);
        }
        if (!read) return false;
    }
    return seen.has(topic) && seen.has(offset);
}

bool read_ping(element value) {
    object members;
    return value.get_object().get(members) == simdjson::SUCCESS && members.size() == 0;
}

bool read_body(std::string_view name, element value, protocol::CommandBody& body) {
    if (name == "publish") return read_publish(value, body.emplace<protocol::PublishCommand>());
    if (name == "ack") return read_ack(value, body.emplace<protocol::AckCommand>());
    if (name == "send") return read_send(value, body.emplace<protocol::SendCommand>());
    if (name == "ping") {
        body.emplace<protocol::PingCommand>();
        return read_ping(value);
    }
    return false;
}

}  // namespace

std::optional<protocol::Command> decode_plain_json_command(std::string_view frame) {
    if (frame.size() > kFastPathMaxFrame) return std::nullopt;
    thread_local simdjson::dom::parser parser;
    element root;
    if (parser.parse(frame.data(), frame.size()).get(root) != simdjson::SUCCESS) {
        return std::nullopt;
    }
    object members;
    if (root.get_object().get(members) != simdjson::SUCCESS || members.size() != 2) {
        return std::nullopt;
    }
    protocol::Command command;
    bool has_id = false;
    bool has_body = false;
    for (const auto [key, member] : members) {
        if (key == "id") {
            if (has_id || !read_positive(member, command.id)) return std::nullopt;
            has_id = true;
        } else {
            if (has_body || !read_body(key, member, command.body)) return std::nullopt;
            has_body = true;
        }
    }
    if (!has_id || !has_body) return std::nullopt;
    return command;
}

}  // namespace notify::core
