#include "runtime/notifyd_commands.hpp"

#include <algorithm>
#include <csignal>
#include <ostream>
#include <system_error>
#include <span>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "manifest/manifest.hpp"
#include "manifest/plugin_loader.hpp"
#include "manifest/print_config.hpp"
#include "notify/notify.h"
#include "runtime/engine.hpp"
#include "runtime/logging.hpp"
#include "runtime/control_signals.hpp"
#include "runtime/reload.hpp"

namespace notify::runtime {
namespace {

std::string one_line(std::string text) {
    std::replace_if(text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    return text;
}

// Runs a command, turning every manifest and plugin error into one stderr line and exit code 2.
template <typename Command>
int guarded(std::ostream& err, Command command) {
    try {
        return command();
    } catch (const host::ManifestError& error) {
        err << "notifyd: " << one_line(error.what()) << std::endl;
    } catch (const host::PluginLoadError& error) {
        err << "notifyd: " << one_line(error.what()) << std::endl;
    } catch (const InstanceError& error) {
        err << "notifyd: " << one_line(error.what()) << std::endl;
    } catch (const std::exception& error) {
        err << "notifyd: " << one_line(error.what()) << std::endl;
        return kExitFailure;
    }
    return kExitConfigError;
}

std::string kinds_of(std::uint32_t kinds) {
    static constexpr std::pair<std::uint32_t, const char*> kNames[] = {
        {NOTIFY_KIND_TRANSPORT, "transport"},
        {NOTIFY_KIND_AUTH, "auth"},
        {NOTIFY_KIND_BROKER, "broker"},
        {NOTIFY_KIND_HANDLER, "handler"}};
    std::string out;
    for (const auto& [bit, name] : kNames) {
        if ((kinds & bit) == 0) continue;
        if (!out.empty()) out += ',';
        out += name;
    }
    return out.empty() ? "-" : out;
}

const char* or_dash(const char* text) { return text != nullptr && *text != '\0' ? text : "-"; }

}  // namespace

std::string version_line() {
    return "notifyd " NOTIFY_VERSION " (ABI " + std::to_string(NOTIFY_ABI_MAJOR) + "." +
           std::to_string(NOTIFY_ABI_MINOR) + ")";
}

std::filesystem::path default_config_path() {
    std::error_code error;
    const auto executable = std::filesystem::read_symlink("/proc/self/exe", error);
    if (!error) {
        const auto installed =
            executable.parent_path() / ".." / "share" / "notify" / "conf" / "notify.toml";
        if (std::filesystem::exists(installed, error)) return installed.lexically_normal();
    }
    return std::filesystem::path("conf") / "notify.toml";
}

int run_check(const std::filesystem::path& config, std::ostream& out, std::ostream& err) {
    return guarded(err, [&] {
        host::Manifest manifest = host::load_manifest(config);
        const std::size_t count = manifest.instances.size();
        host::PluginCatalog catalog(host::PluginCatalog::default_search_dirs(&manifest));
        const Engine engine(std::move(manifest), catalog);
        out << "ok: " << config.string() << " (" << count << " instances)" << std::endl;
        return kExitOk;
    });
}

int run_print_config(const std::filesystem::path& config, std::ostream& out, std::ostream& err) {
    return guarded(err, [&] {
        host::Manifest manifest = host::load_manifest(config);
        host::PluginCatalog catalog(host::PluginCatalog::default_search_dirs(&manifest));
        std::vector<std::span<const notify_config_key>> schemas;
        for (const host::PluginInstanceSpec& spec : manifest.instances) {
            const notify_plugin_descriptor& descriptor =
                catalog.load(spec.plugin, manifest.base_dir)->descriptor();
            schemas.emplace_back(descriptor.config_keys,
                                 descriptor.config_keys != nullptr ? descriptor.config_key_count
                                                                   : 0);
        }
        // Every check --check makes, so that what is printed is known to run.
        const Engine engine(manifest, catalog);
        out << host::print_config(manifest, schemas);
        out.flush();
        return kExitOk;
    });
}

int run_list_plugins(const std::optional<std::filesystem::path>& config, std::ostream& out,
                     std::ostream& err) {
    return guarded(err, [&] {
        std::optional<host::Manifest> manifest;
        if (config) manifest = host::load_manifest(*config);
        host::PluginCatalog catalog(
            host::PluginCatalog::default_search_dirs(manifest ? &*manifest : nullptr));
        for (const auto& listing : catalog.list_all()) {
            if (!listing.library) {
                out << listing.path.string() << ": " << one_line(listing.error) << '\n';
                continue;
            }
            const notify_plugin_descriptor& descriptor = listing.library->descriptor();
            out << or_dash(descriptor.name) << ' ' << or_dash(descriptor.version) << ' '
                << kinds_of(descriptor.kinds) << ' ' << listing.path.string() << '\n';
        }
        out.flush();
        return kExitOk;
    });
}

int run_server(const std::filesystem::path& config, std::ostream& err) {
    // Before any thread exists, so every thread inherits the blocked mask.
    ControlSignals signals;
    configure_logging("info");
    return guarded(err, [&] {
        host::Manifest manifest = host::load_manifest(config);
        configure_logging(manifest.log);
        host::PluginCatalog catalog(host::PluginCatalog::default_search_dirs(&manifest));
        {
            Engine engine(std::move(manifest), catalog);
            engine.create();
            engine.start();
            int signal_number = signals.wait();
            for (; signal_number == SIGHUP; signal_number = signals.wait()) {
                spdlog::info("received SIGHUP: reloading {}", config.string());
                reload_manifest(engine, config);
            }
            spdlog::info("received {}", signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
        }
        spdlog::info("stopped");
        return kExitOk;
    });
}

}  // namespace notify::runtime
