// The webhook handler plugin on the fake host (sdk/fakehost), against a recording HTTP backend
// on loopback: batching, signatures, retries, overflow, the configured events, bad config.
#include <gtest/gtest.h>
#include <notify/fakehost.h>
#include <notify/notify.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "proxy_backend.hpp"
#include "refusing_port.hpp"
#include "webhook_backend.hpp"

namespace notify::test {
namespace {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr const char* kSecret = "s3cret-for-tests";

std::string hmac_hex(const std::string& key, const std::string& body) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest, &len);
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < len; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 0x0f];
    }
    return out;
}

notify_str view(const char* text) {
    return notify_str{text, std::char_traits<char>::length(text)};
}

// The plugin in a fake host, with the secret in the environment unless a test says otherwise.
class Webhook {
  public:
    explicit Webhook(const std::string& url) : host_(notify_fakehost_new()) {
        ::setenv("NOTIFY_WEBHOOK_TEST_SECRET", kSecret, 1);
        EXPECT_EQ(notify_fakehost_load(host_, NOTIFY_PLUGIN_WEBHOOK), NOTIFY_OK)
            << notify_fakehost_last_error(host_);
        if (!url.empty()) notify_fakehost_config_string(host_, "url", url.c_str());
    }
    ~Webhook() { notify_fakehost_free(host_); }
    Webhook(const Webhook&) = delete;
    Webhook& operator=(const Webhook&) = delete;

    notify_fakehost* host() { return host_; }
    // A counter or gauge of the plugin (no labels); -1 when it is not registered.
    double metric(const char* name) const {
        double value = -1;
        return notify_fakehost_metric_value(host_, name, nullptr, 0, &value) ? value : -1;
    }
    std::uint64_t post_count() const {
        std::uint64_t count = 0;
        double sum = 0;
        EXPECT_TRUE(notify_fakehost_metric_histogram(host_, "notify_webhook_post_seconds",
                                                     nullptr, 0, &count, &sum));
        return count;
    }
    void signed_by_env() {
        notify_fakehost_config_string(host_, "secret_env", "NOTIFY_WEBHOOK_TEST_SECRET");
    }
    void start() {
        ASSERT_EQ(notify_fakehost_create(host_), NOTIFY_OK) << notify_fakehost_last_error(host_);
        ASSERT_EQ(notify_fakehost_start(host_), NOTIFY_OK) << notify_fakehost_last_error(host_);
    }
    // create()'s error message, "" when create() succeeded.
    std::string create_error() {
        if (notify_fakehost_create(host_) == NOTIFY_OK) return {};
        return notify_fakehost_last_error(host_);
    }

    void subscribe(const std::string& client, const std::string& topic) {
        notify_event event{};
        event.type = NOTIFY_EVENT_SUBSCRIBE;
        event.client_id = notify_str{client.data(), client.size()};
        event.topic = notify_str{topic.data(), topic.size()};
        notify_fakehost_event(host_, &event);
    }
    void send(notify_event event) { notify_fakehost_event(host_, &event); }
    void stop() { notify_fakehost_stop(host_); }

    // Every log line the plugin wrote.
    std::vector<std::string> logs() const {
        std::vector<std::string> lines;
        for (std::size_t i = 0; i < notify_fakehost_call_count(host_); ++i) {
            const notify_fakehost_call* call = notify_fakehost_call_at(host_, i);
            if (call->kind == NOTIFY_FAKEHOST_LOG)
                lines.emplace_back(call->text.data, call->text.len);
        }
        return lines;
    }
    bool logged(const std::string& needle) const {
        for (const std::string& line : logs()) {
            if (line.find(needle) != std::string::npos) return true;
        }
        return false;
    }

  private:
    notify_fakehost* host_;
};

// The topics of the subscribe events in the delivered bodies, in order.
std::vector<std::string> delivered_topics(const WebhookBackend& backend) {
    std::vector<std::string> topics;
    for (const std::string& body : backend.delivered_bodies()) {
        const Json parsed = Json::parse(body);
        for (const Json& event : parsed["events"]) topics.push_back(event["topic"]);
    }
    return topics;
}

std::vector<std::string> numbered(int from, int to) {
    std::vector<std::string> out;
    for (int i = from; i <= to; ++i) out.push_back("t" + std::to_string(i));
    return out;
}

