#include "sample_history.hpp"

#include <algorithm>

namespace notify::admin {
namespace {

std::optional<double> rate(const std::optional<double>& now, const std::optional<double>& before,
                           double seconds) {
    if (!now || !before || seconds <= 0) return std::nullopt;
    return std::max(0.0, *now - *before) / seconds;
}

nlohmann::json number_or_null(const std::optional<double>& value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

}  // namespace

void SampleHistory::add(const Sample& sample) {
    Entry entry{sample, std::nullopt, std::nullopt, std::nullopt};
    if (!entries_.empty()) {
        const Sample& before = entries_.back().sample;
        const double seconds = static_cast<double>(sample.time_ms - before.time_ms) / 1000.0;
        entry.publishes_per_second = rate(sample.publishes_total, before.publishes_total, seconds);
        entry.deliveries_per_second =
            rate(sample.deliveries_total, before.deliveries_total, seconds);
        entry.drops_per_second = rate(sample.drops_total, before.drops_total, seconds);
    }
    entries_.push_back(entry);
    while (entries_.size() > capacity_) entries_.pop_front();
}

nlohmann::json SampleHistory::to_json() const {
    nlohmann::json out = nlohmann::json::array();
    for (const Entry& entry : entries_) {
        out.push_back({
            {"time_ms", entry.sample.time_ms},
            {"publishes_per_second", number_or_null(entry.publishes_per_second)},
            {"deliveries_per_second", number_or_null(entry.deliveries_per_second)},
            {"drops_per_second", number_or_null(entry.drops_per_second)},
            {"connections", number_or_null(entry.sample.connections)},
            {"publishes_total", number_or_null(entry.sample.publishes_total)},
            {"deliveries_total", number_or_null(entry.sample.deliveries_total)},
            {"drops_total", number_or_null(entry.sample.drops_total)},
        });
    }
    return out;
}

}  // namespace notify::admin
