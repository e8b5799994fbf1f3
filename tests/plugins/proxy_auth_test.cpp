// The proxy auth plugin against a real HTTP backend on loopback (proxy_backend.*), driven
// through the fake host. Every wait is bounded.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fake_host.hpp"
#include "plugin_library.hpp"
#include "proxy_backend.hpp"
#include "refusing_port.hpp"

namespace notify::test {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr auto wait_limit = 10s;

notify_str view(const std::string& text) { return notify_str{text.data(), text.size()}; }

std::string copy(notify_str text) {
    return text.len == 0 ? std::string{} : std::string{text.data, text.len};
}

// What a vtable call returned at once.
struct Immediate {
    notify_status status = NOTIFY_OK;
    notify_auth_decision decision = NOTIFY_AUTH_DENY;
    std::string reason;
    std::uint32_t error_code = 0;
};

struct ConnectArgs {
    std::uint64_t request_id = 1;
    std::string token = "tok";
    std::string client_id;
    std::string user_id;
    std::string remote_address = "127.0.0.1:5555";
    std::string transport = "ws";
    std::uint32_t purpose = NOTIFY_AUTH_PURPOSE_CONNECT;
    std::vector<std::pair<std::string, std::string>> headers;  // the host's kept headers
};

// What a subscribe or publish carries besides the topic (ABI 1.7 members).
struct AuthzExtras {
    std::string data;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string transport = "ws";
    std::string remote_address = "127.0.0.1:5555";
};

std::vector<notify_header> header_views(
    const std::vector<std::pair<std::string, std::string>>& headers) {
    std::vector<notify_header> views;
    for (const auto& [name, value] : headers) views.push_back({view(name), view(value)});
    return views;
}

class ProxyAuthTest : public ::testing::Test {
  protected:
    void SetUp() override { ASSERT_NE(library_.descriptor(), nullptr); }

    const notify_auth_vtable& auth() const { return *library_.descriptor()->auth; }

    std::unique_ptr<PluginInstance> make() {
        auto instance = std::make_unique<PluginInstance>(library_, host_);
        EXPECT_TRUE(instance->created()) << instance->create_error();
        return instance;
    }

    Immediate authenticate(const PluginInstance& instance, const ConnectArgs& args) {
        notify_auth_request request{};
        request.size = sizeof request;
        request.request_id = args.request_id;
        request.token = view(args.token);
        request.client_id = view(args.client_id);
        request.user_id = view(args.user_id);
        request.remote_address = view(args.remote_address);
        request.transport = view(args.transport);
        request.purpose = args.purpose;
        const std::vector<notify_header> headers = header_views(args.headers);
        request.headers = headers.empty() ? nullptr : headers.data();
        request.header_count = headers.size();
        notify_auth_result result{};
        result.size = sizeof result;
        notify_error err{};
        Immediate out;
        out.status = auth().authenticate(instance.get(), &request, &result, &err);
        out.decision = result.decision;
        out.reason = copy(result.reason);
        out.error_code = result.error_code;
        return out;
    }

    Immediate authorize(const PluginInstance& instance, bool subscribe, std::uint64_t id,
                        const std::string& topic, const std::string& token = "",
                        std::uint32_t flags = 0, const AuthzExtras& extras = {}) {
        const std::string client = "c1";
        const std::string user = "u1";
        notify_authz_request request{};
        request.size = sizeof request;
        request.request_id = id;
        request.client_id = view(client);
        request.user_id = view(user);
        request.topic = view(topic);
        request.token = view(token);
        request.flags = flags;
        request.transport = view(extras.transport);
        request.remote_address = view(extras.remote_address);
        const std::vector<notify_header> headers = header_views(extras.headers);
        request.headers = headers.empty() ? nullptr : headers.data();
        request.header_count = headers.size();
        request.data = notify_bytes{reinterpret_cast<const std::uint8_t*>(extras.data.data()),
                                    extras.data.size()};
        notify_auth_result result{};
        result.size = sizeof result;
        notify_error err{};
        Immediate out;
        const auto call = subscribe ? auth().authorize_subscribe : auth().authorize_publish;
        out.status = call(instance.get(), &request, &result, &err);
        out.decision = result.decision;
        out.reason = copy(result.reason);
        out.error_code = result.error_code;
        return out;
    }

    // One connect through the backend; the answer that came through auth_complete.
    AuthCompletion connect_once(const PluginInstance& instance, const ConnectArgs& args = {}) {
        const std::size_t before = host_.auth_completions().size();
        const Immediate now = authenticate(instance, args);
        EXPECT_EQ(now.status, NOTIFY_PENDING);
        EXPECT_TRUE(host_.wait_for_auth_completions(before + 1, wait_limit));
        const auto all = host_.auth_completions();
        if (all.size() <= before) return {};
        EXPECT_EQ(all.back().request_id, args.request_id);
        return all.back();
    }

