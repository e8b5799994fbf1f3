// The fake host's ABI 1.6 members: metric_register and the updates (notify.h's rules, values a
// test reads back), set_ready and the HEALTH view, log_enabled, stats_view's documents, and
// notify_fakehost_reconfigure driving a linked plugin's reconfigure.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace notify::fakehost_test {
namespace {

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// A metric description with up to four labels; the views point into the caller's strings.
struct Desc {
    notify_metric_desc raw{};
    std::vector<notify_str> names;
    std::vector<notify_str> values;

    Desc(notify_metric_kind kind, std::string_view name,
         std::vector<std::pair<std::string_view, std::string_view>> labels = {}) {
        for (const auto& [label, value] : labels) {
            names.push_back(view(label));
            values.push_back(view(value));
        }
        raw.size = sizeof raw;
        raw.kind = kind;
        raw.name = view(name);
        raw.help = view("what it counts");
        raw.label_names = names.empty() ? nullptr : names.data();
        raw.label_values = values.empty() ? nullptr : values.data();
        raw.label_count = names.size();
    }
};

struct Fixture {
    Host host = new_host();
    const notify_host_api* api = notify_fakehost_api(host.get());
    notify_host_ctx* ctx = notify_fakehost_ctx(host.get());

    notify_status reg(const Desc& desc, notify_metric** out) const {
        return api->metric_register(ctx, &desc.raw, out);
    }
    std::string view_of(notify_stats_view_kind kind) const {
        notify_owned_bytes out{};
        EXPECT_EQ(api->stats_view(ctx, kind, &out), NOTIFY_OK);
        std::string document(reinterpret_cast<const char*>(out.data), out.len);
        out.release(out.release_ctx, out.data);
        return document;
    }
    std::string last_refusal() const {
        const auto registered = calls_of(host.get(), NOTIFY_FAKEHOST_METRIC_REGISTER);
        return registered.empty() ? std::string() : text(registered.back()->text);
    }
};

TEST(FakeHostMetrics, CountersAndGaugesKeepTheirValuesPerSeries) {
    Fixture f;
    notify_metric* ok = nullptr;
    notify_metric* denied = nullptr;
    notify_metric* depth = nullptr;
    ASSERT_EQ(f.reg(Desc(NOTIFY_METRIC_COUNTER, "notify_x_decisions_total", {{"outcome", "ok"}}), &ok),
              NOTIFY_OK);
    ASSERT_EQ(f.reg(Desc(NOTIFY_METRIC_COUNTER, "notify_x_decisions_total", {{"outcome", "denied"}}),
                    &denied),
              NOTIFY_OK);
    ASSERT_EQ(f.reg(Desc(NOTIFY_METRIC_GAUGE, "notify_x_queue_depth"), &depth), NOTIFY_OK);
    EXPECT_NE(ok, denied);
    notify_metric* again = nullptr;
    ASSERT_EQ(f.reg(Desc(NOTIFY_METRIC_COUNTER, "notify_x_decisions_total", {{"outcome", "ok"}}), &again),
              NOTIFY_OK);
    EXPECT_EQ(again, ok);

    f.api->metric_add(ok, 2);
    f.api->metric_add(ok, 1.5);
    f.api->metric_add(ok, -1);          // ignored: counters only grow
    f.api->metric_set(ok, 100);         // ignored: set is for gauges
    f.api->metric_add(ok, NAN);         // ignored: not finite
    f.api->metric_add(denied, 1);
    f.api->metric_set(depth, 7);
    f.api->metric_add(depth, -3);
    f.api->metric_observe(depth, 1);    // ignored: observe is for histograms
    f.api->metric_add(nullptr, 1);      // ignored

    const char* outcome_ok[] = {"ok"};
    const char* outcome_denied[] = {"denied"};
    double value = -1;
    ASSERT_TRUE(notify_fakehost_metric_value(f.host.get(), "notify_x_decisions_total", outcome_ok, 1,
                                             &value));
    EXPECT_EQ(value, 3.5);
    ASSERT_TRUE(notify_fakehost_metric_value(f.host.get(), "notify_x_decisions_total",
                                             outcome_denied, 1, &value));
    EXPECT_EQ(value, 1);
    ASSERT_TRUE(notify_fakehost_metric_value(f.host.get(), "notify_x_queue_depth", nullptr, 0, &value));
    EXPECT_EQ(value, 4);
    const char* unknown[] = {"maybe"};
    EXPECT_FALSE(notify_fakehost_metric_value(f.host.get(), "notify_x_decisions_total", unknown, 1,
                                              &value));
    EXPECT_FALSE(notify_fakehost_metric_value(f.host.get(), "notify_nothing", nullptr, 0, &value));
}

TEST(FakeHostMetrics, HistogramsCountAndSumIntoTheirBuckets) {
    Fixture f;
    const double bounds[] = {0.1, 1.0};
    Desc desc(NOTIFY_METRIC_HISTOGRAM, "notify_x_latency_seconds");
    desc.raw.buckets = bounds;
    desc.raw.bucket_count = 2;
    notify_metric* latency = nullptr;
    ASSERT_EQ(f.reg(desc, &latency), NOTIFY_OK);
    f.api->metric_observe(latency, 0.1);  // le 0.1 holds 0.1
    f.api->metric_observe(latency, 0.5);
    f.api->metric_observe(latency, 4);
    f.api->metric_add(latency, 1);        // ignored
    std::uint64_t count = 0;
    double sum = 0;
    ASSERT_TRUE(notify_fakehost_metric_histogram(f.host.get(), "notify_x_latency_seconds", nullptr,
                                                 0, &count, &sum));
    EXPECT_EQ(count, 3u);
    EXPECT_DOUBLE_EQ(sum, 4.6);
    double value = 0;
    EXPECT_FALSE(notify_fakehost_metric_value(f.host.get(), "notify_x_latency_seconds", nullptr, 0,
                                              &value));

    const std::string text = f.view_of(NOTIFY_STATS_PROMETHEUS);
    EXPECT_TRUE(contains(text, "# TYPE notify_x_latency_seconds histogram\n")) << text;
    EXPECT_TRUE(contains(text, "notify_x_latency_seconds_bucket{le=\"0.1\"} 1\n")) << text;
    EXPECT_TRUE(contains(text, "notify_x_latency_seconds_bucket{le=\"1\"} 2\n")) << text;
    EXPECT_TRUE(contains(text, "notify_x_latency_seconds_bucket{le=\"+Inf\"} 3\n")) << text;
    EXPECT_TRUE(contains(text, "notify_x_latency_seconds_sum 4.6\n")) << text;
    EXPECT_TRUE(contains(text, "notify_x_latency_seconds_count 3\n")) << text;

    // NULL buckets: the default latency buckets, 0.0001 s to 10 s.
    notify_metric* defaults = nullptr;
    ASSERT_EQ(f.reg(Desc(NOTIFY_METRIC_HISTOGRAM, "notify_x_commit_seconds"), &defaults), NOTIFY_OK);
    const std::string json = f.view_of(NOTIFY_STATS_JSON);
    EXPECT_TRUE(contains(json, "\"name\":\"notify_x_commit_seconds\",\"kind\":\"histogram\""))
        << json;
    EXPECT_TRUE(contains(json, "[0.0001,0]")) << json;
    EXPECT_TRUE(contains(json, "[10,0]]")) << json;
    EXPECT_TRUE(contains(json, "\"count\":3,\"sum\":4.6,\"buckets\":[[0.1,1],[1,2]]")) << json;
}

TEST(FakeHostMetrics, RefusesWhatBreaksTheRulesNamingTheRule) {
    Fixture f;
    notify_metric* out = reinterpret_cast<notify_metric*>(&f);
    struct Case {
        Desc desc;
        std::string reason;
    };
    std::vector<Case> cases;
    cases.push_back({Desc(NOTIFY_METRIC_COUNTER, "x_total"), "start with notify_"});
    cases.push_back({Desc(NOTIFY_METRIC_COUNTER, "notify_Upper_total"), "[a-z_][a-z0-9_]*"});
    cases.push_back({Desc(NOTIFY_METRIC_COUNTER, "notify_requests"), "must end in _total"});
    Desc unknown_kind(NOTIFY_METRIC_GAUGE, "notify_x");
    unknown_kind.raw.kind = 9;
    cases.push_back({unknown_kind, "unknown kind 9"});
    cases.push_back({Desc(NOTIFY_METRIC_GAUGE, "notify_x",
                          {{"a", "1"}, {"b", "2"}, {"c", "3"}, {"d", "4"}, {"e", "5"}}),
                     "at most 4"});
    cases.push_back({Desc(NOTIFY_METRIC_GAUGE, "notify_x", {{"__a", "1"}}), "not start with __"});
    cases.push_back({Desc(NOTIFY_METRIC_GAUGE, "notify_x", {{"a", "1"}, {"a", "2"}}), "given twice"});
    cases.push_back({Desc(NOTIFY_METRIC_HISTOGRAM, "notify_h", {{"le", "1"}}), "nor be le"});
    Desc multiline(NOTIFY_METRIC_GAUGE, "notify_x");
    multiline.raw.help = view("two\nlines");
    cases.push_back({multiline, "one line"});
    const double descending[] = {1.0, 0.5};
    Desc histogram(NOTIFY_METRIC_HISTOGRAM, "notify_h");
    histogram.raw.buckets = descending;
    histogram.raw.bucket_count = 2;
    cases.push_back({histogram, "strictly ascending"});
    const double infinite[] = {1.0, INFINITY};
    histogram.raw.buckets = infinite;
    cases.push_back({histogram, "finite"});
    Desc gauge_with_buckets(NOTIFY_METRIC_GAUGE, "notify_x");
    gauge_with_buckets.raw.buckets = descending;
    gauge_with_buckets.raw.bucket_count = 1;
    cases.push_back({gauge_with_buckets, "buckets are for histograms"});
    Desc old(NOTIFY_METRIC_GAUGE, "notify_x");
    old.raw.size = offsetof(notify_metric_desc, bucket_count);
    cases.push_back({old, "smaller than notify_metric_desc 1.6"});

    for (Case& c : cases) {
        // The cases were copied: point the views at the copies' arrays again.
        c.desc.raw.label_names = c.desc.names.empty() ? nullptr : c.desc.names.data();
        c.desc.raw.label_values = c.desc.values.empty() ? nullptr : c.desc.values.data();
        out = reinterpret_cast<notify_metric*>(&f);
        EXPECT_EQ(f.reg(c.desc, &out), NOTIFY_ERR_INVALID_ARGUMENT) << c.reason;
        EXPECT_EQ(out, nullptr) << c.reason;
        EXPECT_TRUE(contains(f.last_refusal(), c.reason)) << f.last_refusal();
    }
    EXPECT_EQ(f.api->metric_register(f.ctx, nullptr, &out), NOTIFY_ERR_INVALID_ARGUMENT);

    // A family keeps its description: another kind or other label names are refused.
    notify_metric* first = nullptr;
    ASSERT_EQ(f.reg(Desc(NOTIFY_METRIC_GAUGE, "notify_family", {{"a", "1"}}), &first), NOTIFY_OK);
    EXPECT_EQ(f.reg(Desc(NOTIFY_METRIC_GAUGE, "notify_family", {{"b", "1"}}), &out),
              NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_TRUE(contains(f.last_refusal(), "another kind, help, label names or buckets"));
    EXPECT_EQ(f.reg(Desc(NOTIFY_METRIC_HISTOGRAM, "notify_family", {{"a", "1"}}), &out),
              NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(calls_of(f.host.get(), NOTIFY_FAKEHOST_METRIC_REGISTER).back()->status,
              NOTIFY_ERR_INVALID_ARGUMENT);
}

TEST(FakeHostMetrics, AFamilyHoldsAtMost256Series) {
    Fixture f;
    std::vector<std::string> values;
    for (int i = 0; i < 257; ++i) values.push_back("v" + std::to_string(i));
    notify_metric* out = nullptr;
    for (int i = 0; i < 256; ++i) {
        ASSERT_EQ(f.reg(Desc(NOTIFY_METRIC_GAUGE, "notify_wide", {{"k", values[i]}}), &out), NOTIFY_OK);
    }
    EXPECT_EQ(f.reg(Desc(NOTIFY_METRIC_GAUGE, "notify_wide", {{"k", values[256]}}), &out),
              NOTIFY_ERR_LIMIT);
    EXPECT_TRUE(contains(f.last_refusal(), "256 series already"));
    // An existing series is still found.
    EXPECT_EQ(f.reg(Desc(NOTIFY_METRIC_GAUGE, "notify_wide", {{"k", values[3]}}), &out), NOTIFY_OK);
}

TEST(FakeHostMetrics, HandlesOutliveTheFakeHost) {
    notify_metric* late = nullptr;
    {
        Fixture f;
        ASSERT_EQ(f.reg(Desc(NOTIFY_METRIC_COUNTER, "notify_late_total"), &late), NOTIFY_OK);
    }
    // notify.h: valid until the process exits, so a plugin thread's late update is harmless
    // (the sanitizer build catches a freed series here).
    Fixture other;
    other.api->metric_add(late, 1);
    double value = 0;
    EXPECT_FALSE(notify_fakehost_metric_value(other.host.get(), "notify_late_total", nullptr, 0,
                                              &value));
}

TEST(FakeHostMetrics, PrometheusTextEscapesAndSortsFamilies) {
    Fixture f;
    notify_metric* b = nullptr;
    notify_metric* a = nullptr;
    Desc escaped(NOTIFY_METRIC_GAUGE, "notify_b", {{"reason", "say \"hi\"\\now"}});
    escaped.raw.help = view("back\\slash");
    ASSERT_EQ(f.reg(escaped, &b), NOTIFY_OK);
    ASSERT_EQ(f.reg(Desc(NOTIFY_METRIC_COUNTER, "notify_a_total", {{"x", "1"}, {"y", "2"}}), &a),
              NOTIFY_OK);
    f.api->metric_set(b, 0.25);
    f.api->metric_add(a, 3);
    EXPECT_EQ(f.view_of(NOTIFY_STATS_PROMETHEUS),
              "# HELP notify_a_total what it counts\n"
              "# TYPE notify_a_total counter\n"
              "notify_a_total{x=\"1\",y=\"2\"} 3\n"
              "# HELP notify_b back\\\\slash\n"
              "# TYPE notify_b gauge\n"
              "notify_b{reason=\"say \\\"hi\\\"\\\\now\"} 0.25\n");
    notify_fakehost_set_now_ms(f.host.get(), 1234);
    EXPECT_EQ(f.view_of(NOTIFY_STATS_JSON),
              "{\"time_ms\":1234,\"metrics\":["
              "{\"name\":\"notify_b\",\"kind\":\"gauge\",\"help\":\"back\\\\slash\",\"series\":["
              "{\"labels\":{\"reason\":\"say \\\"hi\\\"\\\\now\"},\"value\":0.25}]},"
              "{\"name\":\"notify_a_total\",\"kind\":\"counter\",\"help\":\"what it counts\","
              "\"series\":[{\"labels\":{\"x\":\"1\",\"y\":\"2\"},\"value\":3}]}]}");
}

// ---- readiness, log_enabled, the other views ---------------------------------------------------

notify_status ops_create(const notify_host_api*, notify_host_ctx*, const notify_config*,
                         void** instance, notify_error*) {
    static int storage = 0;
    *instance = &storage;
    return NOTIFY_OK;
}
void ops_destroy(void*) {}
void ops_on_event(void*, const notify_event*) {}
const notify_handler_vtable ops_handler = {sizeof(notify_handler_vtable), 0, ops_on_event};

notify_plugin_descriptor handler_descriptor(const char* name) {
    notify_plugin_descriptor descriptor{};
    descriptor.size = sizeof descriptor;
    descriptor.abi_major = NOTIFY_ABI_MAJOR;
    descriptor.abi_minor = NOTIFY_ABI_MINOR;
    descriptor.name = name;
    descriptor.kinds = NOTIFY_KIND_HANDLER;
    descriptor.create = ops_create;
    descriptor.destroy = ops_destroy;
    descriptor.handler = &ops_handler;
    return descriptor;
}

const notify_plugin_descriptor plain_handler = handler_descriptor("plain");
const notify_plugin_descriptor* plain_entry() {
    return &plain_handler;
}

TEST(FakeHostHealth, ReadyOnceStartedUntilThePluginSaysOtherwise) {
    Fixture f;
    notify_fakehost_set_instance_name(f.host.get(), "bus");
    ASSERT_EQ(notify_fakehost_use(f.host.get(), plain_entry), NOTIFY_OK);
    ASSERT_EQ(notify_fakehost_create(f.host.get()), NOTIFY_OK);
    EXPECT_FALSE(notify_fakehost_ready(f.host.get()));
    EXPECT_EQ(f.view_of(NOTIFY_STATS_HEALTH),
              "{\"live\":true,\"ready\":false,\"started\":false,\"problems\":[{\"instance\":\"bus\","
              "\"plugin\":\"plain\",\"reason\":\"not started\"}]}");
    ASSERT_EQ(notify_fakehost_start(f.host.get()), NOTIFY_OK);
    EXPECT_TRUE(notify_fakehost_ready(f.host.get()));
    EXPECT_EQ(f.view_of(NOTIFY_STATS_HEALTH),
              "{\"live\":true,\"ready\":true,\"started\":true,\"problems\":[]}");

    f.api->set_ready(f.ctx, false, view("redis \"down\""));
    EXPECT_FALSE(notify_fakehost_ready(f.host.get()));
    EXPECT_EQ(f.view_of(NOTIFY_STATS_HEALTH),
              "{\"live\":true,\"ready\":false,\"started\":true,\"problems\":[{\"instance\":\"bus\","
              "\"plugin\":\"plain\",\"reason\":\"redis \\\"down\\\"\"}]}");
    f.api->set_ready(f.ctx, true, view(""));
    EXPECT_TRUE(notify_fakehost_ready(f.host.get()));
    const auto changes = calls_of(f.host.get(), NOTIFY_FAKEHOST_SET_READY);
    ASSERT_EQ(changes.size(), 2u);
    EXPECT_EQ(changes[0]->number, 0u);
    EXPECT_EQ(text(changes[0]->text), "redis \"down\"");
    EXPECT_EQ(changes[1]->number, 1u);

    f.api->set_ready(f.ctx, false, notify_str{nullptr, 3});  // refused, not recorded
    EXPECT_EQ(calls_of(f.host.get(), NOTIFY_FAKEHOST_SET_READY).size(), 2u);
    notify_fakehost_stop(f.host.get());
    EXPECT_FALSE(notify_fakehost_ready(f.host.get()));
}

TEST(FakeHostLogs, LogEnabledFollowsTheConfiguredLevel) {
    Fixture f;
    EXPECT_TRUE(f.api->log_enabled(f.ctx, NOTIFY_LOG_DEBUG));
    notify_fakehost_set_log_level(f.host.get(), NOTIFY_LOG_WARN);
    EXPECT_FALSE(f.api->log_enabled(f.ctx, NOTIFY_LOG_DEBUG));
    EXPECT_FALSE(f.api->log_enabled(f.ctx, NOTIFY_LOG_INFO));
    EXPECT_TRUE(f.api->log_enabled(f.ctx, NOTIFY_LOG_WARN));
    EXPECT_TRUE(f.api->log_enabled(f.ctx, NOTIFY_LOG_ERROR));
}

TEST(FakeHostHeaders, KeepHeadersRecordsEachNameAndRefusesEmptyOnes) {
    Fixture f;
    const notify_str names[] = {view("Cookie"), view("x-real-ip")};
    EXPECT_EQ(f.api->keep_headers(f.ctx, names, 2), NOTIFY_OK);
    const auto kept = calls_of(f.host.get(), NOTIFY_FAKEHOST_KEEP_HEADERS);
    ASSERT_EQ(kept.size(), 2u);
    EXPECT_EQ(text(kept[0]->text), "Cookie");
    EXPECT_EQ(text(kept[1]->text), "x-real-ip");
    const notify_str empty[] = {view("")};
    EXPECT_EQ(f.api->keep_headers(f.ctx, empty, 1), NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(f.api->keep_headers(f.ctx, nullptr, 1), NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(calls_of(f.host.get(), NOTIFY_FAKEHOST_KEEP_HEADERS).size(), 2u);
}

TEST(FakeHostLogs, RecentLogsListTheWarningsAndErrors) {
    Fixture f;
    notify_fakehost_set_instance_name(f.host.get(), "me");
    notify_fakehost_set_now_ms(f.host.get(), 42);
    f.api->log(f.ctx, NOTIFY_LOG_INFO, view("fine"));
    f.api->log(f.ctx, NOTIFY_LOG_WARN, view("slow \"bus\""));
    f.api->log(f.ctx, NOTIFY_LOG_ERROR, view("lost"));
    EXPECT_EQ(f.view_of(NOTIFY_STATS_RECENT_LOGS),
              "{\"entries\":[{\"time_ms\":42,\"level\":\"warn\",\"instance\":\"me\",\"message\":"
              "\"slow \\\"bus\\\"\"},{\"time_ms\":42,\"level\":\"error\",\"instance\":\"me\","
              "\"message\":\"lost\"}]}");
    for (int i = 0; i < 150; ++i) f.api->log(f.ctx, NOTIFY_LOG_WARN, view("again"));
    const std::string many = f.view_of(NOTIFY_STATS_RECENT_LOGS);
    std::size_t entries = 0;
    for (std::size_t at = many.find("\"level\""); at != std::string::npos;
         at = many.find("\"level\"", at + 1)) {
        ++entries;
    }
    EXPECT_EQ(entries, 100u);
    EXPECT_FALSE(contains(many, "lost"));
}

TEST(FakeHostStatsView, AnUnknownKindIsInvalid) {
    Fixture f;
    notify_owned_bytes out{};
    EXPECT_EQ(f.api->stats_view(f.ctx, 99, &out), NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(f.api->stats_view(f.ctx, NOTIFY_STATS_JSON, nullptr), NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(f.view_of(NOTIFY_STATS_PROMETHEUS), "");
}

// ---- reconfigure ---------------------------------------------------------------------------------

struct LiveState {
    std::string room = "unset";
    std::vector<std::string> seen;  // every room reconfigure was offered
};
LiveState live;

const notify_config_key live_keys[] = {
    {"room", NOTIFY_CONFIG_STRING, "the room"},
    {"limit", NOTIFY_CONFIG_INT, "a limit"},
};

const notify_host_api* live_host = nullptr;

notify_status live_create(const notify_host_api* host, notify_host_ctx*, const notify_config* config,
                          void** instance, notify_error*) {
    live = LiveState{};
    live_host = host;
    notify_str room{};
    if (host->config_get_string(config, "room", &room) == NOTIFY_OK) live.room = text(room);
    *instance = &live;
    return NOTIFY_OK;
}

// All or nothing: a room named "bad" is refused and the old one kept.
notify_status live_reconfigure(void* instance, const notify_config* config, notify_error* err) {
    auto* state = static_cast<LiveState*>(instance);
    notify_str room{};
    const notify_status status = live_host->config_get_string(config, "room", &room);
    const std::string next = status == NOTIFY_OK ? text(room) : "absent";
    state->seen.push_back(next);
    if (next == "bad") {
        std::snprintf(err->message, sizeof err->message, "room 'bad' is not allowed");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    state->room = next;
    return NOTIFY_OK;
}

notify_plugin_descriptor live_descriptor(bool reconfigurable) {
    notify_plugin_descriptor descriptor = handler_descriptor(reconfigurable ? "live" : "fixed");
    descriptor.config_keys = live_keys;
    descriptor.config_key_count = 2;
    descriptor.create = live_create;
    descriptor.reconfigure = reconfigurable ? live_reconfigure : nullptr;
    return descriptor;
}

const notify_plugin_descriptor live_plugin = live_descriptor(true);
const notify_plugin_descriptor* live_entry() {
    return &live_plugin;
}
const notify_plugin_descriptor fixed_plugin = live_descriptor(false);
const notify_plugin_descriptor* fixed_entry() {
    return &fixed_plugin;
}
// A 1.5 plugin: its descriptor ends before reconfigure, whatever lies after it.
notify_plugin_descriptor older_descriptor() {
    notify_plugin_descriptor descriptor = live_descriptor(true);
    descriptor.size = offsetof(notify_plugin_descriptor, reconfigure);
    descriptor.abi_minor = 5;
    return descriptor;
}
const notify_plugin_descriptor older_plugin = older_descriptor();
const notify_plugin_descriptor* older_entry() {
    return &older_plugin;
}

TEST(FakeHostReconfigure, HandsTheChangedTableToThePlugin) {
    Host host = new_host();
    notify_fakehost_config_string(host.get(), "room", "lobby");
    ASSERT_EQ(notify_fakehost_use(host.get(), live_entry), NOTIFY_OK);
    ASSERT_EQ(notify_fakehost_create(host.get()), NOTIFY_OK);
    EXPECT_EQ(live.room, "lobby");
    ASSERT_EQ(notify_fakehost_start(host.get()), NOTIFY_OK);

    notify_fakehost_config_string(host.get(), "room", "hall");
    EXPECT_EQ(notify_fakehost_reconfigure(host.get()), NOTIFY_OK);
    EXPECT_EQ(live.room, "hall");

    notify_fakehost_config_string(host.get(), "room", "bad");
    EXPECT_EQ(notify_fakehost_reconfigure(host.get()), NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_STREQ(notify_fakehost_last_error(host.get()), "room 'bad' is not allowed");
    EXPECT_EQ(live.room, "hall");

    notify_fakehost_config_remove(host.get(), "room");
    EXPECT_EQ(notify_fakehost_reconfigure(host.get()), NOTIFY_OK);
    EXPECT_EQ(live.room, "absent");

    // A table that does not fit the schema never reaches the plugin.
    notify_fakehost_config_string(host.get(), "limit", "ten");
    EXPECT_EQ(notify_fakehost_reconfigure(host.get()), NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_TRUE(contains(notify_fakehost_last_error(host.get()), "limit"))
        << notify_fakehost_last_error(host.get());
    EXPECT_EQ(live.seen, (std::vector<std::string>{"hall", "bad", "absent"}));

    notify_fakehost_stop(host.get());
    EXPECT_EQ(notify_fakehost_reconfigure(host.get()), NOTIFY_ERR_CLOSED);
}

TEST(FakeHostReconfigure, WithoutReconfigureTheChangeNeedsARestart) {
    for (auto entry : {fixed_entry, older_entry}) {
        Host host = new_host();
        ASSERT_EQ(notify_fakehost_use(host.get(), entry), NOTIFY_OK);
        ASSERT_EQ(notify_fakehost_create(host.get()), NOTIFY_OK);
        notify_fakehost_config_string(host.get(), "room", "hall");
        EXPECT_EQ(notify_fakehost_reconfigure(host.get()), NOTIFY_ERR_UNSUPPORTED);
        EXPECT_TRUE(contains(notify_fakehost_last_error(host.get()), "needs a restart"))
            << notify_fakehost_last_error(host.get());
        EXPECT_TRUE(live.seen.empty());
    }
    Host none = new_host();
    EXPECT_EQ(notify_fakehost_reconfigure(none.get()), NOTIFY_ERR_INVALID_ARGUMENT);
}

}  // namespace
}  // namespace notify::fakehost_test
