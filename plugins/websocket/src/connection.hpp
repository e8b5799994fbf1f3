// The state of one TCP connection of a service loop, from accept through the WebSocket handshake
// to close; owned and touched only by its service thread.
#pragma once

#include "frame_queue.hpp"
#include "frame_reader.hpp"

#include <notify/notify.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace notify::websocket {

enum class ConnectionPhase : uint8_t {
    handshaking,  // reading the HTTP request head
    answering,    // writing a plain HTTP response or a refused handshake, then closing
    open,         // WebSocket frames both ways
    closing,      // our close frame is queued or sent; waiting for the peer's
    lingering,    // everything written and our side shut down; discarding input until EOF, so
                  // that closing with unread bytes does not reset what the peer has yet to read
};

struct CloseRequest {
    uint16_t code;
    std::string reason;
};

// Bytes of our own to write after the front frame and before the rest of the queue: the
// handshake response, pongs, pings, the close frame.
struct ControlBytes {
    std::vector<uint8_t> bytes;
    size_t written = 0;
};

// Laid out for size (every idle connection is one of these): fields grouped by alignment, and
// what only a handshake, a close or a control frame needs behind pointers that are null the
// rest of the time.
struct Connection {
    Connection(uint64_t connection_id, int socket, size_t max_message_size)
        : id(connection_id), fd(socket), reader(max_message_size) {}

    const uint64_t id;
    const int fd;
    // Milliseconds of the loop's clock: the last bytes received, and when the current phase
    // (handshake, close, linger) must be over.
    uint32_t last_receive_ms = 0;
    uint32_t deadline_ms = 0;
    // Bytes of the frame at the front of `queue` already written.
    uint32_t front_written = 0;
    // The subprotocol's encoding: which form of each frame this connection receives.
    notify_encoding encoding = NOTIFY_ENCODING_JSON;
    // The close code sent or received; reported to the host when the connection ends.
    uint16_t close_code = 0;
    ConnectionPhase phase = ConnectionPhase::handshaking;
    // True once the host accepted the connection: from then on conn_closed is owed exactly once.
    bool opened = false;
    // Set at the first frame dropped under the "drop" policy, so the log is not flooded.
    bool dropping_logged = false;
    // Listed in the service loop's flush list: something was queued since its last flush.
    bool flush_listed = false;
    // EPOLLOUT is registered: the socket did not take everything at the last write.
    bool waiting_writable = false;
    // A keepalive ping went out and nothing has been received since.
    bool ping_outstanding = false;
    // Once everything queued is written, the connection ends (after a refused or plain HTTP
    // request, a protocol violation, or our answer to the peer's close).
    bool end_after_write = false;
    // Set when the connection must end; the loop destroys it at the end of the round.
    bool doomed = false;
    // The peer shut its side down while we still had bytes for it: no more reading.
    bool peer_eof = false;
    // Frames waiting to be written, each holding its OutgoingFrame once; bounded by max_queue.
    FrameQueue queue;
    // Null while there is nothing of our own to write.
    std::unique_ptr<ControlBytes> control;
    // The request head, while it arrives in pieces.
    std::unique_ptr<std::string> request_head;
    // A close asked for (by the host, shutdown or the slow-consumer policy), sent once the
    // queue ahead of it is written.
    std::unique_ptr<CloseRequest> pending_close;
    FrameReader reader;
};

}  // namespace notify::websocket
