#include "core/core_state.hpp"

namespace notify::core {

// "ns:name" takes the options of namespace "ns" when it is configured, else the default's.
const host::NamespaceSpec& Core::State::namespace_of(std::string_view topic) const {
    const std::size_t colon = topic.find(':');
    if (colon != std::string_view::npos) {
        auto found = namespaces_by_name.find(topic.substr(0, colon));
        if (found != namespaces_by_name.end()) return *found->second;
    }
    return config.default_namespace;
}

std::string namespace_refusal(const host::NamespaceSpec& space, std::string_view action) {
    const std::string name =
        space.name.empty() ? "the default namespace" : "namespace '" + space.name + "'";
    return std::string(action) + ": " + name + " does not allow clients to " + std::string(action);
}

}  // namespace notify::core
