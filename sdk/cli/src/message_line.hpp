#pragma once

#include <string>
#include <string_view>

#include <notify/protocol/json.hpp>

namespace notify::cli {

// One line of `notify-cli sub` output, newline included, keys in this order (the contract):
// {"topic":"chat","offset":7,"epoch":"…","data":"…"}  ("data_b64" for non-UTF-8 payloads)
std::string format_message_line(const protocol::MessagePush& message);

// One line of `notify-cli presence` output, newline included:
// {"client":"…","user":"…","info":{…}}  ("info" only when the client has one)
std::string format_client_line(const protocol::ClientInfo& who);

// One join or leave line of `notify-cli sub --join-leave` (`kind` "join" or "leave"):
// {"join":{"topic":"…","client":"…","user":"…","info":{…}}}
std::string format_presence_change_line(std::string_view kind, std::string_view topic,
                                        const protocol::ClientInfo& who);

}  // namespace notify::cli
