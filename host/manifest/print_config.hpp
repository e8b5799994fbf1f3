// `notifyd --print-config`: the effective manifest as TOML, every host setting with its value
// (defaults filled in), and each plugin instance's table as written with the schema keys it
// leaves unset shown as comments. The output is itself a valid manifest: paths in it are
// absolute, so it can be written anywhere.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "manifest.hpp"
#include "notify/notify.h"

namespace notify::host {

// schemas[i] is the config schema of the plugin of manifest.instances[i] (the loaded plugin's
// notify_plugin_descriptor::config_keys); missing entries count as empty schemas.
std::string print_config(const Manifest& manifest,
                         const std::vector<std::span<const notify_config_key>>& schemas);

}  // namespace notify::host
