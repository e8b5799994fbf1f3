#include "core/api_params.hpp"

#include <algorithm>
#include <charconv>

namespace notify::core::api {
namespace {

constexpr std::size_t kMaxIdSize = 255;
// Parameters nest a few levels (batch → command → params → since); deeper is hostile.
constexpr std::size_t kMaxDepth = 16;

std::string_view type_name(const Json& value) {
    return value.type_name();
}

// Stops descending past the budget, so a hostile nesting costs no more stack than kMaxDepth.
bool deeper_than(const Json& value, std::size_t budget) {
    if (!value.is_structured()) return false;
    if (budget == 0) return true;
    for (const Json& item : value) {
        if (deeper_than(item, budget - 1)) return true;
    }
    return false;
}

}  // namespace

void fail(protocol::ErrorCode code, std::string message) {
    throw ApiError{code, std::move(message)};
}

Json parse_params(std::string_view text, std::string_view method) {
    if (text.empty()) return Json::object();
    Json value = Json::parse(text, nullptr, false);
    if (value.is_discarded()) {
        fail(protocol::ErrorCode::bad_request,
             std::string(method) + ": the parameters are not valid JSON");
    }
    if (!value.is_object()) {
        fail(protocol::ErrorCode::bad_request,
             std::string(method) + ": the parameters must be a JSON object, not " +
                 std::string(type_name(value)));
    }
    if (deeper_than(value, kMaxDepth)) {
        fail(protocol::ErrorCode::bad_request,
             std::string(method) + ": the parameters nest deeper than " +
                 std::to_string(kMaxDepth) + " levels");
    }
    return value;
}

Params::Params(const Json& object, std::string path) : object_(object), path_(std::move(path)) {
    if (!object_.is_object()) {
        fail(protocol::ErrorCode::bad_request,
             path_ + ": must be a JSON object, not " + std::string(type_name(object_)));
    }
}

std::string Params::path_of(std::string_view key) const {
    return path_ + "." + std::string(key);
}

const Json* Params::find(std::string_view key) {
    read_.emplace_back(key);
    auto found = object_.find(key);
    if (found == object_.end() || found->is_null()) return nullptr;
    return &*found;
}

std::optional<std::string> Params::string(std::string_view key) {
    const Json* value = find(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_string()) {
        fail(protocol::ErrorCode::bad_request,
             path_of(key) + ": must be a string, not " + std::string(type_name(*value)));
    }
    return value->get<std::string>();
}

std::string Params::required_string(std::string_view key) {
    auto value = string(key);
    if (!value) fail(protocol::ErrorCode::bad_request, path_of(key) + ": is required");
    return std::move(*value);
}

std::optional<std::string> Params::topic(std::string_view key) {
    auto value = string(key);
    if (value && !protocol::is_valid_topic(*value)) {
        fail(protocol::ErrorCode::bad_request,
             path_of(key) + ": '" + *value + "' is not a valid topic name (docs/protocol.md)");
    }
    return value;
}

std::string Params::required_topic(std::string_view key) {
    auto value = topic(key);
    if (!value) fail(protocol::ErrorCode::bad_request, path_of(key) + ": is required");
    return std::move(*value);
}

const Json* Params::array(std::string_view key) {
    const Json* value = find(key);
    if (value != nullptr && !value->is_array()) {
        fail(protocol::ErrorCode::bad_request,
             path_of(key) + ": must be an array, not " + std::string(type_name(*value)));
    }
    return value;
}

const Json* Params::object(std::string_view key) {
    const Json* value = find(key);
    if (value != nullptr && !value->is_object()) {
        fail(protocol::ErrorCode::bad_request,
             path_of(key) + ": must be an object, not " + std::string(type_name(*value)));
    }
    return value;
}

std::optional<std::vector<std::string>> Params::topics(std::string_view key) {
    const Json* list = array(key);
    if (list == nullptr) return std::nullopt;
    std::vector<std::string> out;
    out.reserve(list->size());
    for (std::size_t i = 0; i < list->size(); ++i) {
        const Json& item = (*list)[i];
        const std::string where = path_of(key) + "[" + std::to_string(i) + "]";
        if (!item.is_string() || !protocol::is_valid_topic(item.get_ref<const std::string&>())) {
            fail(protocol::ErrorCode::bad_request,
                 where + ": not a valid topic name (docs/protocol.md)");
        }
        out.push_back(item.get<std::string>());
    }
    return out;
}

std::optional<std::vector<std::string>> Params::ids(std::string_view key) {
    const Json* list = array(key);
    if (list == nullptr) return std::nullopt;
    std::vector<std::string> out;
    out.reserve(list->size());
    for (std::size_t i = 0; i < list->size(); ++i) {
        const Json& item = (*list)[i];
        const std::string where = path_of(key) + "[" + std::to_string(i) + "]";
        if (!item.is_string() || item.get_ref<const std::string&>().empty() ||
            item.get_ref<const std::string&>().size() > kMaxIdSize) {
            fail(protocol::ErrorCode::bad_request,
                 where + ": must be a non-empty string of at most 255 bytes");
        }
        out.push_back(item.get<std::string>());
    }
    return out;
}

std::optional<std::string> Params::id(std::string_view key) {
    auto value = string(key);
    if (value && (value->empty() || value->size() > kMaxIdSize)) {
        fail(protocol::ErrorCode::bad_request,
             path_of(key) + ": must be a non-empty string of at most 255 bytes");
    }
    return value;
}

std::optional<std::uint64_t> Params::unsigned_integer(std::string_view key) {
    const Json* value = find(key);
    if (value == nullptr) return std::nullopt;
    if (value->is_number_unsigned()) return value->get<std::uint64_t>();
    if (value->is_string()) {
        const std::string& text = value->get_ref<const std::string&>();
        std::uint64_t parsed = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), parsed);
        if (!text.empty() && error == std::errc{} && end == text.data() + text.size()) {
            return parsed;
        }
    }
    fail(protocol::ErrorCode::bad_request,
         path_of(key) + ": must be a non-negative integer (a number or a decimal string)");
}

std::optional<bool> Params::boolean(std::string_view key) {
    const Json* value = find(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_boolean()) {
        fail(protocol::ErrorCode::bad_request,
             path_of(key) + ": must be true or false, not " + std::string(type_name(*value)));
    }
    return value->get<bool>();
}

std::string Params::payload() {
    auto text = string("data");
    auto encoded = string("data_b64");
    if (text && encoded) {
        fail(protocol::ErrorCode::bad_request,
             path_ + ": give either data or data_b64, not both");
    }
    if (encoded) {
        auto decoded = protocol::base64_decode(*encoded);
        if (!decoded) {
            fail(protocol::ErrorCode::bad_request, path_of("data_b64") + ": is not valid base64");
        }
        return std::move(*decoded);
    }
    return text ? std::move(*text) : std::string{};
}

void Params::reject_unread() const {
    for (const auto& [key, value] : object_.items()) {
        if (std::find(read_.begin(), read_.end(), key) == read_.end()) {
            fail(protocol::ErrorCode::bad_request, path_of(key) + ": unknown field");
        }
    }
}

OrderedJson error_object(std::uint32_t code, std::string_view message) {
    OrderedJson error = OrderedJson::object();
    error["code"] = code;
    error["name"] = protocol::error_name(static_cast<protocol::ErrorCode>(code));
    error["message"] = message;
    return error;
}

void put_payload(OrderedJson& out, std::string_view payload) {
    if (protocol::is_valid_utf8(payload)) {
        out["data"] = payload;
    } else {
        out["data_b64"] = protocol::base64_encode(payload);
    }
}

}  // namespace notify::core::api