TEST(WebhookConfig, CreateRefusesMissingOrBadSettingsNamingTheKey) {
    {
        Webhook webhook{""};
        webhook.signed_by_env();
        const std::string error = webhook.create_error();
        EXPECT_NE(error.find("'url'"), std::string::npos) << error;
        EXPECT_NE(error.find("required"), std::string::npos) << error;
    }
    {
        Webhook webhook{"ftp://127.0.0.1/hook"};
        webhook.signed_by_env();
        const std::string error = webhook.create_error();
        EXPECT_NE(error.find("must start with http:// or https://"), std::string::npos) << error;
    }
    {
        Webhook webhook{"http://127.0.0.1:1/hook"};
        const std::string error = webhook.create_error();
        EXPECT_NE(error.find("no signing secret"), std::string::npos) << error;
        EXPECT_NE(error.find("unsigned = true"), std::string::npos) << error;
    }
    {
        Webhook webhook{"http://127.0.0.1:1/hook"};
        notify_fakehost_config_string(webhook.host(), "secret_env", "NOTIFY_WEBHOOK_TEST_UNSET");
        ::unsetenv("NOTIFY_WEBHOOK_TEST_UNSET");
        const std::string error = webhook.create_error();
        EXPECT_NE(error.find("NOTIFY_WEBHOOK_TEST_UNSET"), std::string::npos) << error;
    }
    {
        Webhook webhook{"http://127.0.0.1:1/hook"};
        webhook.signed_by_env();
        const char* events[] = {"connect", "teleport"};
        notify_fakehost_config_string_array(webhook.host(), "events", events, 2);
        const std::string error = webhook.create_error();
        EXPECT_NE(error.find("unknown event \"teleport\""), std::string::npos) << error;
    }
    {
        Webhook webhook{"http://127.0.0.1:1/hook"};
        notify_fakehost_config_bool(webhook.host(), "unsigned", true);
        EXPECT_EQ(webhook.create_error(), "");
    }
}

