// What notifyd does for each command-line mode; main() only parses arguments and calls these.
// Each returns the process exit code: 0 on success, 2 for a manifest or plugin error (printed as
// one line on stderr), 1 for anything unexpected.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>

namespace notify::runtime {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitConfigError = 2;

// "notifyd 0.1.0 (ABI 1.0)"
std::string version_line();

// <dir of notifyd>/../share/notify/conf/notify.toml when it exists, else conf/notify.toml.
std::filesystem::path default_config_path();

// Loads the manifest and every plugin, validates every instance; prints "ok: FILE (N instances)".
int run_check(const std::filesystem::path& config, std::ostream& out, std::ostream& err);

// Loads and checks the manifest and its plugins as run_check does, then prints the effective
// manifest (host/manifest/print_config.hpp) on `out`.
int run_print_config(const std::filesystem::path& config, std::ostream& out, std::ostream& err);

// One line per plugin file in the search dirs (of `config`'s manifest when given):
// name, version, kinds, path — or the path and its load error.
int run_list_plugins(const std::optional<std::filesystem::path>& config, std::ostream& out,
                     std::ostream& err);

// Runs the server until SIGINT or SIGTERM, then shuts down gracefully. SIGHUP reloads the
// manifest (runtime/reload.hpp).
int run_server(const std::filesystem::path& config, std::ostream& err);

}  // namespace notify::runtime
