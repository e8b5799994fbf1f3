// Runs a transport's io_context on the calling thread until a condition holds or a deadline
// passes; the tcp and http transports are single-threaded and synchronous on the outside.
#pragma once

#include <boost/asio/io_context.hpp>

#include <functional>

#include "transport.hpp"

namespace notify::cli {

class AsioRunner {
public:
    boost::asio::io_context& io() { return io_; }

    // Runs handlers until `done()` holds; false when the deadline passed first (or nothing was
    // left to run). Never throws on its own.
    bool run_until(const std::function<bool()>& done, Deadline deadline);
    // After the caller closed its sockets: runs the aborted handlers to completion.
    void drain() noexcept;

private:
    boost::asio::io_context io_;
};

}  // namespace notify::cli
