#include "settings.hpp"

#include <notify/sdk.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string_view>

#include "event_json.hpp"

namespace notify::webhook {

const notify_config_key config_keys[] = {
    {"url", NOTIFY_CONFIG_STRING, "http(s):// URL the batches are POSTed to (required)"},
    {"events", NOTIFY_CONFIG_STRING_ARRAY,
     "event types to post: connect, reconnect, disconnect, inactivate, subscribe, unsubscribe, "
     "publish, data (default: all but publish and data)"},
    {"secret_env", NOTIFY_CONFIG_STRING,
     "name of the environment variable holding the HMAC-SHA256 signing secret"},
    {"secret_file", NOTIFY_CONFIG_PATH,
     "file holding the signing secret (one trailing newline is ignored)"},
    {"unsigned", NOTIFY_CONFIG_BOOL,
     "true: send requests without X-Notify-Signature (required when no secret is set)"},
    {"batch_size", NOTIFY_CONFIG_INT, "most events per POST (default 100, 1-10000)"},
    {"batch_delay", NOTIFY_CONFIG_DURATION,
     "longest an event waits for a fuller batch (default 50ms, at most 60s)"},
    {"timeout", NOTIFY_CONFIG_DURATION,
     "per POST, covering connect, write and read (default 5s, at most 5m)"},
    {"retry_initial", NOTIFY_CONFIG_DURATION,
     "first wait before a failed batch is sent again (default 200ms)"},
    {"retry_max", NOTIFY_CONFIG_DURATION,
     "longest wait between attempts; waits double up to it (default 10s)"},
    {"queue_size", NOTIFY_CONFIG_INT,
     "events waiting to be sent; past it the oldest are dropped (default 10000)"},
    {"stop_flush_timeout", NOTIFY_CONFIG_DURATION,
     "how long shutdown keeps trying to deliver what is queued (default 2s, at most 60s)"},
    {"tls_ca_file", NOTIFY_CONFIG_PATH,
     "PEM file of the CA certificates trusted for an https:// URL (default: the system's)"},
    {"headers", NOTIFY_CONFIG_STRING_ARRAY,
     "extra request headers, each \"Name: value\" (e.g. an Authorization header)"},
    {"log_interval", NOTIFY_CONFIG_DURATION,
     "at most one delivery-failure and one overflow WARN line per interval (default 10s)"},
};
const std::size_t config_key_count = sizeof config_keys / sizeof config_keys[0];

namespace {

std::string copy(notify_str text) {
    return text.len == 0 ? std::string{} : std::string{text.data, text.len};
}

bool valid_host_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_';
}

bool valid_token_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           std::string_view{"!#$%&'*+-.^_`|~"}.find(c) != std::string_view::npos;
}

// Headers the plugin sets itself, or that would break the exchange.
bool reserved_header(std::string name) {
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return name == "host" || name == "content-length" || name == "content-type" ||
           name == "transfer-encoding" || name == "connection" || name.starts_with("x-notify-");
}

notify_status refuse(notify_error* err, const char* key, const std::string& why) {
    notify_error_setf(err, "webhook: config key '%s': %s", key, why.c_str());
    return NOTIFY_ERR_INVALID_ARGUMENT;
}

notify_status read_count(const notify_host_api* host, const notify_config* config, const char* key,
                         std::int64_t low, std::int64_t high, std::size_t& inout,
                         notify_error* err) {
    std::int64_t value = static_cast<std::int64_t>(inout);
    const notify_status status = notify_config_int_or(host, config, key, value, err, &value);
    if (status != NOTIFY_OK) return status;
    if (value < low || value > high) {
        return refuse(err, key,
                      std::to_string(value) + " is outside " + std::to_string(low) + "-" +
                          std::to_string(high));
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
        return refuse(err, key,
                      std::to_string(value) + " ms is outside " + std::to_string(low) + "-" +
                          std::to_string(high) + " ms");
    }
    inout = value;
    return NOTIFY_OK;
}

// Calls `each` with every string of an array key; NOTIFY_ERR_NOT_FOUND when the key is absent.
template <typename Each>
notify_status read_array(const notify_host_api* host, const notify_config* config, const char* key,
                         notify_error* err, Each&& each) {
    std::size_t count = 0;
    notify_status status = host->config_get_array_size(config, key, &count);
    if (status == NOTIFY_ERR_NOT_FOUND) return status;
    if (status != NOTIFY_OK) return refuse(err, key, "expected an array of strings");
    for (std::size_t i = 0; i < count; ++i) {
        notify_str item{nullptr, 0};
        status = host->config_get_array_string(config, key, i, &item);
        if (status != NOTIFY_OK) return refuse(err, key, "expected an array of strings");
        status = each(copy(item));
        if (status != NOTIFY_OK) return status;
    }
    return NOTIFY_OK;
}

