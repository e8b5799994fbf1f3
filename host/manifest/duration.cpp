#include <charconv>
#include <cstdint>
#include <limits>
#include <string_view>

#include "manifest.hpp"

namespace notify::host {

std::int64_t parse_duration_ms(std::string_view text) {
    std::int64_t count = 0;
    const char* const begin = text.data();
    const char* const end = text.data() + text.size();
    const auto [number_end, error] = std::from_chars(begin, end, count);
    if (error != std::errc{} || number_end == begin || count < 0 || *begin == '-') {
        return -1;
    }
    const std::string_view unit(number_end, static_cast<std::size_t>(end - number_end));
    std::int64_t unit_ms = 0;
    if (unit == "ms") {
        unit_ms = 1;
    } else if (unit == "s") {
        unit_ms = 1'000;
    } else if (unit == "m") {
        unit_ms = 60'000;
    } else if (unit == "h") {
        unit_ms = 3'600'000;
    } else if (unit == "d") {
        unit_ms = 86'400'000;
    } else {
        return -1;
    }
    if (count > std::numeric_limits<std::int64_t>::max() / unit_ms) {
        return -1;
    }
    return count * unit_ms;
}

}  // namespace notify::host
