// The C ABI face of the http transport: the descriptor and the entry symbol.
#include "server.hpp"
#include "settings.hpp"

#include <notify/notify.h>
#include <notify/transport_plugin.hpp>

#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>

namespace notify::http {
namespace {

notify_status create(const notify_host_api *host, notify_host_ctx *ctx, const notify_config *config,
                     void **instance, notify_error *err) {
    return sdk::create_transport(
        "http", host, config, instance, err, read_settings, [&](Settings &&settings) {
            return std::make_unique<Server>(*host, ctx, std::move(settings));
        });
}

void close(void *instance, uint64_t conn, uint16_t code, notify_str reason) {
    static_cast<Server *>(instance)->close(conn, code, std::string_view(reason.data, reason.len));
}

const notify_plugin_descriptor descriptor = sdk::transport_descriptor<Server, close>(
    "http", "0.1.0",
    "HTTP long-polling and Server-Sent Events transport (Boost.Beast) with the JSON protocol",
    config_keys(), config_key_count(), create);

}  // namespace
}  // namespace notify::http

extern "C" NOTIFY_EXPORT const notify_plugin_descriptor *NOTIFY_PLUGIN_ENTRY(void) {
    return &notify::http::descriptor;
}
