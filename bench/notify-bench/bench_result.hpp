// What one notify-bench run measured, and how it is printed.
#pragma once

#include "bench_options.hpp"
#include "histogram.hpp"
#include "process_stats.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace notify::bench {

struct BenchResult {
    std::size_t subscribers_ready = 0;
    std::size_t stalled = 0;             // subscribers that stopped reading on purpose
    std::size_t stalled_disconnected = 0;  // of those, closed by the server by the end
    double connect_seconds = 0;          // first connect to last subscription confirmed
    std::uint64_t published = 0;         // including warm-up
    std::uint64_t deliveries_measured = 0;  // received inside the measured window
    double measured_seconds = 0;
    std::uint64_t expected = 0;          // sum over messages of reading subscribers on its topic
    std::uint64_t unique_deliveries = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t malformed = 0;         // payloads without a valid stamp
    bool answers_publishes = false;      // the target acknowledges each publish
    std::uint64_t acknowledged_measured = 0;  // publish answers received inside the measured window
    std::uint64_t unanswered = 0;        // publishes still unanswered at the end of the drain
    LatencyHistogram ack_latency_ns;     // per measured publish: until the server answered it
    // At-least-once subscribers (notify targets, --delivery at-least-once): acks written, the
    // deliveries they covered, the server's answers, and acks still unanswered after the drain.
    std::uint64_t acks_sent = 0;
    std::uint64_t acked_messages = 0;
    std::uint64_t acks_answered = 0;
    std::uint64_t acks_unanswered = 0;
    LatencyHistogram latency_ns;         // every delivery of a measured message
    LatencyHistogram last_delivery_ns;   // per measured message: until its last subscriber got it
    // The server's samples: with several --server-pid, sums over the processes (nullopt when
    // any of them could not be read).
    std::optional<ProcessSample> server_before;     // before connecting
    std::optional<ProcessSample> server_connected;  // after subscribing and settling
    std::optional<ProcessSample> server_window_start;
    std::optional<ProcessSample> server_window_end;  // when the measured window closed (before the drain)
    std::optional<ProcessSample> server_end;
    // One entry per --server-pid, in their order: the same samples per process.
    std::vector<std::optional<ProcessSample>> servers_window_start;
    std::vector<std::optional<ProcessSample>> servers_window_end;
    std::vector<std::optional<ProcessSample>> servers_end;
    // With --subscriber-url: per subscriber endpoint (same order), the ready subscribers and the
    // latency of every delivery of a measured message to them.
    std::vector<std::size_t> subscribers_by_endpoint;
    std::vector<LatencyHistogram> latency_by_endpoint_ns;
    std::vector<std::string> errors;

    std::uint64_t lost() const { return expected > unique_deliveries ? expected - unique_deliveries : 0; }
    double deliveries_per_second() const;
    double acknowledged_per_second() const;
    std::optional<double> server_cpu_seconds() const;  // inside the measured window (not the drain)
};

void print_table(const BenchOptions& options, const BenchResult& result);
// Returns false (with a message on stderr) when the file cannot be written.
bool write_json(const BenchOptions& options, const BenchResult& result, const std::string& path);

}  // namespace notify::bench
