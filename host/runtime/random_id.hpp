// Unguessable identifiers for clients and resume tokens.
#pragma once

#include <cstddef>
#include <string>

namespace notify::runtime {

// `hex_chars` lowercase hex digits from the kernel's CSPRNG (std::random_device if unavailable).
std::string random_hex(std::size_t hex_chars);

}  // namespace notify::runtime
