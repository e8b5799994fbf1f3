#include "json_reader.hpp"

#include "utf8_sequence.hpp"

#include <algorithm>

namespace notify::protocol::detail {

namespace {

std::size_t first_invalid_utf8_byte(std::string_view text) {
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t length = utf8_sequence_length(text, at);
        if (length == 0) {
            return at;
        }
        at += length;
    }
    return at;
}

bool nests_deeper_than(std::string_view text, std::size_t max_depth) {
    std::size_t depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (const char byte : text) {
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (byte == '\\') {
                escaped = true;
            } else if (byte == '"') {
                in_string = false;
            }
            continue;
        }
        if (byte == '"') {
            in_string = true;
        } else if (byte == '{' || byte == '[') {
            if (++depth > max_depth) {
                return true;
            }
        } else if ((byte == '}' || byte == ']') && depth > 0) {
            --depth;
        }
    }
    return false;
}

// nlohmann's messages start with "[json.exception.parse_error.101] "; the rest is for people.
std::string_view without_exception_tag(std::string_view what) {
    const std::size_t tag_end = what.find("] ");
    return tag_end == std::string_view::npos ? what : what.substr(tag_end + 2);
}

// nlohmann quotes the bytes it stopped at, which may be part of a multi-byte character.
std::string with_valid_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t length = utf8_sequence_length(text, at);
        if (length == 0) {
            out += "\xEF\xBF\xBD";
            ++at;
        } else {
            out += text.substr(at, length);
            at += length;
        }
    }
    return out;
}

}  // namespace

void fail(std::string_view path, std::string_view problem) {
    std::string message(path);
    if (!message.empty()) {
        message += ": ";
    }
    message += problem;
    throw Malformed{ErrorCode::bad_request, std::move(message)};
}

Json parse_object(std::string_view text) {
    if (!is_valid_utf8(text)) {
        fail("", "invalid UTF-8 at byte " + std::to_string(first_invalid_utf8_byte(text)));
    }
    if (nests_deeper_than(text, kMaxNestingDepth)) {
        fail("", "nested deeper than " + std::to_string(kMaxNestingDepth) + " levels");
    }
    Json value;
    try {
        value = Json::parse(text);
    } catch (const Json::exception& error) {
        fail("", "invalid JSON: " + with_valid_utf8(without_exception_tag(error.what())));
    }
    if (!value.is_object()) {
        fail("", "expected a JSON object");
    }
    return value;
}

Fields::Fields(const Json& value, std::string path) : object_(value), path_(std::move(path)) {
    if (!object_.is_object()) {
        fail(path_, "expected an object");
    }
}

const Json* Fields::find(std::string_view key) {
    read_.push_back(key);
    const auto member = object_.find(key);
    if (member == object_.end() || member->is_null()) {
        return nullptr;
    }
    return &*member;
}

const Json& Fields::require(std::string_view key) {
    const Json* value = find(key);
    if (value == nullptr) {
        fail(path_of(key), "missing");
    }
    return *value;
}

std::string Fields::path_of(std::string_view key) const {
    if (path_.empty()) {
        return std::string(key);
    }
    std::string path = path_;
    path += '.';
    path += key;
    return path;
}

void Fields::reject_unread() const {
    for (const auto& member : object_.items()) {
        if (std::find(read_.begin(), read_.end(), member.key()) == read_.end()) {
            fail(path_of(member.key()), "unknown field");
        }
    }
}

std::string as_string(const Json& value, std::string_view path) {
    if (!value.is_string()) {
        fail(path, "expected a string");
    }
    return value.get<std::string>();
}

std::string as_non_empty_string(const Json& value, std::string_view path) {
    if (!value.is_string() || value.get_ref<const std::string&>().empty()) {
        fail(path, "expected a non-empty string");
    }
    return value.get<std::string>();
}

std::string as_topic(const Json& value, std::string_view path) {
    std::string topic = as_non_empty_string(value, path);
    if (topic.size() > kMaxTopicSize) {
        fail(path, "longer than " + std::to_string(kMaxTopicSize) + " bytes");
    }
    if (!is_valid_topic(topic)) {
        fail(path, "contains a control character");
    }
    return topic;
}

std::uint64_t as_uint64(const Json& value, std::string_view path) {
    if (!value.is_number_unsigned()) {
        fail(path, "expected an unsigned integer");
    }
    return value.get<std::uint64_t>();
}

std::uint64_t as_positive_id(const Json& value, std::string_view path) {
    if (!value.is_number_unsigned() || value.get<std::uint64_t>() == 0) {
        fail(path, "expected a positive integer");
    }
    return value.get<std::uint64_t>();
}

std::vector<std::string> as_list(const Json& value, std::string_view path,
                                 std::string (*read_element)(const Json&, std::string_view)) {
    if (!value.is_array()) {
        fail(path, "expected an array");
    }
    std::vector<std::string> list;
    list.reserve(value.size());
    for (std::size_t index = 0; index < value.size(); ++index) {
        // The element's path ("publish.topics[2]") is only spelled out when it is refused.
        try {
            list.push_back(read_element(value[index], path));
        } catch (Malformed& malformed) {
            if (malformed.message.starts_with(path)) {
                malformed.message.replace(0, path.size(),
                                          std::string(path) + '[' + std::to_string(index) + ']');
            }
            throw;
        }
    }
    return list;
}

std::string read_payload(Fields& fields) {
    const Json* text = fields.find("data");
    const Json* encoded = fields.find("data_b64");
    if ((text == nullptr) == (encoded == nullptr)) {
        fail(fields.path(), "expected exactly one of data or data_b64");
    }
    if (text != nullptr) {
        return as_string(*text, fields.path_of("data"));
    }
    const std::string path = fields.path_of("data_b64");
    std::optional<std::string> bytes = base64_decode(as_string(*encoded, path));
    if (!bytes) {
        fail(path, "invalid base64");
    }
    return std::move(*bytes);
}

OrderedJson parse_ordered(std::string_view text) {
    return OrderedJson::parse(text);
}

std::string compact_object(const OrderedJson& value, std::string_view path) {
    if (!value.is_object()) {
        fail(path, "expected a JSON object");
    }
    return value.dump();
}

std::string compact_object_text(std::string_view text, std::string_view path) {
    if (!is_valid_utf8(text) || nests_deeper_than(text, kMaxInfoDepth)) {
        fail(path, "expected a JSON object");
    }
    OrderedJson value = OrderedJson::parse(text, nullptr, false);
    if (value.is_discarded()) {
        fail(path, "expected a JSON object");
    }
    return compact_object(value, path);
}

}  // namespace notify::protocol::detail