notify_status read_url(const notify_host_api* host, const notify_config* config, Url& out,
                       notify_error* err) {
    notify_str value{nullptr, 0};
    const notify_status status = host->config_get_string(config, "url", &value);
    if (status == NOTIFY_ERR_NOT_FOUND || (status == NOTIFY_OK && value.len == 0)) {
        return refuse(err, "url", "required: the backend's http:// or https:// URL");
    }
    if (status != NOTIFY_OK) return refuse(err, "url", "expected a string");
    const std::string text = copy(value);
    const std::string why = parse_url(text, out);
    if (!why.empty()) return refuse(err, "url", "\"" + text + "\" " + why);
    return NOTIFY_OK;
}

notify_status read_events(const notify_host_api* host, const notify_config* config,
                          std::uint32_t& out, notify_error* err) {
    std::uint32_t mask = 0;
    const notify_status status =
        read_array(host, config, "events", err, [&](const std::string& name) -> notify_status {
            const notify_event_type type = event_type_from_name(name);
            if (type == notify_event_type{}) {
                return refuse(err, "events",
                              "unknown event \"" + name +
                                  "\" (known: connect, reconnect, disconnect, inactivate, "
                                  "subscribe, unsubscribe, publish, data)");
            }
            mask |= NOTIFY_EVENT_BIT(type);
            return NOTIFY_OK;
        });
    if (status == NOTIFY_ERR_NOT_FOUND) {
        out = default_event_mask;
        return NOTIFY_OK;
    }
    if (status != NOTIFY_OK) return status;
    if (mask == 0) return refuse(err, "events", "is empty: name at least one event");
    out = mask;
    return NOTIFY_OK;
}

notify_status read_headers(const notify_host_api* host, const notify_config* config, Settings& out,
                           notify_error* err) {
    const notify_status status =
        read_array(host, config, "headers", err, [&](const std::string& line) -> notify_status {
            const std::size_t colon = line.find(':');
            const std::string name = line.substr(0, colon);
            if (colon == std::string::npos || name.empty()) {
                return refuse(err, "headers", "\"" + line + "\" is not \"Name: value\"");
            }
            for (const char c : name) {
                if (!valid_token_char(c)) {
                    return refuse(err, "headers", "\"" + name + "\" is not a header name");
                }
            }
            if (reserved_header(name)) {
                return refuse(err, "headers", "\"" + name + "\" is set by the plugin itself");
            }
            std::string_view value{line};
            value.remove_prefix(colon + 1);
            while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
                value.remove_prefix(1);
            }
            for (const char c : value) {
                if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) {
                    return refuse(err, "headers",
                                  "the value of \"" + name + "\" has a control character");
                }
            }
            out.headers.emplace_back(name, std::string{value});
            return NOTIFY_OK;
        });
    return status == NOTIFY_ERR_NOT_FOUND ? NOTIFY_OK : status;
}

