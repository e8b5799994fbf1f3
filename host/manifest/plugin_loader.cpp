#include "plugin_loader.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <boost/dll/shared_library.hpp>
#include <cstdlib>
#include <mutex>
#include <set>
#include <string_view>
#include <system_error>

namespace notify::host {
namespace {

constexpr int newest_foreign_major = 9;

class LoadedLibrary final : public PluginLibrary {
public:
    LoadedLibrary(boost::dll::shared_library library, std::filesystem::path path,
                  std::unique_ptr<const NormalizedDescriptor> normalized)
        : library_(std::move(library)),
          path_(std::move(path)),
          normalized_(std::move(normalized)) {}

    const std::filesystem::path& path() const override { return path_; }
    const notify_plugin_descriptor& descriptor() const override { return normalized_->descriptor; }

private:
    boost::dll::shared_library library_;
    std::filesystem::path path_;
    std::unique_ptr<const NormalizedDescriptor> normalized_;
};

// Plugins are resident until exit: unloading code that threads, atexit handlers or static
// destructors may still reach is a crash at shutdown. Every loaded library is kept here, in an
// object that is never destroyed, whatever happens to the catalogs that loaded it.
void keep_resident(std::shared_ptr<const PluginLibrary> library) {
    static std::mutex mutex;
    static auto* const resident = new std::vector<std::shared_ptr<const PluginLibrary>>();
    const std::lock_guard lock(mutex);
    resident->push_back(std::move(library));
}

std::string describe(const std::string& plugin, const std::filesystem::path& path) {
    return "plugin '" + plugin + "' (" + path.string() + "): ";
}

// Boost.DLL clears dlerror() when dlopen fails, so the failure is reproduced to read the reason.
std::string dlopen_reason(const std::filesystem::path& path) {
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle != nullptr) {
        dlclose(handle);
        return "dlopen failed, then succeeded on retry";
    }
    const char* reason = dlerror();
    return reason != nullptr ? reason : "dlopen failed without a reason";
}

std::string missing_entry_reason(const boost::dll::shared_library& library) {
    for (int major = 2; major <= newest_foreign_major; ++major) {
        const std::string symbol = "notify_plugin_entry_v" + std::to_string(major);
        if (library.has(symbol)) {
            return "built for ABI major " + std::to_string(major) + " (exports " + symbol +
                   "); this notifyd speaks ABI " + std::to_string(NOTIFY_ABI_MAJOR);
        }
    }
    return std::string("exports no ") + NOTIFY_PLUGIN_ENTRY_NAME + ": not a Notify plugin";
}

std::filesystem::path executable_dir() {
    std::error_code error;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", error);
    return error ? std::filesystem::path() : exe.parent_path();
}

}  // namespace

std::string plugin_file_name(const std::string& name) {
    return "notify_" + name + ".so";
}

PluginCatalog::PluginCatalog(std::vector<std::filesystem::path> search_dirs)
    : search_dirs_(std::move(search_dirs)) {}

std::vector<std::filesystem::path> PluginCatalog::default_search_dirs(const Manifest* manifest) {
    std::vector<std::filesystem::path> dirs;
    if (manifest != nullptr) {
        dirs = manifest->plugin_dirs;
    }
    if (const char* env = std::getenv("NOTIFY_PLUGIN_PATH")) {
        std::string_view rest(env);
        while (!rest.empty()) {
            const auto colon = rest.find(':');
            const std::string_view entry = rest.substr(0, colon);
            if (!entry.empty()) {
                dirs.push_back(std::filesystem::absolute(entry).lexically_normal());
            }
            rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
        }
    }
    if (const auto exe_dir = executable_dir(); !exe_dir.empty()) {
        dirs.push_back((exe_dir / ".." / "lib" / "notify" / "plugins").lexically_normal());
    }
    return dirs;
}

std::shared_ptr<const PluginLibrary> PluginCatalog::load(const std::string& plugin,
                                                         const std::filesystem::path& base_dir) {
    std::filesystem::path path;
    std::error_code error;
    if (is_plugin_path(plugin)) {
        path = (base_dir / plugin).lexically_normal();
        if (!std::filesystem::is_regular_file(path, error)) {
            throw PluginLoadError(describe(plugin, path) + "no such file");
        }
    } else {
        const std::string file_name = plugin_file_name(plugin);
        const auto dir = std::find_if(search_dirs_.begin(), search_dirs_.end(), [&](const auto& d) {
            return std::filesystem::is_regular_file(d / file_name, error);
        });
        if (dir == search_dirs_.end()) {
            std::string searched;
            for (const auto& d : search_dirs_) {
                searched += (searched.empty() ? "" : ", ") + d.string();
            }
            throw PluginLoadError("plugin '" + plugin + "': " + file_name + " not found in " +
                                  (searched.empty() ? "(no plugin folders)" : searched));
        }
        path = (*dir / file_name).lexically_normal();
    }

    const auto identity = std::filesystem::weakly_canonical(path, error);
    const auto& key = error ? path : identity;
    if (const auto found = loaded_.find(key); found != loaded_.end()) {
        return found->second;
    }

    boost::dll::shared_library library;
    boost::dll::fs::error_code load_error;
    library.load(boost::dll::fs::path(path.string()),
                 boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, load_error);
    if (load_error) {
        throw PluginLoadError(describe(plugin, path) + "dlopen failed: " + dlopen_reason(path));
    }
    if (!library.has(NOTIFY_PLUGIN_ENTRY_NAME)) {
        throw PluginLoadError(describe(plugin, path) + missing_entry_reason(library));
    }
    const auto entry = library.get<const notify_plugin_descriptor*()>(NOTIFY_PLUGIN_ENTRY_NAME);
    std::unique_ptr<const NormalizedDescriptor> normalized;
    try {
        normalized = normalize_descriptor(entry());
    } catch (const PluginLoadError& reason) {
        throw PluginLoadError(describe(plugin, path) + reason.what());
    }

    auto loaded =
        std::make_shared<const LoadedLibrary>(std::move(library), path, std::move(normalized));
    keep_resident(loaded);
    loaded_.emplace(key, loaded);
    return loaded;
}

std::vector<PluginCatalog::Listing> PluginCatalog::list_all() {
    std::vector<Listing> listings;
    std::set<std::filesystem::path> seen;
    for (const auto& dir : search_dirs_) {
        std::error_code error;
        std::vector<std::filesystem::path> files;
        for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
            const std::string name = entry.path().filename().string();
            if (name.starts_with("notify_") && name.ends_with(".so") &&
                entry.is_regular_file(error)) {
                files.push_back(entry.path().lexically_normal());
            }
        }
        std::sort(files.begin(), files.end());
        for (const auto& file : files) {
            const auto identity = std::filesystem::weakly_canonical(file, error);
            if (!seen.insert(error ? file : identity).second) {
                continue;
            }
            Listing listing{file, nullptr, {}};
            try {
                listing.library = load(file.string(), {});
            } catch (const PluginLoadError& load_error) {
                listing.error = load_error.what();
            }
            listings.push_back(std::move(listing));
        }
    }
    return listings;
}

}  // namespace notify::host
