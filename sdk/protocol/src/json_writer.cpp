#include "json_writer.hpp"

#include "base64_codec.hpp"
#include "utf8_sequence.hpp"

#include <notify/protocol/json.hpp>

#include <charconv>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace notify::protocol {

namespace {

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::string_view kDataKey = "\"data\":";
constexpr std::string_view kDataBase64Key = "\"data_b64\":";

// Nonzero when some byte of `word` needs attention: below 0x20, '"', '\\', or non-ASCII.
constexpr std::uint64_t special_bytes(std::uint64_t word) {
    using detail::has_zero_byte;
    using detail::kHighBits;
    using detail::kLowBits;
    const std::uint64_t below_space = (word - kLowBits * 0x20U) & ~word & kHighBits;
    return below_space | has_zero_byte(word ^ (kLowBits * '"')) |
           has_zero_byte(word ^ (kLowBits * '\\')) | (word & kHighBits);
}

bool is_plain_ascii(unsigned char byte) {
    return byte >= 0x20U && byte < 0x80U && byte != '"' && byte != '\\';
}

constexpr std::size_t kPlainBlockSize = 16;

#if defined(__SSE2__)
// Whether the 16 bytes at `bytes` are all plain. A signed compare flags bytes below 0x20 and,
// being negative, every byte from 0x80 up.
bool is_plain_block(const char* bytes) {
    const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes));
    const __m128i special = _mm_or_si128(
        _mm_cmplt_epi8(block, _mm_set1_epi8(0x20)),
        _mm_or_si128(_mm_cmpeq_epi8(block, _mm_set1_epi8('"')),
                     _mm_cmpeq_epi8(block, _mm_set1_epi8('\\'))));
    return _mm_movemask_epi8(special) == 0;
}
#else
bool is_plain_block(const char* bytes) {
    return (special_bytes(detail::load_word(bytes)) |
            special_bytes(detail::load_word(bytes + 8))) == 0;
}
#endif

// Length of the prefix of text[at..] that is copied verbatim (printable ASCII but '"' and '\\').
std::size_t plain_run(std::string_view text, std::size_t at) {
    const std::size_t start = at;
    while (text.size() - at >= kPlainBlockSize && is_plain_block(text.data() + at)) {
        at += kPlainBlockSize;
    }
    while (text.size() - at >= sizeof(std::uint64_t) &&
           special_bytes(detail::load_word(text.data() + at)) == 0) {
        at += sizeof(std::uint64_t);
    }
    while (at < text.size() && is_plain_ascii(static_cast<unsigned char>(text[at]))) {
        ++at;
    }
    return at - start;
}

// The escape of one ASCII byte that is not plain: "\n", "\"", "\u001f", ...
std::size_t escape_ascii(unsigned char byte, char (&escape)[6]) {
    escape[0] = '\\';
    switch (byte) {
        case '"': escape[1] = '"'; return 2;
        case '\\': escape[1] = '\\'; return 2;
        case '\b': escape[1] = 'b'; return 2;
        case '\f': escape[1] = 'f'; return 2;
        case '\n': escape[1] = 'n'; return 2;
        case '\r': escape[1] = 'r'; return 2;
        case '\t': escape[1] = 't'; return 2;
        default: {
            constexpr std::string_view kHex = "0123456789abcdef";
            escape[1] = 'u';
            escape[2] = '0';
            escape[3] = '0';
            escape[4] = kHex[byte >> 4U];
            escape[5] = kHex[byte & 0xFU];
            return 6;
        }
    }
}

enum class OnInvalidUtf8 { replace, stop };

