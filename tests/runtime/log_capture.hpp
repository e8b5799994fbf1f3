// Captures what the host and the plugins log (spdlog's default logger) for assertions.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <spdlog/logger.h>

namespace notify::runtime::test {

class LogCapture {
public:
    LogCapture();   // installs itself as spdlog's default logger
    ~LogCapture();  // restores the previous default logger

    std::vector<std::string> lines() const;
    // Lines that contain `needle`, in logging order.
    std::vector<std::string> matching(const std::string& needle) const;
    // Waits until a line contains `needle`.
    bool wait_for(const std::string& needle, std::chrono::milliseconds timeout) const;

private:
    struct Sink;
    std::shared_ptr<Sink> sink_;
    std::shared_ptr<spdlog::logger> previous_;
};

}  // namespace notify::runtime::test
