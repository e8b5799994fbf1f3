#include "sha1.hpp"

#include <openssl/evp.h>

#include <array>
#include <stdexcept>

namespace notify::redis {

std::string sha1_hex(std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    if (EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_sha1(), nullptr) != 1) {
        throw std::runtime_error("SHA-1 digest failed (OpenSSL)");
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(std::size_t{size} * 2);
    for (unsigned int index = 0; index < size; ++index) {
        hex += kHex[digest[index] >> 4U];
        hex += kHex[digest[index] & 0x0FU];
    }
    return hex;
}

}  // namespace notify::redis
