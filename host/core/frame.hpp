// The host's refcounted, immutable frame (the ABI's opaque notify_frame): one per publish per
// topic, shared by every recipient on every transport, serialized once per encoding.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "notify/notify.h"

struct notify_frame {
    // What a message push says; its bytes in each encoding are built on the first request.
    struct Message {
        std::string topic;
        std::uint64_t offset = 0;
        std::string epoch;
        std::string payload;
    };
    // One encoding's bytes. A message frame fills it once, from whichever transport I/O thread
    // asks first; a frame made from bytes fills its one encoding before it is shared.
    struct Encoded {
        std::once_flag once;
        std::string bytes;
    };

    mutable std::atomic<std::uint32_t> refs{1};
    std::optional<Message> message;
    mutable std::array<Encoded, 2> encoded;  // indexed by notify_encoding
};

namespace notify::core {

// The frame's bytes in `encoding`, serialized on first request (thread-safe). Empty for an
// unknown encoding, and for the other encoding of a frame made from already-encoded bytes.
std::string_view frame_bytes(const notify_frame& frame, notify_encoding encoding);

// How many times a message frame was serialized, per encoding, since the process started
// (tests prove "at most once per encoding per frame" with it).
std::uint64_t message_serializations(notify_encoding encoding);

// Owning handle: one reference.
class FrameRef {
public:
    FrameRef() = default;
    static FrameRef adopt(notify_frame* frame) { return FrameRef(frame); }
    // A frame already serialized in one encoding (a reply to one connection).
    static FrameRef make(std::string bytes, notify_encoding encoding = NOTIFY_ENCODING_JSON);
    // A message push, serialized per encoding only when a recipient asks for that encoding.
    static FrameRef make_message(std::string_view topic, std::uint64_t offset,
                                 std::string_view epoch, std::string_view payload);
    FrameRef(const FrameRef& other) : frame_(other.frame_) { retain(frame_); }
    FrameRef(FrameRef&& other) noexcept : frame_(std::exchange(other.frame_, nullptr)) {}
    FrameRef& operator=(FrameRef other) noexcept {
        std::swap(frame_, other.frame_);
        return *this;
    }
    ~FrameRef() { release(frame_); }

    const notify_frame* get() const { return frame_; }
    explicit operator bool() const { return frame_ != nullptr; }
    std::string_view bytes(notify_encoding encoding) const {
        return frame_ != nullptr ? frame_bytes(*frame_, encoding) : std::string_view();
    }

    static void retain(const notify_frame* frame) {
        if (frame) frame->refs.fetch_add(1, std::memory_order_relaxed);
    }
    static void release(const notify_frame* frame) {
        if (frame &&
            frame->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            delete frame;
        }
    }

private:
    explicit FrameRef(notify_frame* frame) : frame_(frame) {}
    notify_frame* frame_ = nullptr;
};

}  // namespace notify::core
