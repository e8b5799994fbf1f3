// Where the connect and refresh commands take their token from: a fixed --token, or the output
// of --token-cmd, run again for every connect and refresh.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

namespace notify::cli {

class TokenSource {
public:
    TokenSource(std::string token, std::string command)
        : token_(std::move(token)), command_(std::move(command)) {}

    // Whether a new token can be had (--token-cmd): only then can a connection refresh.
    bool refreshable() const { return !command_.empty(); }
    const std::string& command() const { return command_; }
    // The fixed token, or a fresh one from the command. Throws CliError(failure) naming the
    // command when it fails or prints nothing.
    std::string get() const;
    // Prints once per process, on stderr, that a fixed token cannot be refreshed and the
    // connection will be closed when it expires in `ttl_ms`.
    void warn_unrefreshable(std::uint64_t ttl_ms);

private:
    std::string token_;
    std::string command_;
    bool warned_ = false;
};

// Runs `command` with /bin/sh -c and returns its stdout without trailing whitespace; throws
// CliError(failure) when it exits non-zero, is killed, or prints nothing.
std::string run_token_command(const std::string& command);

}  // namespace notify::cli
