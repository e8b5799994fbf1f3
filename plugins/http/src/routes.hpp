// What a request target names, and whether its Origin may use it. Pure functions, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace notify::http {

enum class Endpoint {
    not_found,       // outside {path}/session or a malformed path
    sessions,        // {path}/session                 POST
    session,         // {path}/session/{id}            DELETE
    commands,        // {path}/session/{id}/commands   POST
    poll,            // {path}/session/{id}/poll       GET
    events           // {path}/session/{id}/events     GET
};

struct Route {
    Endpoint endpoint = Endpoint::not_found;
    std::string session;                       // the id segment, as sent
    std::optional<std::string> last_event_id;  // ?last_event_id=..., as sent
};

// `target` is the request-target ("/http/session/ab12/poll?last_event_id=3"); `prefix` is the
// configured path without a trailing slash ("" for the root).
Route parse_route(std::string_view target, std::string_view prefix);

// The methods an endpoint answers, for 405's Allow header ("" for not_found).
const char *allowed_methods(Endpoint endpoint);

// A decimal sequence number as SSE's Last-Event-ID carries it; nullopt when malformed.
std::optional<uint64_t> parse_event_id(std::string_view text);

// The Access-Control-Allow-Origin value for a request with `origin` ("" when the request has
// none), or nullopt when the origin is not allowed.
std::optional<std::string> allow_origin(std::string_view origin,
                                        const std::vector<std::string> &allowed_origins);

}  // namespace notify::http
