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
    std::string token_command;  // --token-cmd: run for a token at every connect and refresh
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
    // --sub-token values as given: TOPIC=TOKEN (TOPIC one of `topics`) for that topic, else a
    // token for every topic without one of its own.
    std::vector<std::string> sub_tokens;
    bool join_leave = false;  // print join and leave pushes as {"join":{…}} / {"leave":{…}}
};

struct PresenceOptions {
    ConnectionOptions connection;
    std::string topic;
    bool stats = false;  // presence_stats: one {"clients":C,"users":U} line
};

struct HistoryOptions {
    ConnectionOptions connection;
    std::string topic;
    std::uint32_t limit = 0;                  // 0: the server's maximum
    std::optional<protocol::Position> since;  // only messages after this position
    bool reverse = false;                     // newest first
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

struct TokenOptions {
    std::string secret_env;    // the environment variable holding the HS256 secret
    std::string subject;       // "sub"
    std::string ttl = "1h";    // "exp" = iat + ttl; "0": no exp
    std::string topics;        // "topics": comma-separated
    std::string info;          // "info": a JSON object
    std::string topic;         // "topic": makes a subscription token
    std::string client;        // "client": binds a subscription token to a client id
    std::string issuer;        // "iss"
    std::string audience;      // "aud"
};

struct NodesOptions {
    std::string url;
    std::optional<double> timeout_seconds;  // overall deadline, counted from the start
    bool json = false;                      // print the server's JSON as it came
    bool handout = false;                   // the handout's chosen node instead of the table
};

// `api URL METHOD [JSON]`: one server API call (docs/api.md) over http_api or grpc_api.
struct ApiOptions {
    std::string url;
    std::string method;
    std::string params;                     // a JSON object; empty means {}
    std::string key;                        // --key, else $NOTIFY_API_KEY
    std::optional<double> timeout_seconds;  // overall deadline, counted from the start
    TransportOptions transport;             // grpcs: --cafile
};

int run_sub(const SubOptions& options);
int run_pub(const PubOptions& options);
int run_send(const SendOptions& options);
int run_presence(const PresenceOptions& options);
int run_history(const HistoryOptions& options);
int run_nodes(const NodesOptions& options);
int run_token(const TokenOptions& options);
int run_api(const ApiOptions& options);

// "30s", "5m", "1h", "2d" or a bare number of seconds ("0": none); nullopt when malformed.
std::optional<std::uint64_t> parse_duration_seconds(const std::string& text);

// The deadline `timeout_seconds` after now, none without a timeout.
Deadline deadline_from(const std::optional<double>& timeout_seconds);

}  // namespace notify::cli
