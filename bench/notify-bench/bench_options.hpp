// Command line of notify-bench.
#pragma once

#include "session.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace notify::bench {

// Where a connection goes: an IPv4 address, a port and (WebSocket targets) a path.
struct Endpoint {
    std::string host;
    std::uint16_t port = 0;
    std::string path;

    std::string to_string() const;  // "127.0.0.1:3301/pubsub" (the path only for WebSocket targets)
};

struct BenchOptions {
    Target target = Target::limit;
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    std::string path = "/";            // WebSocket targets
    std::string topic = "bench";
    std::string label;                 // free text copied to the report
    // How the server was configured for the topic, copied to the report (notify-bench cannot
    // see it): "at-most-once" | "at-least-once", and for at-least-once "always" | "batch" | "os".
    // With "at-least-once", subscribers of the notify targets also ack what they receive (the
    // protocol's ack), as --ack says.
    std::string delivery;
    std::string sync_policy;
    AckMode ack_mode = AckMode::cumulative;  // --ack each | cumulative
    bool ack_mode_given = false;
    RedisCommand redis_command = RedisCommand::publish;  // --redis-command publish | xadd
    std::size_t subscribers = 100;     // 0: publish only (throughput of acknowledged publishes)
    std::size_t publishers = 1;        // publisher connections; publishes go round-robin
    std::size_t topics = 1;            // subscriber i takes topic i % topics; publishes go round-robin
    unsigned stalled_percent = 0;      // this share of subscribers never reads after subscribing
    std::size_t payload_size = 64;
    double rate = 0;                   // publishes per second; 0 = closed loop
    std::size_t window = 16;           // closed loop: messages not yet at every subscriber or answered
    bool idle = false;                 // connect and subscribe only (memory per connection)
    double warmup_seconds = 1;
    double duration_seconds = 5;
    double drain_seconds = 5;          // after the last publish, wait this long for stragglers
    double settle_seconds = 0.5;       // after connecting, before the server is sampled
    double connect_timeout_seconds = 60;
    std::size_t connect_concurrency = 256;
    std::string token;  // --token: sent in every connect (notify targets)
    std::size_t connections_per_source_address = 20'000;
    // --subscriber-url: subscriber i connects to subscriber_endpoints[i % size]; empty = all go
    // to --host/--port/--path like the publishers (which always do).
    std::vector<Endpoint> subscriber_endpoints;
    // --server-pid, repeatable: the server's processes (e.g. the nodes of a cluster and their
    // bus); CPU time and memory are summed over them, and also reported one by one.
    std::vector<pid_t> server_pids;
    // --publish-via ws|http|grpc (api_load.hpp): publishers use a client WebSocket connection, the
    // HTTP API or the gRPC API, one publish in flight each, to one WebSocket subscriber. Empty:
    // the ordinary run.
    std::string publish_via;
    std::uint16_t api_port = 0;        // --api-port: the http_api or grpc_api listener
    std::string api_key;               // from --api-key-env NAME (kept off the command line)
    std::string json_path;
    bool quiet = false;
};

// The endpoint subscriber `index` connects to.
Endpoint subscriber_endpoint(const BenchOptions& options, std::size_t index);
// The publishers' endpoint: --host, --port, --path.
Endpoint publisher_endpoint(const BenchOptions& options);

// Parses argv; on --help or an error prints to stdout/stderr and returns nullopt with
// `exit_code` set.
std::optional<BenchOptions> parse_options(int argc, char** argv, int& exit_code);

}  // namespace notify::bench
