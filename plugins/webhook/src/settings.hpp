// The webhook plugin's manifest keys, read and checked once in create().
#pragma once

#include <notify/notify.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace notify::webhook {

// The backend endpoint, parsed from an http(s):// URL.
struct Url {
    std::string text;         // for logs: as configured, without the query (it may hold a token)
    std::string host;         // name or address, without brackets for IPv6
    std::string port;         // decimal
    std::string target;       // path + query, at least "/"
    std::string host_header;  // what the Host header says
    bool tls = false;         // https://
};

// Parses `text` as http(s)://host[:port][/path][?query]. Returns "" on success, else why not.
std::string parse_url(const std::string& text, Url& out);

struct Settings {
    Url url;
    std::uint32_t events = 0;  // OR of NOTIFY_EVENT_BIT(type)
    std::string secret;        // empty only with unsigned = true
    std::size_t batch_size = 100;
    std::int64_t batch_delay_ms = 50;
    std::int64_t timeout_ms = 5000;
    std::int64_t retry_initial_ms = 200;
    std::int64_t retry_max_ms = 10'000;
    std::size_t queue_size = 10'000;
    std::int64_t stop_flush_timeout_ms = 2000;
    std::int64_t log_interval_ms = 10'000;
    std::string tls_ca_file;  // empty: the system's trust store
    std::vector<std::pair<std::string, std::string>> headers;
};

extern const notify_config_key config_keys[];
extern const std::size_t config_key_count;

// NOTIFY_OK, or a negative status with err naming the key.
notify_status load_settings(const notify_host_api* host, const notify_config* config, Settings& out,
                            notify_error* err);

}  // namespace notify::webhook
