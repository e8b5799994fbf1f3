// An HTTP response split into its parts, so that tests can check it is well formed.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace notify::websocket {

struct Response {
    std::string status_line;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    std::optional<std::string> header(std::string_view name) const {
        for (const auto &[key, value] : headers) {
            if (key == name) {
                return value;
            }
        }
        return std::nullopt;
    }
};

inline Response split(const std::string &text) {
    Response response;
    const std::size_t head_end = text.find("\r\n\r\n");
    EXPECT_NE(head_end, std::string::npos) << text;
    if (head_end == std::string::npos) {
        return response;
    }
    response.body = text.substr(head_end + 4);
    std::size_t line_start = text.find("\r\n");
    response.status_line = text.substr(0, line_start);
    while (line_start < head_end) {
        line_start += 2;
        const std::size_t line_end = text.find("\r\n", line_start);
        const std::string line = text.substr(line_start, line_end - line_start);
        const std::size_t colon = line.find(": ");
        EXPECT_NE(colon, std::string::npos) << line;
        response.headers.emplace_back(line.substr(0, colon), line.substr(colon + 2));
        line_start = line_end;
    }
    return response;
}

}  // namespace notify::websocket
