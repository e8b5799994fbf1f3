#include "runtime/transport_inbox.hpp"

#include <cstring>
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

namespace {

// Headers travel in the batch's bytes as (length, bytes) pairs; a kept header is at most
// NOTIFY_MAX_KEPT_HEADER_BYTES long, so a 32-bit length is plenty.
void append_length_prefixed(std::string& bytes, std::string_view text) {
    const auto length = static_cast<std::uint32_t>(text.size());
    bytes.append(reinterpret_cast<const char*>(&length), sizeof length);
    bytes.append(text);
}

std::string_view read_length_prefixed(std::string_view& bytes) {
    std::uint32_t length = 0;
    std::memcpy(&length, bytes.data(), sizeof length);
    const std::string_view text = bytes.substr(sizeof length, length);
    bytes.remove_prefix(sizeof length + length);
    return text;
}

}  // namespace

bool TransportInbox::push_open(core::ConnectionRef ref, std::string_view remote_address,
                               notify_encoding encoding,
                               std::span<const core::RequestHeader> headers) {
    return push([&](Event& event, std::string& bytes) {
        event.kind = Event::Kind::open;
        event.ref = ref;
        event.encoding = encoding;
        event.offset = bytes.size();
        event.length = remote_address.size();
        bytes.append(remote_address);
        const std::size_t headers_start = bytes.size();
        for (const core::RequestHeader& header : headers) {
            append_length_prefixed(bytes, header.name);
            append_length_prefixed(bytes, header.value);
        }
        event.header_count = static_cast<std::uint32_t>(headers.size());
        event.header_length = bytes.size() - headers_start;
    });
}

std::vector<core::RequestHeader> TransportInbox::Batch::headers_of(const Event& event) const {
    std::vector<core::RequestHeader> headers;
    if (event.header_count == 0) return headers;
    std::string_view bytes =
        std::string_view(bytes_).substr(event.offset + event.length, event.header_length);
    headers.reserve(event.header_count);
    for (std::uint32_t i = 0; i < event.header_count; ++i) {
        core::RequestHeader header;
        header.name = std::string(read_length_prefixed(bytes));
        header.value = std::string(read_length_prefixed(bytes));
        headers.push_back(std::move(header));
    }
    return headers;
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
