#include "signature.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

namespace notify::webhook {

std::string sign(std::string_view secret, std::string_view body) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_len = 0;
    static const unsigned char empty = 0;
    const auto* data = body.empty() ? &empty : reinterpret_cast<const unsigned char*>(body.data());
    if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), data, body.size(),
             digest, &digest_len) == nullptr) {
        throw std::runtime_error{"HMAC-SHA256 failed"};
    }
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "sha256=";
    out.reserve(7 + 2 * digest_len);
    for (unsigned int i = 0; i < digest_len; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 0x0f];
    }
    return out;
}

}  // namespace notify::webhook
