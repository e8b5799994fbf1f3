// Host-refcounted frames: the fake host makes one per notify_fakehost_deliver(), holds one
// reference during the transport's deliver() and drops it afterwards, so a frame lives exactly as
// long as the transport keeps references (what notify_fakehost_frames_alive() counts).
#include "internal.hpp"

namespace notify::fakehost {

const notify_frame* frame_handle(const Frame* frame) {
    return reinterpret_cast<const notify_frame*>(frame);
}

Frame* frame_of(const notify_frame* frame) {
    // Frames are created non-const by the fake host; the ABI hands them out as const only to
    // keep plugins from writing to them.
    return const_cast<Frame*>(reinterpret_cast<const Frame*>(frame));
}

void frame_retain(const notify_frame* frame) {
    if (frame == nullptr) return;
    frame_of(frame)->references.fetch_add(1, std::memory_order_relaxed);
}

void frame_release(const notify_frame* frame) {
    if (frame == nullptr) return;
    Frame* owned = frame_of(frame);
    if (owned->references.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        owned->alive->fetch_sub(1, std::memory_order_acq_rel);
        delete owned;
    }
}

// Empty for an encoding the frame has no bytes in, as notifyd answers for a reply made for the
// other encoding.
notify_bytes frame_bytes(const notify_frame* frame, notify_encoding encoding) {
    if (frame == nullptr) return notify_bytes{nullptr, 0};
    const Frame& held = *frame_of(frame);
    const std::string* bytes = nullptr;
    if (encoding == NOTIFY_ENCODING_JSON) {
        bytes = &held.json;
    } else if (encoding == NOTIFY_ENCODING_BINARY) {
        bytes = &held.binary;
    }
    if (bytes == nullptr || bytes->empty()) return notify_bytes{nullptr, 0};
    return notify_bytes{reinterpret_cast<const std::uint8_t*>(bytes->data()), bytes->size()};
}

}  // namespace notify::fakehost
