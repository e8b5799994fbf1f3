// The C ABI glue a C++ transport plugin repeats: checking the host table, keeping exceptions
// from crossing the ABI, and the start/stop/destroy/deliver trampolines onto a Server class.
#pragma once

#include <notify/notify.h>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <notify/transport_settings.hpp>
#include <string>
#include <string_view>
#include <utility>

namespace notify::sdk {

// NOTIFY_HAS_FIELD spelled without its C cast, which -Wold-style-cast rejects in C++.
inline notify_status check_host_table(std::string_view plugin, const notify_host_api *host,
                                      notify_error *err) {
    if (host == nullptr || host->abi_major != NOTIFY_ABI_MAJOR ||
        host->size < offsetof(notify_host_api, conn_closed) + sizeof host->conn_closed) {
        copy_error(err, std::string(plugin) + ": the host table is missing or older than ABI 1.0");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    return NOTIFY_OK;
}

// Runs `body` (returning notify_status); an escaping exception becomes NOTIFY_ERR_INTERNAL with
// its what() as the error, since unwinding through the C ABI is undefined.
template <typename Body>
notify_status without_exceptions(notify_error *err, Body &&body) noexcept {
    try {
        return body();
    } catch (const std::exception &error) {
        copy_error(err, error.what());
    } catch (...) {
        copy_error(err, "unknown exception");
    }
    return NOTIFY_ERR_INTERNAL;
}

// The body of a descriptor's create(): checks the host table, reads the settings with
// `read_settings`, then `make(Settings &&)` builds the instance as a std::unique_ptr (null =
// refused, with `err` already filled).
template <typename Settings, typename Make>
notify_status create_transport(std::string_view plugin, const notify_host_api *host,
                               const notify_config *config, void **instance, notify_error *err,
                               notify_status (*read_settings)(const notify_host_api &,
                                                              const notify_config *, Settings &,
                                                              notify_error *),
                               Make &&make) {
    if (const notify_status status = check_host_table(plugin, host, err); status != NOTIFY_OK) {
        return status;
    }
    Settings settings;
    if (const notify_status status = read_settings(*host, config, settings, err);
        status != NOTIFY_OK) {
        return status;
    }
    return without_exceptions(err, [&] {
        auto made = make(std::move(settings));
        if (made == nullptr) {
            return NOTIFY_ERR_INVALID_ARGUMENT;
        }
        *instance = made.release();
        return NOTIFY_OK;
    });
}

// Trampolines for the descriptor, `Server` being the instance type behind the void pointer.
template <typename Server>
notify_status start_instance(void *instance, notify_error *err) {
    return without_exceptions(err, [&] { return static_cast<Server *>(instance)->start(err); });
}

template <typename Server>
void stop_instance(void *instance) {
    static_cast<Server *>(instance)->stop();
}

template <typename Server>
void destroy_instance(void *instance) {
    delete static_cast<Server *>(instance);
}

template <typename Server>
void deliver_to_instance(void *instance, const notify_frame *frame, const uint64_t *conns,
                         size_t count) {
    static_cast<Server *>(instance)->deliver(frame, conns, count);
}

// ABI 1.6: a Server that can apply a changed manifest table live declares
//   notify_status reconfigure(const notify_config *config, notify_error *err);
// (check it all, apply all or nothing; copy what you keep, the table is valid only during the
// call). Without that member the descriptor's reconfigure stays NULL and notifyd refuses a
// change to the instance's table as needing a restart.
template <typename Server>
concept Reconfigurable = requires(Server &server, const notify_config *config, notify_error *err) {
    { server.reconfigure(config, err) } -> std::same_as<notify_status>;
};

template <typename Server>
notify_status reconfigure_instance(void *instance, const notify_config *config,
                                   notify_error *err) {
    return without_exceptions(
        err, [&] { return static_cast<Server *>(instance)->reconfigure(config, err); });
}

template <typename Server>
constexpr decltype(notify_plugin_descriptor::reconfigure) reconfigure_of() {
    if constexpr (Reconfigurable<Server>) {
        return reconfigure_instance<Server>;
    } else {
        return nullptr;
    }
}

// The transport vtable of `Server`; `Close` is the plugin's own close trampoline because what
// happens to the reason differs per wire protocol.
template <typename Server, auto Close>
inline constexpr notify_transport_vtable transport_vtable = {
    sizeof(notify_transport_vtable),
    deliver_to_instance<Server>,
    Close,
};

// The descriptor of a plugin that is only a transport, its instances being `Server`s.
template <typename Server, auto Close>
notify_plugin_descriptor transport_descriptor(const char *name, const char *version,
                                              const char *description,
                                              const notify_config_key *config_keys,
                                              size_t config_key_count,
                                              decltype(notify_plugin_descriptor::create) create) {
    return {
        sizeof(notify_plugin_descriptor),
        NOTIFY_ABI_MAJOR,
        NOTIFY_ABI_MINOR,
        name,
        version,
        description,
        NOTIFY_KIND_TRANSPORT,
        config_keys,
        config_key_count,
        create,
        start_instance<Server>,
        stop_instance<Server>,
        destroy_instance<Server>,
        &transport_vtable<Server, Close>,
        nullptr,
        nullptr,
        nullptr,
        reconfigure_of<Server>(),
    };
}

}  // namespace notify::sdk
