// Requests and errors per API method, counted lock-free from the I/O threads and summed up in
// one log line at stop. Method names come from clients, so only the documented ones get their
// own counters; anything else counts as "other" (the set cannot grow without bound).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace notify::http_api {

class MethodCounters {
public:
    // THREAD: any.
    void count(std::string_view method, bool failed);
    // "publish 12 (1 error), info 1, ..." or "" when nothing was counted.
    std::string summary() const;

private:
    static constexpr std::array<std::string_view, 14> names{
        "publish", "broadcast",      "subscribe", "unsubscribe", "disconnect",
        "refresh", "presence",       "presence_stats", "history", "history_remove",
        "topics",  "info",           "batch",     "other"};

    struct Counter {
        std::atomic<std::uint64_t> requests{0};
        std::atomic<std::uint64_t> errors{0};
    };
    std::array<Counter, names.size()> counters_{};
};

}  // namespace notify::http_api
