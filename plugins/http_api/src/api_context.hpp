// What every connection of one http_api instance shares. Owned by the Server, which outlives
// its connections (they die with its io_context).
#pragma once

#include "host_gate.hpp"
#include "live_config.hpp"
#include "method_counters.hpp"
#include "rate_limited_log.hpp"

#include <memory>

namespace notify::http_api {

class ConnectionRegistry;

struct ApiContext {
    const CurrentConfig& config;  // replaced by reconfigure(): take a snapshot per request
    std::shared_ptr<HostGate> gate;
    MethodCounters& counters;
    RateLimitedLog& failures;
    ConnectionRegistry& registry;
};

}  // namespace notify::http_api
