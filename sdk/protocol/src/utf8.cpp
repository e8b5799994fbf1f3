#include "utf8_sequence.hpp"

#include <notify/protocol/json.hpp>

namespace notify::protocol {

namespace detail {

namespace {

bool is_continuation(unsigned char byte) { return (byte & 0xC0U) == 0x80U; }

}  // namespace

std::size_t utf8_sequence_length(std::string_view bytes, std::size_t at) {
    const auto byte_at = [&](std::size_t index) {
        return static_cast<unsigned char>(bytes[at + index]);
    };
    const std::size_t remaining = bytes.size() - at;
    const unsigned char lead = byte_at(0);
    if (lead < 0x80U) {
        return 1;
    }
    // The second byte's range is what excludes overlongs (E0, F0), surrogates (ED) and code
    // points above U+10FFFF (F4); later bytes are plain continuations.
    std::size_t length = 0;
    unsigned char second_min = 0x80U;
    unsigned char second_max = 0xBFU;
    if (lead >= 0xC2U && lead <= 0xDFU) {
        length = 2;
    } else if (lead >= 0xE0U && lead <= 0xEFU) {
        length = 3;
        if (lead == 0xE0U) {
            second_min = 0xA0U;
        } else if (lead == 0xEDU) {
            second_max = 0x9FU;
        }
    } else if (lead >= 0xF0U && lead <= 0xF4U) {
        length = 4;
        if (lead == 0xF0U) {
            second_min = 0x90U;
        } else if (lead == 0xF4U) {
            second_max = 0x8FU;
        }
    } else {
        return 0;
    }
    if (remaining < length) {
        return 0;
    }
    const unsigned char second = byte_at(1);
    if (second < second_min || second > second_max) {
        return 0;
    }
    for (std::size_t index = 2; index < length; ++index) {
        if (!is_continuation(byte_at(index))) {
            return 0;
        }
    }
    return length;
}

}  // namespace detail

bool is_valid_utf8(std::string_view bytes) {
    std::size_t at = 0;
    while (bytes.size() - at >= detail::kBlockSize && detail::is_ascii_block(bytes.data() + at)) {
        at += detail::kBlockSize;
    }
    while (at < bytes.size()) {
        if (bytes.size() - at >= sizeof(std::uint64_t) &&
            (detail::load_word(bytes.data() + at) & detail::kHighBits) == 0) {
            at += sizeof(std::uint64_t);
            continue;
        }
        const std::size_t length = detail::utf8_sequence_length(bytes, at);
        if (length == 0) {
            return false;
        }
        at += length;
    }
    return true;
}

}  // namespace notify::protocol
