// The state of one WebSocket connection, owned and touched only by its service thread.
#pragma once

#include "frame_queue.hpp"

#include <notify/notify.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

struct lws;

namespace notify::websocket {

struct CloseRequest {
    uint16_t code;
    std::string reason;
};

struct Connection {
    uint64_t id = 0;
    struct lws *wsi = nullptr;
    // The subprotocol's encoding: which form of each frame this connection receives.
    notify_encoding encoding = NOTIFY_ENCODING_JSON;
    // True once the host accepted the connection: from then on conn_closed is owed exactly once.
    bool opened = false;
    // Set at the first frame dropped under the "drop" policy, so the log is not flooded.
    bool dropping_logged = false;
    // Listed in the service loop's flush list: frames were queued since its last flush.
    bool flush_listed = false;
    // Listed in the service loop's receive list: data arrived in the current iteration.
    bool receive_listed = false;
    // A direct write (outside lws's WRITEABLE callback) failed: the connection is being killed
    // and takes no more frames.
    bool write_failed = false;
    // Frames waiting to be written, each holding its OutgoingFrame once; bounded by max_queue.
    FrameQueue queue;
    // A client message being reassembled across fragments and lws RECEIVE chunks.
    std::vector<uint8_t> message;
    // A close asked for (by the host, shutdown or the slow-consumer policy), sent once the
    // queue ahead of it is written.
    std::optional<CloseRequest> pending_close;
    // The close code sent or received; reported to the host when the connection ends.
    std::optional<uint16_t> close_code;
};

}  // namespace notify::websocket
