#include "settings.hpp"

#include <arpa/inet.h>

#include <cstdlib>
#include <fstream>
#include <notify/transport_settings.hpp>
#include <string_view>

namespace notify::admin {

const notify_config_key config_keys[] = {
    {"listen", NOTIFY_CONFIG_STRING,
     "IPv4 HOST:PORT to serve on (default \"127.0.0.1:3080\"; port 0 = ephemeral); a "
     "non-loopback address needs a token"},
    {"token_env", NOTIFY_CONFIG_STRING,
     "name of an environment variable holding the bearer token (read at startup)"},
    {"token_file", NOTIFY_CONFIG_PATH, "file whose first non-blank line is the bearer token"},
    {"sample_interval", NOTIFY_CONFIG_DURATION,
     "how often the charts' numbers are sampled (default 1s, 100ms-60s)"},
    {"history", NOTIFY_CONFIG_INT, "samples kept for the charts (default 600, 10-86400)"},
    {"max_connections", NOTIFY_CONFIG_INT,
     "open HTTP connections at once; more are closed at accept (default 64)"},
    {"idle_timeout", NOTIFY_CONFIG_DURATION,
     "a keep-alive connection with no request is closed after this (default 30s)"},
};
const std::size_t config_key_count = sizeof config_keys / sizeof config_keys[0];

namespace {

// Shorter tokens are guessable by anyone who can reach the listener.
constexpr std::size_t min_token_length = 16;

std::string_view trimmed(std::string_view text) {
    const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!text.empty() && blank(text.front())) text.remove_prefix(1);
    while (!text.empty() && blank(text.back())) text.remove_suffix(1);
    return text;
}

bool loopback(const std::string& host) {
    in_addr address{};
    if (inet_pton(AF_INET, host.c_str(), &address) != 1) return false;
    return (ntohl(address.s_addr) >> 24) == 127;
}

notify_status read_token(notify::sdk::TransportSettingsReader& reader, Settings& out) {
    std::string variable;
    std::string file;
    if (reader.string("token_env", variable) != NOTIFY_OK ||
        reader.path("token_file", file) != NOTIFY_OK) {
        return reader.status();
    }
    if (!variable.empty() && !file.empty()) {
        return reader.fail("token_env and token_file: set one of them, not both");
    }
    if (!variable.empty()) {
        const char* value = std::getenv(variable.c_str());
        out.token = std::string{trimmed(value == nullptr ? "" : value)};
        if (out.token.empty()) {
            return reader.fail("token_env '" + variable +
                               "': the environment variable is unset or empty");
        }
    } else if (!file.empty()) {
        std::ifstream in(file);
        if (!in) return reader.fail("token_file '" + file + "': cannot be read");
        for (std::string line; out.token.empty() && std::getline(in, line);) {
            out.token = std::string{trimmed(line)};
        }
        if (out.token.empty()) return reader.fail("token_file '" + file + "': holds no token");
    } else {
        return NOTIFY_OK;
    }
    if (out.token.size() < min_token_length) {
        return reader.fail("the token is " + std::to_string(out.token.size()) +
                           " characters long: use at least " + std::to_string(min_token_length));
    }
    return NOTIFY_OK;
}

}  // namespace

notify_status load_settings(const notify_host_api& host, const notify_config* config, Settings& out,
                            notify_error* err) {
    notify::sdk::TransportSettingsReader reader("admin", host, config, err);
    reader.listen(out.listen, out.host, out.port);
    read_token(reader, out);
    reader.duration("sample_interval", 100, 60'000, out.sample_interval, "100ms and 60s");
    reader.count("history", 10, 86'400, out.history);
    reader.count("max_connections", 1, 10'000, out.max_connections);
    reader.duration("idle_timeout", 100, 3'600'000, out.idle_timeout, "100ms and 1h");
    if (reader.ok() && out.token.empty() && !loopback(out.host)) {
        reader.fail("listen '" + out.listen +
                    "': a non-loopback address needs a token (token_env or token_file): the "
                    "admin page shows who is connected and what they publish");
    }
    return reader.status();
}

}  // namespace notify::admin
