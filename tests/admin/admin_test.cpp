// The admin plugin in a real notifyd: /metrics is valid Prometheus text whose counters move
// when clients publish, /healthz and /readyz answer, the overview JSON feeds the page, the token
// guards what reads the host, and bad requests get 4xx without hurting the listener.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "admin_fixture.hpp"
#include "prometheus_text.hpp"

namespace notify::test {
namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

// This suite's share of the test ports (39880-39889): one websocket port per test, so ctest
// may run them at once; the admin listeners take ephemeral ports.
constexpr unsigned short metrics_port = 39880;
constexpr unsigned short health_port = 39881;
constexpr unsigned short overview_port = 39882;
constexpr unsigned short token_port = 39883;
constexpr unsigned short bad_request_port = 39884;
constexpr unsigned short crowded_port = 39885;
// Never listened on: notifyd refuses the manifest before any transport starts.
constexpr unsigned short refused_port = crowded_port;
// 39886-39889: tests/browser/admin.test.mjs.

std::string bearer(const std::string& token) {
    return "Bearer " + token;
}

json parsed(const HttpReply& reply) {
    const json value = json::parse(reply.body, nullptr, false);
    EXPECT_FALSE(value.is_discarded()) << reply.body;
    return value;
}

TEST_F(AdminTest, Metrics_AreValidPrometheusTextAndCountPublishes) {
    ASSERT_NO_FATAL_FAILURE(start(metrics_port));
    const HttpReply before = get("/metrics");
    ASSERT_EQ(before.status, 200u) << before.body;
    EXPECT_EQ(before.header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    const PrometheusText first = parse_prometheus_text(before.body);
    EXPECT_TRUE(first.errors.empty()) << ::testing::PrintToString(first.errors);
    for (const char* family : {"notify_publishes_total", "notify_deliveries_total",
                               "notify_connections", "notify_topics"}) {
        EXPECT_EQ(first.types.count(family), 1u) << family << " missing in:\n" << before.body;
    }
    EXPECT_EQ(first.types.at("notify_publishes_total"), "counter");
    const double publishes_before = first.sum("notify_publishes_total").value_or(-1);
    ASSERT_GE(publishes_before, 0);

    ASSERT_NO_FATAL_FAILURE(publish("chat", 5));

    const PrometheusText after = parse_prometheus_text(get("/metrics").body);
    EXPECT_TRUE(after.errors.empty()) << ::testing::PrintToString(after.errors);
    EXPECT_GE(after.sum("notify_publishes_total").value_or(-1), publishes_before + 5);
}

TEST_F(AdminTest, Health_HealthzIsOkAndReadyzReportsReady) {
    ASSERT_NO_FATAL_FAILURE(start(health_port));
    const HttpReply healthz = get("/healthz");
    EXPECT_EQ(healthz.status, 200u);
    EXPECT_EQ(healthz.body, "ok\n");
    // The admin listener can answer before the host has marked every instance started; /readyz
    // must turn ready once startup completes, so poll for a bounded while.
    HttpReply readyz = get("/readyz");
    const auto deadline = std::chrono::steady_clock::now() + seconds(5);
    while (readyz.status != 200u && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(milliseconds(20));
        readyz = get("/readyz");
    }
    EXPECT_EQ(readyz.status, 200u) << readyz.body;
    const json health = parsed(readyz);
    EXPECT_EQ(health.value("ready", false), true) << readyz.body;
    EXPECT_EQ(health.value("live", false), true) << readyz.body;
}

TEST_F(AdminTest, Overview_ShowsTheNodeTheHistoryAndAMovingPublishRate) {
    ASSERT_NO_FATAL_FAILURE(start(overview_port));
    ASSERT_NO_FATAL_FAILURE(publish("chat", 20));
    // A few sample intervals (200 ms) so the publishes fall between two samples.
    json overview;
    bool moved = false;
    const auto deadline = std::chrono::steady_clock::now() + seconds(5);
    while (!moved && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(milliseconds(250));
        const HttpReply reply = get("/admin/api/overview");
        ASSERT_EQ(reply.status, 200u) << reply.body;
        overview = parsed(reply);
        for (const json& sample : overview["history"]) {
            if (sample["publishes_per_second"].is_number() &&
                sample["publishes_per_second"].get<double>() > 0) {
                moved = true;
            }
        }
    }
    EXPECT_TRUE(moved) << overview.dump(2);
    EXPECT_EQ(overview["sample_interval_ms"], 200);
    ASSERT_TRUE(overview["nodes"].is_array()) << overview.dump(2);
    ASSERT_EQ(overview["nodes"].size(), 1u) << overview.dump(2);
    EXPECT_EQ(overview["nodes"][0].value("self", false), true);
    EXPECT_GE(overview["current"]["publishes_total"].get<double>(), 20);
    EXPECT_GE(overview["history"].size(), 2u);
    EXPECT_TRUE(overview["recent_logs"].is_array());
    EXPECT_TRUE(overview["problems"].empty()) << overview["problems"].dump();
    EXPECT_TRUE(overview["topics"]["by_subscribers"].is_array());
}

TEST_F(AdminTest, Token_GuardsWhatReadsTheHostButNotHealthzOrThePage) {
    ASSERT_NO_FATAL_FAILURE(
        start(token_port, "token_env = \"" + std::string{admin_token_variable} + "\"\n"));
    // /readyz answers 200 only once the host has marked every instance started, which can come
    // after the admin listener answers (see Health_ above): wait for it, bounded.
    const auto ready_deadline = std::chrono::steady_clock::now() + seconds(5);
    while (get("/readyz", bearer(admin_token)).status != 200u &&
           std::chrono::steady_clock::now() < ready_deadline) {
        std::this_thread::sleep_for(milliseconds(20));
    }
    for (const char* target : {"/metrics", "/readyz", "/admin/api/overview"}) {
        const HttpReply without = get(target);
        EXPECT_EQ(without.status, 401u) << target;
        EXPECT_EQ(without.header("www-authenticate"), "Bearer realm=\"notify admin\"");
        EXPECT_EQ(get(target, bearer("admin-test-token-wrong")).status, 401u) << target;
        EXPECT_EQ(get(target, "Basic " + std::string{admin_token}).status, 401u) << target;
        EXPECT_EQ(get(target, bearer(admin_token)).status, 200u) << target;
    }
    EXPECT_EQ(get("/healthz").status, 200u);
    const HttpReply page = get("/admin/");
    EXPECT_EQ(page.status, 200u);
    EXPECT_EQ(page.header("content-type"), "text/html; charset=utf-8");
    EXPECT_NE(page.body.find("<canvas id=\"chart-publishes\""), std::string::npos);
    const HttpReply root = get("/");
    EXPECT_EQ(root.status, 302u);
    EXPECT_EQ(root.header("location"), "/admin/");
}

TEST_F(AdminTest, BadRequests_Get4xxAndTheListenerKeepsServing) {
    ASSERT_NO_FATAL_FAILURE(start(bad_request_port));
    EXPECT_EQ(get("/nope").status, 404u);
    EXPECT_EQ(get("/admin/nope.js").status, 404u);
    {
        HttpRequest post;
        post.method = "POST";
        post.target = "/metrics";
        HttpClient client(admin_port_);
        const HttpReply reply = client.send(post);
        EXPECT_EQ(reply.status, 405u);
        EXPECT_EQ(reply.header("allow"), "GET, HEAD");
    }
    {
        HttpClient client(admin_port_);
        client.write_raw("NOT HTTP AT ALL\r\n\r\n", seconds(2));
        EXPECT_EQ(client.read_reply().status, 400u);
    }
    {
        HttpClient client(admin_port_);
        client.write_raw("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " +
                             std::string(16 * 1024, 'a') + "\r\n\r\n",
                         seconds(2));
        EXPECT_EQ(client.read_reply().status, 431u);
    }
    {
        HttpClient client(admin_port_);
        client.write_raw("GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
                         seconds(2));
        EXPECT_EQ(client.read_reply().status, 400u);
    }
    {
        // An idle keep-alive connection is closed by the server, not kept for ever.
        HttpClient idle(admin_port_);
        EXPECT_TRUE(idle.closed_by_server(seconds(5)));
    }
    EXPECT_EQ(get("/healthz").status, 200u);
    EXPECT_TRUE(notifyd_->running());
}

TEST_F(AdminTest, MaxConnections_ClosesTheConnectionsPastTheLimit) {
    ASSERT_NO_FATAL_FAILURE(start(crowded_port, "max_connections = 2\n"));
    HttpClient first(admin_port_);
    HttpClient second(admin_port_);
    // Both are accepted (the listener has counted them) once each has been answered.
    HttpRequest healthz;
    healthz.method = "GET";
    healthz.target = "/healthz";
    healthz.body.clear();
    healthz.json_content_type = false;
    ASSERT_EQ(first.send(healthz).status, 200u);
    ASSERT_EQ(second.send(healthz).status, 200u);
    HttpClient third(admin_port_);
    EXPECT_TRUE(third.closed_by_server(seconds(5)));
    EXPECT_EQ(first.send(healthz).status, 200u);
}

TEST_F(AdminTest, Config_NonLoopbackListenWithoutATokenIsRefused) {
    write_file(dir_.path() / "refused.toml",
               admin_manifest(refused_port, "listen = \"0.0.0.0:0\"\n"));
    Process check({NOTIFYD_PATH, "--config", (dir_.path() / "refused.toml").string()}, dir_.path(),
                  "refused");
    const auto exit_code = check.wait_for(seconds(10));
    ASSERT_TRUE(exit_code.has_value());
    EXPECT_NE(*exit_code, 0);
    EXPECT_NE(check.stderr_text().find("a non-loopback address needs a token"), std::string::npos)
        << check.stderr_text();
}

}  // namespace
}  // namespace notify::test
