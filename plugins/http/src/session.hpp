// One HTTP session = one host connection: its frame queue, its replay ring and the poll or
// stream attached to it. Owned and touched only on the session strand.
#pragma once

#include "frame_ref.hpp"
#include "peer.hpp"

#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

namespace notify::http {

struct SequencedFrame {
    uint64_t seq;
    FrameRef frame;
};

struct CloseRequest {
    uint16_t code;
    std::string reason;
};

enum class Attachment { none, poll, stream };

struct Session {
    template <typename Executor>
    Session(uint64_t id, std::string session_token, const Executor &executor)
        : conn(id), token(std::move(session_token)), idle_timer(executor),
          poll_timer(executor), heartbeat_timer(executor) {}

    const uint64_t conn;
    const std::string token;
    uint64_t last_seq = 0;  // the seq of the newest frame queued
    // Frames not yet handed to a poll or stream; bounded by max_queue.
    std::deque<SequencedFrame> pending;
    // The newest replay_size frames, for SSE's Last-Event-ID.
    std::deque<SequencedFrame> replay;

    std::shared_ptr<Peer> peer;
    Attachment attachment = Attachment::none;
    // +1 at every attach and detach; a timer armed for an older one does nothing.
    uint64_t generation = 0;
    // A batch handed to the stream is not written yet: the next waits for it.
    bool stream_busy = false;
    // Asked by the host or shutdown; the session ends once its queue is handed out.
    std::optional<CloseRequest> closing;
    bool dropping_logged = false;

    boost::asio::steady_timer idle_timer;       // session_timeout while nothing is attached
    boost::asio::steady_timer poll_timer;       // poll_timeout of a held poll
    boost::asio::steady_timer heartbeat_timer;  // sse_heartbeat of a stream
};

}  // namespace notify::http