    PluginLibrary library_{"proxy"};
    FakeHost host_;
};

// A backend that always answers `body` (status 200).
ProxyBackend::Script always(std::string body, unsigned status = 200,
                            std::chrono::milliseconds delay = 0ms) {
    return [body = std::move(body), status, delay](const BackendRequest&) {
        BackendReply reply;
        reply.status = status;
        reply.body = body;
        reply.delay = delay;
        return reply;
    };
}

TEST_F(ProxyAuthTest, DeclaresAnAuthPluginWithEveryStep) {
    EXPECT_EQ(library_.descriptor()->kinds, static_cast<std::uint32_t>(NOTIFY_KIND_AUTH));
    ASSERT_NE(library_.descriptor()->auth, nullptr);
    EXPECT_NE(auth().authenticate, nullptr);
    EXPECT_NE(auth().authorize_subscribe, nullptr);
    EXPECT_NE(auth().authorize_publish, nullptr);
    EXPECT_NE(library_.descriptor()->stop, nullptr);
}

TEST_F(ProxyAuthTest, CreateRefusesBadUrlsNamingTheKey) {
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"connect_url", "HTTPS://auth.example.com/connect"},
        {"refresh_url", "ftp://example.com/"},
        {"subscribe_url", "http://"},
        {"publish_url", "http://user:pw@example.com/"},
        {"connect_url", "http://example.com:99999/"},
        {"connect_url", "http://exa mple.com/"},
    };
    for (const auto& [key, url] : bad) {
        host_.config_values.clear();
        host_.config_values[key] = url;
        PluginInstance instance{library_, host_};
        EXPECT_FALSE(instance.created()) << url;
        EXPECT_NE(instance.create_error().find(key), std::string::npos) << instance.create_error();
    }
    host_.config_values.clear();
    host_.config_values["connect_url"] = std::string{"https://auth.example.com/connect"};
    host_.config_values["tls_ca_file"] = std::string{"/nonexistent/ca.pem"};
    PluginInstance tls{library_, host_};
    EXPECT_FALSE(tls.created());
    EXPECT_NE(tls.create_error().find("tls_ca_file"), std::string::npos) << tls.create_error();

    host_.config_values.clear();
    host_.config_values["max_concurrency"] = std::int64_t{0};
    PluginInstance zero{library_, host_};
    EXPECT_FALSE(zero.created());
    EXPECT_NE(zero.create_error().find("max_concurrency"), std::string::npos);
}

TEST_F(ProxyAuthTest, UnsetEndpointsDeferAtOnce) {
    auto instance = make();
    const Immediate connect = authenticate(*instance, {});
    EXPECT_EQ(connect.status, NOTIFY_OK);
    EXPECT_EQ(connect.decision, NOTIFY_AUTH_DEFER);
    ConnectArgs refresh;
    refresh.purpose = NOTIFY_AUTH_PURPOSE_REFRESH;
    EXPECT_EQ(authenticate(*instance, refresh).decision, NOTIFY_AUTH_DEFER);
    const Immediate subscribe = authorize(*instance, true, 2, "news");
    EXPECT_EQ(subscribe.status, NOTIFY_OK);
    EXPECT_EQ(subscribe.decision, NOTIFY_AUTH_DEFER);
    EXPECT_EQ(authorize(*instance, false, 3, "news").decision, NOTIFY_AUTH_DEFER);
}

TEST_F(ProxyAuthTest, ConnectAllowCarriesUserExpiryInfoAndTopics) {
    ProxyBackend backend{always(
        R"({"result":{"user":"42","expire_at":2000000000,)"
        R"("info":{ "name" : "Ann", "roles": [1, 2] },"topics":["news","chat:1"]}})")};
    host_.config_values["connect_url"] = backend.url("/notify/connect?x=1");
    auto instance = make();
    ConnectArgs args;
    args.request_id = 77;
    args.token = "secret-token";
    args.client_id = "resume-me";
    const AuthCompletion answer = connect_once(*instance, args);
    EXPECT_EQ(answer.decision, NOTIFY_AUTH_ALLOW);
    EXPECT_EQ(answer.user_id, "42");
    EXPECT_EQ(answer.client_id, "");
    EXPECT_EQ(answer.expires_at_ms, 2'000'000'000'000);
    EXPECT_EQ(answer.info, R"({"name":"Ann","roles":[1,2]})");
    EXPECT_EQ(answer.topics, (std::vector<std::string>{"news", "chat:1"}));

    const auto seen = backend.received();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].target, "/notify/connect?x=1");
    EXPECT_EQ(seen[0].content_type, "application/json");
    const Json body = Json::parse(seen[0].body);
    EXPECT_EQ(body["purpose"], "connect");
    EXPECT_EQ(body["token"], "secret-token");
    EXPECT_EQ(body["client"], "resume-me");
    EXPECT_EQ(body["user"], "");
    EXPECT_EQ(body["transport"], "ws");
    EXPECT_EQ(body["remote_address"], "127.0.0.1:5555");
}

TEST_F(ProxyAuthTest, RefreshKeepsTheConnectionsUserAndSetsTheNewExpiry) {
    ProxyBackend backend{always(R"({"result":{"expire_at":2100000000}})")};
    host_.config_values["refresh_url"] = backend.url("/refresh");
    auto instance = make();
    ConnectArgs args;
    args.purpose = NOTIFY_AUTH_PURPOSE_REFRESH;
    args.user_id = "u7";
    args.client_id = "c7";
    const AuthCompletion answer = connect_once(*instance, args);
    EXPECT_EQ(answer.decision, NOTIFY_AUTH_ALLOW);
    EXPECT_EQ(answer.user_id, "u7");
    EXPECT_EQ(answer.expires_at_ms, 2'100'000'000'000);
    EXPECT_EQ(Json::parse(backend.received().at(0).body)["purpose"], "refresh");
    // No connect_url: connects defer.
    EXPECT_EQ(authenticate(*instance, {}).decision, NOTIFY_AUTH_DEFER);
}

