#include "runtime/reload.hpp"

#include <spdlog/spdlog.h>
#include <toml++/toml.h>

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "manifest/host_keys.hpp"
#include "runtime/engine.hpp"

namespace notify::runtime {
namespace {

// Host sections a running process cannot change: the app id and node name are in every
// cluster message and registry entry, the plugin dirs were searched once.
bool section_needs_restart(std::string_view section) {
    return section == "app" || section == "node" || section == "plugins";
}

// Keys of live sections that still need a restart: the cleaner's timer runs at its first
// interval; a namespace's delivery mode decides the durable cursors and the broker's storage,
// and presence / join_leave what the broker kept about existing subscribers.
bool key_needs_restart(std::string_view section, std::string_view key) {
    if (section == "clients") return key == "clean_interval";
    if (section == "topics" || section.starts_with("namespaces.")) {
        return key == "delivery" || key == "presence" || key == "join_leave";
    }
    return false;
}

using KeyValues = std::map<std::string, std::string, std::less<>>;
using SectionMap = std::map<std::string, KeyValues, std::less<>>;

SectionMap sections_of(const host::Manifest& manifest) {
    SectionMap sections;
    for (const host::HostSection& section : host::host_sections(manifest)) {
        KeyValues& keys = sections[section.name];
        for (const host::HostKey& key : section.keys) keys[key.name] = key.value;
    }
    return sections;
}

std::set<std::string> namespace_sections(const SectionMap& sections) {
    std::set<std::string> names;
    for (const auto& [name, keys] : sections) {
        if (name.starts_with("namespaces.")) names.insert(name);
    }
    return names;
}

std::string describe_instance(const host::PluginInstanceSpec& spec) {
    return std::string(host::to_string(spec.kind)) + " '" + spec.name + "' (plugin " + spec.plugin +
           ")";
}

std::string instance_list(const host::Manifest& manifest) {
    std::string list;
    for (const host::PluginInstanceSpec& spec : manifest.instances) {
        if (!list.empty()) list += ", ";
        list += describe_instance(spec);
    }
    return list;
}

bool same_instance(const host::PluginInstanceSpec& a, const host::PluginInstanceSpec& b) {
    return a.kind == b.kind && a.plugin == b.plugin && a.name == b.name;
}

bool same_settings(const host::PluginInstanceSpec& a, const host::PluginInstanceSpec& b) {
    const toml::table empty;
    return (a.settings ? *a.settings : empty) == (b.settings ? *b.settings : empty);
}

class Planner {
public:
    Planner(const host::Manifest& running, const host::Manifest& next)
        : running_(running), next_(next) {}

    ReloadPlan plan(const std::function<bool(std::size_t)>& can_reconfigure) {
        compare_host_sections();
        compare_instances(can_reconfigure);
        return std::move(plan_);
    }

private:
    void compare_host_sections() {
        const SectionMap before = sections_of(running_);
        const SectionMap after = sections_of(next_);
        if (namespace_sections(before) != namespace_sections(after)) {
            plan_.needs_restart.push_back("the set of [namespaces]");
        }
        for (const auto& [section, keys_after] : after) {
            const auto found = before.find(section);
            if (found == before.end()) continue;  // a namespace added: refused above
            compare_keys(section, found->second, keys_after);
        }
        // [log.plugins] entries only in the running manifest: their instances go back to [log].
        if (const auto found = before.find("log.plugins"); found != before.end()) {
            const KeyValues& keys_after = after.at("log.plugins");
            for (const auto& [key, value] : found->second) {
                if (!keys_after.contains(key)) add_change("log.plugins", key, value, "(unset)");
            }
        }
    }

    void compare_keys(const std::string& section, const KeyValues& before, const KeyValues& after) {
        for (const auto& [key, value] : after) {
            const auto found = before.find(key);
            const std::string old_value = found == before.end() ? "(unset)" : found->second;
            if (old_value == value) continue;
            if (section_needs_restart(section) || key_needs_restart(section, key)) {
                plan_.needs_restart.push_back(section + "." + key);
                continue;
            }
            add_change(section, key, old_value, value);
        }
    }

    void add_change(const std::string& section, const std::string& key, const std::string& from,
                    const std::string& to) {
        plan_.changes.push_back(section + "." + key + " " + from + " -> " + to);
        if (section.starts_with("log")) {
            plan_.log_changed = true;
        } else {
            plan_.core_changed = true;
        }
    }

    void compare_instances(const std::function<bool(std::size_t)>& can_reconfigure) {
        const auto& before = running_.instances;
        const auto& after = next_.instances;
        if (before.size() != after.size() ||
            !std::equal(before.begin(), before.end(), after.begin(), same_instance)) {
            plan_.needs_restart.push_back("the plugin instances (" + instance_list(running_) +
                                          " -> " + instance_list(next_) + ")");
            return;
        }
        for (std::size_t index = 0; index < after.size(); ++index) {
            const host::PluginInstanceSpec& spec = after[index];
            if (same_settings(before[index], after[index])) {
                if (spec.kind != host::PluginKind::transport &&
                    spec.kind != host::PluginKind::broker && can_reconfigure(index)) {
                    plan_.refreshed.push_back(index);
                }
                continue;
            }
            if (spec.kind == host::PluginKind::transport || spec.kind == host::PluginKind::broker) {
                plan_.needs_restart.push_back("the table of " + describe_instance(spec));
            } else if (!can_reconfigure(index)) {
                plan_.needs_restart.push_back("the table of " + describe_instance(spec) +
                                              ", whose plugin cannot reconfigure live");
            } else {
                plan_.reconfigured.push_back(index);
            }
        }
    }

    const host::Manifest& running_;
    const host::Manifest& next_;
    ReloadPlan plan_;
};

}  // namespace

ReloadPlan plan_reload(const host::Manifest& running, const host::Manifest& next,
                       const std::function<bool(std::size_t)>& can_reconfigure) {
    return Planner(running, next).plan(can_reconfigure);
}

ReloadResult reload_manifest(Engine& engine, const std::filesystem::path& file) {
    host::Manifest next;
    try {
        next = host::load_manifest(file);
    } catch (const host::ManifestError& error) {
        spdlog::error("reload refused: {}; the running configuration is kept", error.what());
        return ReloadResult::invalid;
    }
    return engine.reload(std::move(next));
}

}  // namespace notify::runtime
