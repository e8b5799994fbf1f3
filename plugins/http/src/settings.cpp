#include "settings.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <string_view>
#include <system_error>

namespace notify::http {
namespace {

constexpr std::array<notify_config_key, 13> keys{{
    {"listen", NOTIFY_CONFIG_STRING,
     "\"HOST:PORT\" to bind, HOST an IPv4 literal or \"localhost\"; only that address is bound "
     "(default \"127.0.0.1:8000\"; port 0 = ephemeral)"},
    {"path", NOTIFY_CONFIG_STRING,
     "URL prefix of the endpoints: {path}/session... (default \"/http\")"},
    {"threads", NOTIFY_CONFIG_INT, "I/O threads running the listener (default 1)"},
    {"max_sessions", NOTIFY_CONFIG_INT,
     "sessions open at once; more get HTTP 503 (default 100000)"},
    {"max_frame_size", NOTIFY_CONFIG_INT,
     "largest request body in bytes; larger ones get HTTP 413 (default 65536)"},
    {"max_queue", NOTIFY_CONFIG_INT, "frames queued per session (default 1024)"},
    {"slow_consumer", NOTIFY_CONFIG_STRING,
     "\"disconnect\" (end the session with 4001 when its queue is full, default) or \"drop\" "
     "(drop the new frame and count it)"},
    {"replay_size", NOTIFY_CONFIG_INT,
     "frames kept per session for SSE Last-Event-ID replay (default 256; 0 = none)"},
    {"poll_timeout", NOTIFY_CONFIG_DURATION,
     "how long a long-poll is held when nothing is queued (default \"25s\")"},
    {"sse_heartbeat", NOTIFY_CONFIG_DURATION,
     "interval of \": ping\" comments on an idle SSE stream (default \"15s\")"},
    {"session_timeout", NOTIFY_CONFIG_DURATION,
     "a session with no poll or stream open for this long ends with 1001 (default \"30s\")"},
    {"write_timeout", NOTIFY_CONFIG_DURATION,
     "a response or stream write that does not finish in this time ends the connection "
     "(default \"10s\")"},
    {"allowed_origins", NOTIFY_CONFIG_STRING_ARRAY,
     "Origin header values allowed (CORS); others get HTTP 403 (default empty = any origin)"},
}};

constexpr int64_t max_threads = 64;
constexpr int64_t max_sessions_limit = 10'000'000;
constexpr int64_t max_frame_size_limit = int64_t{256} * 1024 * 1024;
constexpr int64_t max_queue_limit = 1'000'000;
constexpr int64_t max_replay_limit = 1'000'000;
constexpr int64_t max_duration_ms = int64_t{24} * 3600 * 1000;

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
    return fail(err, std::string("http: ") + key + ": cannot be read (status " +
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

template <typename Number>
notify_status read_count(const notify_host_api &host, const notify_config *config,
                         const char *key, int64_t low, int64_t high, Number &out,
                         notify_error *err) {
    int64_t value = static_cast<int64_t>(out);
    if (const notify_status s = check_read(host.config_get_int(config, key, &value), key, err);
        s != NOTIFY_OK) {
        return s;
    }
    if (value < low || value > high) {
        return fail(err, std::string("http: ") + key + " " + std::to_string(value) +
                             ": must be between " + std::to_string(low) + " and " +
                             std::to_string(high));
    }
    out = static_cast<Number>(value);
    return NOTIFY_OK;
}

notify_status read_duration(const notify_host_api &host, const notify_config *config,
                            const char *key, std::chrono::milliseconds &out, notify_error *err) {
    int64_t value = out.count();
    if (const notify_status s =
            check_read(host.config_get_duration_ms(config, key, &value), key, err);
        s != NOTIFY_OK) {
        return s;
    }
    if (value < 1 || value > max_duration_ms) {
        return fail(err, std::string("http: ") + key + " " + std::to_string(value) +
                             "ms: must be between 1ms and 24h");
    }
    out = std::chrono::milliseconds(value);
    return NOTIFY_OK;
}

notify_status parse_listen(Settings &settings, notify_error *err) {
    const std::string &listen = settings.listen;
    const size_t colon = listen.rfind(':');
    if (colon == std::string::npos) {
        return fail(err, "http: listen " + in_quotes(listen) + ": expected HOST:PORT");
    }
    const std::string_view host_part(listen.data(), colon);
    const std::string_view port_part(listen.data() + colon + 1, listen.size() - colon - 1);
    unsigned long port = 0;
    const auto [end, ec] =
        std::from_chars(port_part.data(), port_part.data() + port_part.size(), port);
    if (port_part.empty() || ec == std::errc::invalid_argument ||
        end != port_part.data() + port_part.size()) {
        return fail(err, "http: listen " + in_quotes(listen) + ": port is not a number");
    }
    if (ec == std::errc::result_out_of_range || port > 65535) {
        return fail(err, "http: listen " + in_quotes(listen) + ": port out of range");
    }
    settings.port = static_cast<uint16_t>(port);
    if (host_part == "localhost") {
        settings.host = "127.0.0.1";
        return NOTIFY_OK;
    }
    in_addr address{};
    const std::string host(host_part);
    if (inet_pton(AF_INET, host.c_str(), &address) != 1) {
        return fail(err, "http: listen " + in_quotes(listen) +
                             ": host must be an IPv4 address or \"localhost\"");
    }
    settings.host = host;
    return NOTIFY_OK;
}

notify_status read_origins(const notify_host_api &host, const notify_config *config,
                           Settings &settings, notify_error *err) {
    size_t count = 0;
    const notify_status status = host.config_get_array_size(config, "allowed_origins", &count);
    if (status != NOTIFY_OK) {
        return check_read(status, "allowed_origins", err);
    }
    for (size_t i = 0; i < count; ++i) {
        notify_str origin{};
        const notify_status item =
            host.config_get_array_string(config, "allowed_origins", i, &origin);
        if (item != NOTIFY_OK) {
            return fail(err, "http: allowed_origins[" + std::to_string(i) +
                                 "]: cannot be read (status " + std::to_string(item) + ")");
        }
        if (origin.len == 0) {
            return fail(err, "http: allowed_origins[" + std::to_string(i) + "]: is empty");
        }
        settings.allowed_origins.emplace_back(origin.data, origin.len);
    }
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
        s = read_string(host, config, "path", settings.path, err);
    }
    if (s == NOTIFY_OK && (settings.path.empty() || settings.path.front() != '/' ||
                           settings.path.find_first_of(" ?#%") != std::string::npos)) {
        s = fail(err, "http: path " + in_quotes(settings.path) +
                          ": must start with '/' and hold no space, '?', '#' or '%'");
    }
    if (s == NOTIFY_OK && settings.path.size() > 1 && settings.path.back() == '/') {
        settings.path.pop_back();  // "/http/" and "/http" name the same prefix
    }
    if (s == NOTIFY_OK && settings.path == "/") {
        settings.path.clear();  // endpoints at the root: /session...
    }
    if (s == NOTIFY_OK) {
        s = read_count(host, config, "threads", 1, max_threads, settings.threads, err);
    }
    if (s == NOTIFY_OK) {
        s = read_count(host, config, "max_sessions", 1, max_sessions_limit, settings.max_sessions,
                       err);
    }
    if (s == NOTIFY_OK) {
        s = read_count(host, config, "max_frame_size", 16, max_frame_size_limit,
                       settings.max_frame_size, err);
    }
    if (s == NOTIFY_OK) {
        s = read_count(host, config, "max_queue", 1, max_queue_limit, settings.max_queue, err);
    }
    if (s == NOTIFY_OK) {
        s = read_count(host, config, "replay_size", 0, max_replay_limit, settings.replay_size,
                       err);
    }
    if (s == NOTIFY_OK) {
        s = read_duration(host, config, "poll_timeout", settings.poll_timeout, err);
    }
    if (s == NOTIFY_OK) {
        s = read_duration(host, config, "sse_heartbeat", settings.sse_heartbeat, err);
    }
    if (s == NOTIFY_OK) {
        s = read_duration(host, config, "session_timeout", settings.session_timeout, err);
    }
    if (s == NOTIFY_OK) {
        s = read_duration(host, config, "write_timeout", settings.write_timeout, err);
    }
    std::string slow_consumer = "disconnect";
    if (s == NOTIFY_OK) {
        s = read_string(host, config, "slow_consumer", slow_consumer, err);
    }
    if (s == NOTIFY_OK) {
        if (slow_consumer == "disconnect") {
            settings.slow_consumer = SlowConsumerPolicy::disconnect;
        } else if (slow_consumer == "drop") {
            settings.slow_consumer = SlowConsumerPolicy::drop;
        } else {
            s = fail(err, "http: slow_consumer " + in_quotes(slow_consumer) +
                              ": expected \"disconnect\" or \"drop\"");
        }
    }
    if (s == NOTIFY_OK) {
        s = read_origins(host, config, settings, err);
    }
    return s;
}

}  // namespace notify::http
