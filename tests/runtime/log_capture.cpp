#include "log_capture.hpp"

#include <condition_variable>
#include <mutex>
#include <thread>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

namespace notify::runtime::test {

struct LogCapture::Sink final : spdlog::sinks::base_sink<std::mutex> {
    mutable std::mutex lines_mutex;
    std::vector<std::string> lines;

protected:
    void sink_it_(const spdlog::details::log_msg& message) override {
        const std::lock_guard lock(lines_mutex);
        lines.emplace_back(message.payload.data(), message.payload.size());
    }
    void flush_() override {}
};

LogCapture::LogCapture() : sink_(std::make_shared<Sink>()), previous_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>("capture", sink_);
    logger->set_level(spdlog::level::debug);
    spdlog::set_default_logger(std::move(logger));
}

LogCapture::~LogCapture() { spdlog::set_default_logger(previous_); }

std::vector<std::string> LogCapture::lines() const {
    const std::lock_guard lock(sink_->lines_mutex);
    return sink_->lines;
}

std::vector<std::string> LogCapture::matching(const std::string& needle) const {
    std::vector<std::string> out;
    for (auto& line : lines()) {
        if (line.find(needle) != std::string::npos) out.push_back(line);
    }
    return out;
}

bool LogCapture::wait_for(const std::string& needle, std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (matching(needle).empty()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

}  // namespace notify::runtime::test