// Walks `text` once, handing each piece to `emit`: a verbatim run of bytes, or the replacement
// for one byte (its escape, or U+FFFD for a byte that does not start valid UTF-8). Returns
// whether `text` is valid UTF-8; with OnInvalidUtf8::stop it returns at the first invalid byte.
template <OnInvalidUtf8 on_invalid = OnInvalidUtf8::replace, typename Emit>
bool walk_json_string(std::string_view text, Emit&& emit) {
    bool valid_utf8 = true;
    std::size_t run_start = 0;
    std::size_t at = 0;
    while (at < text.size()) {
        at += plain_run(text, at);
        if (at == text.size()) {
            break;
        }
        const auto byte = static_cast<unsigned char>(text[at]);
        if (byte >= 0x80U) {
            const std::size_t length = detail::utf8_sequence_length(text, at);
            if (length != 0) {
                at += length;
                continue;
            }
            valid_utf8 = false;
            if constexpr (on_invalid == OnInvalidUtf8::stop) {
                return false;
            }
            emit(text.substr(run_start, at - run_start));
            emit(kReplacementCharacter);
        } else {
            char escape[6];
            const std::size_t escape_size = escape_ascii(byte, escape);
            emit(text.substr(run_start, at - run_start));
            emit(std::string_view(escape, escape_size));
        }
        ++at;
        run_start = at;
    }
    emit(text.substr(run_start));
    return valid_utf8;
}

}  // namespace

namespace detail {

JsonStringScan scan_json_string(std::string_view text) {
    JsonStringScan scan;
    scan.quoted_size = 2;
    scan.valid_utf8 =
        walk_json_string(text, [&](std::string_view piece) { scan.quoted_size += piece.size(); });
    return scan;
}

JsonStringScan scan_payload(std::string_view payload) {
    JsonStringScan scan;
    scan.quoted_size = 2;
    scan.valid_utf8 = walk_json_string<OnInvalidUtf8::stop>(
        payload, [&](std::string_view piece) { scan.quoted_size += piece.size(); });
    return scan;
}

std::size_t payload_field_size(std::string_view payload, const JsonStringScan& scan) {
    if (scan.valid_utf8) {
        return kDataKey.size() + scan.quoted_size;
    }
    return kDataBase64Key.size() + 2 + base64_encoded_size(payload.size());
}

void append_payload_field_scanned(std::string& out, std::string_view payload,
                                  const JsonStringScan& scan) {
    if (scan.valid_utf8) {
        out += kDataKey;
        write_json_string(out, payload, scan);
        return;
    }
    out += kDataBase64Key;
    out += '"';
    append_base64(out, payload);
    out += '"';
}

void write_json_string(std::string& out, std::string_view text, const JsonStringScan& scan) {
    if (scan.quoted_size == text.size() + 2) {
        // Escapes and replacements only ever grow the text: this one is copied verbatim.
        out += '"';
        out += text;
        out += '"';
        return;
    }
    write_json_string(out, text);
}

void write_json_string(std::string& out, std::string_view text) {
    out += '"';
    walk_json_string(text, [&](std::string_view piece) { out += piece; });
    out += '"';
}

void append_uint(std::string& out, std::uint64_t value) {
    char digits[kMaxUint64Digits];
    const auto result = std::to_chars(digits, digits + sizeof digits, value);
    out.append(digits, result.ptr);
}

}  // namespace detail

void append_json_string(std::string& out, std::string_view utf8) {
    // Plain text (the common case) is exactly its size plus quotes; anything else is measured
    // first so the string still grows only once.
    if (plain_run(utf8, 0) == utf8.size()) {
        out.reserve(out.size() + utf8.size() + 2);
        out += '"';
        out += utf8;
        out += '"';
        return;
    }
    out.reserve(out.size() + detail::scan_json_string(utf8).quoted_size);
    detail::write_json_string(out, utf8);
}

void append_payload_field(std::string& out, std::string_view payload) {
    const detail::JsonStringScan scan = detail::scan_payload(payload);
    out.reserve(out.size() + detail::payload_field_size(payload, scan));
    detail::append_payload_field_scanned(out, payload, scan);
}

}  // namespace notify::protocol
