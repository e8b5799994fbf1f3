// The http_api plugin against the fake host (sdk/fakehost): the HTTP side of every request
// (keys, limits, status mapping, keep-alive, timeouts, shutdown) with scripted host answers, so
// it runs without notifyd. The methods themselves are tested end to end (methods_test.cpp).
#include <gtest/gtest.h>

#include <notify/fakehost.h>

#include <nlohmann/json.hpp>

#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <string>
#include <thread>

#include "http_client.hpp"
#include "process.hpp"

namespace notify::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using json = nlohmann::json;

constexpr const char* key_variable = "NOTIFY_API_HTTP_TEST_KEY";
constexpr const char* key = "k3y-of-the-tests";
constexpr const char* rotated_key_variable = "NOTIFY_API_HTTP_TEST_ROTATED_KEY";
constexpr const char* rotated_key = "r0tated-k3y-of-the-tests";

// Answers every method with {"method":…,"params":…,"request_id":…}, or with the error whose
// code the params name in "fail_code".
void scripted_answer(void*, const char* method, const char* params, const char* request_id,
                     notify_fakehost_api_reply* reply) {
    static thread_local std::string result;
    const json parsed = json::parse(*params == '\0' ? "{}" : params, nullptr, false);
    if (parsed.is_discarded()) {
        reply->status = NOTIFY_ERR_INVALID_ARGUMENT;
        reply->error_code = 102;
        reply->error_message = "params: not JSON";
        return;
    }
    if (parsed.is_object() && parsed.contains("fail_code")) {
        reply->status = NOTIFY_ERR_INVALID_ARGUMENT;
        reply->error_code = parsed["fail_code"].get<std::uint32_t>();
        reply->error_message = "scripted failure";
        return;
    }
    result = json{{"method", method}, {"params", parsed}, {"request_id", request_id}}.dump();
    reply->result = result.c_str();
}

class ApiHttpPluginTest : public ::testing::Test {
protected:
    void SetUp() override {
        ::setenv(key_variable, key, 1);
        host_ = notify_fakehost_new();
        ASSERT_EQ(notify_fakehost_load(host_, NOTIFY_TEST_PLUGIN_DIR "/notify_http_api.so"),
                  NOTIFY_OK)
            << notify_fakehost_last_error(host_);
        notify_fakehost_config_string(host_, "listen", "127.0.0.1:0");
        notify_fakehost_set_api_handler(host_, scripted_answer, nullptr);
        notify_fakehost_set_api_auto_deliver(host_, true);
    }

    void TearDown() override {
        if (host_ != nullptr) notify_fakehost_free(host_);
        ::unsetenv(key_variable);
        ::unsetenv(rotated_key_variable);
    }

    // create + start with the key from the environment; learns the port from the log.
    void start(bool with_key = true) {
        if (with_key) notify_fakehost_config_string(host_, "key_env", key_variable);
        ASSERT_EQ(notify_fakehost_create(host_), NOTIFY_OK) << notify_fakehost_last_error(host_);
        ASSERT_EQ(notify_fakehost_start(host_), NOTIFY_OK) << notify_fakehost_last_error(host_);
        const std::string line = find_log("listening on http://");
        const auto colon = line.find(':', line.find("http://") + 7);
        ASSERT_NE(colon, std::string::npos) << line;
        port_ = static_cast<unsigned short>(std::stoi(line.substr(colon + 1)));
    }

    std::string find_log(const std::string& needle) const {
        for (std::size_t i = 0; i < notify_fakehost_call_count(host_); ++i) {
            const notify_fakehost_call* call = notify_fakehost_call_at(host_, i);
            if (call->kind != NOTIFY_FAKEHOST_LOG) continue;
            const std::string text{call->text.data, call->text.len};
            if (text.find(needle) != std::string::npos) return text;
        }
        return {};
    }

    HttpReply post(const std::string& method, const std::string& body,
                   const std::string& api_key = key) {
        return call_api(port_, api_key, method, body);
    }

