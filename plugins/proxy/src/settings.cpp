#include "settings.hpp"

#include <notify/sdk.h>

#include <algorithm>
#include <cctype>
#include <string_view>

namespace notify::proxy {

const notify_config_key config_keys[] = {
    {"connect_url", NOTIFY_CONFIG_STRING,
     "http(s):// URL asked at connect; unset = defer connects to the next auth plugin"},
    {"refresh_url", NOTIFY_CONFIG_STRING,
     "http(s):// URL asked at token refresh; unset = defer refreshes"},
    {"subscribe_url", NOTIFY_CONFIG_STRING,
     "http(s):// URL asked at client-side subscribe; unset = defer subscribes"},
    {"publish_url", NOTIFY_CONFIG_STRING,
     "http(s):// URL asked at client-side publish; unset = defer publishes"},
    {"tls_ca_file", NOTIFY_CONFIG_PATH,
     "PEM file of the CA certificates trusted for https:// URLs (default: the system's)"},
    {"timeout", NOTIFY_CONFIG_DURATION,
     "per request, covering connect, write and read (default 1s, at most 60s)"},
    {"max_concurrency", NOTIFY_CONFIG_INT,
     "requests in flight to the backend at once, all endpoints together (default 64)"},
    {"max_queue", NOTIFY_CONFIG_INT,
     "requests waiting for a free slot; past it requests are denied (default 10000)"},
    {"max_response_size", NOTIFY_CONFIG_INT,
     "largest response body in bytes (default 65536, at most 16777216)"},
    {"max_info_size", NOTIFY_CONFIG_INT,
     "largest connect result info, compact JSON bytes (default 4096)"},
    {"idle_timeout", NOTIFY_CONFIG_DURATION,
     "an idle keep-alive connection older than this is not reused (default 30s)"},
    {"log_interval", NOTIFY_CONFIG_DURATION,
     "at most one 'backend unavailable' log line per interval (default 10s)"},
    {"forward_headers", NOTIFY_CONFIG_STRING_ARRAY,
     "HTTP headers of the client's WebSocket upgrade or HTTP session request passed to the "
     "backend, by name (default none; at most 32)"},
};
const std::size_t config_key_count = sizeof config_keys / sizeof config_keys[0];

namespace {

bool all_digits(std::string_view text) {
    if (text.empty()) return false;
    for (const char c : text) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

bool valid_host_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_';
}

}  // namespace

std::string parse_url(const std::string& text, Url& out) {
    out = Url{};
    out.text = text;
    std::string_view rest{text};
    if (rest.starts_with("https://")) {
        out.tls = true;
        rest.remove_prefix(8);
    } else if (rest.starts_with("http://")) {
        rest.remove_prefix(7);
    } else {
        return "must start with http:// or https://";
    }
    for (const char c : rest) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
            return "must not contain spaces or control characters";
        }
    }
    const std::size_t path_at = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, path_at);
    std::string_view target = path_at == std::string_view::npos ? std::string_view{}
                                                                : rest.substr(path_at);
    if (target.find('#') != std::string_view::npos) return "must not have a #fragment";
    if (authority.find('@') != std::string_view::npos) {
        return "must not carry user:password@ (credentials in URLs end up in logs)";
    }
    std::string_view port;
    if (authority.starts_with("[")) {
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos) return "has an unclosed [IPv6] address";
        out.host = std::string{authority.substr(1, close - 1)};
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after[0] != ':') return "has text after the [IPv6] address";
            port = after.substr(1);
            if (port.empty()) return "has an empty port";
        }
        for (const char c : out.host) {
            if (std::isxdigit(static_cast<unsigned char>(c)) == 0 && c != ':' && c != '.') {
                return "has an invalid IPv6 address";
            }
        }
    } else {
        const std::size_t colon = authority.find(':');
        out.host = std::string{authority.substr(0, colon)};
        if (colon != std::string_view::npos) {
            port = authority.substr(colon + 1);
            if (port.empty()) return "has an empty port";
        }
        for (const char c : out.host) {
            if (!valid_host_char(c)) return "has an invalid host name";
        }
    }
    if (out.host.empty()) return "has no host";
    if (!port.empty()) {
        if (!all_digits(port) || port.size() > 5) return "has an invalid port";
        const long number = std::stol(std::string{port});
        if (number < 1 || number > 65535) return "has a port outside 1-65535";
        out.port = std::to_string(number);
    } else {
        out.port = out.tls ? "443" : "80";
    }
    out.host_header = std::string{authority};
    out.target = target.empty() ? "/" : std::string{target};
    if (out.target[0] == '?') out.target.insert(0, "/");
    return {};
}

