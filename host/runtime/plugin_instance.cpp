#include "runtime/plugin_instance.hpp"

namespace notify::runtime {

std::string describe(const PluginInstance& instance) {
    const char* name = instance.descriptor().name;
    return "plugin '" + std::string(name ? name : instance.spec.plugin) + "' (instance '" +
           instance.spec.name + "', " + instance.library->path().string() + ")";
}

}  // namespace notify::runtime
