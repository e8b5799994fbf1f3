#include "stream_position.hpp"

#include <charconv>

namespace notify::cli {

std::optional<protocol::Position> parse_stream_position(std::string_view text) {
    const auto colon = text.find(':');
    const std::string_view offset_text = text.substr(0, colon);
    // from_chars alone would accept a leading '-' for unsigned types on some libraries and
    // stops at the first non-digit, so the digits are checked first.
    if (offset_text.empty() ||
        offset_text.find_first_not_of("0123456789") != std::string_view::npos) {
        return std::nullopt;
    }
    protocol::Position position;
    const auto [end, error] =
        std::from_chars(offset_text.data(), offset_text.data() + offset_text.size(),
                        position.offset);
    if (error != std::errc{} || end != offset_text.data() + offset_text.size()) {
        return std::nullopt;
    }
    if (colon != std::string_view::npos) {
        position.epoch = std::string(text.substr(colon + 1));
        if (position.epoch.empty()) return std::nullopt;
    }
    return position;
}

std::string format_stream_position(const protocol::Position& position) {
    std::string text = std::to_string(position.offset);
    if (!position.epoch.empty()) text += ":" + position.epoch;
    return text;
}

}  // namespace notify::cli
