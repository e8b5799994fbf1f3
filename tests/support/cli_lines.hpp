// notify-cli's output read back: its non-empty lines, the message lines of `sub` (stdout) and its
// `client ID TOKEN` line (stderr), as sdk/cli/README.md defines them.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace notify::test {

// The non-empty lines of `text` (a child's stdout or stderr).
std::vector<std::string> split_lines(const std::string& text);

// {"topic":"T","offset":N,"epoch":"E","data":"D"}; data only for payloads without escapes.
struct MessageLine {
    std::string topic;
    std::uint64_t offset = 0;
    std::string epoch;
    std::string data;

    bool operator==(const MessageLine&) const = default;
};

inline void PrintTo(const MessageLine& line, std::ostream* out) {
    *out << line.topic << '@' << line.offset << ':' << line.epoch << " \"" << line.data << '"';
}

// Every stdout line of a `sub`; a line of another form fails the test and is left out.
std::vector<MessageLine> message_lines(const std::string& stdout_text);

// The messages `data`, `data`+1, … expected at offsets first_offset, first_offset+1, … of one
// topic and epoch.
std::vector<MessageLine> expected_lines(const std::string& topic, const std::string& epoch,
                                        std::uint64_t first_offset,
                                        const std::vector<std::string>& data);

// The payloads notify-cli `pub DATA --count N` publishes: DATA-1 … DATA-N.
std::vector<std::string> numbered(const std::string& data, int count);

struct ClientSession {
    std::string client;
    std::string resume;
};

// The `client ID TOKEN` line of a `sub`'s stderr; nullopt without one.
std::optional<ClientSession> client_line(const std::string& stderr_text);

// The same epoch form with every character changed, so it is certainly another epoch.
std::string other_epoch(const std::string& epoch);

}  // namespace notify::test
