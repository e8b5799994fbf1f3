#include "settings.hpp"

#include <notify/plugin.hpp>
#include <notify/sdk.h>
#include <notify_plugin_common/api_keys.hpp>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>

namespace notify::grpc_api {

const notify_config_key config_keys[] = {
    {"listen", NOTIFY_CONFIG_STRING, "host:port of the gRPC server (default 127.0.0.1:9101)"},
    {"key_env", NOTIFY_CONFIG_STRING,
     "name of an environment variable holding an API key"},
    {"key_file", NOTIFY_CONFIG_PATH,
     "file of API keys, one per line (# comments); with key_env, any of them is accepted"},
    {"insecure", NOTIFY_CONFIG_BOOL,
     "true: serve without an API key (default false; then key_env or key_file is required)"},
    {"tls_cert", NOTIFY_CONFIG_PATH, "PEM certificate chain; with tls_key the server speaks TLS"},
    {"tls_key", NOTIFY_CONFIG_PATH, "PEM private key of tls_cert"},
    {"max_message_size", NOTIFY_CONFIG_INT,
     "largest request message in bytes (default 1048576, 1024 to 67108864)"},
    {"threads", NOTIFY_CONFIG_INT,
     "threads that turn the host's answers into replies (default 1, at most 16)"},
    {"shutdown_timeout", NOTIFY_CONFIG_DURATION,
     "at shutdown, how long calls in flight may still finish (default 2s)"},
};
const std::size_t config_key_count = sizeof config_keys / sizeof config_keys[0];

namespace {

std::string_view trim(std::string_view text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos) return {};
    const auto last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

bool has_blank(std::string_view key) {
    return key.find_first_of(" \t\r\n") != std::string_view::npos;
}

notify_status read_path(const notify_host_api* host, const notify_config* config,
                        const char* key, std::string& out, notify_error* err) {
    notify_str value{};
    const notify_status status = host->config_get_path(config, key, &value);
    if (status == NOTIFY_ERR_NOT_FOUND) return NOTIFY_OK;
    if (status != NOTIFY_OK) {
        notify_error_setf(err, "grpc_api: config key '%s': expected a path", key);
        return status;
    }
    out.assign(value.data, value.len);
    return NOTIFY_OK;
}

}  // namespace

notify_status load_settings(const notify_host_api* host, const notify_config* config,
                            Settings& out, notify_error* err) {
    const sdk::Host view(host, nullptr, config);
    const auto listen = view.config_string("listen", "127.0.0.1:9101", *err);
    const auto key_env = view.config_string("key_env", "", *err);
    const auto insecure = view.config_bool("insecure", false, *err);
    const auto max_message_size = view.config_int("max_message_size", 1 << 20, *err);
    const auto threads = view.config_int("threads", 1, *err);
    const auto shutdown_timeout = view.config_duration_ms("shutdown_timeout", 2000, *err);
    if (!listen || !key_env || !insecure || !max_message_size || !threads || !shutdown_timeout) {
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    std::string key_file;
    if (notify_status status = read_path(host, config, "key_file", key_file, err);
        status != NOTIFY_OK) {
        return status;
    }
    if (notify_status status = read_path(host, config, "tls_cert", out.tls_cert, err);
        status != NOTIFY_OK) {
        return status;
    }
    if (notify_status status = read_path(host, config, "tls_key", out.tls_key, err);
        status != NOTIFY_OK) {
        return status;
    }

    out.listen = std::string(*listen);
    if (out.listen.empty() || out.listen.find(':') == std::string::npos) {
        notify_error_setf(err, "grpc_api: config key 'listen': expected host:port, not '%s'",
                          out.listen.c_str());
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    if (*max_message_size < 1024 || *max_message_size > (64 << 20)) {
        notify_error_setf(err, "grpc_api: config key 'max_message_size': must be 1024 to "
                               "67108864 bytes");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    out.max_message_size = *max_message_size;
    if (*threads < 1 || *threads > 16) {
        notify_error_setf(err, "grpc_api: config key 'threads': must be 1 to 16");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    out.threads = static_cast<std::size_t>(*threads);
    if (*shutdown_timeout < 0 || *shutdown_timeout > 4'000) {
        notify_error_setf(err, "grpc_api: config key 'shutdown_timeout': must be 0 to 4s (notifyd gives each plugin's stop() 5s)");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    out.shutdown_timeout_ms = *shutdown_timeout;
    if (out.tls_cert.empty() != out.tls_key.empty()) {
        notify_error_setf(err, "grpc_api: config keys 'tls_cert' and 'tls_key' go together "
                               "(one is set, the other is not)");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }

    out.insecure = *insecure;
    const std::string env_name(*key_env);
    if (out.insecure && (!env_name.empty() || !key_file.empty())) {
        notify_error_setf(err, "grpc_api: config key 'insecure': true turns API keys off; "
                               "remove key_env/key_file, or insecure");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    if (!env_name.empty()) {
        const char* value = std::getenv(env_name.c_str());
        const std::string_view key = value == nullptr ? std::string_view{} : trim(value);
        if (key.empty()) {
            notify_error_setf(err, "grpc_api: config key 'key_env': the environment variable "
                                   "%s is not set or empty", env_name.c_str());
            return NOTIFY_ERR_INVALID_ARGUMENT;
        }
        if (has_blank(key)) {
            notify_error_setf(err, "grpc_api: config key 'key_env': the key in %s contains "
                                   "blanks", env_name.c_str());
            return NOTIFY_ERR_INVALID_ARGUMENT;
        }
        out.keys.emplace_back(key);
    }
    if (!key_file.empty()) {
        std::ifstream file(key_file, std::ios::binary);
        std::ostringstream text;
        text << file.rdbuf();
        if (!file) {
            notify_error_setf(err, "grpc_api: config key 'key_file': cannot read \"%s\"",
                              key_file.c_str());
            return NOTIFY_ERR_INVALID_ARGUMENT;
        }
        const std::vector<std::string> keys = plugin_common::parse_key_lines(text.str());
        if (keys.empty()) {
            notify_error_setf(err, "grpc_api: config key 'key_file': \"%s\" holds no key",
                              key_file.c_str());
            return NOTIFY_ERR_INVALID_ARGUMENT;
        }
        for (const std::string& key : keys) {
            if (has_blank(key)) {
                notify_error_setf(err, "grpc_api: config key 'key_file': a key in \"%s\" "
                                       "contains blanks", key_file.c_str());
                return NOTIFY_ERR_INVALID_ARGUMENT;
            }
        }
        out.keys.insert(out.keys.end(), keys.begin(), keys.end());
    }
    if (!out.insecure && out.keys.empty()) {
        notify_error_setf(err, "grpc_api: no API key: set key_env or key_file (or insecure = "
                               "true to serve without one)");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    return NOTIFY_OK;
}

}  // namespace notify::grpc_api
