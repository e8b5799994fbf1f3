// notifyd [--config FILE] [--check] [--print-config] [--version] [--list-plugins]
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "runtime/notifyd_commands.hpp"

int main(int argc, char** argv) {
    CLI::App app{"notifyd: the Notify pub/sub server"};
    std::string config;
    bool check = false;
    bool print_config = false;
    bool version = false;
    bool list_plugins = false;
    app.add_option("--config", config,
                   "manifest file (default: <prefix>/share/notify/conf/notify.toml, else "
                   "conf/notify.toml)");
    app.add_flag("--check", check,
                 "load the manifest and every plugin, validate every instance, then exit");
    app.add_flag("--print-config", print_config,
                 "print the effective manifest, every default filled in, checked as --check "
                 "does, then exit");
    app.add_flag("--version", version, "print the version and the plugin ABI version");
    app.add_flag("--list-plugins", list_plugins,
                 "list the plugins found in the search dirs and exit");
    CLI11_PARSE(app, argc, argv);

    if (version) {
        std::cout << notify::runtime::version_line() << std::endl;
        return notify::runtime::kExitOk;
    }
    if (list_plugins) {
        std::optional<std::filesystem::path> manifest;
        if (!config.empty()) manifest = config;
        return notify::runtime::run_list_plugins(manifest, std::cout, std::cerr);
    }
    const std::filesystem::path file =
        config.empty() ? notify::runtime::default_config_path() : std::filesystem::path(config);
    if (print_config) return notify::runtime::run_print_config(file, std::cout, std::cerr);
    if (check) return notify::runtime::run_check(file, std::cout, std::cerr);
    return notify::runtime::run_server(file, std::cerr);
}
