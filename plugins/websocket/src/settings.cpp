#include "settings.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <system_error>

namespace notify::websocket {
namespace {

constexpr std::array<notify_config_key, 11> keys{{
    {"listen", NOTIFY_CONFIG_STRING,
     "\"HOST:PORT\" to bind, HOST an IPv4 literal or \"localhost\"; only that address is bound "
     "(default \"127.0.0.1:3000\"; port 0 = ephemeral)"},
    {"path", NOTIFY_CONFIG_STRING, "URL path of the WebSocket endpoint (default \"/pubsub\")"},
    {"max_frame_size", NOTIFY_CONFIG_INT,
     "largest client message in bytes, counted across fragments; larger ones close with 1009 "
     "(default 65536)"},
    {"allowed_origins", NOTIFY_CONFIG_STRING_ARRAY,
     "Origin header values accepted at the handshake; others get HTTP 403 (default empty = any)"},
    {"static_root", NOTIFY_CONFIG_PATH,
     "folder served over HTTP on the same port, index.html for \"/\" (default unset = no files)"},
    {"static_mount", NOTIFY_CONFIG_STRING,
     "URL prefix (\"/name/\") under which static_mount_root is served (default unset)"},
    {"static_mount_root", NOTIFY_CONFIG_PATH,
     "folder served under static_mount, with static_root's rules (default unset)"},
    {"threads", NOTIFY_CONFIG_INT, "service threads sharing the listening port (default 1)"},
    {"max_queue", NOTIFY_CONFIG_INT, "frames queued per connection (default 1024)"},
    {"slow_consumer", NOTIFY_CONFIG_STRING,
     "\"disconnect\" (close with 4001 when the queue is full, default) or \"drop\" (drop the new "
     "frame and count it)"},
    {"ping_interval", NOTIFY_CONFIG_DURATION,
     "idle time before a WebSocket ping; a peer silent for twice as long is dropped; 0 disables "
     "(default \"25s\")"},
}};

constexpr int64_t max_frame_size_limit = int64_t{256} * 1024 * 1024;
constexpr int64_t max_threads = 64;
constexpr int64_t max_queue_limit = 1'000'000;
constexpr int64_t max_ping_interval_ms = int64_t{3600} * 1000;

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
    return fail(err, std::string("websocket: ") + key + ": cannot be read (status " +
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

notify_status read_int(const notify_host_api &host, const notify_config *config, const char *key,
                       int64_t &out, notify_error *err) {
    return check_read(host.config_get_int(config, key, &out), key, err);
}

notify_status parse_listen(Settings &settings, notify_error *err) {
    const std::string &listen = settings.listen;
    const size_t colon = listen.rfind(':');
    if (colon == std::string::npos) {
        return fail(err, "websocket: listen " + in_quotes(listen) + ": expected HOST:PORT");
    }
    const std::string_view host_part(listen.data(), colon);
    const std::string_view port_part(listen.data() + colon + 1, listen.size() - colon - 1);

    unsigned long port = 0;
    const auto [end, ec] =
        std::from_chars(port_part.data(), port_part.data() + port_part.size(), port);
    if (port_part.empty() || ec == std::errc::invalid_argument ||
        end != port_part.data() + port_part.size()) {
        return fail(err, "websocket: listen " + in_quotes(listen) + ": port is not a number");
    }
    if (ec == std::errc::result_out_of_range || port > 65535) {
        return fail(err, "websocket: listen " + in_quotes(listen) + ": port out of range");
    }
    settings.port = static_cast<uint16_t>(port);

    if (host_part == "localhost") {
        settings.host = "127.0.0.1";
        return NOTIFY_OK;
    }
    in_addr address{};
    const std::string host(host_part);
    if (inet_pton(AF_INET, host.c_str(), &address) != 1) {
        return fail(err, "websocket: listen " + in_quotes(listen) +
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
            return fail(err, "websocket: allowed_origins[" + std::to_string(i) +
                                 "]: cannot be read (status " + std::to_string(item) + ")");
        }
        if (origin.len == 0) {
            return fail(err, "websocket: allowed_origins[" + std::to_string(i) + "]: is empty");
        }
        settings.allowed_origins.emplace_back(origin.data, origin.len);
    }
    return NOTIFY_OK;
}

// A folder key: absent leaves `out` empty; present must name a directory, kept canonical.
notify_status read_folder(const notify_host_api &host, const notify_config *config,
                          const char *key, std::string &out, notify_error *err) {
    notify_str value{};
    const notify_status status = host.config_get_path(config, key, &value);
    if (status != NOTIFY_OK) {
        return check_read(status, key, err);
    }
    const std::string root(value.data, value.len);
    std::error_code ec;
    if (!std::filesystem::is_directory(root, ec)) {
        return fail(err, std::string("websocket: ") + key + " " + in_quotes(root) +
                             ": not a directory");
    }
    out = std::filesystem::canonical(root, ec).string();
    if (ec) {
        return fail(err, std::string("websocket: ") + key + " " + in_quotes(root) + ": " +
                             ec.message());
    }
    return NOTIFY_OK;
}

// "/a/" or "/a/b/": starts and ends with '/', plain path characters, no empty, "." or ".."
// segment (the prefix is compared with the raw request target, before percent-decoding).
bool is_mount_prefix(const std::string &prefix) {
    if (prefix.size() < 3 || prefix.front() != '/' || prefix.back() != '/') {
        return false;
    }
    size_t segment_start = 1;
    for (size_t i = 1; i < prefix.size(); ++i) {
        const char c = prefix[i];
        if (c == '/') {
            const std::string_view segment(prefix.data() + segment_start, i - segment_start);
            if (segment.empty() || segment == "." || segment == "..") {
                return false;
            }
            segment_start = i + 1;
        } else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '_' || c == '.' || c == '~')) {
            return false;
        }
    }
    return true;
}

notify_status read_static_folders(const notify_host_api &host, const notify_config *config,
                                  Settings &settings, notify_error *err) {
    if (const notify_status s = read_folder(host, config, "static_root", settings.static_root, err);
        s != NOTIFY_OK) {
        return s;
    }
    if (const notify_status s = read_string(host, config, "static_mount", settings.static_mount, err);
        s != NOTIFY_OK) {
        return s;
    }
    if (const notify_status s =
            read_folder(host, config, "static_mount_root", settings.static_mount_root, err);
        s != NOTIFY_OK) {
        return s;
    }
    if (settings.static_mount.empty() != settings.static_mount_root.empty()) {
        return fail(err, "websocket: static_mount and static_mount_root go together: set both "
                         "or neither");
    }
    if (!settings.static_mount.empty() && !is_mount_prefix(settings.static_mount)) {
        return fail(err, "websocket: static_mount " + in_quotes(settings.static_mount) +
                             ": expected a URL prefix like \"/name/\" (letters, digits, "
                             "'-', '_', '.', '~' between slashes)");
    }
    return NOTIFY_OK;
}

notify_status check_range(const char *key, int64_t value, int64_t low, int64_t high,
                          notify_error *err) {
    if (value < low || value > high) {
        return fail(err, std::string("websocket: ") + key + " " + std::to_string(value) +
                             ": must be between " + std::to_string(low) + " and " +
                             std::to_string(high));
    }
    return NOTIFY_OK;
}

}  // namespace

