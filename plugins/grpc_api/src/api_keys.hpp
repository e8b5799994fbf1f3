// The API keys a call may present (`authorization: apikey KEY`), compared in constant time.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace notify::grpc_api {

class ApiKeys {
public:
    // No keys: every call is let in (the insecure setting).
    explicit ApiKeys(const std::vector<std::string>& keys);

    bool required() const noexcept { return !digests_.empty(); }
    // True when `header` (an authorization metadata value) is "apikey KEY" with a known KEY
    // (the scheme in any case). The time taken depends neither on which key matched nor on
    // how much of one did: SHA-256 digests are compared with CRYPTO_memcmp, all of them.
    bool accepts(std::string_view header) const;

private:
    using Digest = std::array<unsigned char, 32>;
    static Digest digest(std::string_view text);

    std::vector<Digest> digests_;
};

}  // namespace notify::grpc_api
