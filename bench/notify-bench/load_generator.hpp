// The epoll load generator: N subscriber connections and one publisher on one thread.
#pragma once

#include "bench_options.hpp"
#include "bench_result.hpp"

namespace notify::bench {

// Runs the whole benchmark described by `options`. Setup failures (refused connections,
// protocol errors) end the run early and are listed in BenchResult::errors.
BenchResult run_benchmark(const BenchOptions& options);

}  // namespace notify::bench
