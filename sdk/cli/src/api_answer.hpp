// `notify-cli api`: one server API call (docs/api.md) over http_api or grpc_api.
#pragma once

#include <cstdint>
#include <string>

#include "transport.hpp"

namespace notify::cli {

struct Url;

// The answer of one call: the result object, or the error the server (or a local check that
// the server would have made) answered.
struct ApiAnswer {
    bool ok = false;
    std::string json;          // one line: the result, or {"error":{"code":…,"name":…,"message":…}}
    std::uint32_t code = 0;    // on error
    std::string name;
    std::string message;
};

ApiAnswer api_error(std::uint32_t code, const std::string& name, const std::string& message);

// grpc:// and grpcs:// (sdk/proto). Throws CliError: timeout when the deadline passes,
// failure when the server cannot be reached.
ApiAnswer call_grpc_api(const Url& url, const std::string& method, const std::string& params,
                        const std::string& key, const TransportOptions& options,
                        Deadline deadline);

}  // namespace notify::cli
