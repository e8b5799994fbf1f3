// GET /admin/api/overview: everything the admin page shows, in one JSON document.
#pragma once

#include <chrono>
#include <string>

#include "host_views.hpp"
#include "sampler.hpp"
#include "topic_board.hpp"

namespace notify::admin {

// {"time_ms", "sample_interval_ms", "nodes", "health", "current": {totals and gauges},
//  "connections_by_transport", "clients_by_state", "drops_by_reason", "closes_by_reason",
//  "history": [...], "topics": {...}, "recent_logs": [...], "metrics": <NOTIFY_STATS_JSON>,
//  "problems": ["what could not be read"]}
std::string overview_json(const HostViews& views, const Sampler& sampler, const TopicBoard& topics,
                          std::chrono::milliseconds sample_interval);

}  // namespace notify::admin
