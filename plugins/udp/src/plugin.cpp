// The C ABI face of the udp transport: the descriptor and the entry symbol.
#include "server.hpp"
#include "settings.hpp"

#include <notify/notify.h>

#include <cstddef>
#include <cstring>
#include <exception>
#include <memory>
#include <utility>

namespace notify::udp {
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
        set_error(err, "udp: the host table is missing or older than ABI 1.0");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    Settings settings;
    if (const notify_status status = read_settings(*host, config, settings, err);
        status != NOTIFY_OK) {
        return status;
    }
    try {
        *instance = std::make_unique<Server>(*host, ctx, std::move(settings)).release();
        return NOTIFY_OK;
    } catch (const std::exception &error) {
        set_error(err, error.what());
        return NOTIFY_ERR_INTERNAL;
    }
}

notify_status start(void *instance, notify_error *err) {
    try {
        return static_cast<Server *>(instance)->start(err);
    } catch (const std::exception &error) {
        set_error(err, error.what());
        return NOTIFY_ERR_INTERNAL;
    }
}

void stop(void *instance) { static_cast<Server *>(instance)->stop(); }

void destroy(void *instance) { delete static_cast<Server *>(instance); }

void deliver(void *instance, const notify_frame *frame, const uint64_t *conns, size_t count) {
    static_cast<Server *>(instance)->deliver(frame, conns, count);
}

// The CLOSE datagram carries only the code; the reason stays on the server.
void close(void *instance, uint64_t conn, uint16_t code, notify_str /*reason*/) {
    static_cast<Server *>(instance)->close(conn, code);
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
    "udp",
    "0.1.0",
    "UDP transport (Boost.Asio): stateless-cookie handshake, sessions, binary protocol frames "
    "with NACK-driven replay",
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
};

}  // namespace
}  // namespace notify::udp

extern "C" NOTIFY_EXPORT const notify_plugin_descriptor *NOTIFY_PLUGIN_ENTRY(void) {
    return &notify::udp::descriptor;
}
