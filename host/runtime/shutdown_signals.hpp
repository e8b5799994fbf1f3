// Waiting for SIGINT/SIGTERM without async-signal handlers.
#pragma once

#include <csignal>

namespace notify::runtime {

// Blocks SIGINT and SIGTERM in the constructing thread; threads created afterwards inherit the
// mask, so the signals stay pending until wait() takes one. Construct it before any thread starts.
class ShutdownSignals {
public:
    ShutdownSignals();
    ~ShutdownSignals();
    ShutdownSignals(const ShutdownSignals&) = delete;
    ShutdownSignals& operator=(const ShutdownSignals&) = delete;

    // Blocks until SIGINT or SIGTERM arrives; returns its number.
    int wait();

private:
    sigset_t signals_{};
    sigset_t previous_mask_{};
};

}  // namespace notify::runtime
