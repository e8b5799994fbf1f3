// The engine: a manifest's plugin instances wired to one Core on the core thread, with their
// lifecycle (load and validate, create, start, stop, destroy in reverse creation order).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <stdexcept>
#include <vector>

#include "core/core.hpp"
#include "manifest/manifest.hpp"
#include "manifest/plugin_loader.hpp"
#include "runtime/cluster_registry.hpp"
#include "runtime/core_thread.hpp"
#include "runtime/host_services.hpp"
#include "runtime/plugin_environment.hpp"
#include "runtime/plugin_instance.hpp"
#include "runtime/reload.hpp"

namespace notify::runtime {

// A create() or start() that failed. what() is one line:
// "plugin 'NAME' (instance 'I', PATH): create failed: MESSAGE".
class InstanceError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct EngineOptions {
    Clock clock;  // milliseconds since the Unix epoch; the system clock when empty
    std::chrono::milliseconds stop_timeout{5'000};  // per plugin stop() and per core drain
};

class Engine {
public:
    // Loads every instance's plugin through `catalog` and checks its settings against the
    // plugin's schema, and the broker's capabilities against the namespaces' delivery modes.
    // Throws host::ManifestError or host::PluginLoadError; nothing is created.
    Engine(host::Manifest manifest, host::PluginCatalog& catalog, EngineOptions options = {});
    // Stops when still running, then destroys the created instances in reverse order.
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // create() on every instance in manifest order. Throws InstanceError at the first failure
    // (the instances created so far are destroyed by the destructor).
    void create();
    // Starts the core thread, then start() on every instance in manifest order (transports
    // last), then logs "listening". Throws InstanceError at the first failure, after stopping
    // what was started.
    void start();
    // Graceful and bounded: Core::shutdown() on the core thread (pushes a disconnect and closes
    // every connection with 1001), stop() on every started instance in reverse order
    // (transports first), then the core thread ends. Idempotent.
    void stop();

    // A reload (SIGHUP, reload.hpp): checks `next` against the plugins' schemas and the broker
    // (ReloadResult::invalid), refuses it when a change needs a restart, else applies the log
    // settings, the core's settings (on the core thread) and the changed tables of plugins that
    // reconfigure live, logging one line per change. Nothing is applied unless every check
    // passed. Main thread.
    ReloadResult reload(host::Manifest next);

    const host::Manifest& manifest() const { return manifest_; }
    std::size_t instance_count() const { return instances_.size(); }
    std::uint64_t connections() const { return services_->connections(); }

    // Runs `work` on the core thread with the Core and waits (bounded by stop_timeout); false
    // when the core thread is not running or did not finish in time. For tests and diagnostics.
    bool with_core(const std::function<void(core::Core&)>& work);

private:
    enum class Phase { loaded, created, started, stopped };

    static InstanceRoles roles_of(const std::vector<std::unique_ptr<PluginInstance>>& instances);
    void stop_instance(PluginInstance& instance);
    void restore_durable_subscriptions();
    void destroy_instances();
    void validate_reload(const host::Manifest& next) const;
    void apply_core_settings(const host::Manifest& next);
    bool reconfigure_instance(PluginInstance& instance, const host::PluginInstanceSpec& spec);

    host::Manifest manifest_;
    EngineOptions options_;
    Phase phase_ = Phase::loaded;
    std::vector<std::unique_ptr<PluginInstance>> instances_;
    std::unique_ptr<PluginEnvironment> environment_;
    std::unique_ptr<ClusterRegistry> registry_;
    std::unique_ptr<core::Core> core_;
    std::unique_ptr<HostServices> services_;
    CoreThread thread_;  // declared last: its queue dies first, before what its work refers to
};

}  // namespace notify::runtime
