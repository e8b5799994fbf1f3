// What every connection of one http_api instance shares. Owned by the Server, which outlives
// its connections (they die with its io_context).
#pragma once

#include "api_keys.hpp"
#include "host_gate.hpp"
#include "method_counters.hpp"
#include "rate_limited_log.hpp"
#include "settings.hpp"

#include <memory>

namespace notify::http_api {

class ConnectionRegistry;

struct ApiContext {
    const Settings& settings;
    const ApiKeys& keys;
    std::shared_ptr<HostGate> gate;
    MethodCounters& counters;
    RateLimitedLog& failures;
    ConnectionRegistry& registry;
};

}  // namespace notify::http_api