TEST(WebhookBatching, CutsABatchAtBatchSizeWithoutWaitingForTheDelay) {
    WebhookBackend backend;
    Webhook webhook{backend.url()};
    webhook.signed_by_env();
    notify_fakehost_config_int(webhook.host(), "batch_size", 3);
    notify_fakehost_config_duration_ms(webhook.host(), "batch_delay", 30'000);
    webhook.start();
    for (const std::string& topic : numbered(1, 7)) webhook.subscribe("c1", topic);
    ASSERT_TRUE(backend.wait_for_delivered_events(6, milliseconds{5000}));
    // The seventh waits for a fuller batch (the delay is 30 s) ...
    EXPECT_FALSE(backend.wait_for_requests(3, milliseconds{300}));
    const auto bodies = backend.delivered_bodies();
    ASSERT_EQ(bodies.size(), 2u);
    EXPECT_EQ(Json::parse(bodies[0])["events"].size(), 3u);
    EXPECT_EQ(Json::parse(bodies[1])["events"].size(), 3u);
    // ... until stop() flushes it.
    webhook.stop();
    EXPECT_EQ(delivered_topics(backend), numbered(1, 7));
    EXPECT_TRUE(webhook.logged("7 events delivered in 3 batches")) << webhook.logs().back();
}

TEST(WebhookBatching, SendsAPartialBatchAfterBatchDelay) {
    WebhookBackend backend;
    Webhook webhook{backend.url()};
    webhook.signed_by_env();
    notify_fakehost_config_duration_ms(webhook.host(), "batch_delay", 300);
    webhook.start();
    const auto sent = Clock::now();
    webhook.subscribe("c1", "a");
    webhook.subscribe("c1", "b");
    ASSERT_TRUE(backend.wait_for_requests(1, milliseconds{5000}));
    const auto waited = Clock::now() - sent;
    EXPECT_GE(waited, milliseconds{250});
    EXPECT_LT(waited, milliseconds{3000});
    ASSERT_TRUE(backend.wait_for_delivered_events(2, milliseconds{2000}));
    EXPECT_EQ(delivered_topics(backend), (std::vector<std::string>{"a", "b"}));
}

TEST(WebhookSignature, IsTheHmacOfTheExactBodyAndTheEventsAreComplete) {
    WebhookBackend backend;
    Webhook webhook{backend.url()};
    webhook.signed_by_env();
    notify_fakehost_config_duration_ms(webhook.host(), "batch_delay", 0);
    const char* events[] = {"connect", "inactivate"};
    notify_fakehost_config_string_array(webhook.host(), "events", events, 2);
    const char* headers[] = {"X-Test-Extra: hello"};
    notify_fakehost_config_string_array(webhook.host(), "headers", headers, 1);
    webhook.start();

    notify_event connect{};
    connect.type = NOTIFY_EVENT_CONNECT;
    connect.time_ms = 1234;
    connect.client_id = view("c1");
    connect.user_id = view("alice");
    connect.client_info = view(R"({"name":"Alice"})");
    webhook.send(connect);
    notify_event gone{};
    gone.type = NOTIFY_EVENT_INACTIVATE;
    gone.time_ms = 1235;
    gone.client_id = view("c1");
    gone.close_code = NOTIFY_CLOSE_SLOW_CONSUMER;
    gone.reason = view(NOTIFY_REASON_SLOW);
    webhook.send(gone);
    ASSERT_TRUE(backend.wait_for_delivered_events(2, milliseconds{5000}));

    std::vector<Json> seen;
    for (const WebhookRequest& request : backend.received()) {
        EXPECT_EQ(request.target, "/hook");
        EXPECT_EQ(request.content_type, "application/json");
        EXPECT_EQ(request.extra, "hello");
        EXPECT_EQ(request.signature, "sha256=" + hmac_hex(kSecret, request.body));
        EXPECT_NE(request.signature, "sha256=" + hmac_hex("another secret", request.body));
        const Json body = Json::parse(request.body);
        EXPECT_EQ(body["delivery_id"], request.delivery);
        EXPECT_EQ(request.delivery.size(), 32u);
        for (const Json& event : body["events"]) seen.push_back(event);
    }
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0], Json::parse(R"({"type":"connect","time_ms":1234,"client":"c1",
                                       "user":"alice","info":{"name":"Alice"}})"));
    EXPECT_EQ(seen[1], Json::parse(R"({"type":"inactivate","time_ms":1235,"client":"c1",
                                       "reason":"slow","code":4001})"));
}

TEST(WebhookDelivery, RetriesTheSameBatchUntilTheBackendAnswers2xx) {
    // The first three attempts fail with 503: the same batch comes again, then the next ones.
    WebhookBackend backend{
        [](const WebhookRequest&, std::size_t index) { return index < 3 ? 503u : 200u; }};
    Webhook webhook{backend.url()};
    webhook.signed_by_env();
    notify_fakehost_config_int(webhook.host(), "batch_size", 4);
    notify_fakehost_config_duration_ms(webhook.host(), "retry_initial", 20);
    notify_fakehost_config_duration_ms(webhook.host(), "retry_max", 50);
    webhook.start();
    for (const std::string& topic : numbered(1, 10)) webhook.subscribe("c1", topic);
    ASSERT_TRUE(backend.wait_for_delivered_events(10, milliseconds{5000}));
    const auto requests = backend.received();
    ASSERT_GE(requests.size(), 4u);
    for (std::size_t i = 1; i <= 3; ++i) {
        EXPECT_EQ(requests[i].delivery, requests[0].delivery);
        EXPECT_EQ(requests[i].body, requests[0].body);
    }
    std::set<std::string> ids;
    for (std::size_t i = 3; i < requests.size(); ++i) ids.insert(requests[i].delivery);
    EXPECT_EQ(ids.size(), requests.size() - 3) << "a delivered batch was sent again";
    EXPECT_EQ(delivered_topics(backend), numbered(1, 10));
    webhook.stop();
    EXPECT_TRUE(webhook.logged("3 retries")) << webhook.logs().back();
    EXPECT_TRUE(webhook.logged("HTTP status 503"));
    // The same counts as Prometheus series (ABI 1.6).
    EXPECT_EQ(webhook.metric("notify_webhook_events_delivered_total"), 10);
    EXPECT_EQ(webhook.metric("notify_webhook_batches_delivered_total"), 3);  // 4 + 4 + 2
    EXPECT_EQ(webhook.metric("notify_webhook_failed_attempts_total"), 3);
    EXPECT_EQ(webhook.post_count(), 3u);
    EXPECT_EQ(webhook.metric("notify_webhook_queued_events"), 0);
}

