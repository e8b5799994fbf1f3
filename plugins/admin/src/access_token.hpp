// The bearer token that guards the admin endpoints. Compared through SHA-256 digests with
// CRYPTO_memcmp, so the time an answer takes says nothing about how much of a guess was right
// (nor about the token's length).
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace notify::admin {

class AccessToken {
  public:
    // An empty token lets every request in.
    explicit AccessToken(const std::string& token);

    bool required() const { return required_; }
    // `authorization`: the request's Authorization header value ("" when absent).
    bool admits(std::string_view authorization) const;

  private:
    using Digest = std::array<unsigned char, 32>;
    static Digest digest_of(std::string_view text);

    bool required_;
    Digest digest_{};
};

}  // namespace notify::admin
