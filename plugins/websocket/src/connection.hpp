// The state of one WebSocket connection, owned and touched only by its service thread.
#pragma once

#include <notify/notify.h>

#include <cstdint>
#include <deque>
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
    // True once the host accepted the connection: from then on conn_closed is owed exactly once.
    bool opened = false;
    // Frame references waiting to be written, each retained once; bounded by max_queue.
    std::deque<const notify_frame *> queue;
    // A client message being reassembled across fragments and lws RECEIVE chunks.
    std::vector<uint8_t> message;
    // lws_write needs LWS_PRE writable bytes before the payload and frames are immutable and
    // shared, so each write copies the frame here; the buffer is reused across writes.
    std::vector<uint8_t> send_buffer;
    // A close asked for (by the host, shutdown or the slow-consumer policy), sent once the
    // queue ahead of it is written.
    std::optional<CloseRequest> pending_close;
    // The close code sent or received; reported to the host when the connection ends.
    std::optional<uint16_t> close_code;
    // Set at the first frame dropped under the "drop" policy, so the log is not flooded.
    bool dropping_logged = false;
};

}  // namespace notify::websocket
