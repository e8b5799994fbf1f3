// echo -- a minimal C++ handler plugin: whatever a client sends (the protocol's `send` command)
// comes back to that client alone, prefixed by the manifest's `prefix`.
// Copy this folder to start a plugin of your own (see README.md).
#include <notify/notify.h>
#include <notify/plugin.hpp>

#include <new>
#include <string>
#include <string_view>

namespace {

struct Echo {
    notify::sdk::Host host;
    std::string_view prefix;  // HOST-owned manifest string, valid until destroy()
};

// No exception may cross the C ABI: every entry point is noexcept and reports through err.
notify_status echo_create(const notify_host_api* api, notify_host_ctx* ctx,
                          const notify_config* config, void** instance,
                          notify_error* err) noexcept {
    const notify::sdk::Host host(api, ctx, config);
    const auto prefix = host.config_string("prefix", "echo: ", *err);
    if (!prefix) {
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    auto* self = new (std::nothrow) Echo{host, *prefix};
    if (self == nullptr) {
        notify_error_setf(err, "out of memory");
        return NOTIFY_ERR_INTERNAL;
    }
    *instance = self;
    return NOTIFY_OK;
}

void echo_destroy(void* instance) noexcept { delete static_cast<Echo*>(instance); }

// THREAD: the core thread, one event at a time.
void echo_on_event(void* instance, const notify_event* event) noexcept {
    const auto* self = static_cast<const Echo*>(instance);
    try {
        std::string reply(self->prefix);
        const auto data = notify::sdk::to_span(event->data);
        reply.append(data.begin(), data.end());
        notify_publish_request request{};
        request.size = sizeof request;
        request.clients = &event->client_id;
        request.client_count = 1;
        request.payload = notify::sdk::to_bytes(std::string_view(reply));
        if (self->host.api()->publish(self->host.ctx(), &request) != NOTIFY_OK) {
            self->host.log(NOTIFY_LOG_WARN, "echo: publish failed");
        }
    } catch (const std::bad_alloc&) {
        self->host.log(NOTIFY_LOG_ERROR, "echo: out of memory, reply dropped");
    }
}

constexpr notify_config_key echo_keys[] = {
    {"prefix", NOTIFY_CONFIG_STRING, "text put before each echoed payload (default \"echo: \")"},
};

constexpr notify_handler_vtable echo_handler = {
    sizeof(notify_handler_vtable),
    NOTIFY_EVENT_BIT(NOTIFY_EVENT_DATA),
    echo_on_event,
};

constexpr notify_plugin_descriptor echo_descriptor = {
    .size = sizeof(notify_plugin_descriptor),
    .abi_major = NOTIFY_ABI_MAJOR,
    .abi_minor = NOTIFY_ABI_MINOR,
    .name = "echo",
    .version = "0.1.0",
    .description = "sends every client's data back to it",
    .kinds = NOTIFY_KIND_HANDLER,
    .config_keys = echo_keys,
    .config_key_count = std::size(echo_keys),
    .create = echo_create,
    .start = nullptr,
    .stop = nullptr,
    .destroy = echo_destroy,
    .transport = nullptr,
    .auth = nullptr,
    .broker = nullptr,
    .handler = &echo_handler,
    .reconfigure = nullptr,  // ABI 1.6: a changed [[handler]] table needs a restart
};

}  // namespace

extern "C" NOTIFY_EXPORT const notify_plugin_descriptor* NOTIFY_PLUGIN_ENTRY(void) {
    return &echo_descriptor;
}
