#pragma once

#include <string>

#include <notify/protocol/json.hpp>

namespace notify::cli {

// One line of `notify-cli sub` output, newline included, keys in this order (the contract):
// {"topic":"chat","offset":7,"epoch":"…","data":"…"}  ("data_b64" for non-UTF-8 payloads)
std::string format_message_line(const protocol::MessagePush& message);

}  // namespace notify::cli
