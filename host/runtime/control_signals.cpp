#include "runtime/control_signals.hpp"

#include <pthread.h>

namespace notify::runtime {

ControlSignals::ControlSignals() {
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGINT);
    sigaddset(&signals_, SIGTERM);
    sigaddset(&signals_, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals_, &previous_mask_);
}

ControlSignals::~ControlSignals() {
    pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
}

int ControlSignals::wait() {
    int signal_number = 0;
    while (sigwait(&signals_, &signal_number) != 0) {
    }
    return signal_number;
}

}  // namespace notify::runtime
