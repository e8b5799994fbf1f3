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
// Beyond notify.h: a NULL cfg, key or out is NOTIFY_ERR_INVALID_ARGUMENT; an index past the end
// of an array is NOTIFY_ERR_NOT_FOUND; config_get_double accepts an integer; a duration that is a
// negative integer or an unparseable string is NOTIFY_ERR_WRONG_TYPE.
void install_config_accessors(notify_host_api& api);

}  // namespace notify::host
