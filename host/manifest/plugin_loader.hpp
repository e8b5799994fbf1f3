// Finding, loading and checking plugin shared libraries (Boost.DLL, RTLD_NOW | RTLD_LOCAL).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "manifest.hpp"
#include "notify/notify.h"

namespace notify::host {

// Thrown for every load problem. what() is one line naming the plugin, its path and the reason:
// "plugin 'websocket' (/usr/lib/notify/plugins/notify_websocket.so): <reason>".
class PluginLoadError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// One loaded .so. Stays loaded until process exit (plugins are resident by design).
// Descriptor and vtables are copied into zero-filled structs of the current ABI size, so members
// newer than the plugin's minor read as NULL/0.
class PluginLibrary {
public:
    virtual ~PluginLibrary() = default;
    virtual const std::filesystem::path& path() const = 0;
    virtual const notify_plugin_descriptor& descriptor() const = 0;  // normalized copy
};

class PluginCatalog {
public:
    // search_dirs: manifest [plugins] dirs, then $NOTIFY_PLUGIN_PATH (colon-separated), then
    // <dir of notifyd>/../lib/notify/plugins (the install and build-tree layout).
    explicit PluginCatalog(std::vector<std::filesystem::path> search_dirs);

    static std::vector<std::filesystem::path> default_search_dirs(const Manifest* manifest);

    // A name ("websocket" -> notify_websocket.so in the search dirs) or a path (contains '/' or
    // ends in ".so"; relative paths resolve against base_dir). Loads once per file. Throws
    // PluginLoadError for a missing file, dlopen failure, missing entry symbol (saying which ABI
    // major the file was built for when it exports another major's entry), wrong ABI major,
    // a descriptor too small or inconsistent (kind without vtable, missing required function).
    std::shared_ptr<const PluginLibrary> load(const std::string& plugin,
                                              const std::filesystem::path& base_dir);

    // Every loadable plugin file in the search dirs (for --list-plugins), and per file the
    // error when it does not load.
    struct Listing {
        std::filesystem::path path;
        std::shared_ptr<const PluginLibrary> library;  // null when it failed
        std::string error;
    };
    std::vector<Listing> list_all();

    const std::vector<std::filesystem::path>& search_dirs() const { return search_dirs_; }

private:
    std::vector<std::filesystem::path> search_dirs_;
    std::map<std::filesystem::path, std::shared_ptr<const PluginLibrary>> loaded_;
};

// Checks an instance's settings against the plugin's schema: unknown keys and wrong types throw
// ManifestError with file, line and key; so does a kind the plugin does not provide.
void validate_plugin_settings(const PluginInstanceSpec& spec, const PluginLibrary& library);

}  // namespace notify::host
