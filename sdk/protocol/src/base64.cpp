#include "base64_codec.hpp"

#include <notify/protocol/json.hpp>

#include <array>
#include <cstdint>

namespace notify::protocol {

namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::uint8_t kNotBase64 = 0xFF;

constexpr std::array<std::uint8_t, 256> make_decode_table() {
    std::array<std::uint8_t, 256> table{};
    table.fill(kNotBase64);
    for (std::size_t index = 0; index < kAlphabet.size(); ++index) {
        table[static_cast<unsigned char>(kAlphabet[index])] = static_cast<std::uint8_t>(index);
    }
    return table;
}

constexpr std::array<std::uint8_t, 256> kDecodeTable = make_decode_table();

std::uint32_t byte_at(std::string_view bytes, std::size_t index) {
    return static_cast<unsigned char>(bytes[index]);
}

char sextet(std::uint32_t group, unsigned shift) { return kAlphabet[(group >> shift) & 0x3FU]; }

}  // namespace

namespace detail {

void append_base64(std::string& out, std::string_view bytes) {
    // Written through a pointer: one append per group would dominate the cost.
    const std::size_t start = out.size();
    out.resize(start + base64_encoded_size(bytes.size()));
    char* quad = out.data() + start;
    std::size_t at = 0;
    for (; bytes.size() - at >= 3; at += 3, quad += 4) {
        const std::uint32_t group =
            byte_at(bytes, at) << 16U | byte_at(bytes, at + 1) << 8U | byte_at(bytes, at + 2);
        quad[0] = sextet(group, 18);
        quad[1] = sextet(group, 12);
        quad[2] = sextet(group, 6);
        quad[3] = sextet(group, 0);
    }
    const std::size_t tail = bytes.size() - at;
    if (tail != 0) {
        std::uint32_t group = byte_at(bytes, at) << 16U;
        if (tail == 2) {
            group |= byte_at(bytes, at + 1) << 8U;
        }
        quad[0] = sextet(group, 18);
        quad[1] = sextet(group, 12);
        quad[2] = tail == 2 ? sextet(group, 6) : '=';
        quad[3] = '=';
    }
}

}  // namespace detail

std::string base64_encode(std::string_view bytes) {
    std::string out;
    out.reserve(detail::base64_encoded_size(bytes.size()));
    detail::append_base64(out, bytes);
    return out;
}

// Strict: padded, no whitespace, no URL-safe alphabet, and the unused bits of the last group
// must be zero, so every byte string has exactly one accepted encoding.
std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) {
        return std::nullopt;
    }
    std::size_t padding = 0;
    if (!text.empty() && text.back() == '=') {
        padding = text[text.size() - 2] == '=' ? 2 : 1;
    }
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t at = 0; at < text.size(); at += 4) {
        const bool last_group = at + 4 == text.size();
        const std::size_t data_chars = last_group ? 4 - padding : 4;
        std::uint32_t group = 0;
        for (std::size_t index = 0; index < 4; ++index) {
            std::uint32_t value = 0;
            if (index < data_chars) {
                const std::uint8_t decoded = kDecodeTable[byte_at(text, at + index)];
                if (decoded == kNotBase64) {
                    return std::nullopt;
                }
                value = decoded;
            }
            group = group << 6U | value;
        }
        const char bytes[3] = {static_cast<char>(group >> 16U & 0xFFU),
                               static_cast<char>(group >> 8U & 0xFFU),
                               static_cast<char>(group & 0xFFU)};
        const std::size_t byte_count = data_chars - 1;
        const std::uint32_t unused_bits_mask = (1U << ((3 - byte_count) * 8U)) - 1U;
        if (last_group && (group & unused_bits_mask) != 0) {
            return std::nullopt;
        }
        out.append(bytes, byte_count);
    }
    return out;
}

}  // namespace notify::protocol
