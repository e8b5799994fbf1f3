// Base64 (RFC 4648, standard alphabet, padded) and a strict UTF-8 check: how the server API's
// JSON carries payload bytes (`data` when valid UTF-8, else `data_b64`).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace notify::api_grpc {

std::string base64_encode(std::string_view bytes);
// nullopt when `text` is not padded standard base64.
std::optional<std::string> base64_decode(std::string_view text);
// Well-formed UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view text) noexcept;

}  // namespace notify::api_grpc
