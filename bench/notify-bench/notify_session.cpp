// Notify's JSON protocol (subprotocol notify.json.v1): connect, subscribe, publish; deliveries
// are {"push":{"message":{...,"data":"<payload>"}}}. Payloads are plain ASCII without quotes or
// backslashes, so the data string is taken as is.
#include "session_kinds.hpp"
#include "websocket_session.hpp"

#include <charconv>

namespace notify::bench {
namespace {

constexpr std::uint64_t connect_id = 1;
constexpr std::uint64_t subscribe_id = 2;
constexpr std::uint64_t first_publish_id = 3;

std::string_view string_field(std::string_view json, std::string_view key_with_quotes) {
    const auto key = json.find(key_with_quotes);
    if (key == std::string_view::npos) {
        return {};
    }
    const auto start = key + key_with_quotes.size();
    const auto end = json.find('"', start);
    return end == std::string_view::npos ? std::string_view{} : json.substr(start, end - start);
}

std::uint64_t reply_id(std::string_view json) {
    const auto key = json.find("\"id\":");
    if (key == std::string_view::npos) {
        return 0;
    }
    std::uint64_t id = 0;
    const char* start = json.data() + key + 5;
    std::from_chars(start, json.data() + json.size(), id);
    return id;
}

class NotifySession final : public WebSocketSession {
public:
    explicit NotifySession(const SessionSpec& spec) : WebSocketSession(spec, "notify.json.v1") {}

private:
    void on_open(std::string& out, SessionEvents&) override {
        send_text(out, R"({"id":1,"connect":{}})");
    }

    void on_text(std::string_view text, std::string& out, SessionEvents& events) override {
        if (text.starts_with(R"({"push")")) {
            if (text.find(R"("message")") != std::string_view::npos) {
                events.delivered(string_field(text, R"("data":")"));
            }
            return;
        }
        const std::uint64_t id = reply_id(text);
        if (text.find(R"("error")") != std::string_view::npos) {
            events.failed("notify refused request " + std::to_string(id) + ": " + std::string(text));
            return;
        }
        if (id == connect_id) {
            if (spec().role == SessionRole::publisher) {
                events.ready();
            } else {
                send_text(out, R"({"id":2,"subscribe":{"topic":")" + spec().topic + R"("}})");
            }
        } else if (id == subscribe_id) {
            events.ready();
        } else if (id >= first_publish_id) {
            events.publish_acknowledged(id - first_publish_id);  // replies may come in any order
        }
    }

    bool acknowledges_publishes() const override { return true; }

    void write_publish(std::string& message, std::string_view topic, std::string_view payload) override {
        message.append(R"({"id":)").append(std::to_string(next_id_++));
        message.append(R"(,"publish":{"topics":[")").append(topic);
        message.append(R"("],"data":")").append(payload).append(R"("}})");
    }

    std::uint64_t next_id_ = first_publish_id;
};

}  // namespace

std::unique_ptr<Session> make_notify_session(const SessionSpec& spec) {
    return std::make_unique<NotifySession>(spec);
}

}  // namespace notify::bench
