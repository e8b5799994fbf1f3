#include "admin_fixture.hpp"

#include <stdlib.h>

#include <chrono>

namespace notify::test {

void AdminTest::SetUp() {
    ::setenv(admin_token_variable, admin_token, 1);
}

void AdminTest::TearDown() {
    NotifydTest::TearDown();
    ::unsetenv(admin_token_variable);
}

std::string AdminTest::admin_manifest(unsigned short websocket_port,
                                      const std::string& admin_settings) {
    std::string settings = admin_settings;
    if (settings.find("listen") == std::string::npos) settings += "listen = \"127.0.0.1:0\"\n";
    if (settings.find("sample_interval") == std::string::npos) {
        settings += "sample_interval = \"200ms\"\n";
    }
    return chat_manifest(websocket_port) + "[[handler]]\nplugin = \"admin\"\n" + settings;
}

void AdminTest::start(unsigned short websocket_port, const std::string& admin_settings) {
    ASSERT_NO_FATAL_FAILURE(
        start_notifyd(websocket_port, admin_manifest(websocket_port, admin_settings)));
    const std::string needle = "admin: listening on http://127.0.0.1:";
    ASSERT_TRUE(notifyd_->wait_for_stderr(needle, std::chrono::seconds(10)))
        << notifyd_->stderr_text();
    const std::string text = notifyd_->stderr_text();
    admin_port_ =
        static_cast<unsigned short>(std::stoi(text.substr(text.find(needle) + needle.size())));
}

HttpReply AdminTest::get(const std::string& target, const std::string& authorization) const {
    HttpRequest request;
    request.method = "GET";
    request.target = target;
    request.body.clear();
    request.json_content_type = false;
    if (!authorization.empty()) request.headers["Authorization"] = authorization;
    HttpClient client(admin_port_);
    return client.send(request);
}

void AdminTest::publish(const std::string& topic, int count) {
    const auto cli = start_process(
        NOTIFY_CLI_PATH,
        {"pub", url(), topic, "admin-test", "--count", std::to_string(count), "--timeout", "10"},
        dir_.path(), "pub-" + topic);
    const auto exit_code = cli->wait_for(std::chrono::seconds(15));
    ASSERT_EQ(exit_code, 0) << cli->stderr_text();
}

}  // namespace notify::test
