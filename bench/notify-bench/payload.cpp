#include "payload.hpp"

#include <algorithm>
#include <ctime>

namespace notify::bench {
namespace {

constexpr char hex_digits[] = "0123456789abcdef";

void write_hex(char* out, std::uint64_t value) {
    for (int i = 15; i >= 0; --i) {
        out[i] = hex_digits[value & 0xF];
        value >>= 4;
    }
}

std::optional<std::uint64_t> read_hex(std::string_view text) {
    std::uint64_t value = 0;
    for (const char c : text) {
        std::uint64_t digit = 0;
        if (c >= '0' && c <= '9') {
            digit = static_cast<std::uint64_t>(c - '0');
        } else if (c >= 'a' && c <= 'f') {
            digit = static_cast<std::uint64_t>(c - 'a' + 10);
        } else {
            return std::nullopt;
        }
        value = (value << 4) | digit;
    }
    return value;
}

}  // namespace

std::uint64_t monotonic_ns() {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000u +
           static_cast<std::uint64_t>(now.tv_nsec);
}

void make_payload(std::string& out, std::size_t size, PayloadStamp stamp) {
    out.assign(std::max(size, payload_header_size), 'x');
    write_hex(out.data(), stamp.sequence);
    out[16] = ':';
    write_hex(out.data() + 17, stamp.sent_ns);
}

std::optional<PayloadStamp> read_payload(std::string_view payload) {
    if (payload.size() < payload_header_size || payload[16] != ':') {
        return std::nullopt;
    }
    const auto sequence = read_hex(payload.substr(0, 16));
    const auto sent_ns = read_hex(payload.substr(17, 16));
    if (!sequence || !sent_ns) {
        return std::nullopt;
    }
    return PayloadStamp{*sequence, *sent_ns};
}

}  // namespace notify::bench
