#include "base64url.hpp"

#include <openssl/evp.h>

#include <algorithm>

namespace notify::jwt {

bool is_base64url(std::string_view text) noexcept {
    return std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_';
    });
}

// Through OpenSSL's base64 decoder: only the alphabet's two characters and the padding differ.
std::optional<std::string> base64url_decode(std::string_view text) {
    if (!is_base64url(text) || text.size() % 4 == 1) return std::nullopt;
    std::string standard{text};
    std::replace(standard.begin(), standard.end(), '-', '+');
    std::replace(standard.begin(), standard.end(), '_', '/');
    const std::size_t padding = (4 - standard.size() % 4) % 4;
    standard.append(padding, '=');
    std::string decoded(standard.size() / 4 * 3, '\0');
    const int written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                                        reinterpret_cast<const unsigned char*>(standard.data()),
                                        static_cast<int>(standard.size()));
    if (written < 0 || static_cast<std::size_t>(written) < padding) return std::nullopt;
    decoded.resize(static_cast<std::size_t>(written) - padding);
    return decoded;
}

}  // namespace notify::jwt