namespace {

notify_status read_url(const notify_host_api* host, const notify_config* config, const char* key,
                       std::optional<Url>& out, notify_error* err) {
    notify_str value{nullptr, 0};
    const notify_status status = host->config_get_string(config, key, &value);
    if (status == NOTIFY_ERR_NOT_FOUND) return NOTIFY_OK;
    if (status != NOTIFY_OK) {
        notify_error_setf(err, "proxy: config key '%s': expected a string", key);
        return status;
    }
    const std::string text = value.len == 0 ? std::string{} : std::string{value.data, value.len};
    if (text.empty()) return NOTIFY_OK;  // "" = unset
    Url url;
    const std::string refused = parse_url(text, url);
    if (!refused.empty()) {
        notify_error_setf(err, "proxy: config key '%s': \"%s\" %s", key, text.c_str(),
                          refused.c_str());
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    out = std::move(url);
    return NOTIFY_OK;
}

notify_status read_count(const notify_host_api* host, const notify_config* config,
                         const char* key, std::int64_t fallback, std::int64_t low,
                         std::int64_t high, std::size_t& out, notify_error* err) {
    std::int64_t value = fallback;
    notify_status status = notify_config_int_or(host, config, key, fallback, err, &value);
    if (status != NOTIFY_OK) return status;
    if (value < low || value > high) {
        notify_error_setf(err, "proxy: config key '%s': %lld is outside %lld-%lld", key,
                          static_cast<long long>(value), static_cast<long long>(low),
                          static_cast<long long>(high));
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    out = static_cast<std::size_t>(value);
    return NOTIFY_OK;
}

notify_status read_duration(const notify_host_api* host, const notify_config* config,
                            const char* key, std::int64_t low, std::int64_t high,
                            std::int64_t& inout, notify_error* err) {
    std::int64_t value = inout;
    notify_status status = notify_config_duration_ms_or(host, config, key, inout, err, &value);
    if (status != NOTIFY_OK) return status;
    if (value < low || value > high) {
        notify_error_setf(err, "proxy: config key '%s': %lld ms is outside %lld-%lld ms", key,
                          static_cast<long long>(value), static_cast<long long>(low),
                          static_cast<long long>(high));
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    inout = value;
    return NOTIFY_OK;
}

constexpr std::size_t max_forward_headers = 32;
constexpr std::size_t max_header_name = 64;

bool is_token_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           std::string_view{"!#$%&'*+-.^_`|~"}.find(c) != std::string_view::npos;
}

notify_status read_forward_headers(const notify_host_api* host, const notify_config* config,
                                   std::vector<std::string>& out, notify_error* err) {
    std::size_t count = 0;
    notify_status status = host->config_get_array_size(config, "forward_headers", &count);
    if (status == NOTIFY_ERR_NOT_FOUND) return NOTIFY_OK;
    if (status != NOTIFY_OK) {
        notify_error_setf(err, "proxy: config key 'forward_headers': expected an array of strings");
        return status;
    }
    if (count > max_forward_headers) {
        notify_error_setf(err, "proxy: config key 'forward_headers': %zu names, at most %zu",
                          count, max_forward_headers);
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    for (std::size_t i = 0; i < count; ++i) {
        notify_str value{nullptr, 0};
        status = host->config_get_array_string(config, "forward_headers", i, &value);
        if (status != NOTIFY_OK) {
            notify_error_setf(err, "proxy: config key 'forward_headers'[%zu]: expected a string",
                              i);
            return status;
        }
        std::string name = value.len == 0 ? std::string{} : std::string{value.data, value.len};
        bool valid = !name.empty() && name.size() <= max_header_name;
        for (char& c : name) {
            valid = valid && is_token_char(c);
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        if (!valid) {
            notify_error_setf(err,
                              "proxy: config key 'forward_headers'[%zu]: \"%s\" is not an HTTP "
                              "header name (1-64 letters, digits and !#$%%&'*+-.^_`|~)",
                              i, name.c_str());
            return NOTIFY_ERR_INVALID_ARGUMENT;
        }
        if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
    }
    return NOTIFY_OK;
}

}  // namespace

notify_status load_settings(const notify_host_api* host, const notify_config* config,
                            Settings& out, notify_error* err) {
    notify_status status = NOTIFY_OK;
    if ((status = read_url(host, config, "connect_url", out.connect_url, err)) != NOTIFY_OK ||
        (status = read_url(host, config, "refresh_url", out.refresh_url, err)) != NOTIFY_OK ||
        (status = read_url(host, config, "subscribe_url", out.subscribe_url, err)) !=
            NOTIFY_OK ||
        (status = read_url(host, config, "publish_url", out.publish_url, err)) != NOTIFY_OK) {
        return status;
    }
    if ((status = read_duration(host, config, "timeout", 1, 60'000, out.timeout_ms, err)) !=
            NOTIFY_OK ||
        (status = read_duration(host, config, "idle_timeout", 0, 3'600'000, out.idle_timeout_ms,
                                err)) != NOTIFY_OK ||
        (status = read_duration(host, config, "log_interval", 0, 3'600'000, out.log_interval_ms,
                                err)) != NOTIFY_OK) {
        return status;
    }
    notify_str ca{nullptr, 0};
    status = host->config_get_path(config, "tls_ca_file", &ca);
    if (status == NOTIFY_OK) {
        out.tls_ca_file = ca.len == 0 ? std::string{} : std::string{ca.data, ca.len};
    } else if (status != NOTIFY_ERR_NOT_FOUND) {
        notify_error_setf(err, "proxy: config key 'tls_ca_file': expected a path");
        return status;
    }
    if ((status = read_count(host, config, "max_concurrency", 64, 1, 10'000,
                             out.max_concurrency, err)) != NOTIFY_OK ||
        (status = read_count(host, config, "max_queue", 10'000, 0, 10'000'000, out.max_queue,
                             err)) != NOTIFY_OK ||
        (status = read_count(host, config, "max_response_size", 64 * 1024, 64, 16 * 1024 * 1024,
                             out.max_response_size, err)) != NOTIFY_OK ||
        (status = read_count(host, config, "max_info_size", 4096, 2, 1024 * 1024,
                             out.max_info_size, err)) != NOTIFY_OK) {
        return status;
    }
    return read_forward_headers(host, config, out.forward_headers, err);
}

}  // namespace notify::proxy
