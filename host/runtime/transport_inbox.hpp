// What transports report about their connections (open, frame, closed), queued for the core
// thread in one vector instead of one posted task each. A transport thread appends under a
// short lock and wakes the core thread only when the inbox was empty; the core thread takes
// everything queued at once. Under load that is one wake-up and one queue operation for many
// commands (issue 14's profile: per-frame posts and their futex wake-ups cost more than
// decoding the publish).
//
// Events keep their order: all three kinds go through the same inbox, so a frame is never
// handled before its connection's open or after its close.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.hpp"
#include "notify/notify.h"

namespace notify::runtime {

class TransportInbox {
public:
    struct Event {
        enum class Kind : std::uint8_t { open, frame, owned_frame, closed };
        Kind kind = Kind::frame;
        core::ConnectionRef ref;
        notify_encoding encoding = NOTIFY_ENCODING_JSON;  // open
        std::uint16_t close_code = 0;                     // closed
        std::size_t offset = 0;                           // open (address) and frame: in the batch's bytes
        std::size_t length = 0;
        std::uint32_t header_count = 0;                   // open: kept headers after the address
        std::size_t header_length = 0;
        notify_owned_bytes owned{};                       // owned_frame; released after handling
    };

    // Everything taken from the inbox at once. The bytes of `frame` and `open` events live in
    // one buffer, so a busy transport costs no allocation per frame.
    class Batch {
    public:
        Batch() = default;
        Batch(Batch&& other) noexcept;
        Batch& operator=(Batch&& other) noexcept;
        Batch(const Batch&) = delete;
        Batch& operator=(const Batch&) = delete;
        ~Batch();

        const std::vector<Event>& events() const { return events_; }
        std::string_view bytes_of(const Event& event) const;
        // An open event's kept headers.
        std::vector<core::RequestHeader> headers_of(const Event& event) const;
        bool empty() const { return events_.empty(); }
        // Releases every owned frame and forgets the events; keeps the capacity for reuse.
        void clear();

    private:
        friend class TransportInbox;
        static constexpr std::size_t kKeptBytes = 4 * 1024 * 1024;
        static constexpr std::size_t kKeptEvents = 64 * 1024;
        std::vector<Event> events_;
        std::string bytes_;
    };

    TransportInbox() = default;
    TransportInbox(const TransportInbox&) = delete;
    TransportInbox& operator=(const TransportInbox&) = delete;

    // Each returns true when the inbox was empty before: the caller then schedules one take().
    bool push_open(core::ConnectionRef ref, std::string_view remote_address,
                   notify_encoding encoding, std::span<const core::RequestHeader> headers = {});
    bool push_frame(core::ConnectionRef ref, std::string_view frame);
    // Ownership of `frame` passes to the inbox (released after handling, or by the inbox's
    // destruction when the core never takes it).
    bool push_owned_frame(core::ConnectionRef ref, notify_owned_bytes frame);
    bool push_closed(core::ConnectionRef ref, std::uint16_t code);

    // Clears `batch`, then swaps the queued events into it (the two batches' buffers take
    // turns, so their capacity is reused).
    void take(Batch& batch);

    // Events waiting for the core thread (a gauge: a moment's value).
    std::size_t queued_events();

private:
    template <typename Fill>
    bool push(Fill&& fill);

    std::mutex mutex_;
    Batch queued_;
};

}  // namespace notify::runtime
