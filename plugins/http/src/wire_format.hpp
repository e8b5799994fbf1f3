// The texts the http transport writes: JSON arrays of frames for long-polls, SSE events, and
// JSON error and session bodies.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace notify::http {

// `text` as a JSON string literal, quotes included.
std::string json_string(std::string_view text);

// `[f1,f2,...]`: the frames are JSON texts already, so they are joined, not re-encoded.
std::string json_array(const std::vector<std::string_view> &frames);

// `id: <seq>\ndata: <frame>\n\n`; a line break inside the frame (JSON whitespace) starts a new
// data line, which SSE joins back with '\n'.
void append_sse_frame(std::string &out, uint64_t seq, std::string_view frame);

// `event: <name>\ndata: <data>\n\n`.
void append_sse_event(std::string &out, std::string_view name, std::string_view data);

// The non-blank lines of a commands body, without their line ends: one command each.
std::vector<std::string_view> split_commands(std::string_view body);

// `{"code":C,"reason":"..."}`.
std::string close_body(uint16_t code, std::string_view reason);

// `{"error":"<message>"}`.
std::string error_body(std::string_view message);

}  // namespace notify::http
