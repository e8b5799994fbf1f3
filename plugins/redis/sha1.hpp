// SHA-1 of the Lua scripts, for EVALSHA (Redis names scripts by their SHA-1 in hex).
#pragma once

#include <string>
#include <string_view>

namespace notify::redis {

// 40 lowercase hex digits.
std::string sha1_hex(std::string_view data);

}  // namespace notify::redis
