// The last N samples of the charted numbers, oldest first, with per-second rates worked out
// against the sample before. Not thread-safe: the Sampler guards it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <nlohmann/json.hpp>
#include <optional>

namespace notify::admin {

struct Sample {
    std::int64_t time_ms = 0;  // the host's clock (stats time_ms)
    std::optional<double> publishes_total;
    std::optional<double> deliveries_total;
    std::optional<double> drops_total;
    std::optional<double> connections;
};

class SampleHistory {
  public:
    explicit SampleHistory(std::size_t capacity) : capacity_(capacity) {}

    void add(const Sample& sample);
    std::size_t size() const { return entries_.size(); }
    // [{"time_ms","publishes_per_second","deliveries_per_second","drops_per_second",
    //   "connections","publishes_total",...}], null where a number is unknown.
    nlohmann::json to_json() const;

  private:
    struct Entry {
        Sample sample;
        std::optional<double> publishes_per_second;
        std::optional<double> deliveries_per_second;
        std::optional<double> drops_per_second;
    };

    std::size_t capacity_;
    std::deque<Entry> entries_;
};

}  // namespace notify::admin
