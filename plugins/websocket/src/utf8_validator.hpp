// Strict UTF-8 (RFC 3629) checked as bytes arrive: a text message may be split across frames and
// reads at any byte, so the position inside a multi-byte sequence is carried between feeds.
#pragma once

#include <cstddef>
#include <cstdint>

namespace notify::websocket {

class Utf8Validator {
  public:
    // False at the first invalid byte, and from then on until reset().
    bool feed(const uint8_t* data, size_t len) {
        if (failed_) {
            return false;
        }
        size_t index = 0;
        while (index < len) {
            if (pending_ == 0) {
                // Most payloads are ASCII: run through it without the sequence machinery.
                while (index < len && data[index] < 0x80) {
                    ++index;
                }
                if (index == len) {
                    break;
                }
                if (!start_sequence(data[index])) {
                    failed_ = true;
                    return false;
                }
            } else if (!continue_sequence(data[index])) {
                failed_ = true;
                return false;
            }
            ++index;
        }
        return true;
    }

    // True when not inside a multi-byte sequence (and nothing invalid was fed).
    bool complete() const { return pending_ == 0 && !failed_; }

    void reset() {
        pending_ = 0;
        next_low_ = 0x80;
        next_high_ = 0xBF;
        failed_ = false;
    }

  private:
    bool start_sequence(uint8_t lead) {
        if (lead < 0x80) {
            return true;
        }
        // The bounds on the first continuation byte are what rule out overlong forms
        // (E0, F0), UTF-16 surrogates (ED) and code points above U+10FFFF (F4).
        next_low_ = 0x80;
        next_high_ = 0xBF;
        if (lead >= 0xC2 && lead <= 0xDF) {
            pending_ = 1;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            pending_ = 2;
            if (lead == 0xE0) {
                next_low_ = 0xA0;
            } else if (lead == 0xED) {
                next_high_ = 0x9F;
            }
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            pending_ = 3;
            if (lead == 0xF0) {
                next_low_ = 0x90;
            } else if (lead == 0xF4) {
                next_high_ = 0x8F;
            }
        } else {
            return false;  // stray continuation byte, C0/C1 (always overlong) or F5..FF
        }
        return true;
    }

    bool continue_sequence(uint8_t byte) {
        if (byte < next_low_ || byte > next_high_) {
            return false;
        }
        next_low_ = 0x80;
        next_high_ = 0xBF;
        --pending_;
        return true;
    }

    uint8_t pending_ = 0;  // continuation bytes still expected
    uint8_t next_low_ = 0x80;
    uint8_t next_high_ = 0xBF;
    bool failed_ = false;
};

}  // namespace notify::websocket
