// Notify's JSON protocol (subprotocol notify.json.v1): connect, subscribe, publish; deliveries
// are {"push":{"message":{...,"offset":N,...,"data":"<payload>"}}}. Payloads are plain ASCII
// without quotes or backslashes, so the data string is taken as is. With ack_deliveries a
// subscriber acks what it received ({"id":N,"ack":{"topic":T,"offset":O}}), per message or once
// per read (acks are cumulative); ack ids start at 3, like a publisher's publish ids.
#include "session_kinds.hpp"
#include "websocket_session.hpp"

#include <algorithm>
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

std::uint64_t number_field(std::string_view json, std::string_view key_with_colon) {
    const auto key = json.find(key_with_colon);
    if (key == std::string_view::npos) {
        return 0;
    }
    std::uint64_t value = 0;
    const char* start = json.data() + key + key_with_colon.size();
    std::from_chars(start, json.data() + json.size(), value);
    return value;
}

std::uint64_t reply_id(std::string_view json) {
    return number_field(json, "\"id\":");
}

class NotifySession final : public WebSocketSession {
public:
    explicit NotifySession(const SessionSpec& spec) : WebSocketSession(spec, "notify.json.v1") {}

private:
    void on_open(std::string& out, SessionEvents&) override {
        // A token is base64url and dots (a JWT): nothing in it needs escaping.
        send_text(out, spec().token.empty()
                           ? std::string{R"({"id":1,"connect":{}})"}
                           : R"({"id":1,"connect":{"token":")" + spec().token + R"("}})");
    }

    void on_text(std::string_view text, std::string& out, SessionEvents& events) override {
        if (text.starts_with(R"({"push")")) {
            if (text.find(R"("message")") != std::string_view::npos) {
                events.delivered(string_field(text, R"("data":")"));
                if (spec().ack_deliveries) {
                    const std::uint64_t offset = number_field(text, R"("offset":)");
                    newest_offset_ = std::max(newest_offset_, offset);
                    ++unacked_;
                    if (spec().ack_mode == AckMode::each) {
                        send_ack(out, offset, events);
                    }
                }
            } else if (text.find(R"("disconnect")") != std::string_view::npos) {
                events.failed("notify disconnected the client: " + std::string(text));
                mark_failed();
            }
            return;
        }
        const std::uint64_t id = reply_id(text);
        if (text.find(R"("error")") != std::string_view::npos) {
            events.failed("notify refused request " + std::to_string(id) + ": " + std::string(text));
            mark_failed();
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
            if (spec().role == SessionRole::publisher) {
                events.publish_acknowledged(id - first_publish_id);  // replies may come in any order
            } else {
                events.ack_answered();
            }
        }
    }

    void on_read_end(std::string& out, SessionEvents& events) override {
        if (unacked_ > 0) {
            send_ack(out, newest_offset_, events);
        }
    }

    void send_ack(std::string& out, std::uint64_t offset, SessionEvents& events) {
        ack_.clear();
        ack_.append(R"({"id":)").append(std::to_string(next_id_++));
        ack_.append(R"(,"ack":{"topic":")").append(spec().topic);
        ack_.append(R"(","offset":)").append(std::to_string(offset)).append("}}");
        send_text(out, ack_);
        events.ack_sent(unacked_);
        unacked_ = 0;
    }

    bool acknowledges_publishes() const override { return true; }

    void write_publish(std::string& message, std::string_view topic, std::string_view payload) override {
        message.append(R"({"id":)").append(std::to_string(next_id_++));
        message.append(R"(,"publish":{"topics":[")").append(topic);
        message.append(R"("],"data":")").append(payload).append(R"("}})");
    }

    std::uint64_t next_id_ = first_publish_id;  // publishes (publisher) or acks (subscriber)
    std::uint64_t newest_offset_ = 0;   // the newest offset received and not yet acked
    std::uint64_t unacked_ = 0;         // deliveries since the last ack
    std::string ack_;
};

}  // namespace

std::unique_ptr<Session> make_notify_session(const SessionSpec& spec) {
    return std::make_unique<NotifySession>(spec);
}

}  // namespace notify::bench
