// Exit codes are part of notify-cli's contract (README.md); every failure travels as a CliError
// up to main, which prints it as one `notify-cli: …` line.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace notify::cli {

enum class ExitCode : int {
    success = 0,
    timeout = 1,
    failure = 2,  // bad arguments, connection or protocol error, error reply, server close
};

class CliError : public std::runtime_error {
public:
    CliError(ExitCode code, const std::string& message);
    // The server ended the connection with this close code (a disconnect push, a WebSocket or
    // UDP close): callers that can reconnect branch on it.
    CliError(ExitCode code, const std::string& message, std::optional<std::uint16_t> close_code);
    ExitCode code() const noexcept { return code_; }
    std::optional<std::uint16_t> close_code() const noexcept { return close_code_; }

private:
    ExitCode code_;
    std::optional<std::uint16_t> close_code_;
};

}  // namespace notify::cli
