// Shared by the binary encoding tests: frames written as hex, and one value of every kind.
#pragma once

#include <notify/protocol/binary.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace notify::protocol::testing {

// "01 0a ff" -> the bytes 01 0A FF; spaces and newlines are skipped.
std::string from_hex(std::string_view hex);
std::string to_hex(std::string_view bytes);
std::string all_byte_values();

// Every command kind, with optional fields both present and absent.
std::vector<Command> sample_commands();
// Every server frame kind: connect, empty, publish and error replies, every push kind.
std::vector<ServerFrame> sample_server_frames();
// Replies with the fields of recovery and resumption: subscribe positions (with and without
// recovered), resumed connects (with and without overflow), and one reply holding every field.
std::vector<Reply> sample_recovery_replies();

}  // namespace notify::protocol::testing
