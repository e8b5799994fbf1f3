// The http transport's manifest keys, read and validated once in create().
#pragma once

#include <notify/notify.h>
#include <notify/transport_settings.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace notify::http {

using SlowConsumerPolicy = sdk::SlowConsumerPolicy;

struct Settings {
    std::string listen = "127.0.0.1:8000";  // as written, for messages
    std::string host = "127.0.0.1";         // the IPv4 address bound
    uint16_t port = 8000;                   // 0 = an ephemeral port
    std::string path = "/http";
    unsigned threads = 1;
    size_t max_sessions = 100000;
    size_t max_frame_size = 65536;  // largest request body
    size_t max_queue = 1024;        // frames waiting per session
    SlowConsumerPolicy slow_consumer = SlowConsumerPolicy::disconnect;
    size_t replay_size = 256;  // frames kept per session for Last-Event-ID
    std::chrono::milliseconds poll_timeout{25000};
    std::chrono::milliseconds sse_heartbeat{15000};
    std::chrono::milliseconds session_timeout{30000};
    std::chrono::milliseconds write_timeout{10000};
    std::vector<std::string> allowed_origins;  // empty = any origin
};

// The schema handed to the host in the plugin descriptor.
const notify_config_key *config_keys();
size_t config_key_count();

// Reads every key (defaults for absent ones) and validates it. On failure returns a negative
// status with `err` naming the key, its value and what is wrong.
notify_status read_settings(const notify_host_api &host, const notify_config *config,
                            Settings &settings, notify_error *err);

}  // namespace notify::http
