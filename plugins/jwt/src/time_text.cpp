#include "time_text.hpp"

#include <charconv>
#include <ctime>

namespace notify::jwt {
namespace {

// Reads exactly `digits` decimal digits at text[pos], advancing pos.
std::optional<int> read_digits(std::string_view text, std::size_t& pos, std::size_t digits) {
    if (pos + digits > text.size()) return std::nullopt;
    int value = 0;
    const char* first = text.data() + pos;
    const auto [end, ec] = std::from_chars(first, first + digits, value);
    if (ec != std::errc{} || end != first + digits) return std::nullopt;
    pos += digits;
    return value;
}

bool expect(std::string_view text, std::size_t& pos, std::string_view accepted) {
    if (pos >= text.size() || accepted.find(text[pos]) == std::string_view::npos) return false;
    ++pos;
    return true;
}

std::optional<std::int64_t> parse_unix_seconds(std::string_view text) {
    std::int64_t seconds = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (ec != std::errc{} || end != text.data() + text.size() || seconds < 0 ||
        seconds > 253'402'300'799) {
        return std::nullopt;
    }
    return seconds * 1000;
}

}  // namespace

std::optional<std::int64_t> parse_time_ms(std::string_view text) {
    if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos) {
        return parse_unix_seconds(text);
    }
    std::size_t pos = 0;
    const auto year = read_digits(text, pos, 4);
    if (!year || !expect(text, pos, "-")) return std::nullopt;
    const auto month = read_digits(text, pos, 2);
    if (!month || !expect(text, pos, "-")) return std::nullopt;
    const auto day = read_digits(text, pos, 2);
    if (!day || !expect(text, pos, "Tt ")) return std::nullopt;
    const auto hour = read_digits(text, pos, 2);
    if (!hour || !expect(text, pos, ":")) return std::nullopt;
    const auto minute = read_digits(text, pos, 2);
    if (!minute || !expect(text, pos, ":")) return std::nullopt;
    const auto second = read_digits(text, pos, 2);
    if (!second) return std::nullopt;
    if (*month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 ||
        *second > 60) {
        return std::nullopt;
    }
    std::int64_t millis = 0;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        const std::size_t first_digit = pos;
        std::int64_t scale = 100;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            millis += (text[pos] - '0') * scale;
            scale /= 10;
            ++pos;
        }
        if (pos == first_digit) return std::nullopt;
    }
    std::int64_t offset_minutes = 0;
    if (expect(text, pos, "Zz")) {
        offset_minutes = 0;
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
        const bool negative = text[pos] == '-';
        ++pos;
        const auto offset_hour = read_digits(text, pos, 2);
        if (!offset_hour || !expect(text, pos, ":")) return std::nullopt;
        const auto offset_minute = read_digits(text, pos, 2);
        if (!offset_minute || *offset_hour > 23 || *offset_minute > 59) return std::nullopt;
        offset_minutes = (*offset_hour * 60 + *offset_minute) * (negative ? -1 : 1);
    } else {
        return std::nullopt;
    }
    if (pos != text.size()) return std::nullopt;

    std::tm fields{};
    fields.tm_year = *year - 1900;
    fields.tm_mon = *month - 1;
    fields.tm_mday = *day;
    fields.tm_hour = *hour;
    fields.tm_min = *minute;
    fields.tm_sec = *second;
    const std::time_t utc = timegm(&fields);
    if (fields.tm_mday != *day) return std::nullopt;  // 2026-02-31 normalizes to March
    return (static_cast<std::int64_t>(utc) - offset_minutes * 60) * 1000 + millis;
}

std::string format_time_ms(std::int64_t unix_ms) {
    std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
    if (unix_ms < 0 && unix_ms % 1000 != 0) --seconds;
    std::tm fields{};
    if (gmtime_r(&seconds, &fields) == nullptr) return std::to_string(unix_ms / 1000) + " (Unix)";
    char text[64];
    const std::size_t len = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &fields);
    return len == 0 ? std::to_string(unix_ms / 1000) + " (Unix)" : std::string{text, len};
}

}  // namespace notify::jwt
