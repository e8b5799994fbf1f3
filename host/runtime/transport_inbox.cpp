#include "runtime/transport_inbox.hpp"

#include <utility>

namespace notify::runtime {

TransportInbox::Batch::Batch(Batch&& other) noexcept
    : events_(std::move(other.events_)), bytes_(std::move(other.bytes_)) {
    other.events_.clear();
}

TransportInbox::Batch& TransportInbox::Batch::operator=(Batch&& other) noexcept {
    if (this != &other) {
        clear();
        events_ = std::move(other.events_);
        bytes_ = std::move(other.bytes_);
        other.events_.clear();
    }
    return *this;
}

TransportInbox::Batch::~Batch() { clear(); }

std::string_view TransportInbox::Batch::bytes_of(const Event& event) const {
    if (event.kind == Event::Kind::owned_frame) {
        if (event.owned.data == nullptr) return {};
        return {reinterpret_cast<const char*>(event.owned.data), event.owned.len};
    }
    return std::string_view(bytes_).substr(event.offset, event.length);
}

void TransportInbox::Batch::clear() {
    for (Event& event : events_) {
        if (event.kind == Event::Kind::owned_frame && event.owned.release != nullptr) {
            event.owned.release(event.owned.release_ctx, event.owned.data);
        }
    }
    events_.clear();
    bytes_.clear();
    // A burst of large frames must not pin its memory for the rest of the process's life.
    if (bytes_.capacity() > kKeptBytes) std::string().swap(bytes_);
    if (events_.capacity() > kKeptEvents) std::vector<Event>().swap(events_);
}

template <typename Fill>
bool TransportInbox::push(Fill&& fill) {
    const std::lock_guard lock(mutex_);
    const bool was_empty = queued_.events_.empty();
    fill(queued_.events_.emplace_back(), queued_.bytes_);
    return was_empty;
}

bool TransportInbox::push_open(core::ConnectionRef ref, std::string_view remote_address,
                               notify_encoding encoding) {
    return push([&](Event& event, std::string& bytes) {
        event.kind = Event::Kind::open;
        event.ref = ref;
        event.encoding = encoding;
        event.offset = bytes.size();
        event.length = remote_address.size();
        bytes.append(remote_address);
    });
}

bool TransportInbox::push_frame(core::ConnectionRef ref, std::string_view frame) {
    return push([&](Event& event, std::string& bytes) {
        event.kind = Event::Kind::frame;
        event.ref = ref;
        event.offset = bytes.size();
        event.length = frame.size();
        bytes.append(frame);
    });
}

bool TransportInbox::push_owned_frame(core::ConnectionRef ref, notify_owned_bytes frame) {
    return push([&](Event& event, std::string&) {
        event.kind = Event::Kind::owned_frame;
        event.ref = ref;
        event.owned = frame;
    });
}

bool TransportInbox::push_closed(core::ConnectionRef ref, std::uint16_t code) {
    return push([&](Event& event, std::string&) {
        event.kind = Event::Kind::closed;
        event.ref = ref;
        event.close_code = code;
    });
}

void TransportInbox::take(Batch& batch) {
    batch.clear();
    const std::lock_guard lock(mutex_);
    batch.events_.swap(queued_.events_);
    batch.bytes_.swap(queued_.bytes_);
}

std::size_t TransportInbox::queued_events() {
    const std::lock_guard lock(mutex_);
    return queued_.events().size();
}

}  // namespace notify::runtime
