// The grpc_api plugin's manifest keys (README.md), read and checked in create() and again in
// reconfigure().
#pragma once

#include <notify/notify.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace notify::grpc_api {

struct Settings {
    std::string listen = "127.0.0.1:9101";
    std::vector<std::string> keys;  // from key_env and key_file; empty only when insecure
    bool insecure = false;          // no API key is asked for
    std::string tls_cert;           // PEM chain; with tls_key: TLS
    std::string tls_key;
    std::int64_t max_message_size = 1 << 20;
    std::size_t threads = 1;                  // threads that turn host answers into replies
    std::int64_t shutdown_timeout_ms = 2000;  // stop(): how long in-flight calls may finish
};

extern const notify_config_key config_keys[];
extern const std::size_t config_key_count;

// NOTIFY_OK, or a negative status with err naming the key. Reads key_env's variable and
// key_file's file now, so a missing key fails at startup (or refuses the reload).
notify_status load_settings(const notify_host_api* host, const notify_config* config,
                            Settings& out, notify_error* err);

}  // namespace notify::grpc_api
