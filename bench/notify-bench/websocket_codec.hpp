// The client side of RFC 6455, as much as a benchmark needs: the upgrade request, masked frames
// out, unmasked frames in (with pings answered and fragments refused).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace notify::bench {

void write_upgrade_request(std::string& out, std::string_view host, std::string_view path,
                           std::string_view subprotocol);

// Length of a complete HTTP response head in `in` (through the blank line), 0 if incomplete.
std::size_t upgrade_response_size(std::string_view in);
bool upgrade_accepted(std::string_view response_head);
// The value of the response's Sec-WebSocket-Protocol header, empty when there is none.
std::string_view accepted_subprotocol(std::string_view response_head);

enum class WsOpcode : std::uint8_t { continuation = 0, text = 1, binary = 2, close = 8, ping = 9, pong = 10 };

void write_client_frame(std::string& out, WsOpcode opcode, std::string_view payload);

struct WsFrame {
    WsOpcode opcode = WsOpcode::text;
    bool final = true;
    bool masked = false;       // servers must not mask; a session refuses such a frame
    std::string_view payload;  // points into the input
    std::size_t size = 0;      // bytes of the whole frame
};

// A complete server frame at the start of `in`, nullopt when more bytes are needed.
std::optional<WsFrame> read_server_frame(std::string_view in);

}  // namespace notify::bench
