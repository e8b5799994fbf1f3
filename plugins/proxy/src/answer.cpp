#include "answer.hpp"

#include <notify/protocol/json.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>

namespace notify::proxy {
namespace {

using Json = nlohmann::json;

constexpr std::size_t max_reason_bytes = 256;
constexpr int max_depth = 32;
constexpr std::size_t max_topics = 1000;

std::string copy(notify_str text) {
    return text.len == 0 ? std::string{} : std::string{text.data, text.len};
}

// The forwarded headers as one object; a header sent several times is joined with ", " (RFC 9110
// 5.3), except Cookie, whose pieces are joined with "; " (RFC 6265 5.4).
Json headers_of(const notify_header* headers, std::size_t count,
                const std::vector<std::string>& forward_headers) {
    Json object = Json::object();
    if (headers == nullptr) return object;
    for (std::size_t i = 0; i < count; ++i) {
        const std::string name = copy(headers[i].name);
        if (std::find(forward_headers.begin(), forward_headers.end(), name) ==
            forward_headers.end()) {
            continue;
        }
        const std::string value = copy(headers[i].value);
        if (const auto found = object.find(name); found != object.end()) {
            found->get_ref<std::string&>() += (name == "cookie" ? "; " : ", ") + value;
        } else {
            object[name] = value;
        }
    }
    return object;
}

std::string dump(const Json& value) {
    return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Cuts `text` to at most `limit` bytes without splitting a UTF-8 sequence.
std::string truncate_utf8(std::string text, std::size_t limit) {
    if (text.size() <= limit) return text;
    std::size_t end = limit;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0u) == 0x80u) --end;
    text.resize(end);
    return text;
}

// The deepest nesting of arrays and objects, counted outside strings (a guard before parsing,
// so a hostile answer cannot make the recursive parts of the JSON library run deep).
int nesting_of(std::string_view body) {
    int depth = 0;
    int deepest = 0;
    bool in_string = false;
    bool escaped = false;
    for (const char c : body) {
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > deepest) deepest = depth;
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    return deepest;
}

bool is_refresh_or_connect(Step step) { return step == Step::connect || step == Step::refresh; }

// An integer member, or why not.
bool integer_of(const Json& value, std::int64_t& out) {
    if (value.is_number_integer()) {
        if (value.is_number_unsigned() &&
            value.get<std::uint64_t>() >
                static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
            return false;
        }
        out = value.get<std::int64_t>();
        return true;
    }
    return false;
}

Answer parse_error(Step step, const Json& error) {
    if (!error.is_object()) return unavailable(step, "\"error\" must be an object");
    const auto code = error.find("code");
    std::int64_t number = 0;
    if (code == error.end() || !integer_of(*code, number)) {
        return unavailable(step, "\"error.code\" must be an integer");
    }
    const bool expired = number == NOTIFY_AUTH_ERROR_TOKEN_EXPIRED;
    if (!expired && (number < 400 || number > 1999)) {
        return unavailable(step, "\"error.code\" " + std::to_string(number) +
                                     " is outside 400-1999 (and is not 111)");
    }
    std::string message;
    if (const auto text = error.find("message"); text != error.end()) {
        if (!text->is_string()) return unavailable(step, "\"error.message\" must be a string");
        message = text->get<std::string>();
    }
    if (message.empty()) {
        message = expired ? "proxy: token expired"
                          : "proxy: denied by the backend (code " + std::to_string(number) + ")";
    }
    Answer answer = refused(step, truncate_utf8(std::move(message), max_reason_bytes));
    if (expired) answer.error_code = NOTIFY_AUTH_ERROR_TOKEN_EXPIRED;
    return answer;
}

Answer parse_disconnect(Step step, const Json& disconnect) {
    if (!disconnect.is_object()) return unavailable(step, "\"disconnect\" must be an object");
    const auto code = disconnect.find("code");
    std::int64_t number = 0;
    if (code == disconnect.end() || !integer_of(*code, number) || number < 4000 ||
        number > 4999) {
        return unavailable(step, "\"disconnect.code\" must be an integer in 4000-4999");
    }
    std::string reason;
    if (const auto text = disconnect.find("reason"); text != disconnect.end()) {
        if (!text->is_string()) return unavailable(step, "\"disconnect.reason\" must be a string");
        reason = text->get<std::string>();
    }
    if (reason.empty()) {
        reason = "proxy: disconnected by the backend (code " + std::to_string(number) + ")";
    }
    Answer answer = refused(step, truncate_utf8(std::move(reason), max_reason_bytes));
    answer.close_code = static_cast<std::uint16_t>(number);
    return answer;
}

// A publish's "data" (text) or "data_b64" (any bytes): the payload to publish instead.
Answer parse_replacement(Step step, const Json& result, Answer answer) {
    const auto text = result.find("data");
    const auto encoded = result.find("data_b64");
    if (text != result.end() && encoded != result.end()) {
        return unavailable(step, "\"result\" has both data and data_b64");
    }
    if (text != result.end()) {
        if (!text->is_string()) return unavailable(step, "\"result.data\" must be a string");
        answer.data = text->get<std::string>();
    } else if (encoded != result.end()) {
        if (!encoded->is_string()) {
            return unavailable(step, "\"result.data_b64\" must be a string");
        }
        answer.data = protocol::base64_decode(encoded->get_ref<const std::string&>());
        if (!answer.data) return unavailable(step, "\"result.data_b64\" is not valid base64");
    }
    return answer;
}

Answer parse_result(Step step, const Json& result, std::string_view request_user,
                    std::int64_t now_ms, const Settings& settings) {
    if (!result.is_object()) return unavailable(step, "\"result\" must be an object");
    Answer answer;
    answer.decision = NOTIFY_AUTH_ALLOW;
    if (step == Step::publish) return parse_replacement(step, result, std::move(answer));
    if (step == Step::subscribe) return answer;  // nothing to carry

    answer.user_id = std::string{request_user};
    if (step == Step::connect) answer.user_id.clear();
    if (const auto user = result.find("user"); user != result.end()) {
        if (!user->is_string()) return unavailable(step, "\"result.user\" must be a string");
        answer.user_id = user->get<std::string>();
    }
    if (const auto expire = result.find("expire_at"); expire != result.end()) {
        std::int64_t seconds = 0;
        if (!integer_of(*expire, seconds) || seconds < 0 ||
            seconds > std::numeric_limits<std::int64_t>::max() / 1000) {
            return unavailable(step,
                               "\"result.expire_at\" must be a non-negative integer (Unix seconds)");
        }
        answer.expires_at_ms = seconds * 1000;
        if (answer.expires_at_ms != 0 && answer.expires_at_ms <= now_ms) {
            Answer expired = refused(step, "proxy: the backend's expire_at is in the past");
            expired.error_code = NOTIFY_AUTH_ERROR_TOKEN_EXPIRED;
            return expired;
        }
    }
    if (step == Step::refresh) return answer;  // info and topics apply at connect only

    if (const auto info = result.find("info"); info != result.end()) {
        if (!info->is_object()) return unavailable(step, "\"result.info\" must be an object");
        answer.info = dump(*info);
        if (answer.info.size() > settings.max_info_size) {
            return unavailable(step, "\"result.info\" is " + std::to_string(answer.info.size()) +
                                         " bytes, more than max_info_size (" +
                                         std::to_string(settings.max_info_size) + ")");
        }
    }
    if (const auto topics = result.find("topics"); topics != result.end()) {
        if (!topics->is_array()) {
            return unavailable(step, "\"result.topics\" must be an array of strings");
        }
        if (topics->size() > max_topics) {
            return unavailable(step, "\"result.topics\" has more than " +
                                         std::to_string(max_topics) + " entries");
        }
        for (const Json& topic : *topics) {
            if (!topic.is_string() || topic.get_ref<const std::string&>().empty()) {
                return unavailable(step, "\"result.topics\" must be an array of non-empty strings");
            }
            answer.topics.push_back(topic.get<std::string>());
        }
    }
    return answer;
}

}  // namespace

