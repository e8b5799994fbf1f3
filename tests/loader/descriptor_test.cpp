#include <gtest/gtest.h>

#include <cstddef>
#include <string>

#include "manifest/plugin_loader.hpp"

namespace notify::host {
namespace {

notify_status fake_create(const notify_host_api*, notify_host_ctx*, const notify_config*,
                          void** instance, notify_error*) {
    *instance = nullptr;
    return NOTIFY_OK;
}
void fake_destroy(void*) {}
void fake_on_event(void*, const notify_event*) {}
void fake_deliver(void*, const notify_frame*, const uint64_t*, size_t) {}
void fake_close(void*, uint64_t, uint16_t, notify_str) {}
notify_status fake_authenticate(void*, const notify_auth_request*, notify_auth_result*,
                                notify_error*) {
    return NOTIFY_OK;
}
notify_status fake_authorize(void*, const notify_authz_request*, notify_auth_result*,
                             notify_error*) {
    return NOTIFY_OK;
}
notify_status fake_publish(void*, const notify_broker_publish*, notify_stream_position*,
                           notify_error*) {
    return NOTIFY_OK;
}

struct Fakes {
    notify_transport_vtable transport{sizeof(notify_transport_vtable), fake_deliver, fake_close};
    notify_auth_vtable auth{sizeof(notify_auth_vtable), fake_authenticate, nullptr, nullptr};
    notify_broker_vtable broker{sizeof(notify_broker_vtable), 0, fake_publish, nullptr, nullptr,
                                nullptr, nullptr, nullptr, nullptr, nullptr,
                                nullptr, nullptr, nullptr, nullptr, nullptr};
    notify_handler_vtable handler{sizeof(notify_handler_vtable), 0, fake_on_event};
    notify_plugin_descriptor descriptor{};