const notify_config_key *config_keys() { return keys.data(); }
size_t config_key_count() { return keys.size(); }

notify_status read_settings(const notify_host_api &host, const notify_config *config,
                            Settings &settings, notify_error *err) {
    if (const notify_status s = read_string(host, config, "listen", settings.listen, err);
        s != NOTIFY_OK) {
        return s;
    }
    if (const notify_status s = parse_listen(settings, err); s != NOTIFY_OK) {
        return s;
    }
    if (const notify_status s = read_string(host, config, "path", settings.path, err);
        s != NOTIFY_OK) {
        return s;
    }
    if (settings.path.empty() || settings.path.front() != '/' ||
        settings.path.find_first_of(" ?#") != std::string::npos) {
        return fail(err, "websocket: path " + in_quotes(settings.path) +
                             ": must start with '/' and hold no space, '?' or '#'");
    }

    int64_t max_frame_size = static_cast<int64_t>(settings.max_frame_size);
    if (const notify_status s = read_int(host, config, "max_frame_size", max_frame_size, err);
        s != NOTIFY_OK) {
        return s;
    }
    if (const notify_status s =
            check_range("max_frame_size", max_frame_size, 16, max_frame_size_limit, err);
        s != NOTIFY_OK) {
        return s;
    }
    int64_t threads = settings.threads;
    if (const notify_status s = read_int(host, config, "threads", threads, err); s != NOTIFY_OK) {
        return s;
    }
    if (const notify_status s = check_range("threads", threads, 1, max_threads, err);
        s != NOTIFY_OK) {
        return s;
    }
    int64_t max_queue = static_cast<int64_t>(settings.max_queue);
    if (const notify_status s = read_int(host, config, "max_queue", max_queue, err);
        s != NOTIFY_OK) {
        return s;
    }
    if (const notify_status s = check_range("max_queue", max_queue, 1, max_queue_limit, err);
        s != NOTIFY_OK) {
        return s;
    }
    int64_t ping_interval_ms = int64_t{settings.ping_interval_s} * 1000;
    if (const notify_status s = check_read(
            host.config_get_duration_ms(config, "ping_interval", &ping_interval_ms),
            "ping_interval", err);
        s != NOTIFY_OK) {
        return s;
    }
    if (ping_interval_ms < 0 || ping_interval_ms > max_ping_interval_ms) {
        return fail(err, "websocket: ping_interval " + std::to_string(ping_interval_ms) +
                             "ms: must be between 0 (off) and 1h");
    }
    std::string slow_consumer = "disconnect";
    if (const notify_status s = read_string(host, config, "slow_consumer", slow_consumer, err);
        s != NOTIFY_OK) {
        return s;
    }
    if (slow_consumer == "disconnect") {
        settings.slow_consumer = SlowConsumerPolicy::disconnect;
    } else if (slow_consumer == "drop") {
        settings.slow_consumer = SlowConsumerPolicy::drop;
    } else {
        return fail(err, "websocket: slow_consumer " + in_quotes(slow_consumer) +
                             ": expected \"disconnect\" or \"drop\"");
    }
    if (const notify_status s = read_origins(host, config, settings, err); s != NOTIFY_OK) {
        return s;
    }
    if (const notify_status s = read_static_folders(host, config, settings, err); s != NOTIFY_OK) {
        return s;
    }
    settings.max_frame_size = static_cast<size_t>(max_frame_size);
    settings.threads = static_cast<unsigned>(threads);
    settings.max_queue = static_cast<size_t>(max_queue);
    // Keepalive is kept in whole seconds (documented): round a sub-second remainder up.
    settings.ping_interval_s = static_cast<uint16_t>((ping_interval_ms + 999) / 1000);
    return NOTIFY_OK;
}

}  // namespace notify::websocket
