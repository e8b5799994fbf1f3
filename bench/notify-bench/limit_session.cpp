// The limit server's framing: a 4-byte big-endian length, then the bytes. The server greets each
// connection with an empty frame once it has accepted it, which is what "ready" means here.
#include "session_kinds.hpp"

#include <cstdint>

namespace notify::bench {
namespace {

class LimitSession final : public Session {
public:
    void begin(std::string&) override {}

    std::size_t consume(std::string_view in, std::string&, SessionEvents& events) override {
        std::size_t used = 0;
        while (in.size() - used >= 4) {
            std::size_t length = 0;
            for (std::size_t i = 0; i < 4; ++i) {
                length = (length << 8) | static_cast<std::uint8_t>(in[used + i]);
            }
            if (in.size() - used - 4 < length) {
                return used;
            }
            if (length == 0) {
                events.ready();
            } else {
                events.delivered(in.substr(used + 4, length));
            }
            used += 4 + length;
        }
        return used;
    }

    void publish(std::string& out, std::string_view, std::string_view payload) override {
        const auto length = static_cast<std::uint32_t>(payload.size());
        for (int shift = 24; shift >= 0; shift -= 8) {
            out.push_back(static_cast<char>((length >> shift) & 0xFF));
        }
        out.append(payload);
    }
};

}  // namespace

std::unique_ptr<Session> make_limit_session(const SessionSpec&) {
    return std::make_unique<LimitSession>();
}

}  // namespace notify::bench
