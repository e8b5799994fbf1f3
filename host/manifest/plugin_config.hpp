// The host side of the opaque notify_config: typed, read-only access to one instance's settings.
#pragma once

#include <filesystem>
#include <memory>

#include "manifest.hpp"
#include "notify/notify.h"

namespace notify::host {

// Owns what the accessors hand out (strings stay valid while this object lives).
class PluginConfig {
public:
    PluginConfig(const PluginInstanceSpec& spec, std::filesystem::path base_dir);
    ~PluginConfig();
    PluginConfig(const PluginConfig&) = delete;
    PluginConfig& operator=(const PluginConfig&) = delete;

    const notify_config* handle() const;

private:
    std::unique_ptr<notify_config> impl_;
};

// Sets the config_* members of the host table to the functions over PluginConfig handles.
void install_config_accessors(notify_host_api& api);

}  // namespace notify::host
