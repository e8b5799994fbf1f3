// The metrics registry behind ABI 1.6: naming rules, one series per label set, the Prometheus
// text and JSON renderings, and lock-free updates from many threads.
#include "runtime/metrics_registry.hpp"

#include <gtest/gtest.h>

#include <array>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace notify::runtime::test {
namespace {

MetricDescription described(notify_metric_kind kind, std::string name,
                            std::vector<std::string> labels = {}) {
    MetricDescription description;
    description.kind = kind;
    description.name = std::move(name);
    description.help = "what it counts";
    description.label_names = std::move(labels);
    return description;
}

TEST(MetricsRegistry, NamingRules_RefuseWhatPrometheusOrOurConventionsWouldNot) {
    MetricsRegistry registry;
    const std::vector<std::string> none;
    EXPECT_THROW(registry.series(described(NOTIFY_METRIC_COUNTER, "requests_total"), none),
                 std::invalid_argument);  // not notify_
    EXPECT_THROW(registry.series(described(NOTIFY_METRIC_COUNTER, "notify_requests"), none),
                 std::invalid_argument);  // a counter without _total
    EXPECT_THROW(registry.series(described(NOTIFY_METRIC_GAUGE, "notify_queue_total"), none),
                 std::invalid_argument);  // _total on a gauge
    EXPECT_THROW(registry.series(described(NOTIFY_METRIC_GAUGE, "notify_Queue"), none),
                 std::invalid_argument);
    EXPECT_THROW(registry.series(described(NOTIFY_METRIC_GAUGE, "notify_queue", {"__x"}),
                                 std::vector<std::string>{"a"}),
                 std::invalid_argument);
    EXPECT_THROW(registry.series(described(NOTIFY_METRIC_HISTOGRAM, "notify_wait_seconds", {"le"}),
                                 std::vector<std::string>{"1"}),
                 std::invalid_argument);
    EXPECT_THROW(registry.series(described(NOTIFY_METRIC_GAUGE, "notify_queue", {"a", "b"}),
                                 std::vector<std::string>{"only one"}),
                 std::invalid_argument);
    auto too_many = described(NOTIFY_METRIC_GAUGE, "notify_queue", {"a", "b", "c", "d", "e"});
    EXPECT_THROW(registry.series(too_many, std::vector<std::string>(5, "v")),
                 std::invalid_argument);
    auto unordered = described(NOTIFY_METRIC_HISTOGRAM, "notify_wait_seconds");
    unordered.buckets = {0.5, 0.1};
    EXPECT_THROW(registry.series(unordered, none), std::invalid_argument);
}

TEST(MetricsRegistry, SameNameAndLabels_IsOneSeries_AnotherShapeIsRefused) {
    MetricsRegistry registry;
    const auto description = described(NOTIFY_METRIC_COUNTER, "notify_things_total", {"kind"});
    notify_metric& a = registry.series(description, std::vector<std::string>{"x"});
    notify_metric& b = registry.series(description, std::vector<std::string>{"x"});
    notify_metric& c = registry.series(description, std::vector<std::string>{"y"});
    EXPECT_EQ(&a, &b);
    EXPECT_NE(&a, &c);
    auto other_help = description;
    other_help.help = "something else";
    EXPECT_THROW(registry.series(other_help, std::vector<std::string>{"x"}),
                 std::invalid_argument);
    auto as_gauge = described(NOTIFY_METRIC_GAUGE, "notify_things_total", {"kind"});
    EXPECT_THROW(registry.series(as_gauge, std::vector<std::string>{"x"}), std::invalid_argument);
}

TEST(MetricsRegistry, SeriesPerFamily_AreBounded) {
    MetricsRegistry registry;
    const auto description = described(NOTIFY_METRIC_GAUGE, "notify_by_id", {"id"});
    for (std::size_t i = 0; i < MetricsRegistry::max_series_per_family; ++i) {
        registry.series(description, std::vector<std::string>{std::to_string(i)});
    }
    EXPECT_THROW(registry.series(description, std::vector<std::string>{"one more"}),
                 std::length_error);
}

TEST(MetricsRegistry, Updates_FollowTheKind) {
    MetricsRegistry registry;
    notify_metric& counter = registry.series(described(NOTIFY_METRIC_COUNTER, "notify_c_total"), {});
    counter.add(2);
    counter.add(-1);   // a counter never goes down
    counter.set(100);  // nor is it set
    counter.add(std::numeric_limits<double>::quiet_NaN());
    EXPECT_EQ(counter.value.load(), 2);
    notify_metric& gauge = registry.series(described(NOTIFY_METRIC_GAUGE, "notify_g"), {});
    gauge.set(5);
    gauge.add(-7);
    gauge.observe(1);  // not a histogram: ignored
    EXPECT_EQ(gauge.value.load(), -2);
}

TEST(MetricsRegistry, PrometheusText_HasHelpTypeEscapedLabelsAndCumulativeBuckets) {
    MetricsRegistry registry;
    auto counter = described(NOTIFY_METRIC_COUNTER, "notify_events_total", {"reason"});
    counter.help = "Events \\ seen\nlater";  // a newline is refused below; test the backslash
    EXPECT_THROW(registry.series(counter, std::vector<std::string>{"x"}), std::invalid_argument);
    counter.help = R"(Events \ seen)";
    registry.series(counter, std::vector<std::string>{"a \"quoted\"\nline"}).add(3);
    auto histogram = described(NOTIFY_METRIC_HISTOGRAM, "notify_wait_seconds");
    histogram.buckets = {0.125, 1};
    notify_metric& wait = registry.series(histogram, {});
    wait.observe(0.0625);
    wait.observe(0.125);  // le is inclusive
    wait.observe(0.5);
    wait.observe(4);
    registry.series(described(NOTIFY_METRIC_GAUGE, "notify_level"), {}).set(0.25);

    EXPECT_EQ(registry.prometheus_text(),
              "# HELP notify_events_total Events \\\\ seen\n"
              "# TYPE notify_events_total counter\n"
              "notify_events_total{reason=\"a \\\"quoted\\\"\\nline\"} 3\n"
              "# HELP notify_level what it counts\n"
              "# TYPE notify_level gauge\n"
              "notify_level 0.25\n"
              "# HELP notify_wait_seconds what it counts\n"
              "# TYPE notify_wait_seconds histogram\n"
              "notify_wait_seconds_bucket{le=\"0.125\"} 2\n"
              "notify_wait_seconds_bucket{le=\"1\"} 3\n"
              "notify_wait_seconds_bucket{le=\"+Inf\"} 4\n"
              "notify_wait_seconds_sum 4.6875\n"
              "notify_wait_seconds_count 4\n");
}

TEST(MetricsRegistry, Json_CarriesTheSameValues) {
    MetricsRegistry registry;
    registry.series(described(NOTIFY_METRIC_GAUGE, "notify_conns", {"transport"}),
                    std::vector<std::string>{"ws"})
        .set(7);
    const auto document = nlohmann::json::parse(registry.json(1234));
    EXPECT_EQ(document["time_ms"], 1234);
    ASSERT_EQ(document["metrics"].size(), 1u);
    const auto& metric = document["metrics"][0];
    EXPECT_EQ(metric["name"], "notify_conns");
    EXPECT_EQ(metric["kind"], "gauge");
    EXPECT_EQ(metric["series"][0]["labels"]["transport"], "ws");
    EXPECT_EQ(metric["series"][0]["value"], 7);
}

TEST(MetricsRegistry, ConcurrentAdds_LoseNothing) {
    MetricsRegistry registry;
    notify_metric& counter = registry.series(described(NOTIFY_METRIC_COUNTER, "notify_n_total"), {});
    notify_metric& histogram =
        registry.series(described(NOTIFY_METRIC_HISTOGRAM, "notify_t_seconds"), {});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 10'000; ++i) {
                counter.add(1);
                histogram.observe(0.001);
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(counter.value.load(), 40'000);
    EXPECT_EQ(histogram.count.load(), 40'000u);
}

}  // namespace
}  // namespace notify::runtime::test
