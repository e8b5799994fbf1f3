#include "settings.hpp"

#include <array>
#include <filesystem>
#include <system_error>

namespace notify::tcp {
namespace {

constexpr std::array<notify_config_key, 8> keys{{
    {"listen", NOTIFY_CONFIG_STRING,
     "\"HOST:PORT\" to bind, HOST an IPv4 literal or \"localhost\"; only that address is bound "
     "(default \"127.0.0.1:7000\"; port 0 = ephemeral)"},
    {"max_frame_size", NOTIFY_CONFIG_INT,
     "largest client frame in bytes (the 4-byte length prefix excluded); a larger declared "
     "length closes with 1009 (default 65536)"},
    {"max_queue", NOTIFY_CONFIG_INT, "frames queued per connection (default 1024)"},
    {"slow_consumer", NOTIFY_CONFIG_STRING,
     "\"disconnect\" (close with 4001 when the queue is full, default) or \"drop\" (drop the new "
     "frame and count it)"},
    {"threads", NOTIFY_CONFIG_INT,
     "I/O threads, each with its own io_context; connections are assigned round-robin "
     "(default 1)"},
    {"tls_certificate", NOTIFY_CONFIG_PATH,
     "PEM certificate chain; with tls_private_key the listener speaks TLS (default unset)"},
    {"tls_private_key", NOTIFY_CONFIG_PATH, "PEM private key of tls_certificate (default unset)"},
    {"idle_timeout", NOTIFY_CONFIG_DURATION,
     "a connection that sends nothing for this long is closed; clients ping; 0 disables "
     "(default \"60s\")"},
}};

constexpr int64_t max_frame_size_limit = int64_t{256} * 1024 * 1024;
constexpr int64_t max_threads = 64;
constexpr int64_t max_queue_limit = 1'000'000;
constexpr int64_t max_idle_timeout_ms = int64_t{24} * 3600 * 1000;

notify_status check_readable_file(sdk::TransportSettingsReader &reader, const char *key,
                                  const std::string &path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        return reader.fail(std::string(key) + " " + sdk::in_quotes(path) + ": not a file");
    }
    return NOTIFY_OK;
}

notify_status read_tls(sdk::TransportSettingsReader &reader, Settings &settings) {
    reader.path("tls_certificate", settings.tls_certificate);
    if (reader.path("tls_private_key", settings.tls_private_key) != NOTIFY_OK) {
        return reader.status();
    }
    if (settings.tls_certificate.empty() != settings.tls_private_key.empty()) {
        return reader.fail("tls_certificate and tls_private_key: set both or neither");
    }
    if (settings.tls_certificate.empty()) {
        return NOTIFY_OK;
    }
    if (const notify_status s =
            check_readable_file(reader, "tls_certificate", settings.tls_certificate);
        s != NOTIFY_OK) {
        return s;
    }
    return check_readable_file(reader, "tls_private_key", settings.tls_private_key);
}

}  // namespace

const notify_config_key *config_keys() { return keys.data(); }
size_t config_key_count() { return keys.size(); }

notify_status read_settings(const notify_host_api &host, const notify_config *config,
                            Settings &settings, notify_error *err) {
    sdk::TransportSettingsReader reader("tcp", host, config, err);
    reader.listen(settings.listen, settings.host, settings.port);
    reader.count("max_frame_size", 1, max_frame_size_limit, settings.max_frame_size);
    reader.count("max_queue", 1, max_queue_limit, settings.max_queue);
    reader.count("threads", 1, max_threads, settings.threads);
    reader.slow_consumer(settings.slow_consumer);
    reader.duration("idle_timeout", 0, max_idle_timeout_ms, settings.idle_timeout,
                    "0 (off) and 24h");
    read_tls(reader, settings);
    return reader.status();
}

}  // namespace notify::tcp
