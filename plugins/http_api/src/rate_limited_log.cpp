#include "rate_limited_log.hpp"

namespace notify::http_api {

void RateLimitedLog::warn(const std::string& line) {
    std::string text;
    {
        const std::lock_guard lock{mutex_};
        const Clock::time_point now = Clock::now();
        if (logged_once_ && now - last_ < interval_) {
            ++suppressed_;
            return;
        }
        text = line;
        if (suppressed_ > 0) {
            text += " (" + std::to_string(suppressed_) + " more since the last such line)";
        }
        logged_once_ = true;
        last_ = now;
        suppressed_ = 0;
    }
    host_.log(ctx_, NOTIFY_LOG_WARN, notify_str{text.data(), text.size()});
}

}  // namespace notify::http_api
