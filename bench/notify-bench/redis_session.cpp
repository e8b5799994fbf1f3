// Redis pub/sub over RESP2: SUBSCRIBE / PUBLISH; deliveries are ["message", topic, payload].
// With RedisCommand::xadd a publisher sends XADD <topic> * d <payload> instead (a stream entry,
// answered with its id as a bulk string); there are no subscribers then.
#include "session_kinds.hpp"

#include <charconv>
#include <optional>
#include <vector>

namespace notify::bench {
namespace {

struct RespLine {
    char type = 0;
    std::string_view text;  // after the type byte, before CRLF
    std::size_t end = 0;    // offset just past the CRLF
};

std::optional<RespLine> read_line(std::string_view in, std::size_t at) {
    const auto crlf = in.find("\r\n", at);
    if (at >= in.size() || crlf == std::string_view::npos) {
        return std::nullopt;
    }
    return RespLine{in[at], in.substr(at + 1, crlf - at - 1), crlf + 2};
}

std::optional<long long> to_number(std::string_view text) {
    long long value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

void write_command(std::string& out, std::initializer_list<std::string_view> words) {
    out.append("*").append(std::to_string(words.size())).append("\r\n");
    for (const auto word : words) {
        out.append("$").append(std::to_string(word.size())).append("\r\n").append(word).append("\r\n");
    }
}

class RedisSession final : public Session {
public:
    explicit RedisSession(const SessionSpec& spec) : spec_(spec) {}

    void begin(std::string& out) override {
        if (spec_.role == SessionRole::subscriber) {
            write_command(out, {"SUBSCRIBE", spec_.topic});
        } else {
            write_command(out, {"PING"});
        }
    }

    std::size_t consume(std::string_view in, std::string&, SessionEvents& events) override {
        std::size_t used = 0;
        while (true) {
            const auto head = read_line(in, used);
            if (!head) {
                return used;
            }
            if (head->type == '-') {
                events.failed("redis: " + std::string(head->text));
                return in.size();
            }
            if (head->type == '$' && spec_.role == SessionRole::publisher) {  // an XADD's entry id
                const auto size = to_number(head->text);
                if (!size || *size < -1) {
                    events.failed("redis: bad bulk length $" + std::string(head->text));
                    return in.size();
                }
                const std::size_t end = head->end + (*size < 0 ? 0 : static_cast<std::size_t>(*size) + 2);
                if (in.size() < end) {
                    return used;
                }
                events.publish_acknowledged(acknowledged_++);
                used = end;
                continue;
            }
            if (head->type != '*') {
                if (head->type == '+' && spec_.role == SessionRole::publisher && !ready_) {
                    ready_ = true;
                    events.ready();
                }
                if (head->type == ':') {
                    events.publish_acknowledged(acknowledged_++);  // Redis answers in order
                }
                used = head->end;  // ":N" replies to PUBLISH, "+PONG"
                continue;
            }
            const auto count = to_number(head->text);
            if (!count || *count < 0 || *count > 8) {
                events.failed("redis: unexpected array header *" + std::string(head->text));
                return in.size();
            }
            std::vector<std::string_view> items;
            std::size_t at = head->end;
            for (long long i = 0; i < *count; ++i) {
                const auto item = read_line(in, at);
                if (!item) {
                    return used;
                }
                if (item->type != '$') {
                    items.push_back(item->text);
                    at = item->end;
                    continue;
                }
                const auto size = to_number(item->text);
                if (!size || *size < 0) {
                    events.failed("redis: bad bulk length $" + std::string(item->text));
                    return in.size();
                }
                const auto length = static_cast<std::size_t>(*size);
                if (in.size() < item->end + length + 2) {
                    return used;
                }
                items.push_back(in.substr(item->end, length));
                at = item->end + length + 2;
            }
            used = at;
            if (items.size() == 3 && items[0] == "message") {
                events.delivered(items[2]);
            } else if (!items.empty() && items[0] == "subscribe") {
                events.ready();
            }
        }
    }

    bool acknowledges_publishes() const override { return true; }

    void publish(std::string& out, std::string_view topic, std::string_view payload) override {
        if (spec_.redis_command == RedisCommand::xadd) {
            write_command(out, {"XADD", topic, "*", "d", payload});
        } else {
            write_command(out, {"PUBLISH", topic, payload});
        }
    }

private:
    SessionSpec spec_;
    bool ready_ = false;
    std::uint64_t acknowledged_ = 0;
};

}  // namespace

std::unique_ptr<Session> make_redis_session(const SessionSpec& spec) {
    return std::make_unique<RedisSession>(spec);
}

}  // namespace notify::bench
