// The server API's error codes (docs/api.md, docs/protocol.md) as HTTP answers: the status a
// code maps to and the JSON error body.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace notify::http_api {

enum ErrorCode : std::uint32_t {
    error_internal = 100,
    error_unauthorized = 101,
    error_bad_request = 102,
    error_unknown_command = 103,
    error_permission_denied = 104,
    error_limit_exceeded = 105,
    error_not_found = 108,
    error_too_large = 109,
    error_unrecoverable = 110,
};

// "internal", "bad_request", ...; "error" for a code without a name.
std::string_view error_name(std::uint32_t code);

// The HTTP status of a host error reply.
unsigned http_status_of(std::uint32_t code);

// {"error":{"code":N,"name":"…","message":"…"}}
std::string error_body(std::uint32_t code, std::string_view message);

}  // namespace notify::http_api
