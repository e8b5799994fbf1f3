// The process's metrics: families of series that the host and plugins register (ABI 1.6
// metric_register) and update lock-free from any thread, rendered on demand as Prometheus text
// or JSON. Series live until the process exits, so a plugin thread's late update is harmless.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "notify/notify.h"

// The ABI's opaque notify_metric is one series.
struct notify_metric {
    notify_metric_kind kind = NOTIFY_METRIC_COUNTER;
    std::vector<std::string> label_values;
    std::atomic<double> value{0};  // counter, gauge
    // Histogram: one count per finite bound, then +Inf; not cumulative (rendering adds up).
    std::span<const double> bounds;
    std::unique_ptr<std::atomic<std::uint64_t>[]> bucket_counts;
    std::atomic<double> sum{0};
    std::atomic<std::uint64_t> count{0};

    void add(double amount);
    void set(double amount);
    void observe(double amount);
    // The host's copy of a total kept elsewhere (the core's counts): any kind, any value.
    void set_total(double amount) { value.store(amount, std::memory_order_relaxed); }
};

namespace notify::runtime {

struct MetricDescription {
    notify_metric_kind kind = NOTIFY_METRIC_COUNTER;
    std::string name;
    std::string help;
    std::vector<std::string> label_names;
    std::vector<double> buckets;  // histograms; empty = default_latency_buckets()
};

// 100 µs to 10 s, in seconds.
std::span<const double> default_latency_buckets();

class MetricsRegistry {
public:
    static constexpr std::size_t max_labels = 4;
    static constexpr std::size_t max_series_per_family = 256;

    // The series of `description` with these label values, made on first use. Throws
    // std::invalid_argument (broken naming rule, or a family of that name described otherwise)
    // or std::length_error (the family has max_series_per_family series already).
    notify_metric& series(const MetricDescription& description,
                          std::span<const std::string> label_values);

    // Prometheus text exposition format 0.0.4, families sorted by name.
    std::string prometheus_text() const;
    // {"time_ms":N,"metrics":[{"name","kind","help","series":[...]}]} (notify.h's
    // NOTIFY_STATS_JSON).
    std::string json(std::int64_t time_ms) const;

private:
    struct Family {
        MetricDescription description;
        std::deque<notify_metric> series;  // a deque: handles stay valid as it grows
    };

    mutable std::mutex mutex_;
    std::deque<Family> families_;
};

// The registry of the process: notify_metric handles outlive every plugin instance.
MetricsRegistry& metrics();

}  // namespace notify::runtime