TEST_F(ProxyAuthTest, ExpireAtInThePastIsTokenExpired) {
    ProxyBackend backend{always(R"({"result":{"user":"1","expire_at":1000}})")};
    host_.config_values["connect_url"] = backend.url("/c");
    host_.now_ms = 2'000'000;
    auto instance = make();
    const AuthCompletion answer = connect_once(*instance);
    EXPECT_EQ(answer.decision, NOTIFY_AUTH_DENY);
    EXPECT_EQ(answer.error_code, static_cast<std::uint32_t>(NOTIFY_AUTH_ERROR_TOKEN_EXPIRED));
}

TEST_F(ProxyAuthTest, ErrorAnswersDenyWithTheBackendsMessage) {
    ProxyBackend backend{always(R"({"error":{"code":403,"message":"banned"}})")};
    host_.config_values["connect_url"] = backend.url("/c");
    host_.config_values["subscribe_url"] = backend.url("/s");
    auto instance = make();
    const AuthCompletion connect = connect_once(*instance);
    EXPECT_EQ(connect.decision, NOTIFY_AUTH_DENY);
    EXPECT_EQ(connect.reason, "banned");
    EXPECT_EQ(connect.error_code, static_cast<std::uint32_t>(NOTIFY_AUTH_ERROR_UNAUTHORIZED));

    EXPECT_EQ(authorize(*instance, true, 9, "news").status, NOTIFY_PENDING);
    ASSERT_TRUE(host_.wait_for_auth_completions(2, wait_limit));
    const AuthCompletion subscribe = host_.auth_completions().at(1);
    EXPECT_EQ(subscribe.request_id, 9u);
    EXPECT_EQ(subscribe.decision, NOTIFY_AUTH_DENY);
    EXPECT_EQ(subscribe.error_code,
              static_cast<std::uint32_t>(NOTIFY_AUTH_ERROR_PERMISSION_DENIED));
}

TEST_F(ProxyAuthTest, ErrorCode111IsTokenExpired) {
    ProxyBackend backend{always(R"({"error":{"code":111,"message":"token expired"}})")};
    host_.config_values["connect_url"] = backend.url("/c");
    auto instance = make();
    const AuthCompletion answer = connect_once(*instance);
    EXPECT_EQ(answer.decision, NOTIFY_AUTH_DENY);
    EXPECT_EQ(answer.reason, "token expired");
    EXPECT_EQ(answer.error_code, static_cast<std::uint32_t>(NOTIFY_AUTH_ERROR_TOKEN_EXPIRED));
}

TEST_F(ProxyAuthTest, DisconnectAnswerDeniesAndClosesWithItsCode) {
    ProxyBackend backend{always(R"({"disconnect":{"code":4501,"reason":"go away"}})")};
    host_.config_values["connect_url"] = backend.url("/c");
    host_.config_values["publish_url"] = backend.url("/p");
    auto instance = make();
    const AuthCompletion answer = connect_once(*instance);
    EXPECT_EQ(answer.decision, NOTIFY_AUTH_DENY);
    EXPECT_EQ(answer.reason, "go away");
    EXPECT_EQ(answer.error_code, static_cast<std::uint32_t>(NOTIFY_AUTH_ERROR_UNAUTHORIZED));
    EXPECT_EQ(answer.close_code, 4501);
    EXPECT_EQ(authorize(*instance, false, 2, "chat").status, NOTIFY_PENDING);
    ASSERT_TRUE(host_.wait_for_auth_completions(2, wait_limit));
    const AuthCompletion publish = host_.auth_completions().back();
    EXPECT_EQ(publish.decision, NOTIFY_AUTH_DENY);
    EXPECT_EQ(publish.close_code, 4501);
    EXPECT_EQ(publish.error_code,
              static_cast<std::uint32_t>(NOTIFY_AUTH_ERROR_PERMISSION_DENIED));
}

TEST_F(ProxyAuthTest, ErrorAnswersDoNotClose) {
    ProxyBackend backend{always(R"({"error":{"code":1403,"message":"no"}})")};
    host_.config_values["connect_url"] = backend.url("/c");
    auto instance = make();
    EXPECT_EQ(connect_once(*instance).close_code, 0);
}

