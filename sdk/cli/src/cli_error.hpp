// Exit codes are part of notify-cli's contract (README.md); every failure travels as a CliError
// up to main, which prints it as one `notify-cli: …` line.
#pragma once

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
    ExitCode code() const noexcept { return code_; }

private:
    ExitCode code_;
};

}  // namespace notify::cli
