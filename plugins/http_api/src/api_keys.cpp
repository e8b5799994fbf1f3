#include "api_keys.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cerrno>
#include <cstring>
#include <fstream>

namespace notify::http_api {
namespace {

std::string_view trim(std::string_view text) {
    const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!text.empty() && blank(text.front())) text.remove_prefix(1);
    while (!text.empty() && blank(text.back())) text.remove_suffix(1);
    return text;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

}  // namespace

ApiKeys::ApiKeys(const std::vector<std::string>& keys) {
    digests_.reserve(keys.size());
    for (const std::string& key : keys) digests_.push_back(digest_of(key));
}

ApiKeys::Digest ApiKeys::digest_of(std::string_view text) {
    Digest digest{};
    SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
    return digest;
}

bool ApiKeys::accepts(std::string_view presented) const {
    if (presented.empty()) return false;
    const Digest candidate = digest_of(presented);
    int matches = 0;
    for (const Digest& digest : digests_) {
        matches |= CRYPTO_memcmp(digest.data(), candidate.data(), digest.size()) == 0 ? 1 : 0;
    }
    return matches != 0;
}

std::string_view key_of_authorization(std::string_view header) {
    header = trim(header);
    const std::size_t space = header.find_first_of(" \t");
    if (space == std::string_view::npos) return {};
    if (!equals_ignoring_case(header.substr(0, space), "apikey")) return {};
    return trim(header.substr(space));
}

bool read_key_file(const std::string& file, std::vector<std::string>& keys, std::string& why) {
    std::ifstream in(file);
    if (!in) {
        why = std::strerror(errno);
        return false;
    }
    std::size_t found = 0;
    for (std::string line; std::getline(in, line);) {
        const std::string_view key = trim(line);
        if (key.empty() || key.front() == '#') continue;
        keys.emplace_back(key);
        ++found;
    }
    if (in.bad()) {
        why = "read failed";
        return false;
    }
    if (found == 0) {
        why = "holds no key";
        return false;
    }
    return true;
}

}  // namespace notify::http_api
