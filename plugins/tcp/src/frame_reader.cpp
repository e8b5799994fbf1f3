#include "frame_reader.hpp"

#include <algorithm>
#include <cstring>

namespace notify::tcp {
namespace {

// Enough for many small frames per read; a larger frame grows the buffer to its size.
constexpr size_t read_chunk = 16 * 1024;
// A buffer grown past this is given back once it holds nothing, so one big frame does not pin
// its size for the life of the connection.
constexpr size_t keep_capacity = 256 * 1024;

}  // namespace

FrameReader::FrameReader(size_t max_frame_size)
    : max_frame_size_(max_frame_size), buffer_(read_chunk) {}

size_t FrameReader::declared_length() const {
    const uint8_t *header = buffer_.data() + begin_;
    return size_t{header[0]} | size_t{header[1]} << 8 | size_t{header[2]} << 16 |
           size_t{header[3]} << 24;
}

void FrameReader::make_room() {
    if (begin_ == end_) {
        begin_ = end_ = 0;
        if (buffer_.size() > keep_capacity) {
            buffer_.resize(read_chunk);
            buffer_.shrink_to_fit();
        }
        return;
    }
    if (begin_ > 0) {
        std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
        end_ -= begin_;
        begin_ = 0;
    }
    if (end_ >= frame_header_size) {
        const size_t needed = frame_header_size + declared_length();
        if (buffer_.size() < needed) {
            buffer_.resize(needed);
        }
    }
}

}  // namespace notify::tcp
