#include "settings.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <string_view>
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
    {"tls_private_key", NOTIFY_CONFIG_PATH,
     "PEM private key of tls_certificate (default unset)"},
    {"idle_timeout", NOTIFY_CONFIG_DURATION,
     "a connection that sends nothing for this long is closed; clients ping; 0 disables "
     "(default \"60s\")"},
}};

constexpr int64_t max_frame_size_limit = int64_t{256} * 1024 * 1024;
constexpr int64_t max_threads = 64;
constexpr int64_t max_queue_limit = 1'000'000;
constexpr int64_t max_idle_timeout_ms = int64_t{24} * 3600 * 1000;

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
    return fail(err, std::string("tcp: ") + key + ": cannot be read (status " +
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

notify_status read_path(const notify_host_api &host, const notify_config *config,
                        const char *key, std::string &out, notify_error *err) {
    notify_str value{};
    const notify_status status = host.config_get_path(config, key, &value);
    if (status == NOTIFY_OK) {
        out.assign(value.data, value.len);
    }
    return check_read(status, key, err);
}

notify_status read_int_in(const notify_host_api &host, const notify_config *config,
                          const char *key, int64_t low, int64_t high, int64_t &value,
                          notify_error *err) {
    if (const notify_status s = check_read(host.config_get_int(config, key, &value), key, err);
        s != NOTIFY_OK) {
        return s;
    }
    if (value < low || value > high) {
        return fail(err, std::string("tcp: ") + key + " " + std::to_string(value) +
                             ": must be between " + std::to_string(low) + " and " +
                             std::to_string(high));
    }
    return NOTIFY_OK;
}

notify_status parse_listen(Settings &settings, notify_error *err) {
    const std::string &listen = settings.listen;
    const size_t colon = listen.rfind(':');
    if (colon == std::string::npos) {
        return fail(err, "tcp: listen " + in_quotes(listen) + ": expected HOST:PORT");
    }
    const std::string_view host_part(listen.data(), colon);
    const std::string_view port_part(listen.data() + colon + 1, listen.size() - colon - 1);

    unsigned long port = 0;
    const auto [end, ec] =
        std::from_chars(port_part.data(), port_part.data() + port_part.size(), port);
    if (port_part.empty() || ec == std::errc::invalid_argument ||
        end != port_part.data() + port_part.size()) {
        return fail(err, "tcp: listen " + in_quotes(listen) + ": port is not a number");
    }
    if (ec == std::errc::result_out_of_range || port > 65535) {
        return fail(err, "tcp: listen " + in_quotes(listen) + ": port out of range");
    }
    settings.port = static_cast<uint16_t>(port);

    if (host_part == "localhost") {
        settings.host = "127.0.0.1";
        return NOTIFY_OK;
    }
    in_addr address{};
    const std::string host(host_part);
    if (inet_pton(AF_INET, host.c_str(), &address) != 1) {
        return fail(err, "tcp: listen " + in_quotes(listen) +
                             ": host must be an IPv4 address or \"localhost\"");
    }
    settings.host = host;
    return NOTIFY_OK;
}

notify_status check_readable_file(const char *key, const std::string &path, notify_error *err) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        return fail(err, std::string("tcp: ") + key + " " + in_quotes(path) + ": not a file");
    }
    return NOTIFY_OK;
}

notify_status read_tls(const notify_host_api &host, const notify_config *config,
                       Settings &settings, notify_error *err) {
    if (const notify_status s =
            read_path(host, config, "tls_certificate", settings.tls_certificate, err);
        s != NOTIFY_OK) {
        return s;
    }
    if (const notify_status s =
            read_path(host, config, "tls_private_key", settings.tls_private_key, err);
        s != NOTIFY_OK) {
        return s;
    }
    if (settings.tls_certificate.empty() != settings.tls_private_key.empty()) {
        return fail(err, "tcp: tls_certificate and tls_private_key: set both or neither");
    }
    if (settings.tls_certificate.empty()) {
        return NOTIFY_OK;
    }
    if (const notify_status s =
            check_readable_file("tls_certificate", settings.tls_certificate, err);
        s != NOTIFY_OK) {
        return s;
    }
    return check_readable_file("tls_private_key", settings.tls_private_key, err);
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
    int64_t max_frame_size = static_cast<int64_t>(settings.max_frame_size);
    if (const notify_status s = read_int_in(host, config, "max_frame_size", 1,
                                            max_frame_size_limit, max_frame_size, err);
        s != NOTIFY_OK) {
        return s;
    }
    int64_t max_queue = static_cast<int64_t>(settings.max_queue);
    if (const notify_status s =
            read_int_in(host, config, "max_queue", 1, max_queue_limit, max_queue, err);
        s != NOTIFY_OK) {
        return s;
    }
    int64_t threads = settings.threads;
    if (const notify_status s = read_int_in(host, config, "threads", 1, max_threads, threads, err);
        s != NOTIFY_OK) {
        return s;
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
        return fail(err, "tcp: slow_consumer " + in_quotes(slow_consumer) +
                             ": expected \"disconnect\" or \"drop\"");
    }
    int64_t idle_timeout_ms = settings.idle_timeout.count();
    if (const notify_status s = check_read(
            host.config_get_duration_ms(config, "idle_timeout", &idle_timeout_ms),
            "idle_timeout", err);
        s != NOTIFY_OK) {
        return s;
    }
    if (idle_timeout_ms < 0 || idle_timeout_ms > max_idle_timeout_ms) {
        return fail(err, "tcp: idle_timeout " + std::to_string(idle_timeout_ms) +
                             "ms: must be between 0 (off) and 24h");
    }
    if (const notify_status s = read_tls(host, config, settings, err); s != NOTIFY_OK) {
        return s;
    }
    settings.max_frame_size = static_cast<size_t>(max_frame_size);
    settings.max_queue = static_cast<size_t>(max_queue);
    settings.threads = static_cast<unsigned>(threads);
    settings.idle_timeout = std::chrono::milliseconds(idle_timeout_ms);
    return NOTIFY_OK;
}

}  // namespace notify::tcp
