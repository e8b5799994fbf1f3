#include "cli_error.hpp"

namespace notify::cli {

CliError::CliError(ExitCode code, const std::string& message)
    : std::runtime_error(message), code_(code) {}

}  // namespace notify::cli
