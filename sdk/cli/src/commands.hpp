// The subcommands of notify-cli. Each returns the process exit code or throws CliError.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <notify/protocol/json.hpp>

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
    std::optional<std::uint64_t> count;       // exit 0 after this many messages
    std::optional<protocol::Position> since;  // every subscribe recovers from here
    bool ack = false;                         // acknowledge every printed message
    std::string client;                       // connect as this client id (reconnect)
    std::string resume;                       // with this resume token
};

struct PubOptions {
    ConnectionOptions connection;
    std::string topic;
    std::string data;
    // Publish DATA-1 … DATA-N instead of DATA, pipelined, and wait for every reply.
    std::optional<std::uint64_t> count;
};

struct SendOptions {
    ConnectionOptions connection;
    std::string data;
};

struct NodesOptions {
    std::string url;
    std::optional<double> timeout_seconds;  // overall deadline, counted from the start
    bool json = false;                      // print the server's JSON as it came
    bool handout = false;                   // the handout's chosen node instead of the table
};

int run_sub(const SubOptions& options);
int run_pub(const PubOptions& options);
int run_send(const SendOptions& options);
int run_nodes(const NodesOptions& options);

// The deadline `timeout_seconds` after now, none without a timeout.
Deadline deadline_from(const std::optional<double>& timeout_seconds);

}  // namespace notify::cli
