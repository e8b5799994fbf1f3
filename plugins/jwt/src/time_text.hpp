// Times as text: RFC 3339 in and out, for the manifest and for reasons shown to clients.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace notify::jwt {

// "2026-12-01T00:00:00Z", "2026-12-01T01:00:00.5+01:00" (an RFC 3339 date-time), or a string
// of decimal digits (Unix seconds), as Unix milliseconds; nullopt for anything else.
std::optional<std::int64_t> parse_time_ms(std::string_view text);

// Unix milliseconds as "2026-12-01T00:00:00Z" (UTC, whole seconds).
std::string format_time_ms(std::int64_t unix_ms);

}  // namespace notify::jwt
