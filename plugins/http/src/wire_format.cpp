#include "wire_format.hpp"

#include <array>

namespace notify::http {

std::string json_string(std::string_view text) {
    static constexpr std::array<char, 16> hex{'0', '1', '2', '3', '4', '5', '6', '7',
                                              '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
    std::string out;
    out.reserve(text.size() + 2);
    out.push_back('"');
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(c);
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (byte < 0x20) {
            out += "\\u00";
            out.push_back(hex[byte >> 4]);
            out.push_back(hex[byte & 0x0f]);
        } else {
            out.push_back(c);
        }
    }
    out.push_back('"');
    return out;
}

std::string json_array(const std::vector<std::string_view> &frames) {
    size_t size = 2;
    for (const std::string_view frame : frames) {
        size += frame.size() + 1;
    }
    std::string out;
    out.reserve(size);
    out.push_back('[');
    for (size_t i = 0; i < frames.size(); ++i) {
        if (i > 0) {
            out.push_back(',');
        }
        out += frames[i];
    }
    out.push_back(']');
    return out;
}

namespace {

void append_data_lines(std::string &out, std::string_view data) {
    out += "data: ";
    for (size_t i = 0; i < data.size(); ++i) {
        const char c = data[i];
        if (c == '\r' || c == '\n') {
            if (c == '\r' && i + 1 < data.size() && data[i + 1] == '\n') {
                ++i;
            }
            out += "\ndata: ";
        } else {
            out.push_back(c);
        }
    }
    out += "\n\n";
}

}  // namespace

void append_sse_frame(std::string &out, uint64_t seq, std::string_view frame) {
    out += "id: ";
    out += std::to_string(seq);
    out.push_back('\n');
    append_data_lines(out, frame);
}

void append_sse_event(std::string &out, std::string_view name, std::string_view data) {
    out += "event: ";
    out += name;
    out.push_back('\n');
    append_data_lines(out, data);
}

std::vector<std::string_view> split_commands(std::string_view body) {
    std::vector<std::string_view> commands;
    while (!body.empty()) {
        const size_t newline = body.find('\n');
        std::string_view line = body.substr(0, newline);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (line.find_first_not_of(" \t") != std::string_view::npos) {
            commands.push_back(line);
        }
        if (newline == std::string_view::npos) {
            break;
        }
        body.remove_prefix(newline + 1);
    }
    return commands;
}

std::string close_body(uint16_t code, std::string_view reason) {
    return "{\"code\":" + std::to_string(code) + ",\"reason\":" + json_string(reason) + "}";
}

std::string error_body(std::string_view message) {
    return "{\"error\":" + json_string(message) + "}";
}

}  // namespace notify::http
