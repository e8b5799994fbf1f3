// SIGHUP: what a reloaded manifest changes against the running one, and whether it can be
// applied live. The decision is a pure function of the two manifests (plan_reload); Engine::reload
// applies a plan; reload_manifest is what the main thread runs on SIGHUP.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "manifest/manifest.hpp"

namespace notify::runtime {

class Engine;

struct ReloadPlan {
    // What needs a restart, one phrase each ("app.id", "transport 'ws' table"); non-empty means
    // the reload is refused and nothing is applied.
    std::vector<std::string> needs_restart;
    // What changes live, one log line each: "limits.max_payload_size 65536 -> 1024".
    std::vector<std::string> changes;
    bool log_changed = false;   // [log], [log.plugins]
    bool core_changed = false;  // [clients], [limits], [topics], [namespaces.*]
    // Instances (indexes into manifest.instances) whose table changed and whose plugin
    // applies a new table live (the descriptor's reconfigure member).
    std::vector<std::size_t> reconfigured;
    // Instances whose table is unchanged but whose plugin has reconfigure: they are given their
    // table again, so that the files it names (keys, secrets) are read again.
    std::vector<std::size_t> refreshed;

    bool refused() const { return !needs_restart.empty(); }
    bool empty() const { return changes.empty() && reconfigured.empty(); }
};

// can_reconfigure(i): instance i of `running` has a plugin with the reconfigure member.
ReloadPlan plan_reload(const host::Manifest& running, const host::Manifest& next,
                       const std::function<bool(std::size_t)>& can_reconfigure);

enum class ReloadResult {
    applied,    // every change applied (a plugin refusing its table is logged, not fatal)
    unchanged,  // the file says what runs
    refused,    // a change needs a restart: nothing applied
    invalid,    // the file is not a valid manifest: nothing applied
};

// Reads `file` and applies it to `engine`, logging one line per change or why it refused.
ReloadResult reload_manifest(Engine& engine, const std::filesystem::path& file);

}  // namespace notify::runtime
