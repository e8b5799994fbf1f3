// The http_api plugin's manifest keys, read and checked in create() and again in reconfigure().
#pragma once

#include <notify/notify.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace notify::http_api {

struct ListenAddress {
    std::string host;  // an IP literal, without brackets for IPv6
    std::uint16_t port = 0;
    std::string text() const;  // host:port, [v6]:port
};

// Parses "host:port" or "[v6]:port" ("localhost" means 127.0.0.1). Returns "" on success, else
// why it was refused.
std::string parse_listen(const std::string& text, ListenAddress& out);

struct Settings {
    ListenAddress listen{"127.0.0.1", 9100};
    std::vector<std::string> keys;  // the accepted API keys (secrets: never logged)
    bool insecure = false;          // serve without a key when none is configured
    std::size_t max_body_size = 1024 * 1024;
    unsigned threads = 1;
    std::size_t max_connections = 1024;
    std::int64_t idle_timeout_ms = 60'000;
    std::int64_t request_timeout_ms = 30'000;
};

extern const notify_config_key config_keys[];
extern const std::size_t config_key_count;

// NOTIFY_OK, or a negative status with err naming the key.
notify_status load_settings(const notify_host_api* host, const notify_config* config,
                            Settings& out, notify_error* err);

}  // namespace notify::http_api
