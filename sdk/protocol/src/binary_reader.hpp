// Reads the fields of one notify.binary.v1 frame front to back, checking each against what is
// left of the frame. Readers throw MalformedFrame; the decoders turn it into a DecodeError, so
// no exception leaves the library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <notify/protocol/json.hpp>
#include <string>
#include <string_view>

namespace notify::protocol::detail::binary {

struct MalformedFrame {
    ErrorCode code = ErrorCode::bad_request;
    std::string message;
};

// Throws MalformedFrame{bad_request, "path: problem"} ("problem" alone for an empty path).
[[noreturn]] void fail(std::string_view path, std::string_view problem);

class FrameReader {
  public:
    explicit FrameReader(std::string_view frame) : frame_(frame) {}

    std::uint8_t byte(std::string_view path);
    // Minimal LEB128 of at most 10 bytes whose value fits in 64 bits.
    std::uint64_t varint(std::string_view path);
    std::uint64_t varint_at_most(std::string_view path, std::uint64_t max);
    std::uint64_t positive_id(std::string_view path);
    std::string_view bytes(std::string_view path);
    // bytes() that must be valid UTF-8.
    std::string text(std::string_view path);
    std::string non_empty_text(std::string_view path);
    std::string topic(std::string_view path);
    // An element count; every element takes at least one byte, so a count larger than the
    // rest of the frame is refused before anything is allocated for it.
    std::size_t count(std::string_view path);

    std::size_t position() const { return at_; }

  private:
    std::size_t remaining() const { return frame_.size() - at_; }
    [[noreturn]] void truncated(std::string_view path) const;

    std::string_view frame_;
    std::size_t at_ = 0;
};

std::string element_path(std::string_view list_path, std::size_t index);
std::string hex_byte(std::uint8_t value);

}  // namespace notify::protocol::detail::binary
