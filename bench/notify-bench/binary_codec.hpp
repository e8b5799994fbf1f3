// The few frames of notify.binary.v1 (docs/protocol.md §12) that notify-bench sends and reads,
// written by hand: connect, subscribe, publish, ack out; result, error and pushes in. Encoders
// append to a caller's buffer (no allocation once it has grown); the decoder reads in place.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace notify::bench::binary {

enum Type : std::uint8_t {
    connect = 0x01,
    subscribe = 0x02,
    publish = 0x04,
    ack = 0x07,
    result = 0x40,
    error = 0x41,
    message_push = 0x80,
    disconnect_push = 0x81,
};

// Unsigned LEB128, shortest form.
inline void put_varint(std::string& out, std::uint64_t value) {
    char bytes[10];
    std::size_t size = 0;
    while (value >= 0x80) {
        bytes[size++] = static_cast<char>(static_cast<std::uint8_t>(value) | 0x80);
        value >>= 7;
    }
    bytes[size++] = static_cast<char>(value);
    out.append(bytes, size);
}

// `string` and `bytes` alike: varint length, then the bytes.
inline void put_bytes(std::string& out, std::string_view bytes) {
    put_varint(out, bytes.size());
    out.append(bytes);
}

// connect id, version 1, no optional field (anonymous).
void write_connect(std::string& out, std::uint64_t id, std::string_view token = {});
// subscribe id, no since, no token.
void write_subscribe(std::string& out, std::uint64_t id, std::string_view topic);
// publish id, topics [topic], no clients, no users, data = payload.
void write_publish(std::string& out, std::uint64_t id, std::string_view topic, std::string_view payload);
// ack id, topic, offset (cumulative: everything of topic up to offset).
void write_ack(std::string& out, std::uint64_t id, std::string_view topic, std::uint64_t offset);

// One server frame, decoded as far as notify-bench needs it.
struct ServerFrame {
    enum class Kind { result, error, message, disconnect, other_push, malformed };
    Kind kind = Kind::malformed;
    std::uint8_t type = 0;
    std::uint64_t id = 0;       // result, error
    std::uint64_t code = 0;     // error, disconnect
    std::string_view text;      // error message, disconnect reason, or what is malformed
    std::string_view topic;     // message
    std::uint64_t offset = 0;   // message
    std::string_view data;      // message payload
};

// Results are read up to their id only (the rest is not needed); unknown trailing bytes are
// ignored as the protocol asks. Views point into `frame`.
ServerFrame read_server_frame(std::string_view frame);

}  // namespace notify::bench::binary
