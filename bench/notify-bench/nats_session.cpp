// NATS core text protocol: CONNECT, SUB and a PING whose PONG proves the SUB is in place;
// deliveries are "MSG <subject> <sid> [reply] <size>\r\n<payload>\r\n".
#include "session_kinds.hpp"

#include <charconv>

namespace notify::bench {
namespace {

class NatsSession final : public Session {
public:
    explicit NatsSession(const SessionSpec& spec) : spec_(spec) {}

    void begin(std::string& out) override {
        out.append(R"(CONNECT {"verbose":false,"pedantic":false,"name":"notify-bench"})").append("\r\n");
        if (spec_.role == SessionRole::subscriber) {
            out.append("SUB ").append(spec_.topic).append(" 1\r\n");
        }
        out.append("PING\r\n");
    }

    std::size_t consume(std::string_view in, std::string& out, SessionEvents& events) override {
        std::size_t used = 0;
        while (true) {
            const auto crlf = in.find("\r\n", used);
            if (crlf == std::string_view::npos) {
                return used;
            }
            const std::string_view line = in.substr(used, crlf - used);
            if (line.starts_with("MSG ")) {
                const auto last_space = line.rfind(' ');
                std::size_t size = 0;
                const auto [end, error] =
                    std::from_chars(line.data() + last_space + 1, line.data() + line.size(), size);
                if (error != std::errc{}) {
                    events.failed("nats: bad MSG line: " + std::string(line));
                    return in.size();
                }
                if (in.size() < crlf + 2 + size + 2) {
                    return used;
                }
                events.delivered(in.substr(crlf + 2, size));
                used = crlf + 2 + size + 2;
                continue;
            }
            used = crlf + 2;
            if (line == "PING") {
                out.append("PONG\r\n");
            } else if (line == "PONG" && !ready_) {
                ready_ = true;
                events.ready();
            } else if (line.starts_with("-ERR")) {
                events.failed("nats: " + std::string(line));
                return in.size();
            }
        }
    }

    void publish(std::string& out, std::string_view topic, std::string_view payload) override {
        out.append("PUB ").append(topic).append(" ").append(std::to_string(payload.size()));
        out.append("\r\n").append(payload).append("\r\n");
    }

private:
    SessionSpec spec_;
    bool ready_ = false;
};

}  // namespace

std::unique_ptr<Session> make_nats_session(const SessionSpec& spec) {
    return std::make_unique<NatsSession>(spec);
}

}  // namespace notify::bench