    static json error_of(const HttpReply& reply) {
        const json body = json::parse(reply.body, nullptr, false);
        return body.is_object() && body.contains("error") ? body["error"] : json{};
    }

    notify_fakehost* host_ = nullptr;
    unsigned short port_ = 0;
};

TEST_F(ApiHttpPluginTest, CreateRefusesToServeWithoutAKeyUnlessInsecureIsWritten) {
    EXPECT_NE(notify_fakehost_create(host_), NOTIFY_OK);
    EXPECT_NE(std::string{notify_fakehost_last_error(host_)}.find("no API key configured"),
              std::string::npos)
        << notify_fakehost_last_error(host_);

    notify_fakehost_config_bool(host_, "insecure", true);
    start(false);
    EXPECT_NE(find_log("insecure = true and no API key"), "");
    EXPECT_EQ(post("info", "{}", "").status, 200u);
}

TEST_F(ApiHttpPluginTest, CreateNamesAnUnsetKeyVariable) {
    notify_fakehost_config_string(host_, "key_env", "NOTIFY_API_HTTP_TEST_NO_SUCH_VARIABLE");
    EXPECT_NE(notify_fakehost_create(host_), NOTIFY_OK);
    EXPECT_NE(std::string{notify_fakehost_last_error(host_)}.find(
                  "'NOTIFY_API_HTTP_TEST_NO_SUCH_VARIABLE' is unset or empty"),
              std::string::npos)
        << notify_fakehost_last_error(host_);
}

TEST_F(ApiHttpPluginTest, KeyFileHoldsSeveralKeysForRotation) {
    TempDir dir;
    write_file(dir.path() / "keys", "# rotated monthly\n\n  old-key  \nnew-key\n");
    notify_fakehost_config_path(host_, "key_file", (dir.path() / "keys").c_str());
    start(false);
    EXPECT_EQ(post("info", "{}", "old-key").status, 200u);
    EXPECT_EQ(post("info", "{}", "new-key").status, 200u);
    EXPECT_EQ(post("info", "{}", "# rotated monthly").status, 401u);
    EXPECT_EQ(post("info", "{}", "other-key").status, 401u);
}

TEST_F(ApiHttpPluginTest, AnswersWithTheHostResultAndItsRequestId) {
    start();
    HttpClient client(port_);
    HttpRequest request;
    request.target = "/api/publish";
    request.body = R"({"topic":"chat","data":"hi"})";
    request.headers["Authorization"] = std::string{"apikey "} + key;
    request.headers["X-Request-Id"] = "trace-42.a_b";
    const HttpReply reply = client.send(request);
    ASSERT_EQ(reply.status, 200u) << reply.body;
    EXPECT_EQ(reply.header("content-type"), "application/json");
    EXPECT_EQ(reply.header("x-request-id"), "trace-42.a_b");
    const json body = json::parse(reply.body);
    EXPECT_EQ(body["method"], "publish");
    EXPECT_EQ(body["params"], json::parse(R"({"topic":"chat","data":"hi"})"));
    EXPECT_EQ(body["request_id"], "trace-42.a_b");

    // An id with characters a log line must not carry is replaced by a generated one.
    request.headers["X-Request-Id"] = "bad id\twith spaces";
    const HttpReply replaced = client.send(request);
    ASSERT_EQ(replaced.status, 200u);
    const std::string generated = replaced.header("x-request-id");
    EXPECT_EQ(generated.size(), 16u) << generated;
    EXPECT_EQ(json::parse(replaced.body)["request_id"], generated);
}

