// Keys and tokens for the jwt plugin tests, made with OpenSSL (keys; PS* and EdDSA signatures)
// and libjwt (the other signatures): no cryptography is written by hand here.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace notify::test::jwt_tokens {

// A key pair: the private PEM signs (libjwt), the public PEM file is what the plugin reads.
struct KeyPair {
    std::string private_pem;
    std::string public_pem;
    std::filesystem::path public_file;
};

// "RSA" with bits, or "EC" with a curve name ("P-256", "P-384"); the public PEM is written to
// `folder`/`file_name`.
KeyPair generate_rsa(int bits, const std::filesystem::path& folder, const std::string& file_name);
KeyPair generate_ec(const char* curve, const std::filesystem::path& folder,
                    const std::string& file_name);
// "ED25519" or "ED448".
KeyPair generate_ed(const char* type, const std::filesystem::path& folder,
                    const std::string& file_name);

// A signed token: header {"alg": alg, "typ": "JWT"}, payload `claims_json` (a JSON object).
// `key` is the HMAC secret for HS*, the private PEM for RS*/PS*/ES*/EdDSA, and must be empty for
// "none".
// With `kid`, the header names the key.
std::string sign(std::string_view alg, std::string_view key, const std::string& claims_json,
                 const std::string& kid = "");

// The public half of `pair` as a JSON Web Key object (RFC 7517/7518/8037): kty RSA, EC or OKP
// with its members, plus "kid" and "alg" when given.
std::string jwk_of(const KeyPair& pair, const std::string& kid, const std::string& alg = "");

// Unpadded base64url of `bytes`, for hand-assembled hostile tokens.
std::string base64url(std::string_view bytes);

}  // namespace notify::test::jwt_tokens
