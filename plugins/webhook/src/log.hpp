// Log lines attributed to the instance, and WARN lines limited to one per interval.
#pragma once

#include <notify/notify.h>
#include <notify/sdk.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace notify::webhook {

class Log {
  public:
    Log(const notify_host_api* host, notify_host_ctx* ctx) : host_(host), ctx_(ctx) {}

    // THREAD: any (host->log is).
    void write(notify_log_level level, const std::string& line) const {
        if (NOTIFY_HOST_HAS(host_, log)) {
            host_->log(ctx_, level, notify_str{line.data(), line.size()});
        }
    }

  private:
    const notify_host_api* host_;
    notify_host_ctx* ctx_;
};

// One WARN line per interval at most; the next line says how many were left out.
class RateLimitedWarning {
  public:
    RateLimitedWarning(const Log& log, std::chrono::milliseconds interval)
        : log_(log), interval_(interval) {}

    // THREAD: any. `line` is called only when a line is written (build it lazily).
    template <typename MakeLine>
    void warn(MakeLine&& line) {
        using Clock = std::chrono::steady_clock;
        const std::lock_guard lock{mutex_};
        const Clock::time_point now = Clock::now();
        if (logged_once_ && now - last_ < interval_) {
            ++suppressed_;
            return;
        }
        std::string text = line();
        if (suppressed_ > 0) {
            text += " (" + std::to_string(suppressed_) + " more such lines left out)";
        }
        logged_once_ = true;
        last_ = now;
        suppressed_ = 0;
        log_.write(NOTIFY_LOG_WARN, text);
    }

  private:
    const Log& log_;
    std::chrono::milliseconds interval_;
    std::mutex mutex_;
    bool logged_once_ = false;
    std::chrono::steady_clock::time_point last_{};
    std::uint64_t suppressed_ = 0;
};

}  // namespace notify::webhook
