#include "event_json.hpp"

#include <array>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <utility>

// NOTIFY_HAS_FIELD for a reference (GCC warns when a reference's address is compared to NULL).
#define WEBHOOK_HAS_FIELD(event, field) ((event).size >= NOTIFY_FIELD_END_(notify_event, field))

namespace notify::webhook {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::array<std::pair<notify_event_type, std::string_view>, 8> names{{
    {NOTIFY_EVENT_CONNECT, "connect"},
    {NOTIFY_EVENT_RECONNECT, "reconnect"},
    {NOTIFY_EVENT_DISCONNECT, "disconnect"},
    {NOTIFY_EVENT_INACTIVATE, "inactivate"},
    {NOTIFY_EVENT_SUBSCRIBE, "subscribe"},
    {NOTIFY_EVENT_UNSUBSCRIBE, "unsubscribe"},
    {NOTIFY_EVENT_PUBLISH, "publish"},
    {NOTIFY_EVENT_DATA, "data"},
}};

std::string text(notify_str view) {
    return view.len == 0 ? std::string{} : std::string{view.data, view.len};
}

bool valid_utf8(const std::uint8_t* data, std::size_t len) {
    std::size_t i = 0;
    while (i < len) {
        const std::uint8_t lead = data[i];
        std::size_t extra = 0;
        std::uint32_t code = 0;
        if (lead < 0x80) {
            ++i;
            continue;
        }
        if ((lead & 0xe0) == 0xc0) {
            extra = 1;
            code = lead & 0x1fu;
        } else if ((lead & 0xf0) == 0xe0) {
            extra = 2;
            code = lead & 0x0fu;
        } else if ((lead & 0xf8) == 0xf0) {
            extra = 3;
            code = lead & 0x07u;
        } else {
            return false;
        }
        if (len - i <= extra) return false;
        for (std::size_t k = 1; k <= extra; ++k) {
            const std::uint8_t next = data[i + k];
            if ((next & 0xc0) != 0x80) return false;
            code = (code << 6) | (next & 0x3fu);
        }
        static constexpr std::array<std::uint32_t, 4> smallest{0, 0x80, 0x800, 0x10000};
        if (code < smallest[extra] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
            return false;  // overlong, beyond Unicode, or a surrogate
        }
        i += extra + 1;
    }
    return true;
}

std::string base64(const std::uint8_t* data, std::size_t len) {
    static constexpr std::string_view digits =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((len + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < len; i += 3) {
        const std::uint32_t n =
            (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) | data[i + 2];
        out += digits[(n >> 18) & 63];
        out += digits[(n >> 12) & 63];
        out += digits[(n >> 6) & 63];
        out += digits[n & 63];
    }
    if (i < len) {
        std::uint32_t n = std::uint32_t{data[i]} << 16;
        if (i + 1 < len) n |= std::uint32_t{data[i + 1]} << 8;
        out += digits[(n >> 18) & 63];
        out += digits[(n >> 12) & 63];
        out += i + 1 < len ? digits[(n >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

}  // namespace

notify_event_type event_type_from_name(std::string_view name) {
    for (const auto& [type, known] : names) {
        if (known == name) return type;
    }
    return notify_event_type{};
}

std::string_view event_name(notify_event_type type) {
    for (const auto& [known, name] : names) {
        if (known == type) return name;
    }
    return {};
}

std::string event_json(const notify_event& event) {
    Json out = Json::object();
    out["type"] = event_name(event.type);
    out["time_ms"] = event.time_ms;
    if (event.client_id.len != 0) out["client"] = text(event.client_id);
    if (event.user_id.len != 0) out["user"] = text(event.user_id);
    if (event.topic.len != 0) out["topic"] = text(event.topic);
    if (WEBHOOK_HAS_FIELD(event, client_info) && event.client_info.len != 0) {
        // The host admits only a JSON object here; anything else is left out rather than
        // handed to the backend as something it did not expect.
        Json info = Json::parse(text(event.client_info), nullptr, false);
        if (info.is_object()) out["info"] = std::move(info);
    }
    if (event.type == NOTIFY_EVENT_DISCONNECT || event.type == NOTIFY_EVENT_INACTIVATE) {
        if (WEBHOOK_HAS_FIELD(event, reason) && event.reason.len != 0) {
            out["reason"] = text(event.reason);
        }
        if (WEBHOOK_HAS_FIELD(event, close_code) && event.close_code != 0) {
            out["code"] = event.close_code;
        }
    }
    if (event.type == NOTIFY_EVENT_PUBLISH) {
        out["offset"] = event.offset;
        if (event.epoch.len != 0) out["epoch"] = text(event.epoch);
    }
    if (event.type == NOTIFY_EVENT_PUBLISH || event.type == NOTIFY_EVENT_DATA) {
        const std::uint8_t* data = event.data.len == 0 ? nullptr : event.data.data;
        if (valid_utf8(data, event.data.len)) {
            out["data"] = event.data.len == 0
                              ? std::string{}
                              : std::string{reinterpret_cast<const char*>(data), event.data.len};
        } else {
            out["data_b64"] = base64(data, event.data.len);
        }
    }
    // Ids come from clients: a stray invalid byte becomes U+FFFD instead of failing the event.
    return out.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string batch_body(std::string_view delivery_id, std::string_view node,
                       const std::vector<std::string>& events) {
    std::size_t size = 64 + delivery_id.size() + node.size();
    for (const std::string& event : events) size += event.size() + 1;
    std::string body;
    body.reserve(size);
    body += R"({"delivery_id":)";
    body += Json(std::string{delivery_id}).dump();
    if (!node.empty()) {
        body += R"(,"node":)";
        body += Json(std::string{node}).dump(-1, ' ', false, Json::error_handler_t::replace);
    }
    body += R"(,"events":[)";
    bool first = true;
    for (const std::string& event : events) {
        if (!first) body += ',';
        first = false;
        body += event;
    }
    body += "]}";
    return body;
}

}  // namespace notify::webhook