TEST_F(ProxyAuthTest, OnlyTheAllowListedHeadersReachTheBackend) {
    ProxyBackend backend{always(R"({"result":{}})")};
    host_.config_values["connect_url"] = backend.url("/c");
    host_.config_values["subscribe_url"] = backend.url("/s");
    host_.config_values["publish_url"] = backend.url("/p");
    host_.config_values["forward_headers"] =
        std::vector<std::string>{"Cookie", "x-real-ip", "cookie"};
    auto instance = make();
    // Names go to the host lowercased and once: it keeps nothing else of each connection.
    EXPECT_EQ(host_.kept_headers, (std::vector<std::string>{"cookie", "x-real-ip"}));

    // The host passes the union of every plugin's names; the proxy forwards only its own.
    const std::vector<std::pair<std::string, std::string>> headers{
        {"cookie", "a=1"}, {"authorization", "Bearer secret"}, {"cookie", "b=2"},
        {"x-real-ip", "203.0.113.9"}};
    ConnectArgs args;
    args.headers = headers;
    EXPECT_EQ(connect_once(*instance, args).decision, NOTIFY_AUTH_ALLOW);
    AuthzExtras extras;
    extras.headers = headers;
    extras.transport = "sse";
    extras.remote_address = "203.0.113.9:4000";
    EXPECT_EQ(authorize(*instance, true, 2, "chat", "", 0, extras).status, NOTIFY_PENDING);
    EXPECT_EQ(authorize(*instance, false, 3, "chat", "", 0, extras).status, NOTIFY_PENDING);
    ASSERT_TRUE(host_.wait_for_auth_completions(3, wait_limit));

    const Json expected = Json::parse(R"({"cookie":"a=1; b=2","x-real-ip":"203.0.113.9"})");
    const auto seen = backend.received();
    ASSERT_EQ(seen.size(), 3u);
    for (const BackendRequest& request : seen) {
        const Json body = Json::parse(request.body);
        EXPECT_EQ(body["headers"], expected) << request.target;
        EXPECT_EQ(request.body.find("secret"), std::string::npos) << request.body;
    }
    const Json subscribe = Json::parse(seen[1].body);
    EXPECT_EQ(subscribe["transport"], "sse");
    EXPECT_EQ(subscribe["remote_address"], "203.0.113.9:4000");
}

TEST_F(ProxyAuthTest, WithoutForwardHeadersTheBackendSeesNone) {
    ProxyBackend backend{always(R"({"result":{}})")};
    host_.config_values["connect_url"] = backend.url("/c");
    auto instance = make();
    EXPECT_TRUE(host_.kept_headers.empty());
    ConnectArgs args;
    args.headers = {{"cookie", "a=1"}};  // kept for another plugin
    EXPECT_EQ(connect_once(*instance, args).decision, NOTIFY_AUTH_ALLOW);
    const auto seen = backend.received();
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(Json::parse(seen[0].body)["headers"], Json::object());
}

TEST_F(ProxyAuthTest, CreateRefusesForwardHeadersThatAreNotHeaderNames) {
    const std::vector<std::vector<std::string>> bad{
        {"x-ok", "two words"}, {""}, {std::string(65, 'a')}, {"colon:"}};
    for (const auto& names : bad) {
        host_.config_values["forward_headers"] = names;
        PluginInstance instance{library_, host_};
        EXPECT_FALSE(instance.created());
        EXPECT_NE(instance.create_error().find("config key 'forward_headers'"), std::string::npos)
            << instance.create_error();
    }
    std::vector<std::string> many;
    for (int i = 0; i < 33; ++i) many.push_back("x-h" + std::to_string(i));
    host_.config_values["forward_headers"] = many;
    PluginInstance instance{library_, host_};
    EXPECT_NE(instance.create_error().find("33 names, at most 32"), std::string::npos)
        << instance.create_error();
}

TEST_F(ProxyAuthTest, ForwardHeadersNeedAnAbi17Host) {
    host_.pretend_abi_1_6();
    host_.config_values["forward_headers"] = std::vector<std::string>{"cookie"};
    PluginInstance instance{library_, host_};
    EXPECT_NE(instance.create_error().find("needs a host with ABI 1.7"), std::string::npos)
        << instance.create_error();
}

TEST_F(ProxyAuthTest, PublishSendsTheDataAndTheBackendMayReplaceIt) {
    std::atomic<int> call{0};
    ProxyBackend backend{[&call](const BackendRequest&) {
        BackendReply reply;
        switch (call.fetch_add(1)) {
            case 0: reply.body = R"({"result":{}})"; break;
            case 1: reply.body = R"({"result":{"data":"***"}})"; break;
            case 2: reply.body = R"({"result":{"data_b64":"/wA="}})"; break;
            case 3: reply.body = R"({"result":{"data":""}})"; break;
            case 4: reply.body = R"({"result":{"data":1}})"; break;
            case 5: reply.body = R"({"result":{"data_b64":"/w"}})"; break;
            default: reply.body = R"({"result":{"data":"a","data_b64":"YQ=="}})"; break;
        }
        return reply;
    }};
    host_.config_values["publish_url"] = backend.url("/p");
    auto instance = make();
    const std::vector<std::string> payloads{"hello", std::string("\xff\x00", 2), "x", "x",
                                            "x", "x", "x"};
    for (std::size_t i = 0; i < payloads.size(); ++i) {
        AuthzExtras extras;
        extras.data = payloads[i];
        ASSERT_EQ(authorize(*instance, false, i + 1, "chat", "", 0, extras).status,
                  NOTIFY_PENDING);
        ASSERT_TRUE(host_.wait_for_auth_completions(i + 1, wait_limit));
    }
    const auto answers = host_.auth_completions();
    EXPECT_EQ(answers[0].decision, NOTIFY_AUTH_ALLOW);
    EXPECT_FALSE(answers[0].data.has_value());
    EXPECT_EQ(answers[1].decision, NOTIFY_AUTH_ALLOW);
    EXPECT_EQ(answers[1].data, std::optional<std::string>{"***"});
    EXPECT_EQ(answers[2].data, std::optional<std::string>(std::string("\xff\x00", 2)));
    EXPECT_EQ(answers[3].data, std::optional<std::string>{""});
    for (std::size_t i = 4; i < answers.size(); ++i) {
        EXPECT_EQ(answers[i].decision, NOTIFY_AUTH_DENY) << i;
        EXPECT_EQ(answers[i].reason.rfind("proxy: backend unavailable: \"result", 0), 0u)
            << answers[i].reason;
        EXPECT_FALSE(answers[i].data.has_value());
    }

    const auto seen = backend.received();
    ASSERT_EQ(seen.size(), payloads.size());
    const Json text = Json::parse(seen[0].body);
    EXPECT_EQ(text["data"], "hello");
    EXPECT_FALSE(text.contains("data_b64"));
    const Json binary = Json::parse(seen[1].body);
    EXPECT_EQ(binary["data_b64"], "/wA=");
    EXPECT_FALSE(binary.contains("data"));
}

