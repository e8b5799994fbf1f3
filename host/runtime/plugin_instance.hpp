// One plugin instance of the manifest, from load to destroy, and the host_ctx that names it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "manifest/manifest.hpp"
#include "manifest/plugin_config.hpp"
#include "manifest/plugin_loader.hpp"
#include "notify/notify.h"

namespace notify::runtime {
class HostServices;
}

// The ABI's opaque notify_host_ctx: what the host table needs to know about its caller.
struct notify_host_ctx {
    // Cleared when an instance whose stop() hung is abandoned, so its late calls are refused.
    std::atomic<notify::runtime::HostServices*> services{nullptr};
    std::uint32_t instance = 0;    // index in creation (manifest) order
    notify::host::PluginKind kind = notify::host::PluginKind::handler;
    std::uint32_t kind_index = 0;  // index among the instances of this kind (the transport id)
    std::string name;              // the instance name, for logs
};

namespace notify::runtime {

enum class InstanceState { loaded, created, started, stopped, hung, destroyed };

struct PluginInstance {
    host::PluginInstanceSpec spec;
    std::shared_ptr<const host::PluginLibrary> library;
    std::unique_ptr<host::PluginConfig> config;  // lives until destroy: the plugin keeps views
    std::unique_ptr<notify_host_ctx> ctx;
    void* handle = nullptr;  // what create() returned
    InstanceState state = InstanceState::loaded;

    const notify_plugin_descriptor& descriptor() const { return library->descriptor(); }
};

// "plugin 'NAME' (instance 'I', PATH)" for messages.
std::string describe(const PluginInstance& instance);

}  // namespace notify::runtime