TEST(WebhookDelivery, LosesNothingWhileTheBackendIsDownAndComesBack) {
    const RefusingPort refusing;
    const std::uint16_t port = refusing.port();
    Webhook webhook{"http://127.0.0.1:" + std::to_string(port) + "/hook"};
    webhook.signed_by_env();
    notify_fakehost_config_int(webhook.host(), "batch_size", 5);
    notify_fakehost_config_duration_ms(webhook.host(), "retry_initial", 20);
    notify_fakehost_config_duration_ms(webhook.host(), "retry_max", 100);
    webhook.start();
    for (const std::string& topic : numbered(1, 20)) webhook.subscribe("c1", topic);
    std::this_thread::sleep_for(milliseconds{400});  // several refused attempts
    WebhookBackend backend{{}, port};
    for (const std::string& topic : numbered(21, 30)) webhook.subscribe("c1", topic);
    ASSERT_TRUE(backend.wait_for_delivered_events(30, milliseconds{5000}));
    EXPECT_EQ(delivered_topics(backend), numbered(1, 30));
    webhook.stop();
    EXPECT_TRUE(webhook.logged("Connection refused"));
    EXPECT_TRUE(webhook.logged("30 events delivered"));
}

TEST(WebhookOverflow, DropsTheOldestWaitingEventsNeverTheBatchInFlight) {
    WebhookBackend backend;
    backend.hold();
    Webhook webhook{backend.url()};
    webhook.signed_by_env();
    notify_fakehost_config_int(webhook.host(), "batch_size", 2);
    notify_fakehost_config_int(webhook.host(), "queue_size", 5);
    notify_fakehost_config_duration_ms(webhook.host(), "batch_delay", 30'000);
    webhook.start();
    webhook.subscribe("c1", "t1");
    webhook.subscribe("c1", "t2");
    ASSERT_TRUE(backend.wait_for_requests(1, milliseconds{5000}));  // [t1, t2] in flight, held
    for (const std::string& topic : numbered(3, 12)) webhook.subscribe("c1", topic);
    EXPECT_TRUE(webhook.logged("queue full (queue_size 5)"));
    backend.release();
    ASSERT_TRUE(backend.wait_for_delivered_events(6, milliseconds{5000}));
    webhook.stop();  // flushes t12
    std::vector<std::string> expected{"t1", "t2"};
    for (const std::string& topic : numbered(8, 12)) expected.push_back(topic);
    EXPECT_EQ(delivered_topics(backend), expected);
    EXPECT_TRUE(webhook.logged("5 dropped (queue full)")) << webhook.logs().back();
    EXPECT_EQ(webhook.metric("notify_webhook_events_dropped_total"), 5);
    EXPECT_EQ(webhook.metric("notify_webhook_events_delivered_total"), 7);
    EXPECT_EQ(webhook.metric("notify_webhook_queued_events"), 0);
}

TEST(WebhookEvents, PostsOnlyTheConfiguredEvents) {
    WebhookBackend backend;
    Webhook webhook{backend.url()};
    webhook.signed_by_env();
    const char* events[] = {"subscribe", "publish"};
    notify_fakehost_config_string_array(webhook.host(), "events", events, 2);
    webhook.start();
    notify_event connect{};
    connect.type = NOTIFY_EVENT_CONNECT;
    connect.client_id = view("c1");
    webhook.send(connect);
    webhook.subscribe("c1", "news");
    notify_event publish{};
    publish.type = NOTIFY_EVENT_PUBLISH;
    publish.topic = view("news");
    publish.offset = 7;
    publish.epoch = view("e1");
    static const std::uint8_t binary[] = {0xff, 0x00, 0x01};
    publish.data = notify_bytes{binary, sizeof binary};
    webhook.send(publish);
    notify_event data{};
    data.type = NOTIFY_EVENT_DATA;
    data.client_id = view("c1");
    data.data = notify_bytes{reinterpret_cast<const std::uint8_t*>("hi"), 2};
    webhook.send(data);
    webhook.stop();
    std::vector<Json> seen;
    for (const std::string& body : backend.delivered_bodies()) {
        const Json parsed = Json::parse(body);
        for (const Json& event : parsed["events"]) seen.push_back(event);
    }
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0]["type"], "subscribe");
    EXPECT_EQ(seen[1]["type"], "publish");
    EXPECT_EQ(seen[1]["offset"], 7);
    EXPECT_EQ(seen[1]["epoch"], "e1");
    EXPECT_EQ(seen[1]["data_b64"], "/wAB");
    EXPECT_FALSE(seen[1].contains("data"));
}

