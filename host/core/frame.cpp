#include "core/frame.hpp"

#include "core/codec.hpp"

namespace notify::core {

namespace {

std::array<std::atomic<std::uint64_t>, 2> serialization_counts{};

}  // namespace

std::string_view frame_bytes(const notify_frame& frame, notify_encoding encoding) {
    if (!is_known_encoding(encoding)) return {};
    notify_frame::Encoded& encoded = frame.encoded[static_cast<std::size_t>(encoding)];
    if (frame.message) {
        std::call_once(encoded.once, [&] {
            const notify_frame::Message& message = *frame.message;
            encoded.bytes = encode_message_push(encoding, message.topic, message.offset,
                                                message.epoch, message.payload);
            serialization_counts[static_cast<std::size_t>(encoding)].fetch_add(
                1, std::memory_order_relaxed);
        });
    }
    return encoded.bytes;
}

std::uint64_t message_serializations(notify_encoding encoding) {
    if (!is_known_encoding(encoding)) return 0;
    return serialization_counts[static_cast<std::size_t>(encoding)].load(
        std::memory_order_relaxed);
}

FrameRef FrameRef::make(std::string bytes, notify_encoding encoding) {
    auto* frame = new notify_frame;
    if (is_known_encoding(encoding)) {
        frame->encoded[static_cast<std::size_t>(encoding)].bytes = std::move(bytes);
    }
    return FrameRef(frame);
}

FrameRef FrameRef::make_message(std::string_view topic, std::uint64_t offset,
                                std::string_view epoch, std::string_view payload) {
    auto* frame = new notify_frame;
    frame->message = notify_frame::Message{std::string(topic), offset, std::string(epoch),
                                           std::string(payload)};
    return FrameRef(frame);
}

}  // namespace notify::core
