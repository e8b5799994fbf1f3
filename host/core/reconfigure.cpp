#include <algorithm>

#include "core/core.hpp"
#include "core/core_state.hpp"

namespace notify::core {

// Topics point at their NamespaceSpec: the specs are assigned in place (the vector keeps its
// elements), and the name index, whose keys view the names, is rebuilt.
bool Core::reconfigure(const host::ClientSettings& clients, const host::LimitSettings& limits,
                       const host::NamespaceSpec& default_namespace,
                       std::span<const host::NamespaceSpec> namespaces) {
    CoreConfig& config = state_->config;
    if (namespaces.size() != config.namespaces.size() ||
        !std::equal(namespaces.begin(), namespaces.end(), config.namespaces.begin(),
                    [](const host::NamespaceSpec& next, const host::NamespaceSpec& running) {
                        return next.name == running.name;
                    })) {
        return false;
    }
    config.clients = clients;
    config.limits = limits;
    config.default_namespace = default_namespace;
    std::copy(namespaces.begin(), namespaces.end(), config.namespaces.begin());
    state_->namespaces_by_name.clear();
    bool any_presence = default_namespace.presence || default_namespace.join_leave;
    for (const host::NamespaceSpec& space : config.namespaces) {
        state_->namespaces_by_name.emplace(space.name, &space);
        any_presence = any_presence || space.presence || space.join_leave;
    }
    state_->any_presence_namespace = any_presence;
    return true;
}

}  // namespace notify::core
