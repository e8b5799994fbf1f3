// Splits a byte stream into frames of a 4-byte little-endian length followed by that many bytes.
// One buffer per connection: the socket reads into its free tail, complete frames are handed
// out in place (no copy), and only the tail of a split frame is moved to the front.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace notify::tcp {

constexpr size_t frame_header_size = 4;

class FrameReader {
public:
    explicit FrameReader(size_t max_frame_size);

    // Where the next read may write; never empty.
    uint8_t *free_space() { return buffer_.data() + end_; }
    size_t free_size() const { return buffer_.size() - end_; }

    enum class Result { ok, too_big };

    // Takes `count` bytes just read into free_space() and calls on_frame(data, size) for each
    // complete frame, in order. `data` is valid only during the call. Returns too_big, without
    // buffering the frame, as soon as a declared length exceeds the limit.
    template <typename OnFrame>
    Result commit(size_t count, OnFrame &&on_frame) {
        end_ += count;
        while (end_ - begin_ >= frame_header_size) {
            const size_t length = declared_length();
            if (length > max_frame_size_) {
                return Result::too_big;
            }
            if (end_ - begin_ - frame_header_size < length) {
                break;
            }
            on_frame(buffer_.data() + begin_ + frame_header_size, length);
            begin_ += frame_header_size + length;
        }
        make_room();
        return Result::ok;
    }

    // True when no part of a frame is buffered (the stream stands between two frames).
    bool at_boundary() const { return begin_ == end_; }
    // Forgets everything buffered (a closing connection reads only to see the peer's end).
    void clear() { begin_ = end_ = 0; }

private:
    size_t declared_length() const;
    // Moves a split frame to the front and grows the buffer to hold it whole.
    void make_room();

    const size_t max_frame_size_;
    std::vector<uint8_t> buffer_;
    size_t begin_ = 0;  // first byte not yet handed out
    size_t end_ = 0;    // one past the last byte read
};

}  // namespace notify::tcp
