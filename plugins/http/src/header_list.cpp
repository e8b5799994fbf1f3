#include "header_list.hpp"

namespace notify::http {

std::string_view HeaderList::name(size_t index) const {
    const Entry &entry = entries_[index];
    return std::string_view(text_).substr(entry.offset, entry.name_length);
}

std::string_view HeaderList::value(size_t index) const {
    const Entry &entry = entries_[index];
    return std::string_view(text_).substr(entry.offset + entry.name_length, entry.value_length);
}

void HeaderList::reserve(size_t count, size_t text_bytes) {
    entries_.reserve(count);
    text_.reserve(text_bytes);
}

void HeaderList::add(std::string_view name, std::string_view value) {
    if (entries_.size() >= max_count) {
        return;
    }
    entries_.push_back(Entry{text_.size(), name.size(), value.size()});
    for (const char c : name) {
        text_.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
    }
    text_.append(value);
}

}  // namespace notify::http
