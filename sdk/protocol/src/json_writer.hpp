// Encode-side building blocks: every encoder measures its output, reserves once, then appends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace notify::protocol::detail {

inline constexpr std::size_t kMaxUint64Digits = 20;

struct JsonStringScan {
    std::size_t quoted_size = 0;  // bytes append_json_string writes, quotes included
    bool valid_utf8 = true;       // false: invalid bytes would be written as U+FFFD
};

// One pass over `text` deciding the escaped size and whether it is valid UTF-8.
JsonStringScan scan_json_string(std::string_view text);

// As scan_json_string, but stops at the first invalid byte: a payload that is not UTF-8 goes
// out as base64, so its escaped size does not matter.
JsonStringScan scan_payload(std::string_view payload);

// append_json_string without the reserve, for callers that reserved for the whole frame.
void write_json_string(std::string& out, std::string_view text);
// The same, reusing the scan of `text` to copy it in one step when nothing needs escaping.
void write_json_string(std::string& out, std::string_view text, const JsonStringScan& scan);

// The size append_payload_field writes for `payload`, given its scan_payload.
std::size_t payload_field_size(std::string_view payload, const JsonStringScan& scan);

// append_payload_field with the scan already done (encode_message_push scans before reserving).
void append_payload_field_scanned(std::string& out, std::string_view payload,
                                  const JsonStringScan& scan);

void append_uint(std::string& out, std::uint64_t value);

}  // namespace notify::protocol::detail
