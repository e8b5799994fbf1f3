#include "runtime/shutdown_signals.hpp"

#include <pthread.h>

#include <cerrno>

namespace notify::runtime {

ShutdownSignals::ShutdownSignals() {
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGINT);
    sigaddset(&signals_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals_, &previous_mask_);
}

ShutdownSignals::~ShutdownSignals() { pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr); }

int ShutdownSignals::wait() {
    int signal_number = 0;
    while (sigwait(&signals_, &signal_number) != 0) {
    }
    return signal_number;
}

}  // namespace notify::runtime