const char* step_name(Step step) noexcept {
    switch (step) {
        case Step::connect: return "connect";
        case Step::refresh: return "refresh";
        case Step::subscribe: return "subscribe";
        case Step::publish: return "publish";
    }
    return "?";
}

std::string connect_body(const notify_auth_request& request, bool refresh,
                         const std::vector<std::string>& forward_headers) {
    Json body = Json::object();
    body["purpose"] = refresh ? "refresh" : "connect";
    body["client"] = copy(request.client_id);
    body["user"] = copy(request.user_id);
    body["transport"] = copy(request.transport);
    body["remote_address"] = copy(request.remote_address);
    body["token"] = copy(request.token);
    const bool has_headers = PROXY_HAS_FIELD(request, notify_auth_request, header_count);
    body["headers"] = has_headers ? headers_of(request.headers, request.header_count,
                                               forward_headers)
                                  : Json::object();
    return dump(body);
}

std::string authz_body(const notify_authz_request& request, Step step,
                       const std::vector<std::string>& forward_headers) {
    const bool v17 = PROXY_HAS_FIELD(request, notify_authz_request, data);
    Json body = Json::object();
    body["client"] = copy(request.client_id);
    body["user"] = copy(request.user_id);
    body["topic"] = copy(request.topic);
    body["transport"] = v17 ? copy(request.transport) : std::string{};
    body["remote_address"] = v17 ? copy(request.remote_address) : std::string{};
    body["headers"] =
        v17 ? headers_of(request.headers, request.header_count, forward_headers) : Json::object();
    if (step == Step::publish) {
        const std::string_view data =
            v17 && request.data.data != nullptr
                ? std::string_view{reinterpret_cast<const char*>(request.data.data),
                                   request.data.len}
                : std::string_view{};
        if (protocol::is_valid_utf8(data)) {
            body["data"] = std::string{data};
        } else {
            body["data_b64"] = protocol::base64_encode(data);
        }
    }
    if (step == Step::subscribe) {
        const bool has_token = PROXY_HAS_FIELD(request, notify_authz_request, token);
        const bool has_flags = PROXY_HAS_FIELD(request, notify_authz_request, flags);
        body["token"] = has_token ? copy(request.token) : std::string{};
        body["token_required"] =
            has_flags && (request.flags & NOTIFY_AUTHZ_TOKEN_REQUIRED) != 0;
    }
    return dump(body);
}

