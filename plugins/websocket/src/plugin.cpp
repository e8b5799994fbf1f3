// The C ABI face of the websocket transport: the descriptor and the entry symbol.
#include "server.hpp"
#include "settings.hpp"

#include <notify/notify.h>

#include <cstddef>
#include <cstring>
#include <new>
#include <utility>

namespace notify::websocket {
namespace {

void set_error(notify_error *err, const char *message) {
    std::strncpy(err->message, message, sizeof err->message - 1);
    err->message[sizeof err->message - 1] = '\0';
}

notify_status create(const notify_host_api *host, notify_host_ctx *ctx,
                     const notify_config *config, void **instance, notify_error *err) {
    // NOTIFY_HAS_FIELD spelled without its C cast, which -Wold-style-cast rejects in C++.
    if (host == nullptr || host->abi_major != NOTIFY_ABI_MAJOR ||
        host->size < offsetof(notify_host_api, conn_closed) + sizeof host->conn_closed) {
        set_error(err, "websocket: the host table is missing or older than ABI 1.0");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    Settings settings;
    if (const notify_status status = read_settings(*host, config, settings, err);
        status != NOTIFY_OK) {
        return status;
    }
    auto *server = new (std::nothrow) Server(*host, ctx, std::move(settings));
    if (server == nullptr) {
        set_error(err, "websocket: out of memory");
        return NOTIFY_ERR_INTERNAL;
    }
    *instance = server;
    return NOTIFY_OK;
}

notify_status start(void *instance, notify_error *err) {
    return static_cast<Server *>(instance)->start(err);
}

void stop(void *instance) { static_cast<Server *>(instance)->stop(); }

void destroy(void *instance) { delete static_cast<Server *>(instance); }

void deliver(void *instance, const notify_frame *frame, const uint64_t *conns, size_t count) {
    static_cast<Server *>(instance)->deliver(frame, conns, count);
}

void close(void *instance, uint64_t conn, uint16_t code, notify_str reason) {
    static_cast<Server *>(instance)->close(conn, code, std::string_view(reason.data, reason.len));
}

const notify_transport_vtable transport_vtable = {
    sizeof(notify_transport_vtable),
    deliver,
    close,
};

const notify_plugin_descriptor descriptor = {
    sizeof(notify_plugin_descriptor),
    NOTIFY_ABI_MAJOR,
    NOTIFY_ABI_MINOR,
    "websocket",
    "0.1.0",
    "WebSocket transport (RFC 6455 on epoll) with the JSON and binary protocols and an optional static file root",
    NOTIFY_KIND_TRANSPORT,
    config_keys(),
    config_key_count(),
    create,
    start,
    stop,
    destroy,
    &transport_vtable,
    nullptr,
    nullptr,
    nullptr,
    nullptr,  // reconfigure (ABI 1.6): a changed [[transport]] table needs a restart
};

}  // namespace
}  // namespace notify::websocket

extern "C" NOTIFY_EXPORT const notify_plugin_descriptor *NOTIFY_PLUGIN_ENTRY(void) {
    return &notify::websocket::descriptor;
}
