// The C ABI face of the udp transport: the descriptor and the entry symbol.
#include "server.hpp"
#include "settings.hpp"

#include <notify/notify.h>
#include <notify/transport_plugin.hpp>

#include <cstdint>
#include <memory>
#include <utility>

namespace notify::udp {
namespace {

notify_status create(const notify_host_api *host, notify_host_ctx *ctx, const notify_config *config,
                     void **instance, notify_error *err) {
    return sdk::create_transport(
        "udp", host, config, instance, err, read_settings, [&](Settings &&settings) {
            return std::make_unique<Server>(*host, ctx, std::move(settings));
        });
}

// The CLOSE datagram carries only the code; the reason stays on the server.
void close(void *instance, uint64_t conn, uint16_t code, notify_str /*reason*/) {
    static_cast<Server *>(instance)->close(conn, code);
}

const notify_plugin_descriptor descriptor = sdk::transport_descriptor<Server, close>(
    "udp", "0.1.0",
    "UDP transport (Boost.Asio): stateless-cookie handshake, sessions, binary protocol frames "
    "with NACK-driven replay",
    config_keys(), config_key_count(), create);

}  // namespace
}  // namespace notify::udp

extern "C" NOTIFY_EXPORT const notify_plugin_descriptor *NOTIFY_PLUGIN_ENTRY(void) {
    return &notify::udp::descriptor;
}
