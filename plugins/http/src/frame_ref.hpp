// One counted reference to a host frame: copying retains, destruction releases.
#pragma once

#include <notify/notify.h>

#include <string_view>
#include <utility>

namespace notify::http {

class FrameRef {
public:
    // Takes a new reference to `frame` (borrowed by the caller).
    FrameRef(const notify_host_api &host, const notify_frame *frame) : host_(&host), frame_(frame) {
        host_->frame_retain(frame_);
    }
    FrameRef(const FrameRef &other) : FrameRef(*other.host_, other.frame_) {}
    FrameRef(FrameRef &&other) noexcept
        : host_(other.host_), frame_(std::exchange(other.frame_, nullptr)) {}
    FrameRef &operator=(FrameRef other) noexcept {
        std::swap(host_, other.host_);
        std::swap(frame_, other.frame_);
        return *this;
    }
    ~FrameRef() {
        if (frame_ != nullptr) {
            host_->frame_release(frame_);
        }
    }

    // The frame's JSON text, valid while this reference lives.
    std::string_view json() const {
        const notify_bytes bytes = host_->frame_bytes(frame_, NOTIFY_ENCODING_JSON);
        return {reinterpret_cast<const char *>(bytes.data), bytes.len};
    }

private:
    const notify_host_api *host_;
    const notify_frame *frame_;
};

}  // namespace notify::http
