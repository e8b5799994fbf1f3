// Unpadded base64url (RFC 7515 section 2), as tokens and JSON Web Keys carry binary values.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace notify::jwt {

// True when every character of `text` is of the base64url alphabet (no padding).
bool is_base64url(std::string_view text) noexcept;

// The bytes `text` encodes; nullopt when it is not unpadded base64url.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace notify::jwt