TEST_F(ProxyAuthTest, AReplacementAnOldHostCannotApplyIsADenial) {
    ProxyBackend backend{always(R"({"result":{"data":"***"}})")};
    host_.pretend_abi_1_6();
    host_.config_values["publish_url"] = backend.url("/p");
    auto instance = make();
    ASSERT_EQ(authorize(*instance, false, 1, "chat").status, NOTIFY_PENDING);
    ASSERT_TRUE(host_.wait_for_auth_completions(1, wait_limit));
    const AuthCompletion answer = host_.auth_completions().back();
    EXPECT_EQ(answer.decision, NOTIFY_AUTH_DENY);
    EXPECT_NE(answer.reason.find("older than ABI 1.7"), std::string::npos) << answer.reason;
}

TEST_F(ProxyAuthTest, DeferAndEmptyAnswersDefer) {
    for (const std::string body : {R"({"defer":true})", "{}"}) {
        ProxyBackend backend{always(body)};
        host_.config_values["connect_url"] = backend.url("/c");
        auto instance = make();
        EXPECT_EQ(connect_once(*instance).decision, NOTIFY_AUTH_DEFER) << body;
    }
}

TEST_F(ProxyAuthTest, SubscribeAndPublishAskTheirOwnEndpoints) {
    ProxyBackend backend{[](const BackendRequest& request) {
        BackendReply reply;
        reply.body = request.target == "/sub" ? R"({"result":{}})"
                                              : R"({"error":{"code":1403,"message":"read-only"}})";
        return reply;
    }};
    host_.config_values["subscribe_url"] = backend.url("/sub");
    host_.config_values["publish_url"] = backend.url("/pub");
    auto instance = make();
    EXPECT_EQ(authorize(*instance, true, 11, "chat:1", "sub-token", NOTIFY_AUTHZ_TOKEN_REQUIRED)
                  .status,
              NOTIFY_PENDING);
    ASSERT_TRUE(host_.wait_for_auth_completions(1, wait_limit));
    EXPECT_EQ(authorize(*instance, false, 12, "chat:1").status, NOTIFY_PENDING);
    ASSERT_TRUE(host_.wait_for_auth_completions(2, wait_limit));
    const auto answers = host_.auth_completions();
    EXPECT_EQ(answers[0].request_id, 11u);
    EXPECT_EQ(answers[0].decision, NOTIFY_AUTH_ALLOW);
    EXPECT_EQ(answers[1].request_id, 12u);
    EXPECT_EQ(answers[1].decision, NOTIFY_AUTH_DENY);
    EXPECT_EQ(answers[1].reason, "read-only");

    const auto seen = backend.received();
    ASSERT_EQ(seen.size(), 2u);
    const Json subscribe = Json::parse(seen[0].body);
    EXPECT_EQ(subscribe["client"], "c1");
    EXPECT_EQ(subscribe["user"], "u1");
    EXPECT_EQ(subscribe["topic"], "chat:1");
    EXPECT_EQ(subscribe["token"], "sub-token");
    EXPECT_EQ(subscribe["token_required"], true);
    const Json publish = Json::parse(seen[1].body);
    EXPECT_EQ(publish["topic"], "chat:1");
    EXPECT_FALSE(publish.contains("token"));

    // The same as metrics (ABI 1.6), per step and outcome.
    EXPECT_EQ(host_.metric("notify_proxy_requests_total{step=subscribe,outcome=allow}"), 1);
    EXPECT_EQ(host_.metric("notify_proxy_requests_total{step=publish,outcome=deny}"), 1);
    EXPECT_EQ(host_.metric("notify_proxy_requests_total{step=publish,outcome=allow}"), 0);
    EXPECT_EQ(host_.metric("notify_proxy_request_seconds{step=subscribe}"), 1);
    EXPECT_EQ(host_.metric("notify_proxy_request_seconds{step=publish}"), 1);
    EXPECT_EQ(host_.metric("notify_proxy_pending_requests"), 0);
}

