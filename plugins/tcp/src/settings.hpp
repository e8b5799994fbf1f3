// The tcp transport's manifest keys, read and validated once in create().
#pragma once

#include <notify/notify.h>
#include <notify/transport_settings.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace notify::tcp {

using SlowConsumerPolicy = sdk::SlowConsumerPolicy;

struct Settings {
    std::string listen = "127.0.0.1:7000";  // as written, for messages
    std::string host = "127.0.0.1";         // the IPv4 address bound
    uint16_t port = 7000;                   // 0 = an ephemeral port
    size_t max_frame_size = 65536;
    size_t max_queue = 1024;
    SlowConsumerPolicy slow_consumer = SlowConsumerPolicy::disconnect;
    unsigned threads = 1;
    std::string tls_certificate;  // both empty = plain TCP
    std::string tls_private_key;
    std::chrono::milliseconds idle_timeout{60000};  // 0 = never
};

// The schema handed to the host in the plugin descriptor.
const notify_config_key *config_keys();
size_t config_key_count();

// Reads every key (defaults for absent ones) and validates it. On failure returns a negative
// status with `err` naming the key, its value and what is wrong.
notify_status read_settings(const notify_host_api &host, const notify_config *config,
                            Settings &settings, notify_error *err);

}  // namespace notify::tcp
