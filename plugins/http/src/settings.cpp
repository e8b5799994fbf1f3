#include "settings.hpp"

#include <array>
#include <string>

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

// Normalises `path` in place: "/http/" and "/http" name the same prefix, and "/" puts the
// endpoints at the root (/session...).
notify_status read_path_prefix(sdk::TransportSettingsReader &reader, std::string &path) {
    if (!reader.ok()) {
        return reader.status();
    }
    if (path.empty() || path.front() != '/' || path.find_first_of(" ?#%") != std::string::npos) {
        return reader.fail("path " + sdk::in_quotes(path) +
                           ": must start with '/' and hold no space, '?', '#' or '%'");
    }
    if (path.size() > 1 && path.back() == '/') {
        path.pop_back();
    }
    if (path == "/") {
        path.clear();
    }
    return NOTIFY_OK;
}

notify_status read_origins(const notify_host_api &host, const notify_config *config,
                           sdk::TransportSettingsReader &reader, Settings &settings) {
    if (!reader.ok()) {
        return reader.status();
    }
    size_t count = 0;
    const notify_status status = host.config_get_array_size(config, "allowed_origins", &count);
    if (status != NOTIFY_OK) {
        return reader.check_read(status, "allowed_origins");
    }
    for (size_t i = 0; i < count; ++i) {
        notify_str origin{};
        const notify_status item =
            host.config_get_array_string(config, "allowed_origins", i, &origin);
        if (item != NOTIFY_OK) {
            return reader.fail("allowed_origins[" + std::to_string(i) +
                               "]: cannot be read (status " + std::to_string(item) + ")");
        }
        if (origin.len == 0) {
            return reader.fail("allowed_origins[" + std::to_string(i) + "]: is empty");
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
    sdk::TransportSettingsReader reader("http", host, config, err);
    reader.listen(settings.listen, settings.host, settings.port);
    reader.string("path", settings.path);
    read_path_prefix(reader, settings.path);
    reader.count("threads", 1, max_threads, settings.threads);
    reader.count("max_sessions", 1, max_sessions_limit, settings.max_sessions);
    reader.count("max_frame_size", 16, max_frame_size_limit, settings.max_frame_size);
    reader.count("max_queue", 1, max_queue_limit, settings.max_queue);
    reader.count("replay_size", 0, max_replay_limit, settings.replay_size);
    reader.duration("poll_timeout", 1, max_duration_ms, settings.poll_timeout, "1ms and 24h");
    reader.duration("sse_heartbeat", 1, max_duration_ms, settings.sse_heartbeat, "1ms and 24h");
    reader.duration("session_timeout", 1, max_duration_ms, settings.session_timeout, "1ms and 24h");
    reader.duration("write_timeout", 1, max_duration_ms, settings.write_timeout, "1ms and 24h");
    reader.slow_consumer(settings.slow_consumer);
    read_origins(host, config, reader, settings);
    return reader.status();
}

}  // namespace notify::http
