// What the admin page shows of the host's metrics (the NOTIFY_STATS_JSON document): a few totals
// and their breakdowns by one label. A metric the host does not have is absent (nullopt, or an
// empty breakdown), never an error: hosts and plugins grow metrics over time.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace notify::admin {

class MetricsSummary {
  public:
    // Reads the document; a malformed one gives an empty summary (every total nullopt).
    explicit MetricsSummary(std::string_view stats_json);

    bool valid() const { return valid_; }
    std::int64_t time_ms() const { return time_ms_; }

    // The sum of every series of the family, or nullopt when there is no such family.
    std::optional<double> total(std::string_view name) const;
    // The family's values summed by one label's value ("" for series without that label).
    std::map<std::string, double> by_label(std::string_view name, std::string_view label) const;

  private:
    const nlohmann::json* family(std::string_view name) const;

    nlohmann::json document_;
    bool valid_ = false;
    std::int64_t time_ms_ = 0;
};

// The host's metric names (docs/operations.md) the page reads.
namespace metric {
inline constexpr std::string_view publishes = "notify_publishes_total";
inline constexpr std::string_view deliveries = "notify_deliveries_total";
inline constexpr std::string_view drops = "notify_drops_total";
inline constexpr std::string_view closes = "notify_closes_total";
inline constexpr std::string_view connections = "notify_connections";
inline constexpr std::string_view clients = "notify_clients";
inline constexpr std::string_view users = "notify_users";
inline constexpr std::string_view topics = "notify_topics";
inline constexpr std::string_view subscriptions = "notify_subscriptions";
}  // namespace metric

}  // namespace notify::admin
