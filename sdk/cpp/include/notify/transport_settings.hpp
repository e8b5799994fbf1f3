// Reading the manifest keys every network transport shares (listen, counts, durations,
// slow_consumer) so each plugin validates them with the same rules and the same wording:
// "<plugin>: <key> <value>: <what is wrong>".
#pragma once

#include <arpa/inet.h>
#include <notify/notify.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace notify::sdk {

enum class SlowConsumerPolicy { disconnect, drop };

// The IPv4 address and port a listener binds, parsed from "HOST:PORT".
struct ListenAddress {
    std::string host;   // an IPv4 literal; "localhost" becomes 127.0.0.1
    uint16_t port = 0;  // 0 = an ephemeral port
};

// Truncates to the fixed-size message buffer; a null `err` is allowed and ignored.
inline void copy_error(notify_error *err, std::string_view message) noexcept {
    if (err == nullptr) {
        return;
    }
    const size_t n = std::min(message.size(), sizeof err->message - 1);
    std::memcpy(err->message, message.data(), n);
    err->message[n] = '\0';
}

inline std::string in_quotes(std::string_view value) {
    return "'" + std::string(value) + "'";
}

// Returns what is wrong with `text` ("expected HOST:PORT", "port out of range", ...) or nothing.
inline std::optional<std::string> parse_listen_address(std::string_view text,
                                                       ListenAddress &address) {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        return "expected HOST:PORT";
    }
    const std::string_view host_part = text.substr(0, colon);
    const std::string_view port_part = text.substr(colon + 1);
    unsigned long port = 0;
    const auto [end, ec] =
        std::from_chars(port_part.data(), port_part.data() + port_part.size(), port);
    if (port_part.empty() || ec == std::errc::invalid_argument ||
        end != port_part.data() + port_part.size()) {
        return "port is not a number";
    }
    if (ec == std::errc::result_out_of_range || port > 65535) {
        return "port out of range";
    }
    std::string host = host_part == "localhost" ? std::string("127.0.0.1") : std::string(host_part);
    in_addr parsed{};
    if (inet_pton(AF_INET, host.c_str(), &parsed) != 1) {
        return "host must be an IPv4 address or \"localhost\"";
    }
    address.host = std::move(host);
    address.port = static_cast<uint16_t>(port);
    return std::nullopt;
}

// Reads keys from one plugin's config. Every method keeps `out` (the default) when the key is
// absent and, on a bad value, writes "<plugin>: <key> ..." to the error. The first failure
// sticks: later reads do nothing and return it, so a plugin reads its keys in a plain sequence
// and returns status() at the end.
class TransportSettingsReader {
public:
    TransportSettingsReader(std::string_view plugin, const notify_host_api &host,
                            const notify_config *config, notify_error *err)
        : plugin_(plugin), host_(host), config_(config), err_(err) {}

    notify_status status() const { return status_; }
    bool ok() const { return status_ == NOTIFY_OK; }

    // `message` is everything after "<plugin>: ".
    notify_status fail(std::string_view message) {
        if (ok()) {
            copy_error(err_, plugin_ + ": " + std::string(message));
            status_ = NOTIFY_ERR_INVALID_ARGUMENT;
        }
        return status_;
    }

    // NOT_FOUND keeps the default; any other failure is a schema mismatch worth reporting.
    notify_status check_read(notify_status read_status, std::string_view key) {
        if (read_status == NOTIFY_OK || read_status == NOTIFY_ERR_NOT_FOUND) {
            return status_;
        }
        return fail(std::string(key) + ": cannot be read (status " + std::to_string(read_status) +
                    ")");
    }

    notify_status string(const char *key, std::string &out) {
        return text(&notify_host_api::config_get_string, key, out);
    }

    // A path key, which the host resolves against the manifest's folder.
    notify_status path(const char *key, std::string &out) {
        return text(&notify_host_api::config_get_path, key, out);
    }

    // An integer key within [low, high], stored into any integral type wide enough for `high`.
    template <typename Number>
    notify_status count(const char *key, int64_t low, int64_t high, Number &out) {
        if (!ok()) {
            return status_;
        }
        int64_t value = static_cast<int64_t>(out);
        if (const notify_status s = check_read(host_.config_get_int(config_, key, &value), key);
            s != NOTIFY_OK) {
            return s;
        }
        if (value < low || value > high) {
            return fail(std::string(key) + " " + std::to_string(value) + ": must be between " +
                        std::to_string(low) + " and " + std::to_string(high));
        }
        out = static_cast<Number>(value);
        return NOTIFY_OK;
    }

    // A duration key within [low_ms, high_ms]. `range_text` words the bounds in the message
    // ("1ms and 24h"); empty spells them as "<low>ms and <high>ms".
    notify_status duration(const char *key, int64_t low_ms, int64_t high_ms,
                           std::chrono::milliseconds &out, std::string_view range_text = {}) {
        if (!ok()) {
            return status_;
        }
        int64_t value = out.count();
        if (const notify_status s =
                check_read(host_.config_get_duration_ms(config_, key, &value), key);
            s != NOTIFY_OK) {
            return s;
        }
        if (value < low_ms || value > high_ms) {
            const std::string range = range_text.empty() ? std::to_string(low_ms) + "ms and " +
                                                               std::to_string(high_ms) + "ms"
                                                         : std::string(range_text);
            return fail(std::string(key) + " " + std::to_string(value) + "ms: must be between " +
                        range);
        }
        out = std::chrono::milliseconds(value);
        return NOTIFY_OK;
    }

    // The "listen" key: `listen` holds the default text and receives the text as written,
    // `host` and `port` what it names.
    notify_status listen(std::string &listen, std::string &host, uint16_t &port) {
        if (string("listen", listen) != NOTIFY_OK) {
            return status_;
        }
        ListenAddress address;
        if (const auto problem = parse_listen_address(listen, address)) {
            return fail("listen " + in_quotes(listen) + ": " + *problem);
        }
        host = std::move(address.host);
        port = address.port;
        return NOTIFY_OK;
    }

    notify_status slow_consumer(SlowConsumerPolicy &out) {
        std::string policy = out == SlowConsumerPolicy::drop ? "drop" : "disconnect";
        if (const notify_status s = string("slow_consumer", policy); s != NOTIFY_OK) {
            return s;
        }
        if (policy == "disconnect") {
            out = SlowConsumerPolicy::disconnect;
        } else if (policy == "drop") {
            out = SlowConsumerPolicy::drop;
        } else {
            return fail("slow_consumer " + in_quotes(policy) +
                        ": expected \"disconnect\" or \"drop\"");
        }
        return NOTIFY_OK;
    }

private:
    using TextGetter = decltype(notify_host_api::config_get_string);

    notify_status text(TextGetter notify_host_api::*getter, const char *key, std::string &out) {
        if (!ok()) {
            return status_;
        }
        notify_str value{};
        const notify_status status = (host_.*getter)(config_, key, &value);
        if (status == NOTIFY_OK) {
            out.assign(value.data, value.len);
        }
        return check_read(status, key);
    }

    std::string plugin_;
    const notify_host_api &host_;
    const notify_config *config_;
    notify_error *err_;
    notify_status status_ = NOTIFY_OK;
};

}  // namespace notify::sdk
