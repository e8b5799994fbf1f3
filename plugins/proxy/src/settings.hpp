// The proxy plugin's manifest keys, read and checked once in create().
#pragma once

#include <notify/notify.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace notify::proxy {

// One backend endpoint, parsed from an http:// URL.
struct Url {
    std::string text;    // as configured (for logs)
    std::string host;    // name or address, without brackets for IPv6
    std::string port;    // decimal
    std::string target;  // path + query, at least "/"
    std::string host_header;  // what the Host header says
    bool tls = false;          // https://
};

// Parses `text` as http(s)://host[:port][/path][?query]. Returns an empty string on success, else
// why it was refused.
std::string parse_url(const std::string& text, Url& out);

struct Settings {
    std::optional<Url> connect_url;
    std::optional<Url> refresh_url;
    std::optional<Url> subscribe_url;
    std::optional<Url> publish_url;
    std::int64_t timeout_ms = 1000;
    std::size_t max_concurrency = 64;
    std::size_t max_queue = 10000;
    std::size_t max_response_size = 64 * 1024;
    std::size_t max_info_size = 4096;
    std::int64_t idle_timeout_ms = 30'000;
    std::int64_t log_interval_ms = 10'000;
    std::string tls_ca_file;  // empty: the system's trust store
    // Lowercased names of the client's HTTP headers passed to the backend (an allow-list).
    std::vector<std::string> forward_headers;
    bool any_tls() const noexcept {
        for (const auto* url : {&connect_url, &refresh_url, &subscribe_url, &publish_url}) {
            if (*url && (*url)->tls) return true;
        }
        return false;
    }
};

extern const notify_config_key config_keys[];
extern const std::size_t config_key_count;

// NOTIFY_OK, or a negative status with err naming the key.
notify_status load_settings(const notify_host_api* host, const notify_config* config,
                            Settings& out, notify_error* err);

}  // namespace notify::proxy
