#include "settings.hpp"

#include <notify/udp/wire.hpp>

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <string_view>
#include <system_error>

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

notify_status fail(notify_error *err, const std::string &message) {
    if (err != nullptr) {
        const size_t n = std::min(message.size(), sizeof err->message - 1);
        std::memcpy(err->message, message.data(), n);
        err->message[n] = '\0';
    }
    return NOTIFY_ERR_INVALID_ARGUMENT;
}

std::string in_quotes(std::string_view value) { return "'" + std::string(value) + "'"; }

// NOT_FOUND keeps the default; any other failure is a schema mismatch worth reporting.
notify_status check_read(notify_status status, const char *key, notify_error *err) {
    if (status == NOTIFY_OK || status == NOTIFY_ERR_NOT_FOUND) {
        return NOTIFY_OK;
    }
    return fail(err, std::string("udp: ") + key + ": cannot be read (status " +
                         std::to_string(status) + ")");
}

notify_status read_string(const notify_host_api &host, const notify_config *config,
                          const char *key, std::string &out, notify_error *err) {
    notify_str value{};
    const notify_status status = host.config_get_string(config, key, &value);
    if (status == NOTIFY_OK) {
        out.assign(value.data, value.len);
    }
    return check_read(status, key, err);
}

notify_status read_size(const notify_host_api &host, const notify_config *config,
                        const char *key, int64_t low, int64_t high, size_t &out,
                        notify_error *err) {
    int64_t value = static_cast<int64_t>(out);
    if (const notify_status s = check_read(host.config_get_int(config, key, &value), key, err);
        s != NOTIFY_OK) {
        return s;
    }
    if (value < low || value > high) {
        return fail(err, std::string("udp: ") + key + " " + std::to_string(value) +
                             ": must be between " + std::to_string(low) + " and " +
                             std::to_string(high));
    }
    out = static_cast<size_t>(value);
    return NOTIFY_OK;
}

notify_status read_duration(const notify_host_api &host, const notify_config *config,
                            const char *key, int64_t low_ms, int64_t high_ms,
                            std::chrono::milliseconds &out, notify_error *err) {
    int64_t value = out.count();
    if (const notify_status s =
            check_read(host.config_get_duration_ms(config, key, &value), key, err);
        s != NOTIFY_OK) {
        return s;
    }
    if (value < low_ms || value > high_ms) {
        return fail(err, std::string("udp: ") + key + " " + std::to_string(value) +
                             "ms: must be between " + std::to_string(low_ms) + "ms and " +
                             std::to_string(high_ms) + "ms");
    }
    out = std::chrono::milliseconds(value);
    return NOTIFY_OK;
}

notify_status parse_listen(Settings &settings, notify_error *err) {
    const std::string &listen = settings.listen;
    const size_t colon = listen.rfind(':');
    if (colon == std::string::npos) {
        return fail(err, "udp: listen " + in_quotes(listen) + ": expected HOST:PORT");
    }
    const std::string_view host_part(listen.data(), colon);
    const std::string_view port_part(listen.data() + colon + 1, listen.size() - colon - 1);

    unsigned long port = 0;
    const auto [end, ec] =
        std::from_chars(port_part.data(), port_part.data() + port_part.size(), port);
    if (port_part.empty() || ec == std::errc::invalid_argument ||
        end != port_part.data() + port_part.size()) {
        return fail(err, "udp: listen " + in_quotes(listen) + ": port is not a number");
    }
    if (ec == std::errc::result_out_of_range || port > 65535) {
        return fail(err, "udp: listen " + in_quotes(listen) + ": port out of range");
    }
    settings.port = static_cast<uint16_t>(port);

    if (host_part == "localhost") {
        settings.host = "127.0.0.1";
        return NOTIFY_OK;
    }
    in_addr address{};
    const std::string host(host_part);
    if (inet_pton(AF_INET, host.c_str(), &address) != 1) {
        return fail(err, "udp: listen " + in_quotes(listen) +
                             ": host must be an IPv4 address or \"localhost\"");
    }
    settings.host = host;
    return NOTIFY_OK;
}

}  // namespace

const notify_config_key *config_keys() { return keys.data(); }
size_t config_key_count() { return keys.size(); }

notify_status read_settings(const notify_host_api &host, const notify_config *config,
                            Settings &settings, notify_error *err) {
    notify_status s = read_string(host, config, "listen", settings.listen, err);
    if (s == NOTIFY_OK) {
        s = parse_listen(settings, err);
    }
    if (s == NOTIFY_OK) {
        s = read_size(host, config, "max_datagram", min_datagram,
                      static_cast<int64_t>(wire::max_udp_payload), settings.max_datagram, err);
    }
    if (s == NOTIFY_OK) {
        s = read_size(host, config, "replay_size", 1, max_replay_limit, settings.replay_size,
                      err);
    }
    if (s == NOTIFY_OK) {
        s = read_size(host, config, "max_queue", 1, max_queue_limit, settings.max_queue, err);
    }
    if (s == NOTIFY_OK) {
        s = read_size(host, config, "max_sessions", 1, max_sessions_limit,
                      settings.max_sessions, err);
    }
    if (s == NOTIFY_OK) {
        s = read_duration(host, config, "session_timeout", 10, day_ms, settings.session_timeout,
                          err);
    }
    if (s == NOTIFY_OK) {
        // The cookie's timestamp counts 10 ms ticks; a shorter lifetime could not be told apart.
        s = read_duration(host, config, "cookie_lifetime", 10, 3600 * 1000,
                          settings.cookie_lifetime, err);
    }
    if (s != NOTIFY_OK) {
        return s;
    }
    std::string slow_consumer = "disconnect";
    if (s = read_string(host, config, "slow_consumer", slow_consumer, err); s != NOTIFY_OK) {
        return s;
    }
    if (slow_consumer == "disconnect") {
        settings.slow_consumer = SlowConsumerPolicy::disconnect;
    } else if (slow_consumer == "drop") {
        settings.slow_consumer = SlowConsumerPolicy::drop;
    } else {
        return fail(err, "udp: slow_consumer " + in_quotes(slow_consumer) +
                             ": expected \"disconnect\" or \"drop\"");
    }
    return NOTIFY_OK;
}

}  // namespace notify::udp
