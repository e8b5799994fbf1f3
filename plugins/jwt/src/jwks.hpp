// JSON Web Key Sets (RFC 7517; key types of RFC 7518 section 6 and RFC 8037): the
// verification keys a `jwks_file` holds, turned into the keys the verifier tries.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "settings.hpp"

namespace notify::jwt {

// The set cannot be used; what() names the key (by position and kid) and what is wrong.
struct JwksError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct JwksKeys {
    std::vector<VerifyKey> keys;
    // Keys left out as RFC 7517 asks of a key type or use one does not understand (kty
    // "X25519", use "enc", a curve not supported...), one line each, for a warning.
    std::vector<std::string> skipped;
};

// The most keys a set may hold: every key of a token's kind may be tried when it has no kid.
inline constexpr std::size_t max_jwks_keys = 64;

// Parses `text`, a JWK Set ({"keys": [...]}). RSA, EC (P-256/384/521) and OKP (Ed25519/Ed448)
// public keys and oct (HMAC) secrets are kept; a malformed key of a known type is an error.
// Throws JwksError.
JwksKeys parse_jwks(std::string_view text);

}  // namespace notify::jwt
