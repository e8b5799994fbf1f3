// X-Notify-Signature: the HMAC-SHA256 of the exact request body, in lowercase hex.
#pragma once

#include <string>
#include <string_view>

namespace notify::webhook {

// "sha256=<64 hex digits>" (OpenSSL's HMAC with EVP_sha256). Throws std::runtime_error if
// OpenSSL fails (it does not for SHA-256 on a working library).
std::string sign(std::string_view secret, std::string_view body);

}  // namespace notify::webhook
