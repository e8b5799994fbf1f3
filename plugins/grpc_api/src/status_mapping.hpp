// Notify error codes (docs/api.md, docs/protocol.md) as gRPC status codes (README.md's table).
#pragma once

#include <grpcpp/support/status.h>

#include <cstdint>

namespace notify::grpc_api {

// The numeric notify code travels too, in the trailing metadata `notify-error-code`.
inline constexpr const char* kErrorCodeMetadata = "notify-error-code";
inline constexpr const char* kErrorNameMetadata = "notify-error-name";

grpc::StatusCode status_for(std::uint32_t notify_code) noexcept;

}  // namespace notify::grpc_api
