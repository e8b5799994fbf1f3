#include "api_fixture.hpp"

#include <stdlib.h>

#include <stdexcept>

namespace notify::test {

using json = nlohmann::json;

void ApiHttpTest::SetUp() { ::setenv(api_key_variable, api_key, 1); }

void ApiHttpTest::TearDown() {
    NotifydTest::TearDown();
    ::unsetenv(api_key_variable);
}

std::string ApiHttpTest::api_manifest(const Ports& ports, const std::string& api_settings) {
    std::string manifest =
        "[app]\nid = \"apitest\"\n"
        "[topics]\nhistory_size = 10\nhistory_ttl = \"5m\"\n"
        "[namespaces.room]\npresence = true\nhistory_size = 10\nhistory_ttl = \"5m\"\n"
        "[broker]\nplugin = \"local\"\n"
        "[[auth]]\nplugin = \"anonymous\"\nallow_user_id = true\n"
        "[[handler]]\nplugin = \"http_api\"\n" + api_settings +
        "[[transport]]\nplugin = \"websocket\"\nlisten = \"127.0.0.1:" +
        std::to_string(ports.websocket) + "\"\npath = \"/pubsub\"\n";
    if (ports.tcp != 0) {
        manifest += "[[transport]]\nplugin = \"tcp\"\nlisten = \"127.0.0.1:" +
                    std::to_string(ports.tcp) + "\"\n";
    }
    if (ports.http != 0) {
        manifest += "[[transport]]\nplugin = \"http\"\nlisten = \"127.0.0.1:" +
                    std::to_string(ports.http) + "\"\npath = \"/http\"\n";
    }
    return manifest;
}

void ApiHttpTest::start(const Ports& ports) {
    const std::string settings = "listen = \"127.0.0.1:0\"\nkey_env = \"" +
                                 std::string{api_key_variable} + "\"\n";
    ASSERT_NO_FATAL_FAILURE(start_notifyd(ports.websocket, api_manifest(ports, settings)));
    for (const unsigned short port : {ports.tcp, ports.http}) {
        if (port != 0) {
            ASSERT_TRUE(wait_for_port(port, std::chrono::seconds(10)))
                << notifyd_->stderr_text();
        }
    }
    const std::string needle = "http_api: listening on http://127.0.0.1:";
    ASSERT_TRUE(notifyd_->wait_for_stderr(needle, std::chrono::seconds(10)))
        << notifyd_->stderr_text();
    const std::string text = notifyd_->stderr_text();
    api_port_ = static_cast<unsigned short>(std::stoi(text.substr(text.find(needle) + needle.size())));
}

HttpReply ApiHttpTest::api(const std::string& method, const std::string& body,
                           const std::string& key) const {
    return call_api(api_port_, key, method, body);
}

json ApiHttpTest::api_ok(const std::string& method, const std::string& body) const {
    const HttpReply reply = api(method, body);
    EXPECT_EQ(reply.status, 200u) << method << " " << body << " -> " << reply.body;
    const json parsed = json::parse(reply.body, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << reply.body;
    return parsed.is_discarded() ? json::object() : parsed;
}

WsPeer::WsPeer(unsigned short port, const std::string& user) : ws_(port, "/pubsub") {
    const json reply = command("connect", json{{"user", user}});
    if (!reply.contains("result")) throw std::runtime_error("connect refused: " + reply.dump());
    client_id_ = reply["result"]["client"].get<std::string>();
}

json WsPeer::command(const std::string& name, const json& body) {
    const int id = next_id_++;
    ws_.write_text(json{{"id", id}, {name, body}}.dump());
    const auto reply = wait_for(
        [id](const json& frame) { return frame.contains("id") && frame["id"] == id; },
        std::chrono::seconds(5));
    if (!reply) throw std::runtime_error("no reply to " + name);
    return *reply;
}

std::optional<json> WsPeer::wait_for(const std::function<bool(const json&)>& match,
                                     std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        const WsMessage message = ws_.next_message(std::max(left, std::chrono::milliseconds(1)));
        if (message.closed || message.timed_out) return std::nullopt;
        const json frame = json::parse(message.text, nullptr, false);
        if (!frame.is_discarded() && match(frame)) return frame;
    }
    return std::nullopt;
}

std::optional<std::uint16_t> WsPeer::wait_for_close(std::chrono::milliseconds timeout,
                                                    json* last_push) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        const WsMessage message = ws_.next_message(std::max(left, std::chrono::milliseconds(1)));
        if (message.closed) return message.close_code;
        if (message.timed_out) return std::nullopt;
        const json frame = json::parse(message.text, nullptr, false);
        if (last_push != nullptr && !frame.is_discarded() && frame.contains("push")) {
            *last_push = frame;
        }
    }
    return std::nullopt;
}

const json* message_of(const json& frame, const std::string& topic) {
    if (!frame.contains("push") || !frame["push"].contains("message")) return nullptr;
    const json& message = frame["push"]["message"];
    return message.value("topic", "") == topic ? &message : nullptr;
}

}  // namespace notify::test
