#include "token_source.hpp"

#include <sys/wait.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "cli_error.hpp"

namespace notify::cli {

std::string run_token_command(const std::string& command) {
    const std::string what = "--token-cmd '" + command + "'";
    std::fflush(stdout);
    FILE* pipe = ::popen(command.c_str(), "r");  // /bin/sh -c command
    if (pipe == nullptr) {
        throw CliError(ExitCode::failure,
                       what + " could not be run: " + std::string(std::strerror(errno)));
    }
    std::string output;
    std::array<char, 4096> buffer{};
    for (;;) {
        const std::size_t read = std::fread(buffer.data(), 1, buffer.size(), pipe);
        output.append(buffer.data(), read);
        if (read < buffer.size()) break;
    }
    const int status = ::pclose(pipe);
    if (status == -1) {
        throw CliError(ExitCode::failure,
                       what + " could not be waited for: " + std::string(std::strerror(errno)));
    }
    if (WIFSIGNALED(status)) {
        throw CliError(ExitCode::failure,
                       what + " was killed by signal " + std::to_string(WTERMSIG(status)));
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        throw CliError(ExitCode::failure,
                       what + " failed with exit status " + std::to_string(WEXITSTATUS(status)));
    }
    const auto end = output.find_last_not_of(" \t\r\n\f\v");
    output.erase(end == std::string::npos ? 0 : end + 1);
    if (output.empty()) throw CliError(ExitCode::failure, what + " printed no token");
    return output;
}

std::string TokenSource::get() const {
    return command_.empty() ? token_ : run_token_command(command_);
}

void TokenSource::warn_unrefreshable(std::uint64_t ttl_ms) {
    if (warned_) return;
    warned_ = true;
    const std::string line = "notify-cli: the token expires in " + std::to_string(ttl_ms / 1000) +
                             " s and a fixed --token cannot be refreshed (use --token-cmd); the "
                             "server will close the connection then\n";
    std::fputs(line.c_str(), stderr);
    std::fflush(stderr);
}

}  // namespace notify::cli
