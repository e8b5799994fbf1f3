// notifyd's descriptor checks (host/manifest/descriptor.cpp), returning the reason instead of
// throwing so that nothing C++ can escape through the C interface.
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>

#include "internal.hpp"

namespace notify::fakehost {
namespace {

constexpr std::uint32_t known_kinds =
    NOTIFY_KIND_TRANSPORT | NOTIFY_KIND_AUTH | NOTIFY_KIND_BROKER | NOTIFY_KIND_HANDLER;

constexpr std::size_t descriptor_base_size = offsetof(notify_plugin_descriptor, transport);

struct KindLayout {
    std::uint32_t bit;
    std::size_t pointer_end;  // where the descriptor's pointer to this kind's vtable ends
};

constexpr KindLayout kind_layouts[] = {
    {NOTIFY_KIND_TRANSPORT, NOTIFY_FIELD_END_(notify_plugin_descriptor, transport)},
    {NOTIFY_KIND_AUTH, NOTIFY_FIELD_END_(notify_plugin_descriptor, auth)},
    {NOTIFY_KIND_BROKER, NOTIFY_FIELD_END_(notify_plugin_descriptor, broker)},
    {NOTIFY_KIND_HANDLER, NOTIFY_FIELD_END_(notify_plugin_descriptor, handler)},
};

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

// Copies one vtable after checking that it reaches through `required_end`; "" when it does.
template <typename Vtable>
std::string copy_vtable(Vtable& into, const Vtable* from, const char* kind,
                        std::size_t required_end) {
    if (from == nullptr) {
        return std::string("declares kind ") + kind + " but its " + kind + " vtable is NULL";
    }
    if (from->size < required_end) {
        return std::string(kind) + " vtable size " + std::to_string(from->size) +
               " is smaller than ABI 1.0's minimum of " + std::to_string(required_end) + " bytes";
    }
    copy_prefix(into, from, from->size);
    return {};
}

std::string missing_function(const char* kind, const char* function) {
    return std::string(kind) + " vtable has no " + function + " function";
}

std::string check_config_keys(const notify_plugin_descriptor& descriptor) {
    if (descriptor.config_key_count == 0) return {};
    if (descriptor.config_keys == nullptr) {
        return "descriptor has config_key_count " + std::to_string(descriptor.config_key_count) +
               " but config_keys is NULL";
    }
    for (std::size_t i = 0; i < descriptor.config_key_count; ++i) {
        const notify_config_key& key = descriptor.config_keys[i];
        if (key.name == nullptr || *key.name == '\0') {
            return "config key #" + std::to_string(i) + " has no name";
        }
        if (key.type < NOTIFY_CONFIG_STRING || key.type > NOTIFY_CONFIG_DURATION) {
            return std::string("config key '") + key.name + "' has unknown type " +
                   std::to_string(static_cast<int>(key.type));
        }
    }
    return {};
}

std::string check_vtables(NormalizedDescriptor& out, std::uint32_t kinds) {
    notify_plugin_descriptor& descriptor = out.descriptor;
    std::string reason;
    if ((kinds & NOTIFY_KIND_TRANSPORT) != 0) {
        reason = copy_vtable(out.transport, descriptor.transport, "transport",
                             NOTIFY_FIELD_END_(notify_transport_vtable, close));
        if (!reason.empty()) return reason;
        if (out.transport.deliver == nullptr) return missing_function("transport", "deliver");
        if (out.transport.close == nullptr) return missing_function("transport", "close");
    }
    if ((kinds & NOTIFY_KIND_AUTH) != 0) {
        reason = copy_vtable(out.auth, descriptor.auth, "auth",
                             NOTIFY_FIELD_END_(notify_auth_vtable, authenticate));
        if (!reason.empty()) return reason;
        if (out.auth.authenticate == nullptr) return missing_function("auth", "authenticate");
    }
    if ((kinds & NOTIFY_KIND_BROKER) != 0) {
        reason = copy_vtable(out.broker, descriptor.broker, "broker",
                             NOTIFY_FIELD_END_(notify_broker_vtable, publish));
        if (!reason.empty()) return reason;
        if (out.broker.publish == nullptr) return missing_function("broker", "publish");
    }
    if ((kinds & NOTIFY_KIND_HANDLER) != 0) {
        reason = copy_vtable(out.handler, descriptor.handler, "handler",
                             NOTIFY_FIELD_END_(notify_handler_vtable, on_event));
        if (!reason.empty()) return reason;
        if (out.handler.on_event == nullptr) return missing_function("handler", "on_event");
    }
    descriptor.transport = (kinds & NOTIFY_KIND_TRANSPORT) != 0 ? &out.transport : nullptr;
    descriptor.auth = (kinds & NOTIFY_KIND_AUTH) != 0 ? &out.auth : nullptr;
    descriptor.broker = (kinds & NOTIFY_KIND_BROKER) != 0 ? &out.broker : nullptr;
    descriptor.handler = (kinds & NOTIFY_KIND_HANDLER) != 0 ? &out.handler : nullptr;
    return {};
}

}  // namespace

std::string normalize_descriptor(const notify_plugin_descriptor* raw, NormalizedDescriptor& out) {
    if (raw == nullptr) {
        return std::string(NOTIFY_PLUGIN_ENTRY_NAME) + " returned NULL";
    }
    // size and abi_major lead the descriptor of every major, so they are safe to read first.
    if (raw->abi_major != NOTIFY_ABI_MAJOR) {
        return "descriptor says ABI major " + std::to_string(raw->abi_major) +
               "; this fake host speaks ABI " + std::to_string(NOTIFY_ABI_MAJOR);
    }
    if (raw->size < descriptor_base_size) {
        return "descriptor size " + std::to_string(raw->size) +
               " is smaller than ABI 1.0's minimum of " + std::to_string(descriptor_base_size) +
               " bytes";
    }
    notify_plugin_descriptor& descriptor = out.descriptor;
    copy_prefix(descriptor, raw, raw->size);

    const std::uint32_t kinds = descriptor.kinds & known_kinds;
    if (kinds == 0) {
        return "descriptor provides no kind this fake host knows (kinds = " +
               std::to_string(descriptor.kinds) + ")";
    }
    descriptor.kinds = kinds;
    std::size_t minimum = descriptor_base_size;
    for (const KindLayout& layout : kind_layouts) {
        if ((kinds & layout.bit) != 0) minimum = std::max(minimum, layout.pointer_end);
    }
    if (raw->size < minimum) {
        return "descriptor size " + std::to_string(raw->size) +
               " does not reach the vtable pointer of every declared kind: ABI 1.0 needs " +
               std::to_string(minimum) + " bytes";
    }
    if (descriptor.name == nullptr) return "descriptor has no name";
    if (!is_plugin_name(descriptor.name)) {
        return std::string("descriptor name '") + descriptor.name + "' is not [a-z0-9_-]+";
    }
    if (descriptor.create == nullptr) return "descriptor has no create function";
    if (descriptor.destroy == nullptr) return "descriptor has no destroy function";
    if (descriptor.version == nullptr) descriptor.version = "";
    if (descriptor.description == nullptr) descriptor.description = "";
    if (std::string reason = check_config_keys(descriptor); !reason.empty()) return reason;
    return check_vtables(out, kinds);
}

}  // namespace notify::fakehost
