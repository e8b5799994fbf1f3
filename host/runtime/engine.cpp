#include "runtime/engine.hpp"

#include <algorithm>
#include <array>
#include <mutex>
#include <utility>

#include <unistd.h>

#include <spdlog/spdlog.h>

#include "manifest/plugin_config.hpp"
#include "runtime/bounded_call.hpp"
#include "runtime/host_api.hpp"
#include "runtime/logging.hpp"

namespace notify::runtime {
namespace {

std::int64_t system_clock_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

core::CoreConfig core_config(const host::Manifest& manifest) {
    core::CoreConfig config;
    config.app_id = manifest.app_id;
    config.server_version = NOTIFY_VERSION;
    config.clients = manifest.clients;
    config.limits = manifest.limits;
    config.default_namespace = manifest.default_namespace;
    config.namespaces = manifest.namespaces;
    return config;
}

// "FILE:LINE:COLUMN: key 'transport[0].plugin': " — where a plugin load error comes from.
std::string where(const host::Manifest& manifest, const host::PluginInstanceSpec& spec) {
    const std::string file =
        spec.position.file.empty() ? manifest.file.string() : spec.position.file;
    return file + ":" + std::to_string(spec.position.line) + ":" +
           std::to_string(spec.position.column) + ": key '" + spec.key_path + ".plugin': ";
}

// A plugin's error text on one line, or the status when it wrote none.
std::string message_of(notify_error& err, notify_status status) {
    err.message[NOTIFY_ERROR_MESSAGE_MAX - 1] = '\0';
    std::string message = err.message;
    std::replace_if(
        message.begin(), message.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    if (message.empty()) message = "status " + std::to_string(status);
    return message;
}

// A namespace that asks for at-least-once delivery needs a broker that stores durably.
void check_presence_support(const host::Manifest& manifest, const PluginInstance* broker) {
    if (broker != nullptr &&
        (broker->descriptor().broker->capabilities & NOTIFY_BROKER_CAP_PRESENCE) != 0) {
        return;
    }
    std::vector<const host::NamespaceSpec*> spaces{&manifest.default_namespace};
    for (const host::NamespaceSpec& space : manifest.namespaces) spaces.push_back(&space);
    for (const host::NamespaceSpec* space : spaces) {
        if (!space->presence) continue;
        const std::string key =
            space->name.empty() ? "topics.presence" : "namespaces." + space->name + ".presence";
        throw host::ManifestError(manifest.file.string() + ": key '" + key +
                                  "': presence needs a broker that keeps it, and " +
                                  (broker != nullptr ? describe(*broker) : "no broker") +
                                  " does not (the local broker does)");
    }
}

void check_broker_capabilities(const host::Manifest& manifest, const PluginInstance* broker) {
    if (broker != nullptr) {
        const notify_broker_vtable& vtable = *broker->descriptor().broker;
        if ((vtable.capabilities & NOTIFY_BROKER_CAP_CLUSTER) != 0U &&
            (vtable.interest == nullptr || vtable.publish_direct == nullptr ||
             vtable.send_command == nullptr)) {
            throw host::PluginLoadError(describe(*broker) +
                                        ": declares NOTIFY_BROKER_CAP_CLUSTER without the ABI 1.3 "
                                        "members interest, publish_direct and send_command");
        }
        if ((vtable.capabilities & NOTIFY_BROKER_CAP_PRESENCE) != 0U &&
            (vtable.presence_add == nullptr || vtable.presence_remove == nullptr ||
             vtable.presence_read == nullptr || vtable.presence_stats == nullptr)) {
            throw host::PluginLoadError(describe(*broker) +
                                        ": declares NOTIFY_BROKER_CAP_PRESENCE without the ABI 1.4 "
                                        "members presence_add, presence_remove, presence_read "
                                        "and presence_stats");
        }
    }
    check_presence_support(manifest, broker);
    if (broker == nullptr ||
        (broker->descriptor().broker->capabilities & NOTIFY_BROKER_CAP_DURABLE) != 0) {
        return;
    }
    std::vector<const host::NamespaceSpec*> spaces{&manifest.default_namespace};
    for (const host::NamespaceSpec& space : manifest.namespaces) spaces.push_back(&space);
    for (const host::NamespaceSpec* space : spaces) {
        if (space->delivery != host::Delivery::at_least_once) continue;
        const std::string key =
            space->name.empty() ? "topics.delivery" : "namespaces." + space->name + ".delivery";
        throw host::ManifestError(manifest.file.string() + ": key '" + key +
                                  "': at-least-once needs a broker with durable storage, and " +
                                  describe(*broker) + " does not provide it");
    }
}

std::string host_name() {
    std::array<char, 256> name{};
    if (gethostname(name.data(), name.size() - 1) != 0 || name[0] == '\0') return "notifyd";
    return name.data();
}

std::size_t kind_slot(host::PluginKind kind) { return static_cast<std::size_t>(kind); }

// An instance whose stop() never returned may still run plugin code that reads its ctx, config
// and library, so it is kept (reachable, never destroyed) until the process exits.
void abandon(std::unique_ptr<PluginInstance> instance) {
    static std::mutex mutex;
    static auto* abandoned = new std::vector<std::unique_ptr<PluginInstance>>;
    instance->ctx->services.store(nullptr);
    const std::lock_guard lock(mutex);
    abandoned->push_back(std::move(instance));
}

}  // namespace

Engine::Engine(host::Manifest manifest, host::PluginCatalog& catalog, EngineOptions options)
    : manifest_(std::move(manifest)), options_(std::move(options)) {
    if (!options_.clock) options_.clock = system_clock_ms;
    std::array<std::uint32_t, 4> per_kind{};
    for (const host::PluginInstanceSpec& spec : manifest_.instances) {
        auto instance = std::make_unique<PluginInstance>();
        instance->spec = spec;
        try {
            instance->library = catalog.load(spec.plugin, manifest_.base_dir);
        } catch (const host::PluginLoadError& error) {
            throw host::PluginLoadError(where(manifest_, spec) + error.what());
        }
        host::validate_plugin_settings(spec, *instance->library);
        instance->config = std::make_unique<host::PluginConfig>(spec, manifest_.base_dir);
        instance->ctx = std::make_unique<notify_host_ctx>();
        instance->ctx->instance = static_cast<std::uint32_t>(instances_.size());
        instance->ctx->kind = spec.kind;
        instance->ctx->kind_index = per_kind[kind_slot(spec.kind)]++;
        instance->ctx->name = spec.name;
        instances_.push_back(std::move(instance));
    }
    InstanceRoles roles = roles_of(instances_);
    check_broker_capabilities(manifest_, roles.broker);
    environment_ = std::make_unique<PluginEnvironment>(std::move(roles), options_.clock);
    registry_ = std::make_unique<ClusterRegistry>(
        manifest_.app_id, manifest_.node.name.empty() ? host_name() : manifest_.node.name,
        manifest_.node.urls);
    environment_->set_nodes_source([registry = registry_.get()] { return registry->info_json(); });
    core::CoreConfig config = core_config(manifest_);
    config.cluster = environment_->has_cluster_broker();
    config.node_id = registry_->node_id();
    core_ = std::make_unique<core::Core>(std::move(config), *environment_);
    services_ = std::make_unique<HostServices>(thread_, *core_, *environment_, manifest_.limits,
                                               options_.clock, *registry_);
    for (auto& instance : instances_) instance->ctx->services = services_.get();
}

Engine::~Engine() {
    stop();
    destroy_instances();
}

InstanceRoles Engine::roles_of(const std::vector<std::unique_ptr<PluginInstance>>& instances) {
    InstanceRoles roles;
    for (const auto& instance : instances) {
        switch (instance->spec.kind) {
            case host::PluginKind::transport: roles.transports.push_back(instance.get()); break;
            case host::PluginKind::auth: roles.auths.push_back(instance.get()); break;
            case host::PluginKind::handler: roles.handlers.push_back(instance.get()); break;
            case host::PluginKind::broker:
                if (roles.broker == nullptr) roles.broker = instance.get();
                break;
        }
    }
    return roles;
}

void Engine::create() {
    if (phase_ != Phase::loaded) return;
    phase_ = Phase::created;
    for (auto& instance : instances_) {
        notify_error err{};
        void* handle = nullptr;
        const notify_status status = instance->descriptor().create(
            &host_api(), instance->ctx.get(), instance->config->handle(), &handle, &err);
        if (status != NOTIFY_OK) {
            throw InstanceError(describe(*instance) + ": create failed: " +
                                message_of(err, status));
        }
        instance->handle = handle;
        instance->state = InstanceState::created;
        spdlog::debug("created {}", describe(*instance));
    }
}

void Engine::start() {
    if (phase_ != Phase::created) return;
    phase_ = Phase::started;
    services_->freeze_kept_headers();
    thread_.start(manifest_.clients.clean_interval, [this] {
        core_->clean();
        registry_->update_load(core_->stats());
    });
    restore_durable_subscriptions();
    for (auto& instance : instances_) {
        if (instance->descriptor().start != nullptr) {
            notify_error err{};
            const notify_status status = instance->descriptor().start(instance->handle, &err);
            if (status != NOTIFY_OK) {
                const std::string message =
                    describe(*instance) + ": start failed: " + message_of(err, status);
                stop();
                throw InstanceError(message);
            }
        }
        instance->state = InstanceState::started;
        services_->health().started(instance->ctx->instance);
    }
    services_->health().all_started();
    if (environment_->has_cluster_broker()) {
        spdlog::info("cluster node '{}' (id {}) of app '{}' over broker '{}'",
                     manifest_.node.name.empty() ? host_name() : manifest_.node.name,
                     registry_->node_id(), manifest_.app_id,
                     environment_->roles().broker->spec.name);
    }
    spdlog::info("listening");
}

// Before any transport starts, so that a client resuming right after a restart finds its
// session. Broker calls belong on the core thread.
void Engine::restore_durable_subscriptions() {
    std::string failure;
    std::size_t restored = 0;
    const bool ran = thread_.run_and_wait(
        [&] {
            try {
                const auto records = environment_->load_durable_subscriptions();
                restored = core_->restore_durable_subscriptions(records);
            } catch (const std::exception& error) {
                failure = error.what();
            }
        },
        options_.stop_timeout);
    if (!ran) failure = "the broker did not load the durable subscriptions in time";
    if (!failure.empty()) {
        stop();
        throw InstanceError(failure);
    }
    if (restored > 0) spdlog::info("restored {} durable subscriptions", restored);
}

void Engine::stop() {
    if (phase_ != Phase::started) return;
    phase_ = Phase::stopped;
    spdlog::info("shutting down");
    services_->health().stopping();
    services_->begin_shutdown();
    if (!thread_.run_and_wait([this] { core_->shutdown(); }, options_.stop_timeout)) {
        spdlog::error("the core did not shut down within {} ms; continuing",
                      options_.stop_timeout.count());
    }
    for (auto it = instances_.rbegin(); it != instances_.rend(); ++it) {
        if ((*it)->state == InstanceState::started) stop_instance(**it);
    }
    thread_.stop(options_.stop_timeout);
}

void Engine::stop_instance(PluginInstance& instance) {
    const auto stop_fn = instance.descriptor().stop;
    if (stop_fn != nullptr &&
        !call_with_timeout([stop_fn, handle = instance.handle] { stop_fn(handle); },
                           options_.stop_timeout)) {
        spdlog::error("{}: stop() did not return within {} ms; it is left running and never "
                      "destroyed",
                      describe(instance), options_.stop_timeout.count());
        instance.state = InstanceState::hung;
        return;
    }
    instance.state = InstanceState::stopped;
}

void Engine::destroy_instances() {
    for (auto it = instances_.rbegin(); it != instances_.rend(); ++it) {
        if (*it == nullptr) continue;
        PluginInstance& instance = **it;
        if (instance.state == InstanceState::hung) {
            abandon(std::move(*it));
            continue;
        }
        if (instance.state == InstanceState::created || instance.state == InstanceState::started ||
            instance.state == InstanceState::stopped) {
            instance.descriptor().destroy(instance.handle);
            instance.state = InstanceState::destroyed;
            spdlog::debug("destroyed {}", describe(instance));
        }
    }
}

// The checks a start makes, so that a broken table is reported as such even where the change
// would need a restart: each instance's table against its plugin's schema (when the instance
// is the running one's), and the namespaces against the broker's capabilities. Throws
// host::ManifestError.
void Engine::validate_reload(const host::Manifest& next) const {
    for (std::size_t index = 0; index < next.instances.size() && index < instances_.size();
         ++index) {
        if (next.instances[index].plugin != instances_[index]->spec.plugin ||
            next.instances[index].kind != instances_[index]->spec.kind) {
            continue;
        }
        host::validate_plugin_settings(next.instances[index], *instances_[index]->library);
    }
    check_broker_capabilities(next, environment_->roles().broker);
}

ReloadResult Engine::reload(host::Manifest next) {
    try {
        validate_reload(next);
    } catch (const std::exception& error) {
        spdlog::error("reload refused: {}; the running configuration is kept", error.what());
        return ReloadResult::invalid;
    }
    const ReloadPlan plan = plan_reload(manifest_, next, [this](std::size_t index) {
        return instances_[index]->descriptor().reconfigure != nullptr;
    });
    if (plan.refused()) {
        std::string what;
        for (const std::string& item : plan.needs_restart) {
            what += (what.empty() ? "" : "; ") + item;
        }
        spdlog::warn("reload refused: changing {} needs a restart; the running configuration is "
                     "kept",
                     what);
        return ReloadResult::refused;
    }
    // Files named by unchanged tables (a rotated secret) are read again either way.
    for (const std::size_t index : plan.refreshed) {
        reconfigure_instance(*instances_[index], next.instances[index]);
    }
    if (plan.empty()) {
        spdlog::info("reload: nothing changed in {}", next.file.string());
        return ReloadResult::unchanged;
    }
    if (plan.log_changed) apply_log_settings(next.log);
    if (plan.core_changed) apply_core_settings(next);
    for (const std::string& change : plan.changes) spdlog::info("reload: {}", change);
    for (const std::size_t index : plan.reconfigured) {
        // A plugin that refuses keeps its old table, and so does the manifest the next reload
        // compares with.
        if (!reconfigure_instance(*instances_[index], next.instances[index])) {
            next.instances[index].settings = manifest_.instances[index].settings;
        }
    }
    manifest_ = std::move(next);
    return ReloadResult::applied;
}

// The Core's settings belong to the core thread.
void Engine::apply_core_settings(const host::Manifest& next) {
    bool applied = false;
    const auto apply = [&] {
        applied = core_->reconfigure(next.clients, next.limits, next.default_namespace,
                                     next.namespaces);
    };
    if (thread_.running()) {
        if (!thread_.run_and_wait(apply, options_.stop_timeout)) {
            spdlog::error("reload: the core did not take the new settings within {} ms",
                          options_.stop_timeout.count());
        }
    } else {
        apply();
    }
    if (!applied) spdlog::error("reload: the core refused the new namespaces");
    services_->set_limits(next.limits);
}

bool Engine::reconfigure_instance(PluginInstance& instance, const host::PluginInstanceSpec& spec) {
    const host::PluginConfig config(spec, manifest_.base_dir);
    notify_error err{};
    const notify_status status =
        instance.descriptor().reconfigure(instance.handle, config.handle(), &err);
    if (status != NOTIFY_OK) {
        spdlog::error("reload: {} refused its new table: {}; it keeps the old one",
                      describe(instance), message_of(err, status));
        return false;
    }
    instance.spec.settings = spec.settings;
    spdlog::info("reload: {} took its new table", describe(instance));
    return true;
}

bool Engine::with_core(const std::function<void(core::Core&)>& work) {
    return thread_.run_and_wait([this, work] { work(*core_); }, options_.stop_timeout);
}

}  // namespace notify::runtime
