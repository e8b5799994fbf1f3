// A warning log that writes at most one line per interval; the next line says how many were
// left out (a client hammering the API with a wrong key must not flood the log).
#pragma once

#include <notify/notify.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace notify::http_api {

class RateLimitedLog {
public:
    RateLimitedLog(const notify_host_api& host, notify_host_ctx* ctx,
                   std::chrono::milliseconds interval)
        : host_(host), ctx_(ctx), interval_(interval) {}

    // THREAD: any (until the instance is destroyed).
    void warn(const std::string& line);

private:
    using Clock = std::chrono::steady_clock;
    const notify_host_api& host_;
    notify_host_ctx* const ctx_;
    const std::chrono::milliseconds interval_;
    std::mutex mutex_;
    bool logged_once_ = false;
    Clock::time_point last_{};
    std::uint64_t suppressed_ = 0;
};

}  // namespace notify::http_api
