// The HTTP side of a session's poll or stream, as the session table sees it. Every call may be
// made from the session strand; the implementation moves the work onto its own connection.
#pragma once

#include <string>

namespace notify::http {

class Peer {
public:
    virtual ~Peer() = default;

    // Answer the request with `status` and a JSON `body`.
    virtual void respond(unsigned status, std::string body) = 0;
    // Answer with the SSE response header; stream_send follows.
    virtual void open_stream() = 0;
    // Write `text` on the stream. Unless `last`, the table hears back through stream_written
    // once it is written; `last` ends the stream after it (an empty text writes nothing).
    virtual void stream_send(std::string text, bool last) = 0;
};

}  // namespace notify::http
