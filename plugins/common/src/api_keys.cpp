#include <notify_plugin_common/api_keys.hpp>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace notify::plugin_common {
namespace {

bool blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view trim(std::string_view text) {
    while (!text.empty() && blank(text.front())) text.remove_prefix(1);
    while (!text.empty() && blank(text.back())) text.remove_suffix(1);
    return text;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    for (std::size_t i = 0; i < a.size(); ++i) {
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
    unsigned int length = 0;
    if (EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1 ||
        length != digest.size()) {
        throw std::runtime_error("SHA-256 failed");
    }
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

std::vector<std::string> parse_key_lines(std::string_view text) {
    std::vector<std::string> keys;
    while (!text.empty()) {
        const std::size_t end = text.find('\n');
        const std::string_view key = trim(text.substr(0, end));
        if (!key.empty() && key.front() != '#') keys.emplace_back(key);
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
    return keys;
}

bool read_key_file(const std::string& file, std::vector<std::string>& keys, std::string& why) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        why = std::strerror(errno);
        return false;
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        why = "read failed";
        return false;
    }
    const std::vector<std::string> found = parse_key_lines(text.str());
    if (found.empty()) {
        why = "holds no key";
        return false;
    }
    keys.insert(keys.end(), found.begin(), found.end());
    return true;
}

std::string describe_key_change(const ApiKeys& before, const ApiKeys& after) {
    if (before == after) return {};
    return "API keys replaced (" + std::to_string(before.size()) + " -> " +
           std::to_string(after.size()) + " keys)";
}

}  // namespace notify::plugin_common
