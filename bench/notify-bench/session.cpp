#include "session.hpp"

#include "session_kinds.hpp"

#include <array>
#include <utility>

namespace notify::bench {
namespace {

constexpr std::array<std::pair<std::string_view, Target>, 8> target_names = {{
    {"notify", Target::notify},
    {"notify-binary", Target::notify_binary},
    {"notify-tcp", Target::notify_tcp},
    {"redis", Target::redis},
    {"nats", Target::nats},
    {"mqtt", Target::mqtt},
    {"ws-broadcast", Target::ws_broadcast},
    {"limit", Target::limit},
}};

}  // namespace

std::unique_ptr<Session> make_session(const SessionSpec& spec) {
    switch (spec.target) {
    case Target::notify: return make_notify_session(spec);
    case Target::notify_binary: return make_notify_binary_ws_session(spec);
    case Target::notify_tcp: return make_notify_tcp_session(spec);
    case Target::redis: return make_redis_session(spec);
    case Target::nats: return make_nats_session(spec);
    case Target::mqtt: return make_mqtt_session(spec);
    case Target::ws_broadcast: return make_ws_broadcast_session(spec);
    case Target::limit: return make_limit_session(spec);
    }
    return nullptr;
}

bool parse_target(std::string_view name, Target& target) {
    for (const auto& [known, value] : target_names) {
        if (known == name) {
            target = value;
            return true;
        }
    }
    return false;
}

std::string_view to_string(Target target) {
    for (const auto& [name, value] : target_names) {
        if (value == target) {
            return name;
        }
    }
    return "?";
}

}  // namespace notify::bench
