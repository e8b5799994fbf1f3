// UTF-8 decoding shared by the validator and the JSON string writer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace notify::protocol::detail {

// Length of the well-formed UTF-8 sequence starting at bytes[at], or 0 when it is not one
// (overlong, surrogate, above U+10FFFF, stray continuation byte, or truncated).
std::size_t utf8_sequence_length(std::string_view bytes, std::size_t at);

inline constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
inline constexpr std::uint64_t kLowBits = 0x0101010101010101ULL;

inline std::uint64_t load_word(const char* bytes) {
    std::uint64_t word = 0;
    std::memcpy(&word, bytes, sizeof word);
    return word;
}

// Whether the 32 bytes at `bytes` are all ASCII (the common case, checked in one step).
inline bool is_ascii_block(const char* bytes) {
    return ((load_word(bytes) | load_word(bytes + 8) | load_word(bytes + 16) |
             load_word(bytes + 24)) &
            kHighBits) == 0;
}
inline constexpr std::size_t kBlockSize = 32;

// Nonzero when some byte of `word` is zero.
inline constexpr std::uint64_t has_zero_byte(std::uint64_t word) {
    return (word - kLowBits) & ~word & kHighBits;
}

}  // namespace notify::protocol::detail
