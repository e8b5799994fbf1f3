// The headers of the HTTP request that opened a connection, as a transport hands them to the
// host (notify_conn_info.headers, ABI 1.7). Shared by the websocket and http transports so that
// both report headers the same way: in the order received, a repeated header once per
// occurrence, names lowercased, at most max_count of them.
#pragma once

#include <notify/notify.h>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace notify::sdk {

// Every connect builds one, so the text of all headers shares one buffer instead of costing two
// strings per header.
class HeaderList {
public:
    // More than any browser or proxy sends; the request's size limit bounds the bytes already.
    static constexpr std::size_t max_count = 64;
    using Views = std::array<notify_header, max_count>;

    std::size_t size() const { return entries_.size(); }

    std::string_view name(std::size_t index) const {
        const Entry &entry = entries_[index];
        return std::string_view(text_).substr(entry.offset, entry.name_length);
    }

    std::string_view value(std::size_t index) const {
        const Entry &entry = entries_[index];
        return std::string_view(text_).substr(entry.offset + entry.name_length,
                                              entry.value_length);
    }

    // Room for `count` headers whose names and values total `text_bytes`, so that add() then
    // allocates nothing.
    void reserve(std::size_t count, std::size_t text_bytes) {
        entries_.reserve(count);
        text_.reserve(text_bytes);
    }

    // Ignored once max_count headers are kept. The name is lowercased (ASCII).
    void add(std::string_view name, std::string_view value) {
        if (entries_.size() >= max_count) return;
        entries_.push_back(Entry{text_.size(), name.size(), value.size()});
        for (const char c : name) {
            text_.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
        }
        text_.append(value);
    }

    // Points conn_info at these headers through `views` (caller storage, e.g. on the stack, that
    // must outlive the conn_open call); both stay borrowed, as conn_open expects.
    void fill(notify_conn_info &info, Views &views) const {
        for (std::size_t i = 0; i < entries_.size(); ++i) {
            const std::string_view header_name = name(i);
            const std::string_view header_value = value(i);
            views[i] = notify_header{notify_str{header_name.data(), header_name.size()},
                                     notify_str{header_value.data(), header_value.size()}};
        }
        info.headers = entries_.empty() ? nullptr : views.data();
        info.header_count = entries_.size();
    }

private:
    struct Entry {
        std::size_t offset;  // the name; the value follows it
        std::size_t name_length;
        std::size_t value_length;
    };
    std::string text_;
    std::vector<Entry> entries_;
};

}  // namespace notify::sdk
