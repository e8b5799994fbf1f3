/*
 * http_api -- the server API (docs/api.md) over HTTP/1.1: POST /api/<method> with a JSON body
 * and an API key goes to host->api_call (ABI 1.5), and the host's answer comes back as JSON
 * (README.md). The plugin serves on its own Asio threads; the host's answers arrive on host
 * threads and are posted to the connection they belong to.
 *
 * Kind: handler with an empty event mask. The manifest only has [[transport]], [[auth]],
 * [[broker]] and [[handler]] instances, and of these a handler is the honest one: it acts on
 * the model through the host table and serves no client connections (a transport would have to
 * implement deliver/close for connections it never opens). It wants no events.
 */
#include <notify/notify.h>
#include <notify/sdk.h>

#include <exception>
#include <memory>

#include "host_gate.hpp"
#include "server.hpp"
#include "settings.hpp"

namespace notify::http_api {
namespace {

notify_status http_api_create(const notify_host_api* host, notify_host_ctx* ctx,
                              const notify_config* config, void** instance, notify_error* err) {
    try {
        if (!HostGate::host_supports(host)) {
            notify_error_setf(err,
                              "http_api: needs a host with ABI 1.5 (host->api_call); this "
                              "notifyd does not have it");
            return NOTIFY_ERR_UNSUPPORTED;
        }
        Settings settings;
        const notify_status status = load_settings(host, config, settings, err);
        if (status != NOTIFY_OK) return status;
        *instance = std::make_unique<Server>(*host, ctx, std::move(settings)).release();
        return NOTIFY_OK;
    } catch (const std::exception& error) {
        notify_error_setf(err, "http_api: %s", error.what());
        return NOTIFY_ERR_INTERNAL;
    }
}

notify_status http_api_start(void* instance, notify_error* err) {
    try {
        return static_cast<Server*>(instance)->start(err);
    } catch (const std::exception& error) {
        notify_error_setf(err, "http_api: %s", error.what());
        return NOTIFY_ERR_INTERNAL;
    }
}

void http_api_stop(void* instance) {
    try {
        static_cast<Server*>(instance)->stop();
    } catch (...) {
        // Only allocation can fail here; destroy() tears down what is left.
    }
}

notify_status http_api_reconfigure(void* instance, const notify_config* config,
                                   notify_error* err) {
    try {
        return static_cast<Server*>(instance)->reconfigure(config, err);
    } catch (const std::exception& error) {
        notify_error_setf(err, "http_api: %s", error.what());
        return NOTIFY_ERR_INTERNAL;
    }
}

void http_api_destroy(void* instance) { delete static_cast<Server*>(instance); }

void http_api_on_event(void*, const notify_event*) {}

const notify_handler_vtable http_api_handler_vtable = {
    sizeof(notify_handler_vtable),
    0,
    http_api_on_event,
};

const notify_plugin_descriptor http_api_descriptor = {
    sizeof(notify_plugin_descriptor),
    NOTIFY_ABI_MAJOR,
    NOTIFY_ABI_MINOR,
    "http_api",
    "0.1.0",
    "The server API over HTTP: POST /api/<method> with a JSON body and an API key",
    NOTIFY_KIND_HANDLER,
    config_keys,
    config_key_count,
    http_api_create,
    http_api_start,
    http_api_stop,
    http_api_destroy,
    nullptr,
    nullptr,
    nullptr,
    &http_api_handler_vtable,
    http_api_reconfigure,
};

}  // namespace
}  // namespace notify::http_api

extern "C" NOTIFY_EXPORT const notify_plugin_descriptor* NOTIFY_PLUGIN_ENTRY(void) {
    return &notify::http_api::http_api_descriptor;
}
