// Server-to-client frame headers and control frames. Server frames are never masked (RFC 6455
// 5.1), and a control frame carries at most 125 payload bytes (5.5).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace notify::websocket {

inline constexpr uint8_t ws_opcode_close = 0x8;
inline constexpr uint8_t ws_opcode_ping = 0x9;
inline constexpr uint8_t ws_opcode_pong = 0xA;
inline constexpr size_t ws_max_control_payload = 125;

// A complete message always fits one FIN frame on the way out.
inline void append_ws_header(std::vector<uint8_t>& out, bool binary, size_t length) {
    out.push_back(binary ? uint8_t{0x82} : uint8_t{0x81});
    if (length < 126) {
        out.push_back(static_cast<uint8_t>(length));
    } else if (length <= 0xFFFF) {
        out.push_back(uint8_t{126});
        out.push_back(static_cast<uint8_t>(length >> 8));
        out.push_back(static_cast<uint8_t>(length));
    } else {
        out.push_back(uint8_t{127});
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.push_back(static_cast<uint8_t>(static_cast<uint64_t>(length) >> shift));
        }
    }
}

// A longer payload is cut rather than sent as a frame the peer must reject.
inline void append_control_frame(std::vector<uint8_t>& out, uint8_t opcode, const uint8_t* payload,
                                 size_t len) {
    const size_t kept = payload == nullptr ? 0 : std::min(len, ws_max_control_payload);
    out.push_back(static_cast<uint8_t>(0x80 | (opcode & 0x0F)));
    out.push_back(static_cast<uint8_t>(kept));
    if (kept != 0) {
        out.insert(out.end(), payload, payload + kept);
    }
}

// The reason shares the 125 bytes with the 2-byte code. It is cut before the start of the
// sequence that would cross the limit, so a valid reason stays valid UTF-8 (the peer closes
// with 1007 otherwise).
inline void append_close_frame(std::vector<uint8_t>& out, uint16_t code, std::string_view reason) {
    constexpr size_t max_reason = ws_max_control_payload - 2;
    size_t kept = reason.size();
    if (kept > max_reason) {
        kept = max_reason;
        // At most 3 steps: no valid sequence has more than 3 continuation bytes.
        for (int step = 0;
             step < 3 && kept > 0 && (static_cast<uint8_t>(reason[kept]) & 0xC0) == 0x80; ++step) {
            --kept;
        }
    }
    out.push_back(static_cast<uint8_t>(0x80 | ws_opcode_close));
    out.push_back(static_cast<uint8_t>(2 + kept));
    out.push_back(static_cast<uint8_t>(code >> 8));
    out.push_back(static_cast<uint8_t>(code));
    out.insert(out.end(), reason.begin(), reason.begin() + static_cast<std::ptrdiff_t>(kept));
}

}  // namespace notify::websocket
