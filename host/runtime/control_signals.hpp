// Waiting for the signals that control notifyd (SIGINT/SIGTERM: shut down, SIGHUP: reload)
// without async-signal handlers: they stay blocked and sigwait() takes them on the main thread.
#pragma once

#include <csignal>

namespace notify::runtime {

// Blocks SIGINT, SIGTERM and SIGHUP in the constructing thread; threads created afterwards
// inherit the mask, so the signals stay pending until wait() takes one. Construct it before any
// thread starts.
class ControlSignals {
public:
    ControlSignals();
    ~ControlSignals();
    ControlSignals(const ControlSignals&) = delete;
    ControlSignals& operator=(const ControlSignals&) = delete;

    // Blocks until SIGINT, SIGTERM or SIGHUP arrives; returns its number.
    int wait();

private:
    sigset_t signals_{};
    sigset_t previous_mask_{};
};

}  // namespace notify::runtime