// Each answer below is a temporary error: DENY "proxy: backend unavailable: ...".
TEST_F(ProxyAuthTest, UnusableAnswersAreTemporaryDenials) {
    const std::string big(70 * 1024, 'x');
    struct Case {
        std::string name;
        unsigned status;
        std::string body;
        std::string hint;
    };
    const std::vector<Case> cases = {
        {"garbage", 200, "this is not json", "not valid JSON"},
        {"non-200", 500, R"({"result":{}})", "HTTP status 500"},
        {"oversize", 200, R"({"result":{"user":")" + big + R"("}})", "max_response_size"},
        {"info not an object", 200, R"({"result":{"info":[1]}})", "info"},
        {"topics not strings", 200, R"({"result":{"topics":["a",2]}})", "topics"},
        {"user not a string", 200, R"({"result":{"user":5}})", "user"},
        {"array", 200, "[]", "not a JSON object"},
        {"error code out of range", 200, R"({"error":{"code":5}})", "400-1999"},
        {"two decisions", 200, R"({"result":{},"error":{"code":400}})", "more than one"},
        {"deep", 200, std::string(100, '[') + std::string(100, ']'), "deeper"},
    };
    std::uint64_t id = 100;
    for (const Case& c : cases) {
        ProxyBackend backend{always(c.body, c.status)};
        host_.config_values["connect_url"] = backend.url("/c");
        auto instance = make();
        ConnectArgs args;
        args.request_id = ++id;
        const AuthCompletion answer = connect_once(*instance, args);
        EXPECT_EQ(answer.decision, NOTIFY_AUTH_DENY) << c.name;
        EXPECT_EQ(answer.reason.rfind("proxy: backend unavailable: ", 0), 0u)
            << c.name << ": " << answer.reason;
        EXPECT_NE(answer.reason.find(c.hint), std::string::npos) << c.name << ": " << answer.reason;
        EXPECT_EQ(answer.error_code, static_cast<std::uint32_t>(NOTIFY_AUTH_ERROR_UNAUTHORIZED));
    }
}

TEST_F(ProxyAuthTest, BackendDownIsATemporaryDenialLoggedOncePerInterval) {
    const RefusingPort refusing;
    host_.config_values["connect_url"] =
        "http://127.0.0.1:" + std::to_string(refusing.port()) + "/c";
    auto instance = make();
    for (std::uint64_t id = 1; id <= 5; ++id) {
        ConnectArgs args;
        args.request_id = id;
        const AuthCompletion answer = connect_once(*instance, args);
        EXPECT_EQ(answer.decision, NOTIFY_AUTH_DENY);
        EXPECT_EQ(answer.reason.rfind("proxy: backend unavailable: ", 0), 0u) << answer.reason;
        EXPECT_NE(answer.reason.find("refused"), std::string::npos) << answer.reason;
    }
    const auto logs = host_.logs();
    std::size_t unavailable = 0;
    for (const std::string& line : logs) {
        if (line.find("backend unavailable") != std::string::npos) ++unavailable;
    }
    EXPECT_EQ(unavailable, 1u);
    EXPECT_EQ(host_.metric("notify_proxy_requests_total{step=connect,outcome=unavailable}"), 5);
}

TEST_F(ProxyAuthTest, SlowBackendTimesOutWithinTheTimeout) {
    ProxyBackend backend{always(R"({"result":{}})", 200, 5000ms)};
    host_.config_values["connect_url"] = backend.url("/c");
    host_.config_values["timeout"] = std::string{"200ms"};
    auto instance = make();
    const auto started = Clock::now();
    const AuthCompletion answer = connect_once(*instance);
    const auto took = Clock::now() - started;
    EXPECT_EQ(answer.decision, NOTIFY_AUTH_DENY);
    EXPECT_NE(answer.reason.find("within timeout (200 ms)"), std::string::npos) << answer.reason;
    EXPECT_GE(took, 150ms);
    EXPECT_LT(took, 1500ms);
    backend.release();
}

TEST_F(ProxyAuthTest, ATimeoutDoesNotPoisonLaterRequests) {
    std::atomic<int> calls{0};
    ProxyBackend backend{[&calls](const BackendRequest&) {
        BackendReply reply;
        reply.body = R"({"result":{"user":"late"}})";
        if (calls.fetch_add(1) == 0) reply.delay = 3000ms;
        return reply;
    }};
    host_.config_values["connect_url"] = backend.url("/c");
    host_.config_values["timeout"] = std::string{"200ms"};
    auto instance = make();
    const AuthCompletion first = connect_once(*instance);
    EXPECT_EQ(first.decision, NOTIFY_AUTH_DENY);
    ConnectArgs args;
    args.request_id = 2;
    const AuthCompletion second = connect_once(*instance, args);
    EXPECT_EQ(second.decision, NOTIFY_AUTH_ALLOW) << second.reason;
    EXPECT_EQ(second.user_id, "late");
    EXPECT_EQ(backend.connections(), 2u);  // the timed-out connection was not reused
    backend.release();
}

// A CA file for the test backend's certificate, removed with the test.
class CaFile {
  public:
    explicit CaFile(const std::string& pem) {
        path_ = ::testing::TempDir() + "proxy_ca_" +
                std::to_string(reinterpret_cast<std::uintptr_t>(this)) + ".pem";
        std::ofstream{path_} << pem;
    }
    ~CaFile() { std::remove(path_.c_str()); }
    CaFile(const CaFile&) = delete;
    CaFile& operator=(const CaFile&) = delete;
    [[nodiscard]] const std::string& path() const { return path_; }

  private:
    std::string path_;
};

