// The host's refcounted, immutable frame (the ABI's opaque notify_frame): one per publish per
// topic, shared by every recipient on every transport, serialized once per encoding.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>

#include "notify/notify.h"

struct notify_frame {
    mutable std::atomic<std::uint32_t> refs{1};
    std::string json;  // the JSON encoding (always present in ABI 1.0)
};

namespace notify::core {

// Owning handle: one reference.
class FrameRef {
public:
    FrameRef() = default;
    static FrameRef adopt(notify_frame* frame) { return FrameRef(frame); }
    static FrameRef make(std::string json) {
        auto* frame = new notify_frame;
        frame->json = std::move(json);
        return FrameRef(frame);
    }
    FrameRef(const FrameRef& other) : frame_(other.frame_) { retain(frame_); }
    FrameRef(FrameRef&& other) noexcept : frame_(std::exchange(other.frame_, nullptr)) {}
    FrameRef& operator=(FrameRef other) noexcept {
        std::swap(frame_, other.frame_);
        return *this;
    }
    ~FrameRef() { release(frame_); }

    const notify_frame* get() const { return frame_; }
    explicit operator bool() const { return frame_ != nullptr; }
    const std::string& json() const { return frame_->json; }

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