TEST_F(ApiHttpPluginTest, MissingOrWrongKeyIs401AndNeverReachesTheHost) {
    start();
    for (const std::string& presented : {std::string{}, std::string{"wrong"}}) {
        const HttpReply reply = post("publish", R"({"topic":"chat","data":"x"})", presented);
        EXPECT_EQ(reply.status, 401u);
        EXPECT_EQ(reply.header("www-authenticate"), "apikey");
        EXPECT_EQ(error_of(reply)["code"], 101);
        EXPECT_EQ(error_of(reply)["name"], "unauthorized");
    }
    HttpClient client(port_);
    HttpRequest bearer;
    bearer.headers["Authorization"] = std::string{"Bearer "} + key;
    EXPECT_EQ(client.send(bearer).status, 401u);
    EXPECT_EQ(notify_fakehost_count_of(host_, NOTIFY_FAKEHOST_API_CALL), 0u);
    EXPECT_NE(find_log("failed: 401 unauthorized (101)"), "");
}

TEST_F(ApiHttpPluginTest, HostErrorCodesMapToHttpStatuses) {
    start();
    const std::pair<int, unsigned> mapping[] = {{100, 500}, {102, 400}, {103, 404},
                                                {104, 403}, {105, 429}, {108, 404},
                                                {109, 413}, {110, 409}};
    const char* names[] = {"internal",      "bad_request", "unknown_command", "permission_denied",
                           "limit_exceeded", "not_found",  "too_large",       "unrecoverable"};
    for (std::size_t i = 0; i < std::size(mapping); ++i) {
        const auto [code, status] = mapping[i];
        const HttpReply reply = post("publish", R"({"fail_code":)" + std::to_string(code) + "}");
        EXPECT_EQ(reply.status, status) << code;
        EXPECT_EQ(error_of(reply)["code"], code);
        EXPECT_EQ(error_of(reply)["name"], names[i]);
        EXPECT_EQ(error_of(reply)["message"], "scripted failure");
    }
}

TEST_F(ApiHttpPluginTest, RefusesWrongMethodsPathsAndContentTypes) {
    start();
    const std::string authorization = std::string{"apikey "} + key;
    {
        HttpClient client(port_);
        HttpRequest get;
        get.method = "GET";
        get.headers["Authorization"] = authorization;
        const HttpReply reply = client.send(get);
        EXPECT_EQ(reply.status, 405u);
        EXPECT_EQ(reply.header("allow"), "POST");
    }
    {
        HttpClient client(port_);
        HttpRequest outside;
        outside.target = "/other/info";
        outside.headers["Authorization"] = authorization;
        EXPECT_EQ(client.send(outside).status, 404u);
    }
    {
        HttpClient client(port_);
        HttpRequest text;
        text.headers["Authorization"] = authorization;
        text.headers["Content-Type"] = "text/plain";
        const HttpReply reply = client.send(text);
        EXPECT_EQ(reply.status, 415u);
        EXPECT_EQ(error_of(reply)["code"], 102);
    }
    {
        HttpClient client(port_);
        HttpRequest bare;  // no Content-Type at all is accepted
        bare.json_content_type = false;
        bare.headers["Authorization"] = authorization;
        EXPECT_EQ(client.send(bare).status, 200u);
    }
    {
        HttpClient client(port_);
        HttpRequest odd;
        odd.target = "/api/Not-A-Method";
        odd.headers["Authorization"] = authorization;
        const HttpReply reply = client.send(odd);
        EXPECT_EQ(reply.status, 404u);
        EXPECT_EQ(error_of(reply)["code"], 103);
    }
    EXPECT_EQ(notify_fakehost_count_of(host_, NOTIFY_FAKEHOST_API_CALL), 1u);
}

