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

namespace {

// "client":"…","user":"…" and ,"info":{…} when there is one. The decoders hand info on as the
// compact text of a JSON object, so it goes out as it is.
void append_client(std::string& line, const protocol::ClientInfo& who) {
    line += "\"client\":";
    protocol::append_json_string(line, who.client);
    line += ",\"user\":";
    protocol::append_json_string(line, who.user);
    if (!who.info.empty()) {
        line += ",\"info\":";
        line += who.info;
    }
}

}  // namespace

std::string format_client_line(const protocol::ClientInfo& who) {
    std::string line = "{";
    append_client(line, who);
    line += "}\n";
    return line;
}

std::string format_presence_change_line(std::string_view kind, std::string_view topic,
                                        const protocol::ClientInfo& who) {
    std::string line = "{";
    protocol::append_json_string(line, kind);
    line += ":{\"topic\":";
    protocol::append_json_string(line, topic);
    line += ',';
    append_client(line, who);
    line += "}}\n";
    return line;
}

}  // namespace notify::cli
