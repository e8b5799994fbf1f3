// Shared by the notify-cli test files: the binary under test and time limits.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace notify::cli::testing {

inline constexpr std::chrono::milliseconds kExitTimeout{10'000};
inline constexpr std::chrono::milliseconds kScriptTimeout{5'000};
// How long a test watches a child to show that it does not act early.
inline constexpr std::chrono::milliseconds kQuietPeriod{300};

inline std::vector<std::string> cli(std::vector<std::string> arguments) {
    arguments.insert(arguments.begin(), NOTIFY_CLI_PATH);
    return arguments;
}

}  // namespace notify::cli::testing