TEST(WebhookEvents, DefaultsLeaveOutPublishAndData) {
    WebhookBackend backend;
    Webhook webhook{backend.url()};
    webhook.signed_by_env();
    webhook.start();
    notify_event publish{};
    publish.type = NOTIFY_EVENT_PUBLISH;
    publish.topic = view("news");
    webhook.send(publish);
    notify_event data{};
    data.type = NOTIFY_EVENT_DATA;
    data.client_id = view("c1");
    data.data = notify_bytes{reinterpret_cast<const std::uint8_t*>("{\"a\":1}"), 7};
    webhook.send(data);
    webhook.subscribe("c1", "news");
    webhook.stop();
    EXPECT_EQ(delivered_topics(backend), std::vector<std::string>{"news"});
    EXPECT_EQ(backend.received().size(), 1u);
}

TEST(WebhookTls, PostsOverHttpsTrustingTheConfiguredCa) {
    const TlsIdentity identity = TlsIdentity::self_signed();
    const std::string ca_file = ::testing::TempDir() + "webhook_test_ca.pem";
    {
        std::FILE* out = std::fopen(ca_file.c_str(), "w");
        ASSERT_NE(out, nullptr);
        std::fwrite(identity.cert_pem.data(), 1, identity.cert_pem.size(), out);
        std::fclose(out);
    }
    WebhookBackend backend{{}, 0, identity.cert_pem, identity.key_pem};
    ASSERT_EQ(backend.url().rfind("https://", 0), 0u);
    {
        Webhook webhook{backend.url()};
        webhook.signed_by_env();
        notify_fakehost_config_path(webhook.host(), "tls_ca_file", ca_file.c_str());
        webhook.start();
        webhook.subscribe("c1", "secure");
        ASSERT_TRUE(backend.wait_for_delivered_events(1, milliseconds{5000}));
        EXPECT_EQ(delivered_topics(backend), std::vector<std::string>{"secure"});
    }
    // Without the CA the certificate is refused: nothing is delivered, the failure is logged.
    WebhookBackend untrusted{{}, 0, identity.cert_pem, identity.key_pem};
    Webhook webhook{untrusted.url()};
    webhook.signed_by_env();
    notify_fakehost_config_duration_ms(webhook.host(), "stop_flush_timeout", 200);
    webhook.start();
    webhook.subscribe("c1", "secure");
    EXPECT_FALSE(untrusted.wait_for_requests(1, milliseconds{500}));
    webhook.stop();
    EXPECT_TRUE(webhook.logged("TLS handshake with")) << webhook.logs().front();
    EXPECT_TRUE(webhook.logged("1 left undelivered"));
    std::remove(ca_file.c_str());
}

TEST(WebhookStop, GivesUpWithinStopFlushTimeoutAndCountsWhatIsLeft) {
    const RefusingPort refusing;
    const std::uint16_t port = refusing.port();
    Webhook webhook{"http://127.0.0.1:" + std::to_string(port) + "/hook"};
    webhook.signed_by_env();
    notify_fakehost_config_int(webhook.host(), "batch_size", 2);
    notify_fakehost_config_duration_ms(webhook.host(), "stop_flush_timeout", 300);
    webhook.start();
    for (const std::string& topic : numbered(1, 5)) webhook.subscribe("c1", topic);
    const auto stopping = Clock::now();
    webhook.stop();
    EXPECT_LT(Clock::now() - stopping, milliseconds{2000});
    EXPECT_TRUE(webhook.logged("0 events delivered"));
    EXPECT_TRUE(webhook.logged("5 left undelivered")) << webhook.logs().back();
}

}  // namespace
}  // namespace notify::test
