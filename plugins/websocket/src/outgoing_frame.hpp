// A host frame as one service loop sends it: the host reference is taken once per loop, and the
// WebSocket wire form (header + payload) is built once per encoding, then shared by every
// connection of the loop that queues it.
#pragma once

#include <notify/notify.h>

#include <array>
#include <cstdint>
#include <vector>

namespace notify::websocket {

struct OutgoingFrame {
    const notify_frame *frame = nullptr;  // one host reference, released with the last holder
    uint32_t holders = 0;                 // queue entries of this loop that point here
    // Indexed by notify_encoding (JSON = 0, BINARY = 1); empty until first needed.
    std::array<std::vector<uint8_t>, 2> wire;
};

}  // namespace notify::websocket
