// ABI 1.6 through a real engine, called as a plugin calls it: metric registration and updates,
// the stats views (Prometheus text, JSON, health, recent logs), readiness and log_enabled.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine_harness.hpp"

namespace notify::runtime::test {
namespace {

std::string view_of(const notify_host_api& api, notify_host_ctx* ctx, std::uint32_t kind) {
    notify_owned_bytes out{};
    EXPECT_EQ(api.stats_view(ctx, kind, &out), NOTIFY_OK);
    std::string text(reinterpret_cast<const char*>(out.data), out.len);
    out.release(out.release_ctx, out.data);
    return text;
}

notify_str str(std::string_view text) { return notify_str{text.data(), text.size()}; }

// The value of the first sample line starting with `prefix` ("name{labels}"), or -1.
double sample(const std::string& text, std::string_view prefix) {
    std::size_t at = 0;
    while ((at = text.find(prefix, at)) != std::string::npos) {
        if (at == 0 || text[at - 1] == '\n') {
            const std::size_t space = text.find(' ', at + prefix.size());
            if (space == at + prefix.size()) return std::stod(text.substr(space + 1));
        }
        at += prefix.size();
    }
    return -1;
}

TEST(Operations, PluginMetric_IsRegisteredUpdatedAndRendered) {
    EngineHarness harness(fixture_manifest({}));
    PluginControls plugin;
    const auto [api, ctx] = plugin.host("observer");
    ASSERT_NE(api, nullptr);
    ASSERT_TRUE(NOTIFY_HAS_FIELD(api, notify_host_api, log_enabled));

    const notify_str label_names[] = {str("kind")};
    const notify_str label_values[] = {str("fixture")};
    notify_metric_desc desc{};
    desc.size = sizeof desc;
    desc.kind = NOTIFY_METRIC_COUNTER;
    desc.name = str("notify_fixture_things_total");
    desc.help = str("Things the fixture saw");
    desc.label_names = label_names;
    desc.label_values = label_values;
    desc.label_count = 1;
    notify_metric* things = nullptr;
    ASSERT_EQ(api->metric_register(ctx, &desc, &things), NOTIFY_OK);
    api->metric_add(things, 2);
    api->metric_add(things, 1);

    const std::string text = view_of(*api, ctx, NOTIFY_STATS_PROMETHEUS);
    EXPECT_EQ(sample(text, "notify_fixture_things_total{kind=\"fixture\"}"), 3);
    EXPECT_NE(text.find("# TYPE notify_fixture_things_total counter\n"), std::string::npos);
    // The host's own metrics are there too, with the transport's instance as a label.
    EXPECT_EQ(sample(text, "notify_connections{transport=\"front\"}"), 0);
    EXPECT_GE(sample(text, "notify_publishes_total"), 0);

    // Series are process-wide: other tests' refusals count too, so compare before and after.
    const std::string_view errors = "notify_plugin_errors_total{instance=\"observer\"}";
    const double errors_before = sample(view_of(*api, ctx, NOTIFY_STATS_PROMETHEUS), errors);
    desc.name = str("fixture_things_total");  // not notify_: refused, and said why
    notify_metric* refused = things;
    EXPECT_EQ(api->metric_register(ctx, &desc, &refused), NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(refused, nullptr);
    desc.name = str("notify_fixture_other_total");
    desc.kind = 99;
    EXPECT_EQ(api->metric_register(ctx, &desc, &refused), NOTIFY_ERR_INVALID_ARGUMENT);
    desc.kind = NOTIFY_METRIC_COUNTER;
    EXPECT_EQ(harness.logs().matching("starts with notify_").size(), 1u);
    EXPECT_EQ(sample(view_of(*api, ctx, NOTIFY_STATS_PROMETHEUS), errors) - errors_before, 2);
}

TEST(Operations, CoreCounts_ReachTheViewsWhenTheyAreRead) {
    EngineHarness harness(fixture_manifest({}));
    TransportControls transport;
    PluginControls plugin;
    const auto [api, ctx] = plugin.host("observer");
    transport.connect(1);
    protocol::SubscribeCommand subscribe;
    subscribe.topic = "news";
    transport.send(1, protocol::Command{2, subscribe});
    ASSERT_EQ(transport.frames(1, 2).size(), 2u);
    const std::string before = view_of(*api, ctx, NOTIFY_STATS_PROMETHEUS);
    ASSERT_EQ(plugin.publish("observer", "news", "one"), NOTIFY_OK);
    ASSERT_EQ(transport.frames(1, 3).size(), 3u);

    const std::string after = view_of(*api, ctx, NOTIFY_STATS_PROMETHEUS);
    EXPECT_EQ(sample(after, "notify_connections{transport=\"front\"}"), 1);
    EXPECT_EQ(sample(after, "notify_clients{state=\"active\"}"), 1);
    EXPECT_EQ(sample(after, "notify_topics"), 1);
    EXPECT_EQ(sample(after, "notify_subscriptions"), 1);
    EXPECT_EQ(sample(after, "notify_publishes_total") - sample(before, "notify_publishes_total"),
              1);
    EXPECT_GE(sample(after, "notify_deliveries_total") - sample(before, "notify_deliveries_total"),
              1);
    EXPECT_GE(sample(after, "notify_auth_decisions_total{instance=\"gate\",call=\"authenticate\","
                            "outcome=\"allow\"}"),
              1);
    EXPECT_GE(sample(after, "notify_broker_publish_seconds_count"), 1);

    const auto json = nlohmann::json::parse(view_of(*api, ctx, NOTIFY_STATS_JSON));
    bool found = false;
    for (const auto& metric : json["metrics"]) {
        if (metric["name"] == "notify_topics") found = metric["series"][0]["value"] == 1;
    }
    EXPECT_TRUE(found);
}

TEST(Operations, Readiness_FollowsStartAndWhatPluginsSay) {
    EngineHarness harness(fixture_manifest({}));
    PluginControls plugin;
    const auto [api, ctx] = plugin.host("observer");
    auto health = nlohmann::json::parse(view_of(*api, ctx, NOTIFY_STATS_HEALTH));
    EXPECT_EQ(health["ready"], true);
    EXPECT_EQ(health["problems"].size(), 0u);

    api->set_ready(ctx, false, str("lost its bus"));
    health = nlohmann::json::parse(view_of(*api, ctx, NOTIFY_STATS_HEALTH));
    EXPECT_EQ(health["ready"], false);
    ASSERT_EQ(health["problems"].size(), 1u);
    EXPECT_EQ(health["problems"][0]["instance"], "observer");
    EXPECT_EQ(health["problems"][0]["reason"], "lost its bus");
    EXPECT_EQ(harness.logs().matching("[observer] not ready: lost its bus").size(), 1u);

    api->set_ready(ctx, true, str(""));
    EXPECT_EQ(nlohmann::json::parse(view_of(*api, ctx, NOTIFY_STATS_HEALTH))["ready"], true);

    harness.engine().stop();
    health = nlohmann::json::parse(view_of(*api, ctx, NOTIFY_STATS_HEALTH));
    EXPECT_EQ(health["ready"], false);
    EXPECT_EQ(health["live"], true);
}

// The entries themselves come from notifyd's own log sink, which the tests' log capture replaces:
// tests/e2e (Abi16Test) reads them from a real notifyd.
TEST(Operations, RecentLogsAndLogEnabled_Answer) {
    EngineHarness harness(fixture_manifest({}));
    PluginControls plugin;
    const auto [api, ctx] = plugin.host("observer");
    const auto logs = nlohmann::json::parse(view_of(*api, ctx, NOTIFY_STATS_RECENT_LOGS));
    EXPECT_TRUE(logs["entries"].is_array());
    EXPECT_TRUE(api->log_enabled(ctx, NOTIFY_LOG_ERROR));

    notify_owned_bytes out{};
    EXPECT_EQ(api->stats_view(ctx, 99, &out), NOTIFY_ERR_INVALID_ARGUMENT);
}

}  // namespace
}  // namespace notify::runtime::test
