#include "settings.hpp"

#include <notify/udp/wire.hpp>

#include <array>

namespace notify::udp {
namespace {

constexpr std::array<notify_config_key, 8> keys{{
    {"listen", NOTIFY_CONFIG_STRING,
     "\"HOST:PORT\" to bind, HOST an IPv4 literal or \"localhost\"; only that address is bound "
     "(default \"127.0.0.1:7001\"; port 0 = ephemeral)"},
    {"max_datagram", NOTIFY_CONFIG_INT,
     "largest datagram the server sends, headers included; a frame that cannot fit is skipped "
     "and counted (default 1200)"},
    {"replay_size", NOTIFY_CONFIG_INT,
     "datagrams kept per session for resending on a client's NACK (default 1024)"},
    {"max_queue", NOTIFY_CONFIG_INT, "frames queued per session awaiting send (default 1024)"},
    {"slow_consumer", NOTIFY_CONFIG_STRING,
     "\"disconnect\" (close with 4001 when the queue is full, default) or \"drop\" (drop the new "
     "frame and count it)"},
    {"session_timeout", NOTIFY_CONFIG_DURATION,
     "a session that sends no datagram for this long is closed with 1006 (default \"30s\")"},
    {"cookie_lifetime", NOTIFY_CONFIG_DURATION,
     "how long a handshake cookie stays valid (default \"10s\")"},
    {"max_sessions", NOTIFY_CONFIG_INT, "sessions open at once (default 100000)"},
}};

constexpr int64_t max_queue_limit = 1'000'000;
constexpr int64_t max_replay_limit = 65536;
constexpr int64_t max_sessions_limit = 10'000'000;
constexpr int64_t min_datagram = 64;
constexpr int64_t day_ms = int64_t{24} * 3600 * 1000;

}  // namespace

const notify_config_key *config_keys() { return keys.data(); }
size_t config_key_count() { return keys.size(); }

notify_status read_settings(const notify_host_api &host, const notify_config *config,
                            Settings &settings, notify_error *err) {
    sdk::TransportSettingsReader reader("udp", host, config, err);
    reader.listen(settings.listen, settings.host, settings.port);
    reader.count("max_datagram", min_datagram, static_cast<int64_t>(wire::max_udp_payload),
                 settings.max_datagram);
    reader.count("replay_size", 1, max_replay_limit, settings.replay_size);
    reader.count("max_queue", 1, max_queue_limit, settings.max_queue);
    reader.count("max_sessions", 1, max_sessions_limit, settings.max_sessions);
    reader.duration("session_timeout", 10, day_ms, settings.session_timeout);
    // The cookie's timestamp counts 10 ms ticks; a shorter lifetime could not be told apart.
    reader.duration("cookie_lifetime", 10, 3600 * 1000, settings.cookie_lifetime);
    reader.slow_consumer(settings.slow_consumer);
    return reader.status();
}

}  // namespace notify::udp
