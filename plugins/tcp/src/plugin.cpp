// The C ABI face of the tcp transport: the descriptor and the entry symbol.
#include "server.hpp"
#include "settings.hpp"

#include <notify/notify.h>
#include <notify/transport_plugin.hpp>

#include <cstdint>
#include <utility>

namespace notify::tcp {
namespace {

notify_status create(const notify_host_api *host, notify_host_ctx *ctx, const notify_config *config,
                     void **instance, notify_error *err) {
    return sdk::create_transport(
        "tcp", host, config, instance, err, read_settings,
        [&](Settings &&settings) { return Server::create(*host, ctx, std::move(settings), err); });
}

// The reason has nowhere to go: raw TCP has no close frame. The code reaches conn_closed.
void close(void *instance, uint64_t conn, uint16_t code, notify_str /*reason*/) {
    static_cast<Server *>(instance)->close(conn, code);
}

const notify_plugin_descriptor descriptor = sdk::transport_descriptor<Server, close>(
    "tcp", "0.1.0",
    "Raw TCP transport (Boost.Asio, optional TLS): binary protocol frames behind a 4-byte "
    "little-endian length",
    config_keys(), config_key_count(), create);

}  // namespace
}  // namespace notify::tcp

extern "C" NOTIFY_EXPORT const notify_plugin_descriptor *NOTIFY_PLUGIN_ENTRY(void) {
    return &notify::tcp::descriptor;
}