TEST_F(ProxyAuthTest, HttpsWithATrustedCertificateAllowsOverOneConnection) {
    const TlsIdentity identity = TlsIdentity::self_signed();
    const CaFile ca{identity.cert_pem};
    ProxyBackend backend{always(R"({"result":{"user":"tls"}})"), &identity};
    host_.config_values["connect_url"] = backend.url("/c");
    host_.config_values["tls_ca_file"] = ca.path();
    auto instance = make();
    for (std::uint64_t id = 1; id <= 5; ++id) {
        ConnectArgs args;
        args.request_id = id;
        const AuthCompletion answer = connect_once(*instance, args);
        EXPECT_EQ(answer.decision, NOTIFY_AUTH_ALLOW) << answer.reason;
        EXPECT_EQ(answer.user_id, "tls");
    }
    EXPECT_EQ(backend.requests(), 5u);
    EXPECT_EQ(backend.connections(), 1u);
}

TEST_F(ProxyAuthTest, HttpsWithAnUntrustedCertificateIsATemporaryDenial) {
    const TlsIdentity identity = TlsIdentity::self_signed();
    const TlsIdentity other = TlsIdentity::self_signed();
    const CaFile ca{other.cert_pem};  // trusts another certificate only
    ProxyBackend backend{always(R"({"result":{"user":"tls"}})"), &identity};
    host_.config_values["connect_url"] = backend.url("/c");
    host_.config_values["tls_ca_file"] = ca.path();
    auto instance = make();
    const AuthCompletion answer = connect_once(*instance);
    EXPECT_EQ(answer.decision, NOTIFY_AUTH_DENY);
    EXPECT_EQ(answer.reason.rfind("proxy: backend unavailable: TLS handshake", 0), 0u)
        << answer.reason;
    EXPECT_EQ(backend.requests(), 0u);
}

TEST_F(ProxyAuthTest, HttpsChecksTheHostName) {
    const TlsIdentity identity = TlsIdentity::self_signed();  // valid for IP 127.0.0.1 only
    const CaFile ca{identity.cert_pem};
    ProxyBackend backend{always(R"({"result":{"user":"tls"}})"), &identity};
    host_.config_values["connect_url"] =
        "https://localhost:" + std::to_string(backend.port()) + "/c";
    host_.config_values["tls_ca_file"] = ca.path();
    auto instance = make();
    const AuthCompletion answer = connect_once(*instance);
    EXPECT_EQ(answer.decision, NOTIFY_AUTH_DENY);
    EXPECT_NE(answer.reason.find("TLS handshake"), std::string::npos) << answer.reason;
    EXPECT_EQ(backend.requests(), 0u);
}

TEST_F(ProxyAuthTest, KeepAliveReusesConnections) {
    ProxyBackend backend{always(R"({"result":{"user":"k"}})")};
    host_.config_values["connect_url"] = backend.url("/c");
    auto instance = make();
    for (std::uint64_t id = 1; id <= 20; ++id) {
        ConnectArgs args;
        args.request_id = id;
        EXPECT_EQ(connect_once(*instance, args).decision, NOTIFY_AUTH_ALLOW);
    }
    EXPECT_EQ(backend.requests(), 20u);
    EXPECT_EQ(backend.connections(), 1u);
}

TEST_F(ProxyAuthTest, ThousandConcurrentConnectsStayWithinMaxConcurrency) {
    ProxyBackend backend{[](const BackendRequest& request) {
        const Json body = Json::parse(request.body);
        BackendReply reply;
        reply.body = Json{{"result", {{"user", body["token"]}}}}.dump();
        reply.delay = 1ms;
        return reply;
    }};
    host_.config_values["connect_url"] = backend.url("/c");
    host_.config_values["max_concurrency"] = std::int64_t{8};
    auto instance = make();
    constexpr std::uint64_t count = 1000;
    for (std::uint64_t id = 1; id <= count; ++id) {
        ConnectArgs args;
        args.request_id = id;
        args.token = "user-" + std::to_string(id);
        ASSERT_EQ(authenticate(*instance, args).status, NOTIFY_PENDING);
    }
    ASSERT_TRUE(host_.wait_for_auth_completions(count, 30s));
    std::this_thread::sleep_for(50ms);  // a duplicate answer would show up here
    const auto answers = host_.auth_completions();
    ASSERT_EQ(answers.size(), count);
    std::map<std::uint64_t, std::string> users;
    for (const AuthCompletion& answer : answers) {
        EXPECT_EQ(answer.decision, NOTIFY_AUTH_ALLOW) << answer.reason;
        EXPECT_TRUE(users.emplace(answer.request_id, answer.user_id).second)
            << "answered twice: " << answer.request_id;
    }
    ASSERT_EQ(users.size(), count);
    for (const auto& [id, user] : users) EXPECT_EQ(user, "user-" + std::to_string(id));
    EXPECT_LE(backend.max_concurrent(), 8u);
    EXPECT_GE(backend.max_concurrent(), 2u);
    EXPECT_EQ(backend.requests(), count);
    EXPECT_LE(backend.connections(), 8u);
}

