#include "api_errors.hpp"

#include <cstdio>

namespace notify::http_api {
namespace {

void append_json_string(std::string& out, std::string_view text) {
    out += '"';
    for (const char c : text) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                char escaped[8];
                std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
                out += escaped;
            } else {
                out += c;
            }
        }
    }
    out += '"';
}

}  // namespace

std::string_view error_name(std::uint32_t code) {
    switch (code) {
    case error_internal: return "internal";
    case error_unauthorized: return "unauthorized";
    case error_bad_request: return "bad_request";
    case error_unknown_command: return "unknown_command";
    case error_permission_denied: return "permission_denied";
    case error_limit_exceeded: return "limit_exceeded";
    case error_not_found: return "not_found";
    case error_too_large: return "too_large";
    case error_unrecoverable: return "unrecoverable";
    default: return "error";
    }
}

unsigned http_status_of(std::uint32_t code) {
    switch (code) {
    case error_unauthorized: return 401;
    case error_bad_request: return 400;
    case error_unknown_command: return 404;
    case error_permission_denied: return 403;
    case error_limit_exceeded: return 429;
    case error_not_found: return 404;
    case error_too_large: return 413;
    case error_unrecoverable: return 409;
    default: return 500;
    }
}

std::string error_body(std::uint32_t code, std::string_view message) {
    std::string body = "{\"error\":{\"code\":" + std::to_string(code) + ",\"name\":";
    append_json_string(body, error_name(code));
    body += ",\"message\":";
    append_json_string(body, message);
    body += "}}";
    return body;
}

}  // namespace notify::http_api
