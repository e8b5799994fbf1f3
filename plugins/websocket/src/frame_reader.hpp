// Server-side reader of client frames (RFC 6455), fed whatever a socket read returned: frames and
// their headers may be split at any byte. A whole unfragmented message inside one read is handed
// out in place (unmasked in the caller's buffer); everything else is joined in a buffer the
// reader owns only while a message is being assembled.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "utf8_validator.hpp"

namespace notify::websocket {

struct ReadResult {
    enum class Kind : uint8_t { need_more, text, binary, ping, pong, close, violation };
    Kind kind = Kind::need_more;
    size_t consumed = 0;  // bytes of the input used by this call (for need_more: all of it)
    // text/binary: the whole message; ping/pong: the payload; close: the reason after the code.
    // Valid until the next read() (or take_message()) and, when pointing into the input, while
    // the caller keeps that input.
    const uint8_t* data = nullptr;
    size_t size = 0;
    bool owned = false;       // text/binary: data is the reader's buffer, see take_message()
    uint16_t close_code = 0;  // close: the peer's code (1005 for none); violation: ours to send
    const char* reason = nullptr;  // violation: static description for logs
};

class FrameReader {
  public:
    explicit FrameReader(size_t max_message_size) : max_message_size_(max_message_size) {}

    // Unmasks the input in place and stops at the first complete event. The caller loops while
    // input remains: read(input + done, len - done). After a violation every call repeats it.
    ReadResult read(uint8_t* input, size_t len);

    // After an owned text/binary result: the message, moved out so the reader holds no memory.
    // Empty at any other time.
    std::vector<uint8_t> take_message();

    // Between frames with no message in progress: nothing partial would be lost.
    bool idle() const {
        return stage_ == Stage::header && header_size_ == 0 && message_opcode_ == 0;
    }

  private:
    enum class Stage : uint8_t { header, payload };
    enum class HeaderStatus : uint8_t { incomplete, ready, violation };

    HeaderStatus collect_header(const uint8_t* input, size_t len, size_t& pos);
    HeaderStatus check_first_bytes();
    HeaderStatus accept_header();
    void release_delivered();
    ReadResult control_event(const uint8_t* payload, size_t size, size_t consumed);
    ReadResult violation(uint16_t code, const char* reason, size_t consumed);
    ReadResult repeat_violation(size_t consumed) const;

    // Ordered by alignment, eight-byte fields first: every connection carries a reader.
    size_t max_message_size_;
    uint64_t payload_length_ = 0;  // of the frame being read
    uint64_t payload_done_ = 0;
    // The message being assembled (see message_opcode_).
    std::vector<uint8_t> message_;
    // A control payload split across reads; null otherwise.
    std::unique_ptr<std::vector<uint8_t>> control_;
    const char* failure_reason_ = nullptr;

    // The frame being read.
    std::array<uint8_t, 14> header_{};
    std::array<uint8_t, 4> mask_{};
    Stage stage_ = Stage::header;
    uint8_t header_size_ = 0;  // header bytes collected so far
    uint8_t opcode_ = 0;
    bool fin_ = false;
    // The opcode of the message being assembled: 0 when none.
    uint8_t message_opcode_ = 0;
    Utf8Validator utf8_;
    // Buffers handed out by the last result, released by the next call.
    bool message_delivered_ = false;
    bool control_delivered_ = false;
    uint16_t failure_code_ = 0;
};

}  // namespace notify::websocket
