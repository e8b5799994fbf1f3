// A stream position as notify-cli's arguments and stderr lines write it: OFFSET[:EPOCH]
// (README.md, `sub --since`). The same text a script reads from a message line or from the
// "now at" part of a not-recovered line can be given back to --since.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <notify/protocol/json.hpp>

namespace notify::cli {

// OFFSET is decimal digits (no sign) fitting 64 bits; EPOCH, when the colon is there, is the
// non-empty rest of the text (an omitted epoch stays empty: "trust the current epoch").
// nullopt for anything else.
std::optional<protocol::Position> parse_stream_position(std::string_view text);
// OFFSET, or OFFSET:EPOCH when the epoch is not empty.
std::string format_stream_position(const protocol::Position& position);

}  // namespace notify::cli
