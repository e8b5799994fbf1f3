#include "status_mapping.hpp"

namespace notify::grpc_api {

grpc::StatusCode status_for(std::uint32_t notify_code) noexcept {
    switch (notify_code) {
        case 100: return grpc::StatusCode::INTERNAL;            // internal
        case 101: return grpc::StatusCode::UNAUTHENTICATED;     // unauthorized
        case 102: return grpc::StatusCode::INVALID_ARGUMENT;    // bad_request
        case 103: return grpc::StatusCode::UNIMPLEMENTED;       // unknown_command
        case 104: return grpc::StatusCode::PERMISSION_DENIED;   // permission_denied
        case 105: return grpc::StatusCode::RESOURCE_EXHAUSTED;  // limit_exceeded
        case 108: return grpc::StatusCode::NOT_FOUND;           // not_found
        // too_large: the request itself is wrong, retrying it cannot help (gRPC keeps
        // RESOURCE_EXHAUSTED for quotas that may free up).
        case 109: return grpc::StatusCode::INVALID_ARGUMENT;
        case 110: return grpc::StatusCode::FAILED_PRECONDITION;  // unrecoverable
        default: return grpc::StatusCode::UNKNOWN;
    }
}

}  // namespace notify::grpc_api
