// The benchmark payload: ASCII text so that it travels unchanged as a JSON string.
// Layout: 16 hex digits of sequence number, ':', 16 hex digits of CLOCK_MONOTONIC nanoseconds,
// then 'x' padding up to the requested size.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace notify::bench {

inline constexpr std::size_t payload_header_size = 33;

struct PayloadStamp {
    std::uint64_t sequence = 0;
    std::uint64_t sent_ns = 0;
};

std::uint64_t monotonic_ns();

// Writes a payload of max(size, payload_header_size) bytes into `out` (replacing its content).
void make_payload(std::string& out, std::size_t size, PayloadStamp stamp);

// Reads the stamp back; nullopt when the text does not start with a valid header.
std::optional<PayloadStamp> read_payload(std::string_view payload);

}  // namespace notify::bench
