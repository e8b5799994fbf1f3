// Text kept inside its owner up to Capacity bytes, on the heap only beyond that. A resume token
// (32 hex characters) belongs to every client, and std::string keeps at most 15 characters
// inline: as a std::string each token would be a heap block of its own. The inline text is
// NUL-padded instead of counted, so 32 characters fit in 32 bytes; text containing NUL goes
// to the heap.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace notify::core {

template <std::size_t Capacity>
class InlineText {
public:
    InlineText& operator=(std::string_view text) {
        inline_.fill('\0');
        if (text.size() <= Capacity && text.find('\0') == std::string_view::npos) {
            spilled_.reset();
            text.copy(inline_.data(), text.size());
        } else {
            spilled_ = std::make_unique<std::string>(text);
        }
        return *this;
    }

    std::string_view view() const {
        if (spilled_) return *spilled_;
        const auto end = std::find(inline_.begin(), inline_.end(), '\0');
        return std::string_view(inline_.data(), static_cast<std::size_t>(end - inline_.begin()));
    }
    operator std::string_view() const { return view(); }
    bool empty() const { return view().empty(); }
    void clear() {
        spilled_.reset();
        inline_.fill('\0');
    }

private:
    std::array<char, Capacity> inline_{};
    std::unique_ptr<std::string> spilled_;
};

}  // namespace notify::core
