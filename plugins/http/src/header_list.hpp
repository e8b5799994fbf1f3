// The headers of the request that creates a session, copied out of it for the session strand.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace notify::http {

// Header lines in the order received, a repeated header once per occurrence: names lowercased,
// values as the parser gave them. The text of all of them shares one buffer instead of costing
// two strings per header.
class HeaderList {
public:
    // More than any browser or proxy sends; Beast's header_limit bounds the bytes already.
    static constexpr size_t max_count = 64;

    size_t size() const { return entries_.size(); }
    std::string_view name(size_t index) const;
    std::string_view value(size_t index) const;

    // Room for `count` headers whose names and values total `text_bytes`, so that add() then
    // allocates nothing.
    void reserve(size_t count, size_t text_bytes);
    // Ignored once max_count headers are kept.
    void add(std::string_view name, std::string_view value);

private:
    struct Entry {
        size_t offset;  // the name; the value follows it
        size_t name_length;
        size_t value_length;
    };
    std::string text_;
    std::vector<Entry> entries_;
};

}  // namespace notify::http
