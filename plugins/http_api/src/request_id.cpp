#include "request_id.hpp"

#include <notify/sdk.h>

#include <atomic>
#include <cstdint>

namespace notify::http_api {
namespace {

constexpr std::size_t max_request_id = 64;

bool valid_id(std::string_view id) {
    if (id.empty() || id.size() > max_request_id) return false;
    for (const char c : id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

std::string generated_id() {
    char hex[17];
    if (notify_random_hex(hex, 16, nullptr) == NOTIFY_OK) return hex;
    // getrandom failing is near impossible; a process-wide counter still keeps ids apart.
    static std::atomic<std::uint64_t> next{1};
    return "req-" + std::to_string(next.fetch_add(1, std::memory_order_relaxed));
}

}  // namespace

std::string request_id_from(std::string_view header) {
    return valid_id(header) ? std::string{header} : generated_id();
}

}  // namespace notify::http_api
