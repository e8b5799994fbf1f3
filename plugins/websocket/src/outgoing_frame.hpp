// A host frame as one service loop sends it: the host reference is taken once per loop, and the
// WebSocket wire form (header + payload, after LWS_PRE bytes of headroom) is built once per
// encoding, then shared by every connection of the loop that queues it.
#pragma once

#include <notify/notify.h>

#include <libwebsockets.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace notify::websocket {

struct OutgoingFrame {
    const notify_frame *frame = nullptr;  // one host reference, released with the last holder
    uint32_t holders = 0;                 // queue entries of this loop that point here
    // Indexed by notify_encoding (JSON = 0, BINARY = 1); empty until first needed.
    std::array<std::vector<uint8_t>, 2> wire;
};

// Server frames are never masked; a complete message fits one FIN frame.
inline void append_ws_header(std::vector<uint8_t> &out, bool binary, size_t length) {
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

}  // namespace notify::websocket
