// Finding, loading and checking plugin shared libraries (Boost.DLL, RTLD_NOW | RTLD_LOCAL).
#pragma once

#include <cstddef>
#include <cstdint>
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

// What load() accepts from an entry symbol (ABI major 1):
//   - descriptor->abi_major == 1 (any abi_minor: a newer minor only appends members);
//   - descriptor->size reaches at least through `destroy` (every 1.0 member before the vtable
//     pointers) AND through the vtable pointer of every kind it declares. A plugin built against
//     a header that ended earlier can therefore leave off the pointers of kinds it does not
//     provide (an auth-only plugin may end its descriptor at `auth`);
//   - name ([a-z0-9_-]+), create and destroy are set; config_keys is set when config_key_count
//     is not 0, and every key has a name and a known type;
//   - at least one known kind; every declared kind has a vtable whose size reaches through its
//     required functions, which are set: transport deliver and close, auth authenticate, broker
//     publish, handler on_event. Members past a vtable's size read as NULL/0.
// Kind bits this host does not know are dropped from the normalized copy; a NULL version or
// description reads as "".
struct NormalizedDescriptor {
    notify_plugin_descriptor descriptor{};  // vtable pointers point at the members below
    notify_transport_vtable transport{};
    notify_auth_vtable auth{};
    notify_broker_vtable broker{};
    notify_handler_vtable handler{};

    NormalizedDescriptor() = default;
    NormalizedDescriptor(const NormalizedDescriptor&) = delete;
    NormalizedDescriptor& operator=(const NormalizedDescriptor&) = delete;
};

// Checks `raw` by the rules above and copies it (min(size, sizeof) bytes of each struct) into
// zero-filled current-size structs. The copy's size members are the current sizeof; abi_minor
// stays the plugin's. Throws PluginLoadError whose what() is the bare reason (load() prefixes
// the plugin and path).
std::unique_ptr<const NormalizedDescriptor> normalize_descriptor(
    const notify_plugin_descriptor* raw);

// The smallest descriptor size accepted for a descriptor declaring `kinds`.
std::size_t minimum_descriptor_size(std::uint32_t kinds);

// "websocket" -> "notify_websocket.so".
std::string plugin_file_name(const std::string& name);

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

    // Every plugin file (notify_*.so) in the search dirs, in search order and by file name
    // within a folder, each file once (for --list-plugins), with the error when it does not load.
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
