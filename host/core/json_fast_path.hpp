// A fast decoder for the JSON commands a busy connection sends most: publish, ack, send and
// ping in their plain form. It reads them with simdjson on the core thread instead of building
// nlohmann's document tree, which was a third of notifyd's CPU time under a publish load.
//
// It never decides what is wrong with a frame: anything outside the plain form (another
// command, a null or unknown member, a duplicate key, data_b64, an invalid topic, a zero or
// negative number, any JSON or UTF-8 error, a frame above kFastPathMaxFrame) gives nullopt,
// and the caller decodes the frame with protocol::decode_command, whose answer — the command
// or the error message — is then the protocol's. For every frame it accepts, the command is
// exactly what protocol::decode_command returns (tests/core/json_fast_path_test.cpp compares
// the two on valid and hostile frames).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "notify/protocol/json.hpp"

namespace notify::core {

// Larger frames are rare and gain little; the parser keeps buffers of the largest frame seen.
inline constexpr std::size_t kFastPathMaxFrame = 64 * 1024;

// Callable on any thread: each thread keeps its own parser.
std::optional<protocol::Command> decode_plain_json_command(std::string_view frame);

}  // namespace notify::core
