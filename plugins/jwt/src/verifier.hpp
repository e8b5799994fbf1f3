// Checks a token: its form, its header against the configured keys, its signature (libjwt for
// HS*, OpenSSL for the rest) and
// the registered claims every kind of token shares (exp, nbf, iat, iss, aud).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "settings.hpp"

namespace notify::jwt {

struct Verification {
    bool valid = false;
    bool expired = false;            // the token was good but its exp has passed
    std::string reason;              // why not valid, starting with "jwt: "
    std::int64_t expires_at_ms = 0;  // from exp, Unix ms; 0 when the token has no exp
    nlohmann::json claims;           // the verified payload, a JSON object, when valid
};

class Verifier {
  public:
    explicit Verifier(const Settings& settings) noexcept : settings_(settings) {}

    // Verifies `token` at `now_ms` (Unix ms). Never throws on hostile input.
    [[nodiscard]] Verification verify(std::string_view token, std::int64_t now_ms) const;

  private:
    const Settings& settings_;
};

}  // namespace notify::jwt