TEST_F(ApiHttpPluginTest, BodyOverTheLimitIs413WithoutReachingTheHost) {
    notify_fakehost_config_int(host_, "max_body_size", 1024);
    start();
    const std::string big = R"({"topic":"chat","data":")" + std::string(4096, 'x') + "\"}";
    const HttpReply declared = post("publish", big);
    EXPECT_EQ(declared.status, 413u);
    EXPECT_EQ(error_of(declared)["code"], 109);

    // Chunked: the size is only known while reading, and reading stops at the limit.
    HttpClient client(port_);
    const std::string chunk(900, 'y');
    client.write_raw(std::string{"POST /api/publish HTTP/1.1\r\nHost: x\r\nAuthorization: apikey "} +
                         key + "\r\nTransfer-Encoding: chunked\r\n\r\n" + "384\r\n" + chunk +
                         "\r\n" + "384\r\n" + chunk + "\r\n0\r\n\r\n",
                     seconds(5));
    const HttpReply chunked = client.read_reply();
    EXPECT_EQ(chunked.status, 413u);
    EXPECT_EQ(notify_fakehost_count_of(host_, NOTIFY_FAKEHOST_API_CALL), 0u);

    EXPECT_EQ(post("publish", R"({"topic":"chat","data":"small"})").status, 200u);
}

TEST_F(ApiHttpPluginTest, KeepAliveServesSeveralRequestsOnOneConnection) {
    start();
    HttpClient client(port_);
    for (int i = 0; i < 5; ++i) {
        HttpRequest request;
        request.target = "/api/publish";
        request.body = i == 2 ? R"({"fail_code":102})"
                              : R"({"topic":"chat","data":")" + std::to_string(i) + "\"}";
        request.headers["Authorization"] = std::string{"apikey "} + key;
        const HttpReply reply = client.send(request);
        EXPECT_EQ(reply.status, i == 2 ? 400u : 200u) << i;
        EXPECT_TRUE(reply.keep_alive) << i;
    }
    EXPECT_EQ(notify_fakehost_count_of(host_, NOTIFY_FAKEHOST_API_CALL), 5u);
}

TEST_F(ApiHttpPluginTest, HostSilenceIs504AndTheLateAnswerIsIgnored) {
    notify_fakehost_set_api_auto_deliver(host_, false);
    notify_fakehost_config_duration_ms(host_, "request_timeout", 300);
    start();
    HttpClient client(port_);
    HttpRequest request;
    request.headers["Authorization"] = std::string{"apikey "} + key;
    const HttpReply late = client.send(request);
    EXPECT_EQ(late.status, 504u);
    EXPECT_EQ(error_of(late)["code"], 100);
    EXPECT_EQ(notify_fakehost_api_deliver(host_), 1u);  // the late answer: dropped safely

    notify_fakehost_set_api_auto_deliver(host_, true);
    const HttpReply next = client.send(request);
    EXPECT_EQ(next.status, 200u) << next.body;
    EXPECT_EQ(json::parse(next.body)["method"], "info");
}

TEST_F(ApiHttpPluginTest, StopWaitsForTheAnswersInFlight) {
    notify_fakehost_set_api_auto_deliver(host_, false);
    start();
    auto pending = std::async(std::launch::async, [this] { return post("publish", "{}"); });
    ASSERT_TRUE(notify_fakehost_wait_for(host_, NOTIFY_FAKEHOST_API_CALL, 1, 5000));
    // The fake host answers while stop() runs, as notifyd does.
    notify_fakehost_stop(host_);
    ASSERT_EQ(pending.wait_for(seconds(10)), std::future_status::ready);
    EXPECT_EQ(pending.get().status, 200u);
    EXPECT_NE(find_log("requests per method: publish 1"), "");
    EXPECT_THROW(post("info", "{}"), std::runtime_error);  // no longer listening
}

TEST_F(ApiHttpPluginTest, ConnectionsOverTheLimitAreClosed) {
    notify_fakehost_config_int(host_, "max_connections", 1);
    start();
    HttpClient first(port_);
    HttpRequest request;
    request.headers["Authorization"] = std::string{"apikey "} + key;
    EXPECT_EQ(first.send(request).status, 200u);
    HttpClient second(port_);
    EXPECT_TRUE(second.closed_by_server(seconds(5)));
    EXPECT_EQ(first.send(request).status, 200u);
}

