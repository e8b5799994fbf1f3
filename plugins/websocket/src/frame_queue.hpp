// A connection's bounded FIFO of outgoing frames: a ring that allocates nothing while the
// connection is idle and grows by doubling up to what the connection ever held at once.
// trim() gives the ring back only when nothing was queued since the previous trim(), so a busy
// connection that happens to be empty at the timer check keeps its ring.
#pragma once

#include "outgoing_frame.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>

namespace notify::websocket {

class FrameQueue {
public:
    bool empty() const { return count_ == 0; }
    size_t size() const { return count_; }
    OutgoingFrame *front() const { return slots_[head_]; }
    OutgoingFrame *at(size_t index) const { return slots_[(head_ + index) & (capacity_ - 1)]; }

    void push_back(OutgoingFrame *frame) {
        if (count_ == capacity_) {
            grow();
        }
        slots_[(head_ + count_) & (capacity_ - 1)] = frame;
        ++count_;
        used_since_trim_ = true;
    }
    // Gives the ring back while nothing is queued and nothing was since the last call: most
    // connections sit idle most of the time, and a busy one must not reallocate every check.
    void trim() {
        if (count_ == 0 && capacity_ > 0 && !used_since_trim_) {
            slots_.reset();
            capacity_ = 0;
            head_ = 0;
        }
        used_since_trim_ = false;
    }
    bool holds_ring() const { return capacity_ > 0; }
    OutgoingFrame *back() const { return at(count_ - 1); }
    void pop_back() {
        --count_;
        if (count_ == 0) {
            head_ = 0;
        }
    }
    void pop_front() {
        head_ = (head_ + 1) & (capacity_ - 1);
        --count_;
        if (count_ == 0) {
            head_ = 0;
        }
    }

private:
    void grow() {
        const uint32_t capacity = capacity_ == 0 ? 4 : capacity_ * 2;
        auto slots = std::make_unique<OutgoingFrame *[]>(capacity);
        for (uint32_t i = 0; i < count_; ++i) {
            slots[i] = at(i);
        }
        slots_ = std::move(slots);
        capacity_ = capacity;
        head_ = 0;
    }

    std::unique_ptr<OutgoingFrame *[]> slots_;
    // 32 bits: a queue is bounded by max_queue (at most 1,000,000), and every connection has one.
    uint32_t capacity_ = 0;  // zero or a power of two
    uint32_t head_ = 0;
    uint32_t count_ = 0;
    bool used_since_trim_ = false;  // fits in the padding: the queue stays 24 bytes
};

static_assert(sizeof(FrameQueue) <= 24, "every connection has a FrameQueue (S1 memory)");

}  // namespace notify::websocket
