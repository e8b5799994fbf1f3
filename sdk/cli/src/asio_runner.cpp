#include "asio_runner.hpp"

namespace notify::cli {

bool AsioRunner::run_until(const std::function<bool()>& done, Deadline deadline) {
    io_.restart();
    while (!done()) {
        const auto handled = deadline ? io_.run_one_until(*deadline) : io_.run_one();
        if (handled == 0) return done();
    }
    return true;
}

void AsioRunner::drain() noexcept {
    try {
        io_.restart();
        io_.run();
    } catch (...) {
        // A handler failed while being aborted; the transport is being torn down anyway.
    }
}

}  // namespace notify::cli