TEST_F(ProxyAuthTest, BeyondTheQueueRequestsAreDeniedAtOnce) {
    ProxyBackend backend{always(R"({"result":{}})", 200, 5000ms)};
    host_.config_values["connect_url"] = backend.url("/c");
    host_.config_values["max_concurrency"] = std::int64_t{1};
    host_.config_values["max_queue"] = std::int64_t{2};
    auto instance = make();
    for (std::uint64_t id = 1; id <= 3; ++id) {
        ConnectArgs args;
        args.request_id = id;
        EXPECT_EQ(authenticate(*instance, args).status, NOTIFY_PENDING);
    }
    ConnectArgs fourth;
    fourth.request_id = 4;
    const Immediate refused = authenticate(*instance, fourth);
    EXPECT_EQ(refused.status, NOTIFY_OK);
    EXPECT_EQ(refused.decision, NOTIFY_AUTH_DENY);
    EXPECT_EQ(refused.reason, "proxy: too many pending requests");
    backend.release();
    ASSERT_TRUE(host_.wait_for_auth_completions(3, wait_limit));
    for (const AuthCompletion& answer : host_.auth_completions()) {
        EXPECT_EQ(answer.decision, NOTIFY_AUTH_ALLOW);
    }
    EXPECT_EQ(host_.metric("notify_proxy_requests_total{step=connect,outcome=rejected}"), 1);
    EXPECT_EQ(host_.metric("notify_proxy_requests_total{step=connect,outcome=allow}"), 3);
    EXPECT_EQ(host_.metric("notify_proxy_pending_requests"), 0);
}

TEST_F(ProxyAuthTest, StopAnswersEveryPendingRequestPromptly) {
    ProxyBackend backend{always(R"({"result":{}})", 200, 10'000ms)};
    host_.config_values["connect_url"] = backend.url("/c");
    host_.config_values["max_concurrency"] = std::int64_t{4};
    host_.config_values["timeout"] = std::string{"30s"};
    auto instance = make();
    constexpr std::uint64_t count = 20;
    for (std::uint64_t id = 1; id <= count; ++id) {
        ConnectArgs args;
        args.request_id = id;
        ASSERT_EQ(authenticate(*instance, args).status, NOTIFY_PENDING);
    }
    // Let the first four reach the backend.
    for (int i = 0; i < 200 && backend.requests() < 4; ++i) std::this_thread::sleep_for(5ms);
    EXPECT_EQ(backend.requests(), 4u);

    const auto started = Clock::now();
    library_.descriptor()->stop(instance->get());
    EXPECT_LT(Clock::now() - started, 1500ms);

    const auto answers = host_.auth_completions();  // all of them, before stop returned
    ASSERT_EQ(answers.size(), count);
    std::set<std::uint64_t> ids;
    for (const AuthCompletion& answer : answers) {
        EXPECT_EQ(answer.decision, NOTIFY_AUTH_DENY);
        EXPECT_EQ(answer.reason, "proxy: stopping");
        ids.insert(answer.request_id);
    }
    EXPECT_EQ(ids.size(), count);

    // After stop: denied at once, nothing pending.
    ConnectArgs late;
    late.request_id = 99;
    const Immediate after = authenticate(*instance, late);
    EXPECT_EQ(after.status, NOTIFY_OK);
    EXPECT_EQ(after.decision, NOTIFY_AUTH_DENY);
    instance.reset();  // destroy: no further auth_complete
    EXPECT_EQ(host_.auth_completions().size(), count);
    backend.stop();
}

TEST_F(ProxyAuthTest, DestroyWithoutStopAnswersPendingRequests) {
    ProxyBackend backend{always(R"({"result":{}})", 200, 10'000ms)};
    host_.config_values["connect_url"] = backend.url("/c");
    auto instance = make();
    ConnectArgs args;
    EXPECT_EQ(authenticate(*instance, args).status, NOTIFY_PENDING);
    for (int i = 0; i < 200 && backend.requests() < 1; ++i) std::this_thread::sleep_for(5ms);
    const auto started = Clock::now();
    instance.reset();
    EXPECT_LT(Clock::now() - started, 1500ms);
    ASSERT_EQ(host_.auth_completions().size(), 1u);
    EXPECT_EQ(host_.auth_completions()[0].decision, NOTIFY_AUTH_DENY);
}

TEST_F(ProxyAuthTest, AConnectionTheServerClosedIsRetriedOnAFreshOne) {
    ProxyBackend backend{[](const BackendRequest&) {
        BackendReply reply;
        reply.body = R"({"result":{"user":"a"}})";
        reply.close_after = true;
        return reply;
    }};
    host_.config_values["connect_url"] = backend.url("/c");
    auto instance = make();
    for (std::uint64_t id = 1; id <= 5; ++id) {
        ConnectArgs args;
        args.request_id = id;
        const AuthCompletion answer = connect_once(*instance, args);
        EXPECT_EQ(answer.decision, NOTIFY_AUTH_ALLOW) << answer.reason;
        // Let the server's close reach the pooled connection before it is reused.
        std::this_thread::sleep_for(20ms);
    }
    EXPECT_EQ(backend.requests(), 5u);
    EXPECT_EQ(backend.connections(), 5u);
}

TEST_F(ProxyAuthTest, ABackendThatWentAwayIsATemporaryDenial) {
    auto backend = std::make_unique<ProxyBackend>(always(R"({"result":{"user":"a"}})"));
    host_.config_values["connect_url"] = backend->url("/c");
    auto instance = make();
    EXPECT_EQ(connect_once(*instance).decision, NOTIFY_AUTH_ALLOW);
    backend->stop();  // the pooled connection dies and nothing listens any more
    ConnectArgs args;
    args.request_id = 2;
    const AuthCompletion answer = connect_once(*instance, args);
    EXPECT_EQ(answer.decision, NOTIFY_AUTH_DENY);
    EXPECT_EQ(answer.reason.rfind("proxy: backend unavailable: ", 0), 0u) << answer.reason;
}

}  // namespace
}  // namespace notify::test
