#include "access_token.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace notify::admin {
namespace {

constexpr std::string_view scheme = "bearer ";

bool starts_with_scheme(std::string_view header) {
    if (header.size() < scheme.size()) return false;
    for (std::size_t i = 0; i < scheme.size(); ++i) {
        const char c = header[i];
        const char lower = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
        if (lower != scheme[i]) return false;
    }
    return true;
}

}  // namespace

AccessToken::AccessToken(const std::string& token) : required_(!token.empty()) {
    if (required_) digest_ = digest_of(token);
}

AccessToken::Digest AccessToken::digest_of(std::string_view text) {
    Digest digest{};
    SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
    return digest;
}

bool AccessToken::admits(std::string_view authorization) const {
    if (!required_) return true;
    if (!starts_with_scheme(authorization)) return false;
    std::string_view presented = authorization.substr(scheme.size());
    while (!presented.empty() && presented.front() == ' ') presented.remove_prefix(1);
    while (!presented.empty() && presented.back() == ' ') presented.remove_suffix(1);
    if (presented.empty()) return false;
    const Digest candidate = digest_of(presented);
    return CRYPTO_memcmp(candidate.data(), digest_.data(), digest_.size()) == 0;
}

}  // namespace notify::admin
