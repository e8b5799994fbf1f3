// The udp transport's manifest keys, read and validated once in create().
#pragma once

#include <notify/notify.h>
#include <notify/transport_settings.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace notify::udp {

using SlowConsumerPolicy = sdk::SlowConsumerPolicy;

struct Settings {
    std::string listen = "127.0.0.1:7001";  // as written, for messages
    std::string host = "127.0.0.1";         // the IPv4 address bound
    uint16_t port = 7001;                   // 0 = an ephemeral port
    size_t max_datagram = 1200;
    size_t replay_size = 1024;
    size_t max_queue = 1024;
    SlowConsumerPolicy slow_consumer = SlowConsumerPolicy::disconnect;
    std::chrono::milliseconds session_timeout{30000};
    std::chrono::milliseconds cookie_lifetime{10000};
    size_t max_sessions = 100000;
};

// The schema handed to the host in the plugin descriptor.
const notify_config_key *config_keys();
size_t config_key_count();

// Reads every key (defaults for absent ones) and validates it. On failure returns a negative
// status with `err` naming the key, its value and what is wrong.
notify_status read_settings(const notify_host_api &host, const notify_config *config,
                            Settings &settings, notify_error *err);

}  // namespace notify::udp
