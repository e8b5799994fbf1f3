// The subcommands of notify-cli. Each returns the process exit code or throws CliError.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "transport.hpp"

namespace notify::cli {

struct ConnectionOptions {
    std::string url;
    std::string token;
    std::optional<double> timeout_seconds;  // overall deadline, counted from the start
    TransportOptions transport;
};

struct SubOptions {
    ConnectionOptions connection;
    std::vector<std::string> topics;
    std::optional<std::uint64_t> count;  // exit 0 after this many messages
};

struct PubOptions {
    ConnectionOptions connection;
    std::string topic;
    std::string data;
};

struct SendOptions {
    ConnectionOptions connection;
    std::string data;
};

int run_sub(const SubOptions& options);
int run_pub(const PubOptions& options);
int run_send(const SendOptions& options);

// The deadline `timeout_seconds` after now, none without a timeout.
Deadline deadline_from(const std::optional<double>& timeout_seconds);

}  // namespace notify::cli