// The secret comes from an environment variable or a file, never from the manifest itself.
notify_status read_secret(const notify_host_api* host, const notify_config* config, Settings& out,
                          notify_error* err) {
    bool unsigned_requests = false;
    notify_status status =
        notify_config_bool_or(host, config, "unsigned", false, err, &unsigned_requests);
    if (status != NOTIFY_OK) return status;
    notify_str env_name{nullptr, 0};
    status = host->config_get_string(config, "secret_env", &env_name);
    const bool has_env = status == NOTIFY_OK;
    if (status != NOTIFY_OK && status != NOTIFY_ERR_NOT_FOUND) {
        return refuse(err, "secret_env", "expected a string");
    }
    notify_str file{nullptr, 0};
    status = host->config_get_path(config, "secret_file", &file);
    const bool has_file = status == NOTIFY_OK;
    if (status != NOTIFY_OK && status != NOTIFY_ERR_NOT_FOUND) {
        return refuse(err, "secret_file", "expected a path");
    }
    if (has_env && has_file) {
        return refuse(err, "secret_env", "set either secret_env or secret_file, not both");
    }
    if (unsigned_requests) {
        if (has_env || has_file) {
            return refuse(err, "unsigned",
                          "is true but a secret is configured: remove one or the other");
        }
        return NOTIFY_OK;
    }
    if (has_env) {
        const std::string name = copy(env_name);
        const char* value = name.empty() ? nullptr : std::getenv(name.c_str());
        if (value == nullptr || *value == '\0') {
            return refuse(err, "secret_env",
                          "the environment variable \"" + name + "\" is unset or empty");
        }
        out.secret = value;
        return NOTIFY_OK;
    }
    if (has_file) {
        const std::string path = copy(file);
        std::ifstream in{path, std::ios::binary};
        if (!in) return refuse(err, "secret_file", "cannot read \"" + path + "\"");
        out.secret.assign(std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{});
        if (out.secret.ends_with('\n')) out.secret.pop_back();
        if (out.secret.ends_with('\r')) out.secret.pop_back();
        if (out.secret.empty()) return refuse(err, "secret_file", "\"" + path + "\" is empty");
        return NOTIFY_OK;
    }
    return refuse(err, "secret_env",
                  "no signing secret: set secret_env or secret_file, or unsigned = true to "
                  "send unsigned requests");
}

}  // namespace

std::string parse_url(const std::string& text, Url& out) {
    out = Url{};
    out.text = text.substr(0, text.find('?'));
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
    const std::string_view authority = rest.substr(0, path_at);
    const std::string_view target =
        path_at == std::string_view::npos ? std::string_view{} : rest.substr(path_at);
    if (target.find('#') != std::string_view::npos) return "must not have a #fragment";
    if (authority.find('@') != std::string_view::npos) {
        return "must not carry user:password@ (use headers = [\"Authorization: ...\"])";
    }
    std::string_view port;
    if (authority.starts_with("[")) {
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos) return "has an unclosed [IPv6] address";
        out.host = std::string{authority.substr(1, close - 1)};
        const std::string_view after = authority.substr(close + 1);
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
        if (port.size() > 5) return "has an invalid port";
        long number = 0;
        for (const char c : port) {
            if (c < '0' || c > '9') return "has an invalid port";
            number = number * 10 + (c - '0');
        }
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

notify_status load_settings(const notify_host_api* host, const notify_config* config, Settings& out,
                            notify_error* err) {
    notify_status status = NOTIFY_OK;
    if ((status = read_url(host, config, out.url, err)) != NOTIFY_OK ||
        (status = read_events(host, config, out.events, err)) != NOTIFY_OK ||
        (status = read_secret(host, config, out, err)) != NOTIFY_OK ||
        (status = read_headers(host, config, out, err)) != NOTIFY_OK ||
        (status = read_count(host, config, "batch_size", 1, 10'000, out.batch_size, err)) !=
            NOTIFY_OK ||
        (status = read_count(host, config, "queue_size", 1, 10'000'000, out.queue_size, err)) !=
            NOTIFY_OK ||
        (status = read_duration(host, config, "batch_delay", 0, 60'000, out.batch_delay_ms, err)) !=
            NOTIFY_OK ||
        (status = read_duration(host, config, "timeout", 1, 300'000, out.timeout_ms, err)) !=
            NOTIFY_OK ||
        (status = read_duration(host, config, "retry_initial", 1, 3'600'000, out.retry_initial_ms,
                                err)) != NOTIFY_OK ||
        (status = read_duration(host, config, "retry_max", 1, 3'600'000, out.retry_max_ms, err)) !=
            NOTIFY_OK ||
        (status = read_duration(host, config, "stop_flush_timeout", 0, 60'000,
                                out.stop_flush_timeout_ms, err)) != NOTIFY_OK ||
        (status = read_duration(host, config, "log_interval", 0, 3'600'000, out.log_interval_ms,
                                err)) != NOTIFY_OK) {
        return status;
    }
    if (out.retry_max_ms < out.retry_initial_ms) {
        return refuse(err, "retry_max", "is shorter than retry_initial");
    }
    notify_str ca{nullptr, 0};
    status = host->config_get_path(config, "tls_ca_file", &ca);
    if (status == NOTIFY_OK) {
        out.tls_ca_file = copy(ca);
    } else if (status != NOTIFY_ERR_NOT_FOUND) {
        return refuse(err, "tls_ca_file", "expected a path");
    }
    return NOTIFY_OK;
}

}  // namespace notify::webhook
