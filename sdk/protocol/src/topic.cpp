#include <notify/protocol/json.hpp>

namespace notify::protocol {

namespace {

// C0 controls and DEL are single bytes; C1 controls (U+0080..U+009F) are encoded C2 80..C2 9F.
bool has_control_character(std::string_view text) {
    for (std::size_t at = 0; at < text.size(); ++at) {
        const auto byte = static_cast<unsigned char>(text[at]);
        if (byte < 0x20U || byte == 0x7FU) {
            return true;
        }
        if (byte == 0xC2U && at + 1 < text.size()) {
            const auto next = static_cast<unsigned char>(text[at + 1]);
            if (next >= 0x80U && next <= 0x9FU) {
                return true;
            }
        }
    }
    return false;
}

}  // namespace

bool is_valid_topic(std::string_view topic) {
    return !topic.empty() && topic.size() <= kMaxTopicSize && is_valid_utf8(topic) &&
           !has_control_character(topic);
}

}  // namespace notify::protocol
