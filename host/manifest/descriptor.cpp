#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>

#include "plugin_loader.hpp"

namespace notify::host {
namespace {

constexpr std::uint32_t known_kinds =
    NOTIFY_KIND_TRANSPORT | NOTIFY_KIND_AUTH | NOTIFY_KIND_BROKER | NOTIFY_KIND_HANDLER;

constexpr std::size_t descriptor_base_size = offsetof(notify_plugin_descriptor, transport);

struct KindLayout {
    std::uint32_t bit;
    const char* name;
    std::size_t pointer_end;  // where the descriptor's pointer to this kind's vtable ends
};

constexpr KindLayout kind_layouts[] = {
    {NOTIFY_KIND_TRANSPORT, "transport",
     offsetof(notify_plugin_descriptor, transport) + sizeof(notify_plugin_descriptor::transport)},
    {NOTIFY_KIND_AUTH, "auth",
     offsetof(notify_plugin_descriptor, auth) + sizeof(notify_plugin_descriptor::auth)},
    {NOTIFY_KIND_BROKER, "broker",
     offsetof(notify_plugin_descriptor, broker) + sizeof(notify_plugin_descriptor::broker)},
    {NOTIFY_KIND_HANDLER, "handler",
     offsetof(notify_plugin_descriptor, handler) + sizeof(notify_plugin_descriptor::handler)},
};

[[noreturn]] void reject(const std::string& reason) {
    throw PluginLoadError(reason);
}

template <typename Struct>
void copy_prefix(Struct& into, const void* from, std::uint32_t from_size) {
    std::memcpy(&into, from, std::min<std::size_t>(from_size, sizeof(Struct)));
    into.size = sizeof(Struct);
}

bool is_plugin_name(const char* name) {
    const std::string_view text(name);
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

// Copies one vtable after checking that it reaches through `required_end` and that the
// required functions (checked by the caller on the copy) can be read.
template <typename Vtable>
void copy_vtable(Vtable& into, const Vtable* from, const char* kind, std::size_t required_end) {
    if (from == nullptr) {
        reject(std::string("declares kind ") + kind + " but its " + kind + " vtable is NULL");
    }
    if (from->size < required_end) {
        reject(std::string(kind) + " vtable size " + std::to_string(from->size) +
               " is smaller than ABI 1.0's minimum of " + std::to_string(required_end) + " bytes");
    }
    copy_prefix(into, from, from->size);
}

void require_function(bool present, const char* kind, const char* function) {
    if (!present) {
        reject(std::string(kind) + " vtable has no " + function + " function");
    }
}

void check_config_keys(const notify_plugin_descriptor& descriptor) {
    if (descriptor.config_key_count == 0) {
        return;
    }
    if (descriptor.config_keys == nullptr) {
        reject("descriptor has config_key_count " + std::to_string(descriptor.config_key_count) +
               " but config_keys is NULL");
    }
    for (std::size_t i = 0; i < descriptor.config_key_count; ++i) {
        const notify_config_key& key = descriptor.config_keys[i];
        if (key.name == nullptr || *key.name == '\0') {
            reject("config key #" + std::to_string(i) + " has no name");
        }
        if (key.type < NOTIFY_CONFIG_STRING || key.type > NOTIFY_CONFIG_DURATION) {
            reject(std::string("config key '") + key.name + "' has unknown type " +
                   std::to_string(static_cast<int>(key.type)));
        }
    }
}

}  // namespace

std::size_t minimum_descriptor_size(std::uint32_t kinds) {
    std::size_t minimum = descriptor_base_size;
    for (const auto& layout : kind_layouts) {
        if ((kinds & layout.bit) != 0) {
            minimum = std::max(minimum, layout.pointer_end);
        }
    }
    return minimum;
}

std::unique_ptr<const NormalizedDescriptor> normalize_descriptor(
    const notify_plugin_descriptor* raw) {
    if (raw == nullptr) {
        reject(std::string(NOTIFY_PLUGIN_ENTRY_NAME) + " returned NULL");
    }
    // size and abi_major lead the descriptor of every major, so they are safe to read first.
    if (raw->abi_major != NOTIFY_ABI_MAJOR) {
        reject("descriptor says ABI major " + std::to_string(raw->abi_major) +
               "; this notifyd speaks ABI " + std::to_string(NOTIFY_ABI_MAJOR));
    }
    if (raw->size < descriptor_base_size) {
        reject("descriptor size " + std::to_string(raw->size) +
               " is smaller than ABI 1.0's minimum of " + std::to_string(descriptor_base_size) +
               " bytes");
    }

    auto normalized = std::make_unique<NormalizedDescriptor>();
    notify_plugin_descriptor& descriptor = normalized->descriptor;
    copy_prefix(descriptor, raw, raw->size);

    const std::uint32_t kinds = descriptor.kinds & known_kinds;
    if (kinds == 0) {
        reject("descriptor provides no kind this notifyd knows (kinds = " +
               std::to_string(descriptor.kinds) + ")");
    }
    descriptor.kinds = kinds;
    const std::size_t minimum = minimum_descriptor_size(kinds);
    if (raw->size < minimum) {
        reject("descriptor size " + std::to_string(raw->size) +
               " does not reach the vtable pointer of every declared kind: ABI 1.0 needs " +
               std::to_string(minimum) + " bytes");
    }

    if (descriptor.name == nullptr) {
        reject("descriptor has no name");
    }
    if (!is_plugin_name(descriptor.name)) {
        reject(std::string("descriptor name '") + descriptor.name + "' is not [a-z0-9_-]+");
    }
    if (descriptor.create == nullptr) {
        reject("descriptor has no create function");
    }
    if (descriptor.destroy == nullptr) {
        reject("descriptor has no destroy function");
    }
    if (descriptor.version == nullptr) {
        descriptor.version = "";
    }
    if (descriptor.description == nullptr) {
        descriptor.description = "";
    }
    check_config_keys(descriptor);

    if ((kinds & NOTIFY_KIND_TRANSPORT) != 0) {
        copy_vtable(
            normalized->transport, descriptor.transport, "transport",
            offsetof(notify_transport_vtable, close) + sizeof(notify_transport_vtable::close));
        require_function(normalized->transport.deliver != nullptr, "transport", "deliver");
        require_function(normalized->transport.close != nullptr, "transport", "close");
    }
    if ((kinds & NOTIFY_KIND_AUTH) != 0) {
        copy_vtable(
            normalized->auth, descriptor.auth, "auth",
            offsetof(notify_auth_vtable, authenticate) + sizeof(notify_auth_vtable::authenticate));
        require_function(normalized->auth.authenticate != nullptr, "auth", "authenticate");
    }
    if ((kinds & NOTIFY_KIND_BROKER) != 0) {
        copy_vtable(
            normalized->broker, descriptor.broker, "broker",
            offsetof(notify_broker_vtable, publish) + sizeof(notify_broker_vtable::publish));
        require_function(normalized->broker.publish != nullptr, "broker", "publish");
    }
    if ((kinds & NOTIFY_KIND_HANDLER) != 0) {
        copy_vtable(
            normalized->handler, descriptor.handler, "handler",
            offsetof(notify_handler_vtable, on_event) + sizeof(notify_handler_vtable::on_event));
        require_function(normalized->handler.on_event != nullptr, "handler", "on_event");
    }
    descriptor.transport = (kinds & NOTIFY_KIND_TRANSPORT) != 0 ? &normalized->transport : nullptr;
    descriptor.auth = (kinds & NOTIFY_KIND_AUTH) != 0 ? &normalized->auth : nullptr;
    descriptor.broker = (kinds & NOTIFY_KIND_BROKER) != 0 ? &normalized->broker : nullptr;
    descriptor.handler = (kinds & NOTIFY_KIND_HANDLER) != 0 ? &normalized->handler : nullptr;
    return normalized;
}

}  // namespace notify::host
