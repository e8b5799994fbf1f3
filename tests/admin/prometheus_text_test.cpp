// The checker the admin tests rely on refuses what Prometheus refuses.
#include "prometheus_text.hpp"

#include <gtest/gtest.h>

namespace notify::test {
namespace {

TEST(PrometheusText, AcceptsFamiliesWithHelpTypeLabelsAndHistograms) {
    const PrometheusText text = parse_prometheus_text(
        "# HELP notify_drops_total Messages dropped.\n"
        "# TYPE notify_drops_total counter\n"
        "notify_drops_total{reason=\"slow \\\"consumer\\\"\"} 3\n"
        "notify_drops_total{reason=\"limit\"} 4 1700000000000\n"
        "# HELP notify_latency_seconds Latency.\n"
        "# TYPE notify_latency_seconds histogram\n"
        "notify_latency_seconds_bucket{le=\"0.1\"} 1\n"
        "notify_latency_seconds_bucket{le=\"+Inf\"} 2\n"
        "notify_latency_seconds_sum 0.3\n"
        "notify_latency_seconds_count 2\n");
    EXPECT_TRUE(text.errors.empty()) << ::testing::PrintToString(text.errors);
    EXPECT_EQ(text.sum("notify_drops_total"), 7);
    EXPECT_EQ(text.samples[0].labels.at("reason"), "slow \"consumer\"");
}

TEST(PrometheusText, RefusesSamplesWithoutHelpAndTypeOrMalformed) {
    EXPECT_FALSE(parse_prometheus_text("notify_x 1\n").errors.empty());
    EXPECT_FALSE(parse_prometheus_text("# TYPE a gauge\na 1\n").errors.empty());
    const std::string head = "# HELP a A.\n# TYPE a gauge\n";
    EXPECT_FALSE(parse_prometheus_text(head + "a{b=1} 1\n").errors.empty());
    EXPECT_FALSE(parse_prometheus_text(head + "a one\n").errors.empty());
    EXPECT_FALSE(parse_prometheus_text(head + "a 1 2 3\n").errors.empty());
    EXPECT_FALSE(parse_prometheus_text(head + "a{b=\"1\"\n").errors.empty());
    EXPECT_FALSE(parse_prometheus_text(head + "# TYPE a counter\n").errors.empty());
    EXPECT_TRUE(parse_prometheus_text(head + "a{b=\"1\"} 1\n").errors.empty());
}

}  // namespace
}  // namespace notify::test
