#include <algorithm>
#include <limits>
#include <notify/protocol/binary.hpp>
#include <stdexcept>

namespace notify::protocol {

void append_length_prefixed(std::string& out, std::string_view frame) {
    if (frame.size() > std::numeric_limits<std::uint32_t>::max()) {
        throw std::length_error("append_length_prefixed: a frame of " +
                                std::to_string(frame.size()) +
                                " bytes does not fit a 4-byte length");
    }
    auto size = static_cast<std::uint32_t>(frame.size());
    out.reserve(out.size() + kStreamLengthSize + frame.size());
    for (std::size_t index = 0; index < kStreamLengthSize; ++index) {
        out += static_cast<char>(size & 0xFFU);
        size >>= 8U;
    }
    out += frame;
}

StreamFrameReader::StreamFrameReader(std::size_t max_frame_size)
    : max_frame_size_(max_frame_size) {}

std::size_t StreamFrameReader::feed(std::string_view bytes) {
    if (failed() || frame_complete_) {
        return 0;
    }
    std::size_t taken = 0;
    if (prefix_size_ < kStreamLengthSize) {
        const std::size_t wanted = std::min(kStreamLengthSize - prefix_size_, bytes.size());
        for (; taken < wanted; ++taken) {
            prefix_[prefix_size_++] = static_cast<unsigned char>(bytes[taken]);
        }
        if (prefix_size_ < kStreamLengthSize) {
            return taken;
        }
        std::uint64_t declared = 0;
        for (std::size_t index = kStreamLengthSize; index > 0; --index) {
            declared = (declared << 8U) | prefix_[index - 1];
        }
        if (declared > max_frame_size_) {
            error_ = "frame length " + std::to_string(declared) + " exceeds the maximum of " +
                     std::to_string(max_frame_size_) + " bytes";
            return taken;
        }
        frame_size_ = static_cast<std::size_t>(declared);
        frame_.reserve(frame_size_);
    }
    const std::size_t body = std::min(frame_size_ - frame_.size(), bytes.size() - taken);
    frame_.append(bytes.substr(taken, body));
    taken += body;
    frame_complete_ = frame_.size() == frame_size_;
    return taken;
}

std::optional<std::string> StreamFrameReader::pop_frame() {
    if (!frame_complete_) {
        return std::nullopt;
    }
    std::string frame = std::move(frame_);
    frame_ = std::string();
    prefix_size_ = 0;
    frame_size_ = 0;
    frame_complete_ = false;
    return frame;
}

}  // namespace notify::protocol
