#include "routes.hpp"

#include <algorithm>
#include <charconv>

namespace notify::http {
namespace {

constexpr std::string_view sessions_segment = "/session";

std::optional<std::string> query_event_id(std::string_view query) {
    constexpr std::string_view key = "last_event_id=";
    while (!query.empty()) {
        const size_t amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        if (pair.substr(0, key.size()) == key) {
            return std::string(pair.substr(key.size()));
        }
        if (amp == std::string_view::npos) {
            break;
        }
        query.remove_prefix(amp + 1);
    }
    return std::nullopt;
}

}  // namespace

Route parse_route(std::string_view target, std::string_view prefix) {
    Route route;
    const size_t question = target.find('?');
    std::string_view path = target.substr(0, question);
    if (question != std::string_view::npos) {
        route.last_event_id = query_event_id(target.substr(question + 1));
    }
    if (path.substr(0, prefix.size()) != prefix) {
        return route;
    }
    path.remove_prefix(prefix.size());
    if (path.substr(0, sessions_segment.size()) != sessions_segment) {
        return route;
    }
    path.remove_prefix(sessions_segment.size());
    if (path.empty()) {
        route.endpoint = Endpoint::sessions;
        return route;
    }
    if (path.front() != '/') {
        return route;
    }
    path.remove_prefix(1);
    const size_t slash = path.find('/');
    route.session = std::string(path.substr(0, slash));
    if (route.session.empty()) {
        return route;
    }
    if (slash == std::string_view::npos) {
        route.endpoint = Endpoint::session;
        return route;
    }
    const std::string_view action = path.substr(slash + 1);
    if (action == "commands") {
        route.endpoint = Endpoint::commands;
    } else if (action == "poll") {
        route.endpoint = Endpoint::poll;
    } else if (action == "events") {
        route.endpoint = Endpoint::events;
    }
    return route;
}

const char *allowed_methods(Endpoint endpoint) {
    switch (endpoint) {
    case Endpoint::sessions:
    case Endpoint::commands:
        return "POST, OPTIONS";
    case Endpoint::session:
        return "DELETE, OPTIONS";
    case Endpoint::poll:
    case Endpoint::events:
        return "GET, OPTIONS";
    case Endpoint::not_found:
        break;
    }
    return "";
}

std::optional<uint64_t> parse_event_id(std::string_view text) {
    uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

std::optional<std::string> allow_origin(std::string_view origin,
                                        const std::vector<std::string> &allowed_origins) {
    if (allowed_origins.empty()) {
        return std::string("*");
    }
    if (origin.empty()) {
        // Not a browser: CORS cannot be what protects the endpoints from it.
        return std::string();
    }
    if (std::find(allowed_origins.begin(), allowed_origins.end(), origin) !=
        allowed_origins.end()) {
        return std::string(origin);
    }
    return std::nullopt;
}

}  // namespace notify::http
