#include "settings.hpp"

#include <notify/sdk.h>
#include <notify_plugin_common/api_keys.hpp>

#include <boost/asio/ip/address.hpp>

#include <cstdlib>
#include <string_view>

namespace notify::http_api {

const notify_config_key config_keys[] = {
    {"listen", NOTIFY_CONFIG_STRING,
     "HOST:PORT or [IPv6]:PORT to listen on (default \"127.0.0.1:9100\"; port 0 = ephemeral)"},
    {"key_env", NOTIFY_CONFIG_STRING,
     "name of an environment variable holding an API key (read at startup and on reload)"},
    {"key_file", NOTIFY_CONFIG_PATH,
     "file of API keys, one per line; blank lines and # comments ignored"},
    {"insecure", NOTIFY_CONFIG_BOOL,
     "serve without an API key when none is configured (default false)"},
    {"max_body_size", NOTIFY_CONFIG_INT, "largest request body in bytes (default 1048576)"},
    {"threads", NOTIFY_CONFIG_INT, "I/O threads (default 1, at most 64)"},
    {"max_connections", NOTIFY_CONFIG_INT,
     "open HTTP connections at once; more are closed at accept (default 1024)"},
    {"idle_timeout", NOTIFY_CONFIG_DURATION,
     "a connection with no request under way is closed after this (default 60s)"},
    {"request_timeout", NOTIFY_CONFIG_DURATION,
     "the host's answer is awaited this long, then 504 (default 30s)"},
};
const std::size_t config_key_count = sizeof config_keys / sizeof config_keys[0];

std::string ListenAddress::text() const {
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string parse_listen(const std::string& text, ListenAddress& out) {
    std::string_view rest{text};
    std::string host;
    if (rest.starts_with("[")) {
        const std::size_t close = rest.find(']');
        if (close == std::string_view::npos) return "has an unclosed [IPv6] address";
        host = std::string{rest.substr(1, close - 1)};
        rest.remove_prefix(close + 1);
        if (!rest.starts_with(":")) return "needs :PORT after the [IPv6] address";
        rest.remove_prefix(1);
    } else {
        const std::size_t colon = rest.rfind(':');
        if (colon == std::string_view::npos) return "needs HOST:PORT";
        host = std::string{rest.substr(0, colon)};
        if (host.find(':') != std::string::npos) return "an IPv6 address needs [brackets]";
        rest.remove_prefix(colon + 1);
    }
    if (host == "localhost") host = "127.0.0.1";
    boost::system::error_code ec;
    boost::asio::ip::make_address(host, ec);
    if (ec) return "host '" + host + "' is not an IP address";
    if (rest.empty() || rest.size() > 5) return "has an invalid port";
    unsigned long port = 0;
    for (const char c : rest) {
        if (c < '0' || c > '9') return "has an invalid port";
        port = port * 10 + static_cast<unsigned long>(c - '0');
    }
    if (port > 65535) return "port out of range";
    out.host = std::move(host);
    out.port = static_cast<std::uint16_t>(port);
    return {};
}

namespace {

std::string copy(notify_str text) {
    return text.len == 0 ? std::string{} : std::string{text.data, text.len};
}

notify_status read_count(const notify_host_api* host, const notify_config* config,
                         const char* key, std::int64_t low, std::int64_t high, std::size_t& inout,
                         notify_error* err) {
    std::int64_t value = 0;
    const notify_status status = notify_config_int_or(
        host, config, key, static_cast<std::int64_t>(inout), err, &value);
    if (status != NOTIFY_OK) return status;
    if (value < low || value > high) {
        notify_error_setf(err, "http_api: config key '%s': %lld is outside %lld-%lld", key,
                          static_cast<long long>(value), static_cast<long long>(low),
                          static_cast<long long>(high));
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    inout = static_cast<std::size_t>(value);
    return NOTIFY_OK;
}

notify_status read_duration(const notify_host_api* host, const notify_config* config,
                            const char* key, std::int64_t low, std::int64_t high,
                            std::int64_t& inout, notify_error* err) {
    std::int64_t value = inout;
    const notify_status status =
        notify_config_duration_ms_or(host, config, key, inout, err, &value);
    if (status != NOTIFY_OK) return status;
    if (value < low || value > high) {
        notify_error_setf(err, "http_api: config key '%s': %lld ms is outside %lld-%lld ms", key,
                          static_cast<long long>(value), static_cast<long long>(low),
                          static_cast<long long>(high));
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    inout = value;
    return NOTIFY_OK;
}

notify_status read_keys(const notify_host_api* host, const notify_config* config,
                        Settings& out, notify_error* err) {
    notify_str env_name{nullptr, 0};
    notify_status status = host->config_get_string(config, "key_env", &env_name);
    if (status == NOTIFY_OK) {
        const std::string name = copy(env_name);
        const char* value = name.empty() ? nullptr : std::getenv(name.c_str());
        if (value == nullptr || *value == '\0') {
            notify_error_setf(err,
                              "http_api: config key 'key_env': environment variable '%s' is "
                              "unset or empty",
                              name.c_str());
            return NOTIFY_ERR_INVALID_ARGUMENT;
        }
        out.keys.emplace_back(value);
    } else if (status != NOTIFY_ERR_NOT_FOUND) {
        notify_error_setf(err, "http_api: config key 'key_env': expected a string");
        return status;
    }
    notify_str path{nullptr, 0};
    status = host->config_get_path(config, "key_file", &path);
    if (status == NOTIFY_OK) {
        const std::string file = copy(path);
        std::string why;
        if (!plugin_common::read_key_file(file, out.keys, why)) {
            notify_error_setf(err, "http_api: config key 'key_file': \"%s\": %s", file.c_str(),
                              why.c_str());
            return NOTIFY_ERR_INVALID_ARGUMENT;
        }
    } else if (status != NOTIFY_ERR_NOT_FOUND) {
        notify_error_setf(err, "http_api: config key 'key_file': expected a path");
        return status;
    }
    status = notify_config_bool_or(host, config, "insecure", false, err, &out.insecure);
    if (status != NOTIFY_OK) return status;
    if (out.keys.empty() && !out.insecure) {
        notify_error_setf(err,
                          "http_api: no API key configured: set 'key_env' or 'key_file' (or "
                          "'insecure = true' to serve the API to anyone who can connect)");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    return NOTIFY_OK;
}

}  // namespace

notify_status load_settings(const notify_host_api* host, const notify_config* config,
                            Settings& out, notify_error* err) {
    notify_str listen{nullptr, 0};
    notify_status status =
        notify_config_string_or(host, config, "listen", "127.0.0.1:9100", err, &listen);
    if (status != NOTIFY_OK) return status;
    const std::string listen_text = copy(listen);
    const std::string refused = parse_listen(listen_text, out.listen);
    if (!refused.empty()) {
        notify_error_setf(err, "http_api: config key 'listen': \"%s\" %s", listen_text.c_str(),
                          refused.c_str());
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    if ((status = read_keys(host, config, out, err)) != NOTIFY_OK) return status;
    std::size_t threads = out.threads;
    if ((status = read_count(host, config, "max_body_size", 2, 256 * 1024 * 1024,
                             out.max_body_size, err)) != NOTIFY_OK ||
        (status = read_count(host, config, "threads", 1, 64, threads, err)) != NOTIFY_OK ||
        (status = read_count(host, config, "max_connections", 1, 1'000'000, out.max_connections,
                             err)) != NOTIFY_OK) {
        return status;
    }
    out.threads = static_cast<unsigned>(threads);
    if ((status = read_duration(host, config, "idle_timeout", 100, 24 * 3'600'000,
                                out.idle_timeout_ms, err)) != NOTIFY_OK ||
        (status = read_duration(host, config, "request_timeout", 10, 3'600'000,
                                out.request_timeout_ms, err)) != NOTIFY_OK) {
        return status;
    }
    return NOTIFY_OK;
}

}  // namespace notify::http_api
