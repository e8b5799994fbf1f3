#include "api_keys.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cctype>
#include <stdexcept>

namespace notify::grpc_api {
namespace {

constexpr std::string_view kScheme = "apikey ";

bool starts_with_scheme(std::string_view header) {
    if (header.size() < kScheme.size()) return false;
    for (std::size_t i = 0; i < kScheme.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) return false;
    }
    return true;
}

}  // namespace

ApiKeys::ApiKeys(const std::vector<std::string>& keys) {
    digests_.reserve(keys.size());
    for (const std::string& key : keys) digests_.push_back(digest(key));
}

ApiKeys::Digest ApiKeys::digest(std::string_view text) {
    Digest out{};
    unsigned int length = 0;
    if (EVP_Digest(text.data(), text.size(), out.data(), &length, EVP_sha256(), nullptr) != 1 ||
        length != out.size()) {
        throw std::runtime_error("SHA-256 failed");
    }
    return out;
}

bool ApiKeys::accepts(std::string_view header) const {
    if (!starts_with_scheme(header)) return false;
    std::string_view key = header.substr(kScheme.size());
    while (!key.empty() && key.front() == ' ') key.remove_prefix(1);
    while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
    if (key.empty()) return false;
    const Digest presented = digest(key);
    int matched = 0;
    for (const Digest& known : digests_) {
        matched |= CRYPTO_memcmp(presented.data(), known.data(), presented.size()) == 0 ? 1 : 0;
    }
    return matched != 0;
}

}  // namespace notify::grpc_api
