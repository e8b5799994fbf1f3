#include <notify/protocol/json.hpp>

namespace notify::protocol {

std::string_view error_name(ErrorCode code) {
    switch (code) {
        case ErrorCode::internal: return "internal";
        case ErrorCode::unauthorized: return "unauthorized";
        case ErrorCode::bad_request: return "bad_request";
        case ErrorCode::unknown_command: return "unknown_command";
        case ErrorCode::permission_denied: return "permission_denied";
        case ErrorCode::limit_exceeded: return "limit_exceeded";
        case ErrorCode::not_connected: return "not_connected";
        case ErrorCode::already_connected: return "already_connected";
        case ErrorCode::not_found: return "not_found";
        case ErrorCode::too_large: return "too_large";
        case ErrorCode::unrecoverable: return "unrecoverable";
        case ErrorCode::token_expired: return "token_expired";
    }
    return "unknown";
}

}  // namespace notify::protocol