TEST_F(ApiHttpPluginTest, CountsRequestsPerMethodAndLogsThemAtStop) {
    start();
    EXPECT_EQ(post("publish", "{}").status, 200u);
    EXPECT_EQ(post("publish", R"({"fail_code":105})").status, 429u);
    EXPECT_EQ(post("info", "{}").status, 200u);
    notify_fakehost_stop(host_);
    EXPECT_NE(find_log("requests per method: publish 2 (1 error), info 1"), "")
        << find_log("requests per method");
}

TEST_F(ApiHttpPluginTest, ListensOnIPv6) {
    notify_fakehost_config_string(host_, "listen", "[::1]:0");
    notify_fakehost_config_string(host_, "key_env", key_variable);
    ASSERT_EQ(notify_fakehost_create(host_), NOTIFY_OK) << notify_fakehost_last_error(host_);
    if (notify_fakehost_start(host_) != NOTIFY_OK) {
        GTEST_SKIP() << "no IPv6 loopback here: " << notify_fakehost_last_error(host_);
    }
    const std::string line = find_log("listening on http://[::1]:");
    ASSERT_NE(line, "");
    const auto port = static_cast<unsigned short>(std::stoi(line.substr(line.find("]:") + 2)));
    HttpClient client(port, "::1");
    HttpRequest request;
    request.headers["Authorization"] = std::string{"apikey "} + key;
    EXPECT_EQ(client.send(request).status, 200u);
}

// ---- reconfigure (SIGHUP): keys, limits and timeouts change live; listen needs a restart ------

TEST_F(ApiHttpPluginTest, ReconfigureSwapsTheApiKeys) {
    start();
    EXPECT_EQ(post("info", "{}").status, 200u);

    ::setenv(rotated_key_variable, rotated_key, 1);
    notify_fakehost_config_string(host_, "key_env", rotated_key_variable);
    ASSERT_EQ(notify_fakehost_reconfigure(host_), NOTIFY_OK) << notify_fakehost_last_error(host_);

    EXPECT_EQ(post("info", "{}", rotated_key).status, 200u);
    EXPECT_EQ(post("info", "{}", key).status, 401u);
    EXPECT_NE(find_log("http_api: reconfigured: API keys replaced (1 -> 1 keys)"), "");
    for (std::size_t i = 0; i < notify_fakehost_call_count(host_); ++i) {
        const notify_fakehost_call* call = notify_fakehost_call_at(host_, i);
        if (call->kind != NOTIFY_FAKEHOST_LOG) continue;
        const std::string text{call->text.data, call->text.len};
        EXPECT_EQ(text.find(key), std::string::npos) << "an API key was logged: " << text;
        EXPECT_EQ(text.find(rotated_key), std::string::npos) << "an API key was logged: " << text;
    }
}

// A keep-alive connection checks each request against the keys and limits of that moment.
TEST_F(ApiHttpPluginTest, ReconfigureAppliesToTheNextRequestOfAnOpenConnection) {
    start();
    HttpRequest request;
    request.headers["Authorization"] = std::string{"apikey "} + key;
    HttpClient client(port_);
    EXPECT_EQ(client.send(request).status, 200u);
    HttpClient waiting(port_);
    EXPECT_EQ(waiting.send(request).status, 200u);

    TempDir dir;
    write_file(dir.path() / "keys", std::string{rotated_key} + "\n");
    notify_fakehost_config_remove(host_, "key_env");
    notify_fakehost_config_path(host_, "key_file", (dir.path() / "keys").c_str());
    notify_fakehost_config_int(host_, "max_body_size", 16);
    ASSERT_EQ(notify_fakehost_reconfigure(host_), NOTIFY_OK) << notify_fakehost_last_error(host_);

    EXPECT_EQ(client.send(request).status, 401u);
    request.headers["Authorization"] = std::string{"apikey "} + rotated_key;
    request.body = R"({"topic":"news","data":"a body longer than sixteen bytes"})";
    EXPECT_EQ(waiting.send(request).status, 413u);
    EXPECT_EQ(post("info", "{}", rotated_key).status, 200u);
}