void Answer::fill(notify_auth_result& result, std::vector<notify_str>& topic_views) const {
    result = notify_auth_result{};
    result.size = sizeof result;
    result.decision = decision;
    result.user_id = notify_str{user_id.data(), user_id.size()};
    result.reason = notify_str{reason.data(), reason.size()};
    result.error_code = error_code;
    result.expires_at_ms = expires_at_ms;
    result.info = notify_str{info.data(), info.size()};
    topic_views.clear();
    for (const std::string& topic : topics) topic_views.push_back({topic.data(), topic.size()});
    result.topics = topic_views.empty() ? nullptr : topic_views.data();
    result.topic_count = topic_views.size();
    if (data) {
        result.replace_data = true;
        result.data = notify_bytes{reinterpret_cast<const std::uint8_t*>(data->data()),
                                   data->size()};
    }
    result.close_code = close_code;
}

std::uint32_t deny_code(Step step) noexcept {
    return is_refresh_or_connect(step) ? NOTIFY_AUTH_ERROR_UNAUTHORIZED
                                       : NOTIFY_AUTH_ERROR_PERMISSION_DENIED;
}

Answer unavailable(Step step, std::string_view detail) {
    Answer answer = refused(step, "proxy: backend unavailable: " + std::string{detail});
    answer.temporary = true;
    return answer;
}

Answer deferred() {
    Answer answer;
    answer.decision = NOTIFY_AUTH_DEFER;
    return answer;
}

Answer refused(Step step, std::string reason) {
    Answer answer;
    answer.decision = NOTIFY_AUTH_DENY;
    answer.reason = std::move(reason);
    answer.error_code = deny_code(step);
    return answer;
}

Answer parse_answer(Step step, std::string_view body, std::string_view request_user,
                    std::int64_t now_ms, const Settings& settings) {
    if (nesting_of(body) > max_depth) {
        return unavailable(step, "answer nested deeper than " + std::to_string(max_depth));
    }
    const Json answer = Json::parse(body.begin(), body.end(), nullptr, false);
    if (answer.is_discarded()) return unavailable(step, "answer is not valid JSON");
    if (!answer.is_object()) return unavailable(step, "answer is not a JSON object");
    const auto result = answer.find("result");
    const auto error = answer.find("error");
    const auto disconnect = answer.find("disconnect");
    const int given = static_cast<int>(result != answer.end()) +
                      static_cast<int>(error != answer.end()) +
                      static_cast<int>(disconnect != answer.end());
    if (given > 1) {
        return unavailable(step, "answer has more than one of result, error, disconnect");
    }
    if (const auto defer = answer.find("defer"); defer != answer.end()) {
        if (!defer->is_boolean()) return unavailable(step, "\"defer\" must be a boolean");
        if (defer->get<bool>()) {
            if (given > 0) return unavailable(step, "answer has defer and a decision");
            return deferred();
        }
    }
    if (error != answer.end()) return parse_error(step, *error);
    if (disconnect != answer.end()) return parse_disconnect(step, *disconnect);
    if (result != answer.end()) return parse_result(step, *result, request_user, now_ms, settings);
    return deferred();  // {} : no opinion
}

}  // namespace notify::proxy
