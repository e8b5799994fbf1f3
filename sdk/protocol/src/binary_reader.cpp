#include "binary_reader.hpp"

#include "binary_format.hpp"

namespace notify::protocol::detail::binary {

void fail(std::string_view path, std::string_view problem) {
    std::string message(path);
    if (!message.empty()) {
        message += ": ";
    }
    message += problem;
    throw MalformedFrame{ErrorCode::bad_request, std::move(message)};
}

std::string element_path(std::string_view list_path, std::size_t index) {
    return std::string(list_path) + '[' + std::to_string(index) + ']';
}

std::string hex_byte(std::uint8_t value) {
    constexpr std::string_view kDigits = "0123456789abcdef";
    std::string hex = "0x";
    hex += kDigits[value >> 4U];
    hex += kDigits[value & 0x0FU];
    return hex;
}

void FrameReader::truncated(std::string_view path) const {
    fail(path, "truncated: the frame ends at byte " + std::to_string(frame_.size()));
}

std::uint8_t FrameReader::byte(std::string_view path) {
    if (remaining() == 0) {
        truncated(path);
    }
    return static_cast<std::uint8_t>(frame_[at_++]);
}

std::uint64_t FrameReader::varint(std::string_view path) {
    const std::size_t start = at_;
    std::uint64_t value = 0;
    for (std::size_t index = 0; index < kMaxVarintSize; ++index) {
        if (remaining() == 0) {
            truncated(path);
        }
        const auto next = static_cast<std::uint8_t>(frame_[at_++]);
        const bool more = (next & 0x80U) != 0;
        if (index == kMaxVarintSize - 1) {
            if (more) {
                fail(path, "varint longer than 10 bytes at byte " + std::to_string(start));
            }
            if (next > 1) {
                fail(path, "varint exceeds 64 bits at byte " + std::to_string(start));
            }
        }
        value |= static_cast<std::uint64_t>(next & 0x7FU) << (7 * index);
        if (!more) {
            // A trailing zero group adds nothing: refusing it gives each value one encoding.
            if (next == 0 && index > 0) {
                fail(path, "non-minimal varint at byte " + std::to_string(start));
            }
            return value;
        }
    }
    return value;  // unreachable: the last iteration returns or fails
}

std::uint64_t FrameReader::varint_at_most(std::string_view path, std::uint64_t max) {
    const std::uint64_t value = varint(path);
    if (value > max) {
        fail(path, "expected at most " + std::to_string(max));
    }
    return value;
}

std::uint64_t FrameReader::positive_id(std::string_view path) {
    const std::uint64_t id = varint(path);
    if (id == 0) {
        fail(path, "expected a positive integer");
    }
    return id;
}

std::string_view FrameReader::bytes(std::string_view path) {
    const std::size_t start = at_;
    const std::uint64_t length = varint(path);
    if (length > remaining()) {
        fail(path, "length " + std::to_string(length) + " at byte " + std::to_string(start) +
                       " runs past the end of the frame (" + std::to_string(remaining()) +
                       " bytes left)");
    }
    const std::string_view field = frame_.substr(at_, static_cast<std::size_t>(length));
    at_ += field.size();
    return field;
}

std::string FrameReader::text(std::string_view path) {
    const std::size_t start = at_;
    const std::string_view field = bytes(path);
    if (!is_valid_utf8(field)) {
        fail(path, "invalid UTF-8 in the string at byte " + std::to_string(start));
    }
    return std::string(field);
}

std::string FrameReader::non_empty_text(std::string_view path) {
    std::string field = text(path);
    if (field.empty()) {
        fail(path, "expected a non-empty string");
    }
    return field;
}

// The same checks and messages as the JSON decoder's topics.
std::string FrameReader::topic(std::string_view path) {
    std::string field = non_empty_text(path);
    if (field.size() > kMaxTopicSize) {
        fail(path, "longer than " + std::to_string(kMaxTopicSize) + " bytes");
    }
    if (!is_valid_topic(field)) {
        fail(path, "contains a control character");
    }
    return field;
}

std::size_t FrameReader::count(std::string_view path) {
    const std::size_t start = at_;
    const std::uint64_t elements = varint(path);
    if (elements > remaining()) {
        fail(path, "count " + std::to_string(elements) + " at byte " + std::to_string(start) +
                       " exceeds the " + std::to_string(remaining()) + " bytes left in the frame");
    }
    return static_cast<std::size_t>(elements);
}

}  // namespace notify::protocol::detail::binary
