#include "sse_parser.hpp"

namespace notify::cli {

std::vector<SseEvent> SseParser::feed(std::string_view bytes) {
    std::vector<SseEvent> events;
    for (;;) {
        const auto end = bytes.find('\n');
        if (end == std::string_view::npos) {
            partial_line_.append(bytes);
            return events;
        }
        partial_line_.append(bytes.substr(0, end));
        bytes.remove_prefix(end + 1);
        std::string line = std::move(partial_line_);
        partial_line_.clear();
        if (!line.empty() && line.back() == '\r') line.pop_back();
        take_line(line, events);
    }
}

void SseParser::take_line(std::string_view line, std::vector<SseEvent>& events) {
    if (line.empty()) {
        if (has_data_) events.push_back({type_.empty() ? "message" : type_, std::move(data_)});
        type_.clear();
        data_.clear();
        has_data_ = false;
        return;
    }
    if (line.front() == ':') return;
    const auto colon = line.find(':');
    const std::string_view field = line.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? std::string_view{}
                                                             : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (field == "event") {
        type_ = std::string(value);
    } else if (field == "data") {
        if (has_data_) data_ += '\n';
        data_.append(value);
        has_data_ = true;
    }
}

bool split_json_array(std::string_view body, std::vector<std::string>& frames) {
    std::size_t first = body.find_first_not_of(" \t\r\n");
    std::size_t last = body.find_last_not_of(" \t\r\n");
    if (first == std::string_view::npos || body[first] != '[' || body[last] != ']') return false;
    const std::string_view inside = body.substr(first + 1, last - first - 1);
    int depth = 0;
    bool in_string = false;
    bool escaped = false;
    std::size_t start = 0;
    auto take = [&](std::size_t end) {
        const std::string_view item = inside.substr(start, end - start);
        const auto begin = item.find_first_not_of(" \t\r\n");
        if (begin == std::string_view::npos) return false;
        frames.emplace_back(item.substr(begin, item.find_last_not_of(" \t\r\n") - begin + 1));
        return true;
    };
    for (std::size_t i = 0; i < inside.size(); ++i) {
        const char c = inside[i];
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            ++depth;
        } else if (c == '}' || c == ']') {
            if (--depth < 0) return false;
        } else if (c == ',' && depth == 0) {
            if (!take(i)) return false;
            start = i + 1;
        }
    }
    if (in_string || depth != 0) return false;
    if (inside.find_first_not_of(" \t\r\n") == std::string_view::npos) return true;
    return take(inside.size());
}

}  // namespace notify::cli