// A request the host is still answering finishes as it began, with the keys it was let in by.
TEST_F(ApiHttpPluginTest, ReconfigureLetsARequestInFlightFinish) {
    notify_fakehost_set_api_auto_deliver(host_, false);
    start();
    auto pending = std::async(std::launch::async, [this] { return post("publish", "{}"); });
    ASSERT_TRUE(notify_fakehost_wait_for(host_, NOTIFY_FAKEHOST_API_CALL, 1, 5000));

    ::setenv(rotated_key_variable, rotated_key, 1);
    notify_fakehost_config_string(host_, "key_env", rotated_key_variable);
    notify_fakehost_config_duration_ms(host_, "request_timeout", 50);
    ASSERT_EQ(notify_fakehost_reconfigure(host_), NOTIFY_OK) << notify_fakehost_last_error(host_);
    EXPECT_EQ(pending.wait_for(milliseconds(200)), std::future_status::timeout)
        << "the request in flight took the new, shorter request_timeout";
    EXPECT_EQ(notify_fakehost_api_deliver(host_), 1u);
    ASSERT_EQ(pending.wait_for(seconds(10)), std::future_status::ready);
    EXPECT_EQ(pending.get().status, 200u);
}

TEST_F(ApiHttpPluginTest, ReconfigureWithAnUnsetKeyVariableKeepsTheOldKeys) {
    start();
    notify_fakehost_config_string(host_, "key_env", "NOTIFY_API_HTTP_TEST_NO_SUCH_VARIABLE");
    notify_fakehost_config_int(host_, "max_body_size", 16);
    EXPECT_EQ(notify_fakehost_reconfigure(host_), NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string{notify_fakehost_last_error(host_)}.find(
                  "'NOTIFY_API_HTTP_TEST_NO_SUCH_VARIABLE' is unset or empty"),
              std::string::npos)
        << notify_fakehost_last_error(host_);
    // Nothing of the refused table applies: the old key works, the body limit is the old one.
    EXPECT_EQ(post("publish", R"({"topic":"news","data":"a body longer than sixteen bytes"})")
                  .status,
              200u);
    EXPECT_EQ(find_log("http_api: reconfigured"), "");
}

TEST_F(ApiHttpPluginTest, ReconfigureRefusesAListenChangeAndKeepsServing) {
    start();
    ::setenv(rotated_key_variable, rotated_key, 1);
    notify_fakehost_config_string(host_, "key_env", rotated_key_variable);
    notify_fakehost_config_string(host_, "listen", "127.0.0.1:39871");
    EXPECT_EQ(notify_fakehost_reconfigure(host_), NOTIFY_ERR_UNSUPPORTED);
    EXPECT_NE(std::string{notify_fakehost_last_error(host_)}.find(
                  "listen changes need a restart"),
              std::string::npos)
        << notify_fakehost_last_error(host_);
    EXPECT_EQ(post("info", "{}").status, 200u);
    EXPECT_EQ(post("info", "{}", rotated_key).status, 401u);
}

TEST_F(ApiHttpPluginTest, ReconfigureAppliesTheBodyLimitToNewRequests) {
    start();
    const std::string body = R"({"topic":"news","data":"a body longer than sixteen bytes"})";
    EXPECT_EQ(post("publish", body).status, 200u);
    notify_fakehost_config_int(host_, "max_body_size", 16);
    ASSERT_EQ(notify_fakehost_reconfigure(host_), NOTIFY_OK) << notify_fakehost_last_error(host_);
    EXPECT_EQ(post("publish", body).status, 413u);
    EXPECT_NE(find_log("http_api: reconfigured: max_body_size 1048576 -> 16"), "");
}

}  // namespace
}  // namespace notify::test
