#include "frame_reader.hpp"

#include "control_frames.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace notify::websocket {

namespace {

constexpr uint8_t opcode_continuation = 0x0;
constexpr uint8_t opcode_text = 0x1;
constexpr uint8_t opcode_binary = 0x2;

constexpr uint16_t close_protocol_error = 1002;
constexpr uint16_t close_invalid_payload = 1007;
constexpr uint16_t close_message_too_big = 1009;
constexpr uint16_t close_no_status = 1005;

bool is_control(uint8_t opcode) {
    return (opcode & 0x8) != 0;
}

// Codes a peer may send (RFC 6455 7.4): 1004-1006 and 1015 are reserved or local-only.
bool valid_close_code(uint16_t code) {
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
           (code >= 3000 && code <= 4999);
}

// Words at a time: the mask repeats every 4 bytes, so an 8-byte pattern rotated to the key
// position of the first byte stays aligned for the whole run.
void unmask(uint8_t* data, size_t size, const std::array<uint8_t, 4>& key, uint64_t key_offset) {
    std::array<uint8_t, 8> pattern{};
    for (size_t i = 0; i < pattern.size(); ++i) {
        pattern[i] = key[(key_offset + i) & 3];
    }
    uint64_t pattern_word;
    std::memcpy(&pattern_word, pattern.data(), sizeof pattern_word);
    size_t i = 0;
    for (; size - i >= 8; i += 8) {
        uint64_t word;
        std::memcpy(&word, data + i, sizeof word);
        word ^= pattern_word;
        std::memcpy(data + i, &word, sizeof word);
    }
    for (; i < size; ++i) {
        data[i] ^= pattern[i & 7];
    }
}

ReadResult message_event(ReadResult::Kind kind, const uint8_t* data, size_t size, size_t consumed,
                         bool owned) {
    return ReadResult{
        .kind = kind, .consumed = consumed, .data = data, .size = size, .owned = owned};
}

}  // namespace

ReadResult FrameReader::read(uint8_t* input, size_t len) {
    release_delivered();
    if (failure_code_ != 0) {
        return repeat_violation(len);
    }
    size_t pos = 0;
    for (;;) {
        if (stage_ == Stage::header) {
            const HeaderStatus status = collect_header(input, len, pos);
            if (status == HeaderStatus::violation) {
                return violation(failure_code_, failure_reason_, pos);
            }
            if (status == HeaderStatus::incomplete) {
                return ReadResult{.consumed = len};
            }
            // Payloads already complete in this input are used where they lie.
            if (len - pos >= payload_length_) {
                const size_t size = static_cast<size_t>(payload_length_);
                uint8_t* payload = input + pos;
                if (is_control(opcode_)) {
                    unmask(payload, size, mask_, 0);
                    pos += size;
                    stage_ = Stage::header;
                    return control_event(payload, size, pos);
                }
                if (fin_ && opcode_ != opcode_continuation) {
                    unmask(payload, size, mask_, 0);
                    pos += size;
                    stage_ = Stage::header;
                    const bool text = opcode_ == opcode_text;
                    if (text) {
                        Utf8Validator whole;
                        if (!whole.feed(payload, size) || !whole.complete()) {
                            return violation(close_invalid_payload, "invalid UTF-8 in text message",
                                             pos);
                        }
                    }
                    return message_event(text ? ReadResult::Kind::text : ReadResult::Kind::binary,
                                         payload, size, pos, false);
                }
            }
            if (is_control(opcode_)) {
                control_ = std::make_unique<std::vector<uint8_t>>();
                control_->reserve(static_cast<size_t>(payload_length_));
            } else if (opcode_ != opcode_continuation) {
                message_opcode_ = opcode_;
                utf8_.reset();
            }
        }

        const uint64_t remaining = payload_length_ - payload_done_;
        const size_t chunk = static_cast<size_t>(std::min<uint64_t>(remaining, len - pos));
        uint8_t* payload = input + pos;
        unmask(payload, chunk, mask_, payload_done_);
        if (is_control(opcode_)) {
            control_->insert(control_->end(), payload, payload + chunk);
        } else {
            if (message_opcode_ == opcode_text && !utf8_.feed(payload, chunk)) {
                return violation(close_invalid_payload, "invalid UTF-8 in text message",
                                 pos + chunk);
            }
            message_.insert(message_.end(), payload, payload + chunk);
        }
        pos += chunk;
        payload_done_ += chunk;
        if (payload_done_ < payload_length_) {
            return ReadResult{.consumed = len};
        }

        stage_ = Stage::header;
        if (is_control(opcode_)) {
            control_delivered_ = true;
            return control_event(control_->data(), control_->size(), pos);
        }
        if (fin_) {
            const bool text = message_opcode_ == opcode_text;
            if (text && !utf8_.complete()) {
                return violation(close_invalid_payload, "text message ends inside a UTF-8 sequence",
                                 pos);
            }
            message_opcode_ = 0;
            message_delivered_ = true;
            return message_event(text ? ReadResult::Kind::text : ReadResult::Kind::binary,
                                 message_.data(), message_.size(), pos, true);
        }
        // A fragment ended: on to the next frame header.
    }
}

std::vector<uint8_t> FrameReader::take_message() {
    if (!message_delivered_) {
        return {};
    }
    message_delivered_ = false;
    return std::exchange(message_, std::vector<uint8_t>());
}

void FrameReader::release_delivered() {
    // Assigned a new vector: `= {}` would pick the initializer_list overload and keep the capacity.
    if (message_delivered_) {
        message_delivered_ = false;
        message_ = std::vector<uint8_t>();
    }
    if (control_delivered_) {
        control_delivered_ = false;
        control_.reset();
    }
}

