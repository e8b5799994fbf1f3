#include "message_line.hpp"

namespace notify::cli {

std::string format_message_line(const protocol::MessagePush& message) {
    std::string line;
    line.reserve(64 + message.topic.size() + message.epoch.size() + message.data.size() * 2);
    line += "{\"topic\":";
    protocol::append_json_string(line, message.topic);
    line += ",\"offset\":";
    line += std::to_string(message.offset);
    line += ",\"epoch\":";
    protocol::append_json_string(line, message.epoch);
    line += ',';
    protocol::append_payload_field(line, message.data);
    line += "}\n";
    return line;
}

}  // namespace notify::cli
