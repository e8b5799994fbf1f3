/*
 * admin -- metrics, health and the admin page for operations (README.md): /metrics in the
 * Prometheus text format, /healthz, /readyz, and /admin/, a page with live charts, all served
 * by the plugin's own HTTP listener from the host's ABI 1.6 stats_view documents.
 *
 * Kind: handler with an empty event mask, like http_api: it serves no client connections and
 * wants no events; it only reads the host through the host table.
 */
#include <notify/notify.h>
#include <notify/sdk.h>

#include <exception>
#include <memory>

#include "instance.hpp"

namespace notify::admin {
namespace {

notify_status admin_create(const notify_host_api* host, notify_host_ctx* ctx,
                           const notify_config* config, void** instance, notify_error* err) {
    try {
        if (const std::string missing = HostViews::missing_members(host); !missing.empty()) {
            notify_error_setf(err, "admin: needs a host with ABI 1.6; this notifyd lacks %s",
                              missing.c_str());
            return NOTIFY_ERR_UNSUPPORTED;
        }
        Settings settings;
        const notify_status status = load_settings(*host, config, settings, err);
        if (status != NOTIFY_OK) return status;
        *instance = std::make_unique<Instance>(*host, ctx, std::move(settings)).release();
        return NOTIFY_OK;
    } catch (const std::exception& error) {
        notify_error_setf(err, "admin: %s", error.what());
        return NOTIFY_ERR_INTERNAL;
    }
}

notify_status admin_start(void* instance, notify_error* err) {
    try {
        return static_cast<Instance*>(instance)->start(err);
    } catch (const std::exception& error) {
        notify_error_setf(err, "admin: %s", error.what());
        return NOTIFY_ERR_INTERNAL;
    }
}

void admin_stop(void* instance) {
    try {
        static_cast<Instance*>(instance)->stop();
    } catch (...) {
        // Only joining can throw here (a system error); destroy() joins again.
    }
}

void admin_destroy(void* instance) {
    delete static_cast<Instance*>(instance);
}

void admin_on_event(void*, const notify_event*) {}

const notify_handler_vtable admin_handler_vtable = {
    sizeof(notify_handler_vtable),
    0,
    admin_on_event,
};

const notify_plugin_descriptor admin_descriptor = {
    sizeof(notify_plugin_descriptor),
    NOTIFY_ABI_MAJOR,
    NOTIFY_ABI_MINOR,
    "admin",
    "0.1.0",
    "Prometheus /metrics, /healthz, /readyz and an admin page with live charts",
    NOTIFY_KIND_HANDLER,
    config_keys,
    config_key_count,
    admin_create,
    admin_start,
    admin_stop,
    admin_destroy,
    nullptr,
    nullptr,
    nullptr,
    &admin_handler_vtable,
    nullptr,
};

}  // namespace
}  // namespace notify::admin

extern "C" NOTIFY_EXPORT const notify_plugin_descriptor* NOTIFY_PLUGIN_ENTRY(void) {
    return &notify::admin::admin_descriptor;
}
