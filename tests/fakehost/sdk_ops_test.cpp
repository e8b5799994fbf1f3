// The ABI 1.6 helpers of the C and C++ SDK (<notify/sdk.h>, <notify/plugin.hpp>,
// <notify/transport_plugin.hpp>) against the fake host: metrics registered and updated,
// readiness, log levels, an older host, and reconfigure wired only for a Server that has one.
#include <gtest/gtest.h>
#include <notify/plugin.hpp>
#include <notify/transport_plugin.hpp>

#include <array>
#include <stdexcept>
#include <string>

#include "test_support.hpp"

namespace notify::fakehost_test {
namespace {

struct Tables {
    Host host = new_host();
    const notify_host_api* api = notify_fakehost_api(host.get());
    notify_host_ctx* ctx = notify_fakehost_ctx(host.get());
};

double value_of(const notify_fakehost* host, const char* name, const char* label_value) {
    double value = -1;
    const char* values[] = {label_value};
    EXPECT_TRUE(notify_fakehost_metric_value(host, name, label_value == nullptr ? nullptr : values,
                                             label_value == nullptr ? 0 : 1, &value))
        << name;
    return value;
}

TEST(SdkOpsC, RegistersAndUpdatesASeries) {
    Tables t;
    const char* names[] = {"outcome"};
    const char* values[] = {"ok"};
    notify_error err{};
    notify_metric* decisions = nullptr;
    ASSERT_EQ(notify_metric_register_simple(t.api, t.ctx, NOTIFY_METRIC_COUNTER,
                                            "notify_c_decisions_total", "Decisions", names, values,
                                            1, nullptr, 0, &err, &decisions),
              NOTIFY_OK)
        << err.message;
    notify_metric_add(t.api, decisions, 2);
    notify_metric_add(t.api, nullptr, 5);  // not registered: nothing happens
    EXPECT_EQ(value_of(t.host.get(), "notify_c_decisions_total", "ok"), 2);

    const double bounds[] = {0.5, 1};
    notify_metric* latency = nullptr;
    ASSERT_EQ(notify_metric_register_simple(t.api, t.ctx, NOTIFY_METRIC_HISTOGRAM,
                                            "notify_c_latency_seconds", "Latency", nullptr, nullptr,
                                            0, bounds, 2, &err, &latency),
              NOTIFY_OK)
        << err.message;
    notify_metric_observe(t.api, latency, 0.75);
    std::uint64_t count = 0;
    double sum = 0;
    ASSERT_TRUE(notify_fakehost_metric_histogram(t.host.get(), "notify_c_latency_seconds", nullptr,
                                                 0, &count, &sum));
    EXPECT_EQ(count, 1u);
    EXPECT_EQ(sum, 0.75);

    notify_metric* gauge = nullptr;
    ASSERT_EQ(notify_metric_register_simple(t.api, t.ctx, NOTIFY_METRIC_GAUGE, "notify_c_depth",
                                            "Depth", nullptr, nullptr, 0, nullptr, 0, &err, &gauge),
              NOTIFY_OK);
    notify_metric_set(t.api, gauge, 9);
    EXPECT_EQ(value_of(t.host.get(), "notify_c_depth", nullptr), 9);

    // The host's refusal comes back with the metric named in err.
    notify_metric* refused = latency;
    EXPECT_EQ(notify_metric_register_simple(t.api, t.ctx, NOTIFY_METRIC_COUNTER, "notify_c_bad",
                                            "no _total", nullptr, nullptr, 0, nullptr, 0, &err,
                                            &refused),
              NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(refused, nullptr);
    EXPECT_NE(std::string(err.message).find("notify_c_bad"), std::string::npos) << err.message;
    const char* five[] = {"a", "b", "c", "d", "e"};
    EXPECT_EQ(notify_metric_register_simple(t.api, t.ctx, NOTIFY_METRIC_GAUGE, "notify_c_wide",
                                            "w", five, five, 5, nullptr, 0, &err, &refused),
              NOTIFY_ERR_INVALID_ARGUMENT);
}

TEST(SdkOpsC, ReadinessAndLogLevelsReachTheHost) {
    Tables t;
    notify_set_ready(t.api, t.ctx, false, "bus lost");
    const auto changes = calls_of(t.host.get(), NOTIFY_FAKEHOST_SET_READY);
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(text(changes[0]->text), "bus lost");
    EXPECT_EQ(changes[0]->number, 0u);
    notify_fakehost_set_log_level(t.host.get(), NOTIFY_LOG_INFO);
    EXPECT_FALSE(notify_log_enabled(t.api, t.ctx, NOTIFY_LOG_DEBUG));
    EXPECT_TRUE(notify_log_enabled(t.api, t.ctx, NOTIFY_LOG_INFO));
}

TEST(SdkOpsC, AnOlderHostIsToleratedWithoutCalls) {
    Tables t;
    notify_host_api older = *t.api;
    older.size = offsetof(notify_host_api, metric_register);
    notify_error err{};
    notify_metric* metric = reinterpret_cast<notify_metric*>(&t);
    EXPECT_EQ(notify_metric_register_simple(&older, t.ctx, NOTIFY_METRIC_GAUGE, "notify_c_gauge",
                                            "g", nullptr, nullptr, 0, nullptr, 0, &err, &metric),
              NOTIFY_ERR_UNSUPPORTED);
    EXPECT_EQ(metric, nullptr);
    EXPECT_NE(std::string(err.message).find("older than 1.6"), std::string::npos);
    notify_set_ready(&older, t.ctx, false, "x");
    EXPECT_TRUE(notify_log_enabled(&older, t.ctx, NOTIFY_LOG_DEBUG));
    EXPECT_TRUE(calls_of(t.host.get(), NOTIFY_FAKEHOST_SET_READY).empty());
    EXPECT_TRUE(calls_of(t.host.get(), NOTIFY_FAKEHOST_METRIC_REGISTER).empty());
}

TEST(SdkOpsCpp, MetricHandlesUpdateTheirSeries) {
    Tables t;
    const sdk::Host host(t.api, t.ctx, nullptr);
    sdk::Metric ok;
    const std::array labels{sdk::MetricLabel{"outcome", "ok"}};
    ASSERT_EQ(host.metric(ok, NOTIFY_METRIC_COUNTER, "notify_cpp_total", "Counted", labels),
              NOTIFY_OK);
    EXPECT_TRUE(ok.registered());
    const sdk::Metric copy = ok;
    ok.add(1);
    copy.add(2);
    EXPECT_EQ(value_of(t.host.get(), "notify_cpp_total", "ok"), 3);

    const std::array<double, 2> bounds{0.1, 0.2};
    sdk::Metric latency;
    ASSERT_EQ(host.metric(latency, NOTIFY_METRIC_HISTOGRAM, "notify_cpp_seconds", "Latency", {},
                          bounds),
              NOTIFY_OK);
    latency.observe(0.15);
    std::uint64_t count = 0;
    double sum = 0;
    ASSERT_TRUE(notify_fakehost_metric_histogram(t.host.get(), "notify_cpp_seconds", nullptr, 0,
                                                 &count, &sum));
    EXPECT_EQ(count, 1u);

    sdk::Metric refused = ok;
    EXPECT_EQ(host.metric(refused, NOTIFY_METRIC_GAUGE, "bad name", "x"),
              NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_FALSE(refused.registered());
    refused.add(1);  // ignored, no crash
    const std::array<sdk::MetricLabel, 5> five{};
    EXPECT_EQ(host.metric(refused, NOTIFY_METRIC_GAUGE, "notify_cpp_wide", "w", five),
              NOTIFY_ERR_INVALID_ARGUMENT);

    host.set_ready(false, "draining");
    EXPECT_EQ(text(calls_of(t.host.get(), NOTIFY_FAKEHOST_SET_READY).at(0)->text), "draining");
    notify_fakehost_set_log_level(t.host.get(), NOTIFY_LOG_ERROR);
    EXPECT_FALSE(host.log_enabled(NOTIFY_LOG_WARN));
    EXPECT_TRUE(host.log_enabled(NOTIFY_LOG_ERROR));

    notify_host_api older = *t.api;
    older.size = offsetof(notify_host_api, metric_register);
    const sdk::Host old_host(&older, t.ctx, nullptr);
    sdk::Metric none;
    EXPECT_EQ(old_host.metric(none, NOTIFY_METRIC_GAUGE, "notify_cpp_gauge", "g"),
              NOTIFY_ERR_UNSUPPORTED);
    EXPECT_FALSE(none.registered());
}

// ---- transport_plugin.hpp: reconfigure only for a Server that has it --------------------------

struct FixedServer {};

struct LiveServer {
    int calls = 0;
    notify_status reconfigure(const notify_config* config, notify_error*) {
        ++calls;
        if (config == nullptr) throw std::runtime_error("no table");
        return NOTIFY_OK;
    }
};

static_assert(!sdk::Reconfigurable<FixedServer>);
static_assert(sdk::Reconfigurable<LiveServer>);
static_assert(sdk::reconfigure_of<FixedServer>() == nullptr);

TEST(SdkOpsCpp, TransportReconfigureForwardsAndCatchesExceptions) {
    const auto reconfigure = sdk::reconfigure_of<LiveServer>();
    ASSERT_NE(reconfigure, nullptr);
    LiveServer server;
    notify_error err{};
    const auto* table = reinterpret_cast<const notify_config*>(&server);
    EXPECT_EQ(reconfigure(&server, table, &err), NOTIFY_OK);
    EXPECT_EQ(reconfigure(&server, nullptr, &err), NOTIFY_ERR_INTERNAL);
    EXPECT_STREQ(err.message, "no table");
    EXPECT_EQ(server.calls, 2);
}

}  // namespace
}  // namespace notify::fakehost_test
