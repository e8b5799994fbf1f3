// --publish-via: publishes go through the server API (HTTP keep-alive or gRPC unary calls) or a
// client WebSocket connection, to one topic that one WebSocket subscriber reads. Each of the
// --publishers slots (an HTTP or WebSocket connection, or a gRPC call on one channel) keeps
// exactly one publish in flight: the next is sent when the previous one is answered.
#pragma once

#include "bench_options.hpp"
#include "bench_result.hpp"

namespace notify::bench {

// The run described by `options` (options.publish_via is "ws", "http" or "grpc"). Fills the
// publish-only fields (acknowledged, ack latency, server CPU) and, for the one subscriber, the
// delivery fields (expected = acknowledged publishes, lost, duplicates, delivery latency).
BenchResult run_api_benchmark(const BenchOptions& options);

// False when this notify-bench was built without the gRPC stubs (sdk/proto not configured).
bool api_grpc_available();

}  // namespace notify::bench
