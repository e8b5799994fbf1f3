#include "cli_error.hpp"

namespace notify::cli {

CliError::CliError(ExitCode code, const std::string& message)
    : std::runtime_error(message), code_(code) {}

CliError::CliError(ExitCode code, const std::string& message,
                   std::optional<std::uint16_t> close_code)
    : std::runtime_error(message), code_(code), close_code_(close_code) {}

}  // namespace notify::cli