    Fakes() {
        descriptor.size = sizeof(notify_plugin_descriptor);
        descriptor.abi_major = NOTIFY_ABI_MAJOR;
        descriptor.abi_minor = NOTIFY_ABI_MINOR;
        descriptor.name = "fake";
        descriptor.version = "1";
        descriptor.description = "fake";
        descriptor.kinds = NOTIFY_KIND_HANDLER;
        descriptor.create = fake_create;
        descriptor.destroy = fake_destroy;
        descriptor.transport = &transport;
        descriptor.auth = &auth;
        descriptor.broker = &broker;
        descriptor.handler = &handler;
    }
};

std::string rejection(const notify_plugin_descriptor* raw) {
    try {
        normalize_descriptor(raw);
    } catch (const PluginLoadError& error) {
        return error.what();
    }
    return "accepted";
}

constexpr std::size_t base_size = offsetof(notify_plugin_descriptor, transport);

TEST(Descriptor, AcceptsAWellFormedDescriptorOfEveryKind) {
    Fakes fakes;
    fakes.descriptor.kinds =
        NOTIFY_KIND_TRANSPORT | NOTIFY_KIND_AUTH | NOTIFY_KIND_BROKER | NOTIFY_KIND_HANDLER;
    const auto normalized = normalize_descriptor(&fakes.descriptor);
    const notify_plugin_descriptor& d = normalized->descriptor;
    EXPECT_EQ(d.transport, &normalized->transport);
    EXPECT_EQ(d.auth, &normalized->auth);
    EXPECT_EQ(d.broker, &normalized->broker);
    EXPECT_EQ(d.handler, &normalized->handler);
    EXPECT_EQ(d.transport->deliver, fake_deliver);
    EXPECT_EQ(d.handler->on_event, fake_on_event);
}

TEST(Descriptor, NullEntryResultIsRejected) {
    EXPECT_EQ(rejection(nullptr), "notify_plugin_entry_v1 returned NULL");
}

TEST(Descriptor, AnotherMajorIsRejected) {
    Fakes fakes;
    fakes.descriptor.abi_major = 3;
    EXPECT_EQ(rejection(&fakes.descriptor),
              "descriptor says ABI major 3; this notifyd speaks ABI 1");
}

TEST(Descriptor, SizeBelowTheOneZeroMembersIsRejected) {
    Fakes fakes;
    fakes.descriptor.size = static_cast<std::uint32_t>(base_size - 8);
    EXPECT_EQ(rejection(&fakes.descriptor), "descriptor size " + std::to_string(base_size - 8) +
                                                " is smaller than ABI 1.0's minimum of " +
                                                std::to_string(base_size) + " bytes");
}

TEST(Descriptor, SizeMustReachTheVtablePointerOfEveryDeclaredKind) {
    Fakes fakes;
    fakes.descriptor.size = static_cast<std::uint32_t>(offsetof(notify_plugin_descriptor, handler));
    EXPECT_EQ(rejection(&fakes.descriptor),
              "descriptor size " + std::to_string(offsetof(notify_plugin_descriptor, handler)) +
                  " does not reach the vtable pointer of every declared kind: ABI 1.0 needs " +
                  std::to_string(offsetof(notify_plugin_descriptor, handler) + sizeof(void*)) +
                  " bytes");
}

TEST(Descriptor, MinimumSizeFollowsTheDeclaredKinds) {
    constexpr std::size_t pointer = sizeof(void*);
    EXPECT_EQ(minimum_descriptor_size(0), base_size);
    EXPECT_EQ(minimum_descriptor_size(NOTIFY_KIND_TRANSPORT), base_size + pointer);
    EXPECT_EQ(minimum_descriptor_size(NOTIFY_KIND_AUTH), base_size + 2 * pointer);
    EXPECT_EQ(minimum_descriptor_size(NOTIFY_KIND_AUTH | NOTIFY_KIND_TRANSPORT),
              base_size + 2 * pointer);
    EXPECT_EQ(minimum_descriptor_size(NOTIFY_KIND_HANDLER),
              offsetof(notify_plugin_descriptor, handler) + pointer);
}

TEST(Descriptor, AShortDescriptorReadsLaterPointersAsNull) {
    Fakes fakes;
    fakes.descriptor.kinds = NOTIFY_KIND_TRANSPORT;
    fakes.descriptor.size =
        static_cast<std::uint32_t>(minimum_descriptor_size(NOTIFY_KIND_TRANSPORT));
    const auto normalized = normalize_descriptor(&fakes.descriptor);
    EXPECT_EQ(normalized->descriptor.size, sizeof(notify_plugin_descriptor));
    EXPECT_NE(normalized->descriptor.transport, nullptr);
    EXPECT_EQ(normalized->descriptor.auth, nullptr);
    EXPECT_EQ(normalized->descriptor.broker, nullptr);
    EXPECT_EQ(normalized->descriptor.handler, nullptr);
}

TEST(Descriptor, NameCreateAndDestroyAreRequired) {
    Fakes fakes;
    fakes.descriptor.name = nullptr;
    EXPECT_EQ(rejection(&fakes.descriptor), "descriptor has no name");
    fakes.descriptor.name = "Bad Name";
    EXPECT_EQ(rejection(&fakes.descriptor), "descriptor name 'Bad Name' is not [a-z0-9_-]+");
    fakes.descriptor.name = "fake";
    fakes.descriptor.create = nullptr;
    EXPECT_EQ(rejection(&fakes.descriptor), "descriptor has no create function");
    fakes.descriptor.create = fake_create;
    fakes.descriptor.destroy = nullptr;
    EXPECT_EQ(rejection(&fakes.descriptor), "descriptor has no destroy function");
}

TEST(Descriptor, MissingVersionAndDescriptionReadAsEmpty) {
    Fakes fakes;
    fakes.descriptor.version = nullptr;
    fakes.descriptor.description = nullptr;
    const auto normalized = normalize_descriptor(&fakes.descriptor);
    EXPECT_STREQ(normalized->descriptor.version, "");
    EXPECT_STREQ(normalized->descriptor.description, "");
}

TEST(Descriptor, ADescriptorWithoutAKnownKindIsRejected) {
    Fakes fakes;
    fakes.descriptor.kinds = 1u << 5;
    EXPECT_EQ(rejection(&fakes.descriptor),
              "descriptor provides no kind this notifyd knows (kinds = 32)");
}

TEST(Descriptor, UnknownKindBitsAreDropped) {
    Fakes fakes;
    fakes.descriptor.kinds = NOTIFY_KIND_HANDLER | (1u << 5);
    EXPECT_EQ(normalize_descriptor(&fakes.descriptor)->descriptor.kinds,
              std::uint32_t{NOTIFY_KIND_HANDLER});
}

TEST(Descriptor, EveryDeclaredKindNeedsItsVtable) {
    Fakes fakes;
    fakes.descriptor.kinds = NOTIFY_KIND_HANDLER | NOTIFY_KIND_BROKER;
    fakes.descriptor.broker = nullptr;
    EXPECT_EQ(rejection(&fakes.descriptor), "declares kind broker but its broker vtable is NULL");
}

TEST(Descriptor, VtableSizeMustReachItsRequiredFunctions) {
    Fakes fakes;
    fakes.handler.size = 4;
    EXPECT_EQ(rejection(&fakes.descriptor),
              "handler vtable size 4 is smaller than ABI 1.0's minimum of " +
                  std::to_string(offsetof(notify_handler_vtable, on_event) + sizeof(void*)) +
                  " bytes");
}

TEST(Descriptor, RequiredFunctionsMustBeSet) {
    {
        Fakes fakes;
        fakes.descriptor.kinds = NOTIFY_KIND_TRANSPORT;
        fakes.transport.deliver = nullptr;
        EXPECT_EQ(rejection(&fakes.descriptor), "transport vtable has no deliver function");
        fakes.transport.deliver = fake_deliver;
        fakes.transport.close = nullptr;
        EXPECT_EQ(rejection(&fakes.descriptor), "transport vtable has no close function");
    }
    {
        Fakes fakes;
        fakes.descriptor.kinds = NOTIFY_KIND_AUTH;
        fakes.auth.authenticate = nullptr;
        EXPECT_EQ(rejection(&fakes.descriptor), "auth vtable has no authenticate function");
    }
    {
        Fakes fakes;
        fakes.descriptor.kinds = NOTIFY_KIND_BROKER;
        fakes.broker.publish = nullptr;
        EXPECT_EQ(rejection(&fakes.descriptor), "broker vtable has no publish function");
    }
    {
        Fakes fakes;
        fakes.handler.on_event = nullptr;
        EXPECT_EQ(rejection(&fakes.descriptor), "handler vtable has no on_event function");
    }
}

TEST(Descriptor, AShortVtableReadsLaterMembersAsNull) {
    Fakes fakes;
    fakes.descriptor.kinds = NOTIFY_KIND_AUTH;
    fakes.auth.authorize_subscribe = fake_authorize;
    fakes.auth.size = static_cast<std::uint32_t>(offsetof(notify_auth_vtable, authorize_subscribe));
    const auto normalized = normalize_descriptor(&fakes.descriptor);
    EXPECT_EQ(normalized->auth.size, sizeof(notify_auth_vtable));
    EXPECT_EQ(normalized->auth.authenticate, fake_authenticate);
    EXPECT_EQ(normalized->auth.authorize_subscribe, nullptr);
}

TEST(Descriptor, ConfigKeysMustBeWellFormed) {
    Fakes fakes;
    fakes.descriptor.config_key_count = 2;
    EXPECT_EQ(rejection(&fakes.descriptor),
              "descriptor has config_key_count 2 but config_keys is NULL");
    const notify_config_key keys[] = {{"ok", NOTIFY_CONFIG_INT, ""},
                                      {"odd", static_cast<notify_config_type>(0), ""}};
    fakes.descriptor.config_keys = keys;
    EXPECT_EQ(rejection(&fakes.descriptor), "config key 'odd' has unknown type 0");
    const notify_config_key unnamed[] = {{"ok", NOTIFY_CONFIG_INT, ""},
                                         {nullptr, NOTIFY_CONFIG_INT, ""}};
    fakes.descriptor.config_keys = unnamed;
    EXPECT_EQ(rejection(&fakes.descriptor), "config key #1 has no name");
}

}  // namespace
}  // namespace notify::host
