// The http_api plugin in a real notifyd: keys, limits, malformed input and keep-alive, and the
// errors the host's strict validation gives, as HTTP statuses with the API's error body.
#include "api_fixture.hpp"

#include <stdlib.h>

namespace notify::test {
namespace {

using json = nlohmann::json;
using std::chrono::seconds;

class ApiHttpRequests : public ApiHttpTest {};

json error_of(const HttpReply& reply) {
    const json body = json::parse(reply.body, nullptr, false);
    return body.is_object() && body.contains("error") ? body["error"] : json{};
}

TEST_F(ApiHttpRequests, WrongOrMissingKeyIs401) {
    start({39600});
    const HttpReply missing = api("info", "{}", "");
    EXPECT_EQ(missing.status, 401u);
    EXPECT_EQ(error_of(missing)["code"], 101);
    const HttpReply wrong = api("info", "{}", "not-the-key");
    EXPECT_EQ(wrong.status, 401u);
    EXPECT_EQ(error_of(wrong)["name"], "unauthorized");
    EXPECT_TRUE(notifyd_->wait_for_stderr("failed: 401 unauthorized (101)", seconds(5)))
        << notifyd_->stderr_text();
    EXPECT_EQ(notifyd_->stderr_text().find(api_key), std::string::npos) << "the key was logged";
}

TEST_F(ApiHttpRequests, OversizedBodyIs413) {
    start({39601});
    const std::string big = R"({"topic":"chat","data":")" + std::string(2 * 1024 * 1024, 'x') + "\"}";
    const HttpReply reply = api("publish", big);
    EXPECT_EQ(reply.status, 413u);
    EXPECT_EQ(error_of(reply)["code"], 109);
    EXPECT_EQ(api("info", "{}").status, 200u);
}

TEST_F(ApiHttpRequests, MalformedJsonIs400WithCode102) {
    start({39602});
    for (const std::string& body : {std::string{R"({"topic":"chat",)"}, std::string{"[1,2]"},
                                    std::string{"\"text\""}}) {
        const HttpReply reply = api("publish", body);
        EXPECT_EQ(reply.status, 400u) << body << " -> " << reply.body;
        EXPECT_EQ(error_of(reply)["code"], 102) << reply.body;
        EXPECT_EQ(error_of(reply)["name"], "bad_request");
    }
}

TEST_F(ApiHttpRequests, UnknownMethodIs404WithCode103) {
    start({39603});
    const HttpReply reply = api("no_such_method", "{}");
    EXPECT_EQ(reply.status, 404u) << reply.body;
    EXPECT_EQ(error_of(reply)["code"], 103) << reply.body;
    EXPECT_EQ(error_of(reply)["name"], "unknown_command");
}

TEST_F(ApiHttpRequests, UnknownFieldIs400WithCode102NamingIt) {
    start({39604});
    const HttpReply reply = api("publish", R"({"topic":"chat","data":"x","colour":"red"})");
    EXPECT_EQ(reply.status, 400u) << reply.body;
    EXPECT_EQ(error_of(reply)["code"], 102) << reply.body;
    EXPECT_NE(error_of(reply).value("message", "").find("colour"), std::string::npos)
        << reply.body;
}

TEST_F(ApiHttpRequests, KeepAliveServesSeveralRequestsOnOneConnection) {
    start({39605});
    HttpClient client(api_port_);
    HttpRequest request;
    request.headers["Authorization"] = std::string{"apikey "} + api_key;
    std::uint64_t previous = 0;
    for (int i = 0; i < 4; ++i) {
        request.target = "/api/publish";
        request.body = R"({"topic":"chat","data":"m)" + std::to_string(i) + "\"}";
        const HttpReply reply = client.send(request);
        ASSERT_EQ(reply.status, 200u) << reply.body;
        EXPECT_TRUE(reply.keep_alive);
        const std::uint64_t offset = json::parse(reply.body)["positions"][0]["offset"];
        EXPECT_GT(offset, previous);
        previous = offset;
    }
    request.target = "/api/info";
    request.body = "{}";
    EXPECT_EQ(client.send(request).status, 200u);
}

TEST_F(ApiHttpRequests, NotifydRefusesToStartWithoutAKey) {
    write_file(dir_.path() / "notify.toml",
               api_manifest({39606}, "listen = \"127.0.0.1:0\"\n"));
    Process without_key({NOTIFYD_PATH, "--config", (dir_.path() / "notify.toml").string()},
                        dir_.path(), "nokey");
    EXPECT_EQ(without_key.wait_for(seconds(10)), 2);
    EXPECT_NE(without_key.stderr_text().find("no API key configured"), std::string::npos)
        << without_key.stderr_text();

    write_file(dir_.path() / "notify.toml",
               api_manifest({39606}, "key_env = \"NOTIFY_API_HTTP_E2E_UNSET\"\n"));
    ::unsetenv("NOTIFY_API_HTTP_E2E_UNSET");
    Process unset({NOTIFYD_PATH, "--config", (dir_.path() / "notify.toml").string()},
                  dir_.path(), "unset");
    EXPECT_EQ(unset.wait_for(seconds(10)), 2);
    EXPECT_NE(unset.stderr_text().find("'NOTIFY_API_HTTP_E2E_UNSET' is unset or empty"),
              std::string::npos)
        << unset.stderr_text();
}

}  // namespace
}  // namespace notify::test
