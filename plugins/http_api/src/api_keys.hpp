// The accepted API keys, kept only as SHA-256 digests and compared in constant time.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace notify::http_api {

class ApiKeys {
public:
    explicit ApiKeys(const std::vector<std::string>& keys);

    // True when no key is configured (insecure mode): every request is let in.
    bool open() const noexcept { return digests_.empty(); }

    // True when `presented` is one of the keys. Digests hide the keys' lengths and every digest
    // is compared whatever the earlier ones gave, so the time says nothing about the keys.
    // THREAD: any.
    bool accepts(std::string_view presented) const;

private:
    using Digest = std::array<unsigned char, 32>;
    static Digest digest_of(std::string_view text);

    std::vector<Digest> digests_;
};

// The key of an "Authorization: apikey KEY" header value (scheme case-insensitive), or "" when
// the header does not have that form.
std::string_view key_of_authorization(std::string_view header);

// Appends the keys of `file` (one per line; blank lines, surrounding whitespace and # comments
// ignored) to `keys`. False with `why` filled when it cannot be read or holds no key.
bool read_key_file(const std::string& file, std::vector<std::string>& keys, std::string& why);

}  // namespace notify::http_api
