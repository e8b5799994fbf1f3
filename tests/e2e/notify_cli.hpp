// notify-cli started for a test, its output in files in the test's folder. Only for targets
// that define NOTIFY_CLI_PATH (notifyd_fixture.cpp is also built where it is not defined).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "process.hpp"

namespace notify::test {

inline std::unique_ptr<Process> start_cli(const std::filesystem::path& dir,
                                          const std::string& label,
                                          std::vector<std::string> args) {
    return start_process(NOTIFY_CLI_PATH, std::move(args), dir, label);
}

}  // namespace notify::test