FrameReader::HeaderStatus FrameReader::collect_header(const uint8_t* input, size_t len,
                                                      size_t& pos) {
    const auto copy_up_to = [&](size_t wanted) {
        const size_t count = std::min(wanted - header_size_, len - pos);
        std::memcpy(header_.data() + header_size_, input + pos, count);
        header_size_ = static_cast<uint8_t>(header_size_ + count);
        pos += count;
    };
    if (header_size_ < 2) {
        copy_up_to(2);
        if (header_size_ < 2) {
            return HeaderStatus::incomplete;
        }
    }
    // Checked before the rest of the header so that nonsense is refused as early as possible.
    if (check_first_bytes() == HeaderStatus::violation) {
        return HeaderStatus::violation;
    }
    const uint8_t length_code = header_[1] & 0x7F;
    const size_t extended = length_code == 126 ? 2 : length_code == 127 ? 8 : 0;
    const size_t full = 2 + extended + 4;
    copy_up_to(full);
    if (header_size_ < full) {
        return HeaderStatus::incomplete;
    }
    return accept_header();
}

FrameReader::HeaderStatus FrameReader::check_first_bytes() {
    const uint8_t first = header_[0];
    const uint8_t opcode = first & 0x0F;
    const char* problem = nullptr;
    if ((first & 0x70) != 0) {
        problem = "reserved bits set (no extension negotiated)";
    } else if (opcode != opcode_continuation && opcode != opcode_text && opcode != opcode_binary &&
               opcode != ws_opcode_close && opcode != ws_opcode_ping && opcode != ws_opcode_pong) {
        problem = "unknown opcode";
    } else if ((header_[1] & 0x80) == 0) {
        problem = "unmasked client frame";
    } else if (is_control(opcode) && (first & 0x80) == 0) {
        problem = "fragmented control frame";
    } else if (opcode == opcode_continuation && message_opcode_ == 0) {
        problem = "continuation frame without a message in progress";
    } else if ((opcode == opcode_text || opcode == opcode_binary) && message_opcode_ != 0) {
        problem = "new message inside a fragmented message";
    }
    if (problem == nullptr) {
        return HeaderStatus::ready;
    }
    failure_code_ = close_protocol_error;
    failure_reason_ = problem;
    return HeaderStatus::violation;
}

FrameReader::HeaderStatus FrameReader::accept_header() {
    const uint8_t length_code = header_[1] & 0x7F;
    uint64_t length = length_code;
    size_t mask_at = 2;
    // Non-minimal length encodings are accepted: refusing them protects nothing.
    if (length_code == 126) {
        length = (uint64_t{header_[2]} << 8) | header_[3];
        mask_at = 4;
    } else if (length_code == 127) {
        length = 0;
        for (size_t i = 2; i < 10; ++i) {
            length = (length << 8) | header_[i];
        }
        mask_at = 10;
    }
    const uint8_t opcode = header_[0] & 0x0F;
    const auto fail = [&](uint16_t code, const char* reason) {
        failure_code_ = code;
        failure_reason_ = reason;
        return HeaderStatus::violation;
    };
    if ((length >> 63) != 0) {
        return fail(close_protocol_error, "64-bit frame length with the top bit set");
    }
    if (is_control(opcode) && length > ws_max_control_payload) {
        return fail(close_protocol_error, "control frame longer than 125 bytes");
    }
    // Refused on the header alone, so an oversized message costs no memory.
    if (!is_control(opcode) && length > max_message_size_ - message_.size()) {
        return fail(close_message_too_big, "message larger than the limit");
    }
    std::memcpy(mask_.data(), header_.data() + mask_at, mask_.size());
    opcode_ = opcode;
    fin_ = (header_[0] & 0x80) != 0;
    payload_length_ = length;
    payload_done_ = 0;
    header_size_ = 0;
    stage_ = Stage::payload;
    return HeaderStatus::ready;
}

ReadResult FrameReader::control_event(const uint8_t* payload, size_t size, size_t consumed) {
    ReadResult result{.consumed = consumed};
    if (opcode_ == ws_opcode_ping || opcode_ == ws_opcode_pong) {
        result.kind = opcode_ == ws_opcode_ping ? ReadResult::Kind::ping : ReadResult::Kind::pong;
        result.data = payload;
        result.size = size;
        return result;
    }
    if (size == 0) {
        result.kind = ReadResult::Kind::close;
        result.close_code = close_no_status;
        return result;
    }
    if (size == 1) {
        return violation(close_protocol_error, "close payload of one byte", consumed);
    }
    const auto code = static_cast<uint16_t>((payload[0] << 8) | payload[1]);
    if (!valid_close_code(code)) {
        return violation(close_protocol_error, "invalid close code", consumed);
    }
    Utf8Validator reason;
    if (!reason.feed(payload + 2, size - 2) || !reason.complete()) {
        return violation(close_invalid_payload, "invalid UTF-8 in close reason", consumed);
    }
    result.kind = ReadResult::Kind::close;
    result.close_code = code;
    result.data = payload + 2;
    result.size = size - 2;
    return result;
}

ReadResult FrameReader::violation(uint16_t code, const char* reason, size_t consumed) {
    failure_code_ = code;
    failure_reason_ = reason;
    return ReadResult{.kind = ReadResult::Kind::violation,
                      .consumed = consumed,
                      .close_code = code,
                      .reason = reason};
}

ReadResult FrameReader::repeat_violation(size_t consumed) const {
    return ReadResult{.kind = ReadResult::Kind::violation,
                      .consumed = consumed,
                      .close_code = failure_code_,
                      .reason = failure_reason_};
}

}  // namespace notify::websocket
