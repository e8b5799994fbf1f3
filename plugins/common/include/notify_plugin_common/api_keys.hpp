// The accepted API keys of a server API plugin, kept only as SHA-256 digests and compared in
// constant time; and how keys are presented and listed in key files.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace notify::plugin_common {

class ApiKeys {
  public:
    // No keys: every request is let in (the plugins' insecure setting).
    explicit ApiKeys(const std::vector<std::string>& keys);

    // True when no key is configured.
    bool open() const noexcept { return digests_.empty(); }
    std::size_t size() const noexcept { return digests_.size(); }

    // True when `presented` (the bare key) is one of the keys. Digests hide the keys' lengths
    // and every digest is compared whatever the earlier ones gave, so the time says nothing
    // about the keys. THREAD: any.
    bool accepts(std::string_view presented) const;

    // The same keys in the same order (compares digests: for reload summaries).
    bool operator==(const ApiKeys& other) const noexcept { return digests_ == other.digests_; }

  private:
    using Digest = std::array<unsigned char, 32>;
    static Digest digest_of(std::string_view text);

    std::vector<Digest> digests_;
};

// The key of an "apikey KEY" authorization value (scheme in any case, blanks around the key
// ignored), or "" when the value does not have that form.
std::string_view key_of_authorization(std::string_view header);

// The keys of a key file's text: one per line, surrounding blanks trimmed, empty lines and lines
// starting with # skipped.
std::vector<std::string> parse_key_lines(std::string_view text);

// Appends the keys of `file` (parse_key_lines) to `keys`. False with `why` filled when it cannot
// be read or holds no key.
bool read_key_file(const std::string& file, std::vector<std::string>& keys, std::string& why);

// "API keys replaced (1 -> 2 keys)", or "" when the same keys are configured.
std::string describe_key_change(const ApiKeys& before, const ApiKeys& after);

}  // namespace notify::plugin_common
