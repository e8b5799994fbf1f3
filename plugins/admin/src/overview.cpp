#include "overview.hpp"

#include <nlohmann/json.hpp>
#include <optional>

#include "metrics_summary.hpp"

namespace notify::admin {
namespace {

using json = nlohmann::json;

json number_or_null(const std::optional<double>& value) {
    return value ? json(*value) : json(nullptr);
}

// The document parsed, or null with the reason added to `problems`.
json parsed(const HostDocument& document, const char* what, json& problems) {
    if (!document.ok) {
        problems.push_back(std::string{what} + ": " + document.text);
        return nullptr;
    }
    json value = json::parse(document.text, nullptr, false);
    if (value.is_discarded()) {
        problems.push_back(std::string{what} + ": the host's document is not JSON");
        return nullptr;
    }
    return value;
}

json breakdown(const MetricsSummary& summary, std::string_view name, std::string_view label) {
    json out = json::object();
    for (const auto& [key, value] : summary.by_label(name, label)) out[key] = value;
    return out;
}

}  // namespace

std::string overview_json(const HostViews& views, const Sampler& sampler, const TopicBoard& topics,
                          std::chrono::milliseconds sample_interval) {
    json problems = json::array();
    const HostDocument stats = views.stats(NOTIFY_STATS_JSON);
    json metrics = parsed(stats, "metrics", problems);
    const MetricsSummary summary(stats.ok ? stats.text : std::string{});
    json nodes = parsed(views.nodes(), "nodes", problems);
    json health = parsed(views.stats(NOTIFY_STATS_HEALTH), "health", problems);
    json logs = parsed(views.stats(NOTIFY_STATS_RECENT_LOGS), "recent logs", problems);

    json out = {
        {"time_ms", summary.time_ms()},
        {"sample_interval_ms", sample_interval.count()},
        {"nodes", nodes.is_object() && nodes.contains("nodes") ? nodes["nodes"] : json::array()},
        {"health", std::move(health)},
        {"current",
         {
             {"publishes_total", number_or_null(summary.total(metric::publishes))},
             {"deliveries_total", number_or_null(summary.total(metric::deliveries))},
             {"drops_total", number_or_null(summary.total(metric::drops))},
             {"closes_total", number_or_null(summary.total(metric::closes))},
             {"connections", number_or_null(summary.total(metric::connections))},
             {"clients", number_or_null(summary.total(metric::clients))},
             {"users", number_or_null(summary.total(metric::users))},
             {"topics", number_or_null(summary.total(metric::topics))},
             {"subscriptions", number_or_null(summary.total(metric::subscriptions))},
         }},
        {"connections_by_transport", breakdown(summary, metric::connections, "transport")},
        {"clients_by_state", breakdown(summary, metric::clients, "state")},
        {"drops_by_reason", breakdown(summary, metric::drops, "reason")},
        {"closes_by_reason", breakdown(summary, metric::closes, "reason")},
        {"history", sampler.history()},
        {"topics", topics.to_json()},
        {"recent_logs",
         logs.is_object() && logs.contains("entries") ? logs["entries"] : json::array()},
        {"metrics", std::move(metrics)},
    };
    out["problems"] = std::move(problems);
    return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace notify::admin
