// The admin plugin's manifest keys (README.md), read and checked at create().
#pragma once

#include <notify/notify.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace notify::admin {

struct Settings {
    std::string listen = "127.0.0.1:3080";
    std::string host = "127.0.0.1";
    std::uint16_t port = 3080;
    std::string token;  // empty: no token asked for
    std::chrono::milliseconds sample_interval{1000};
    std::size_t history = 600;
    std::size_t max_connections = 64;
    std::chrono::milliseconds idle_timeout{30'000};
};

extern const notify_config_key config_keys[];
extern const std::size_t config_key_count;

// Fills `out` from the instance's table; on a bad value returns a negative status with `err`
// naming the key ("admin: <key> ...").
notify_status load_settings(const notify_host_api& host, const notify_config* config, Settings& out,
                            notify_error* err);

}  // namespace notify::admin
