// Base64 pieces the encoders use to size and write "data_b64" in place.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace notify::protocol::detail {

constexpr std::size_t base64_encoded_size(std::size_t byte_count) {
    return (byte_count + 2) / 3 * 4;
}

// Appends the standard, padded encoding of `bytes`.
void append_base64(std::string& out, std::string_view bytes);

}  // namespace notify::protocol::detail
