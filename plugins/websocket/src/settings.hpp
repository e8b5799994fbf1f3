// The websocket transport's manifest keys, read and validated once in create().
#pragma once

#include <notify/notify.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace notify::websocket {

enum class SlowConsumerPolicy { disconnect, drop };

struct Settings {
    std::string listen = "127.0.0.1:3000";  // as written, for messages
    std::string host = "127.0.0.1";         // the IPv4 address bound
    uint16_t port = 3000;                   // 0 = an ephemeral port
    std::string path = "/pubsub";
    size_t max_frame_size = 65536;
    std::vector<std::string> allowed_origins;  // empty = any origin
    std::string static_root;                   // empty = no HTTP files
    // A second folder served under a URL prefix ("/notify-client/"), e.g. the JS client beside
    // the page; empty = none. The root is canonical, like static_root.
    std::string static_mount;
    std::string static_mount_root;
    unsigned threads = 1;
    size_t max_queue = 1024;
    SlowConsumerPolicy slow_consumer = SlowConsumerPolicy::disconnect;
    uint16_t ping_interval_s = 25;  // 0 = no keepalive pings
};

// The schema handed to the host in the plugin descriptor.
const notify_config_key *config_keys();
size_t config_key_count();

// Reads every key (defaults for absent ones) and validates it. On failure returns a negative
// status with `err` naming the key, its value and what is wrong.
notify_status read_settings(const notify_host_api &host, const notify_config *config,
                            Settings &settings, notify_error *err);

}  // namespace notify::websocket
