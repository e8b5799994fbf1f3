#include "cli_lines.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <sstream>

namespace notify::test {

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) lines.push_back(line);
    }
    return lines;
}

std::vector<MessageLine> message_lines(const std::string& stdout_text) {
    static const std::regex pattern(
        R"re(^\{"topic":"([^"]*)","offset":([0-9]+),"epoch":"([^"]*)","data":"([^"\\]*)"\}$)re");
    std::vector<MessageLine> lines;
    for (const std::string& line : split_lines(stdout_text)) {
        std::smatch match;
        if (!std::regex_match(line, match, pattern)) {
            ADD_FAILURE() << "not a message line: " << line;
            continue;
        }
        lines.push_back(MessageLine{match[1], std::stoull(match[2]), match[3], match[4]});
    }
    return lines;
}

std::vector<MessageLine> expected_lines(const std::string& topic, const std::string& epoch,
                                        std::uint64_t first_offset,
                                        const std::vector<std::string>& data) {
    std::vector<MessageLine> lines;
    for (const std::string& payload : data) {
        lines.push_back(MessageLine{topic, first_offset++, epoch, payload});
    }
    return lines;
}

std::vector<std::string> numbered(const std::string& data, int count) {
    std::vector<std::string> payloads;
    for (int n = 1; n <= count; ++n) payloads.push_back(data + "-" + std::to_string(n));
    return payloads;
}

std::optional<ClientSession> client_line(const std::string& stderr_text) {
    static const std::regex pattern(R"re(^client (\S+) (\S+)$)re");
    for (const std::string& line : split_lines(stderr_text)) {
        std::smatch match;
        if (std::regex_match(line, match, pattern)) return ClientSession{match[1], match[2]};
    }
    return std::nullopt;
}

std::string other_epoch(const std::string& epoch) {
    std::string other = epoch;
    for (char& c : other) c = c == '0' ? '1' : '0';
    return other;
}

}  // namespace notify::test
