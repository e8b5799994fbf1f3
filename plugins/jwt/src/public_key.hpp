// What a parsed public key verifies, and its PEM text (what libjwt reads), for keys from PEM
// files and from JSON Web Key Sets alike.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "settings.hpp"

namespace notify::jwt {

// A key the plugin cannot verify with; what() says why, without naming where it came from.
struct UnusableKey : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// RSA (at least 2048 bits), EC on P-256/P-384/P-521, Ed25519 or Ed448. Throws UnusableKey.
KeyKind kind_of(EVP_PKEY* key);

// "-----BEGIN PUBLIC KEY-----" text of `key`. Throws UnusableKey when OpenSSL cannot write it.
std::string public_pem_of(EVP_PKEY* key);

// Shares `key` (which the caller gives up) as VerifyKey::public_key does.
inline std::shared_ptr<EVP_PKEY> share_key(EVP_PKEY* key) {
    return std::shared_ptr<EVP_PKEY>{key, &EVP_PKEY_free};
}

}  // namespace notify::jwt
