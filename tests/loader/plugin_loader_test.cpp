#include "manifest/plugin_loader.hpp"

#include <gtest/gtest.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "manifest/plugin_config.hpp"

namespace notify::host {
namespace {

const std::filesystem::path fixtures = NOTIFY_TEST_FIXTURES_DIR;

std::string fixture_path(const std::string& name) {
    return (fixtures / plugin_file_name(name)).string();
}

std::string load_error(const std::string& plugin) {
    PluginCatalog catalog({fixtures});
    try {
        catalog.load(plugin, {});
    } catch (const PluginLoadError& error) {
        return error.what();
    }
    return "loaded";
}

notify_host_api host_table() {
    notify_host_api host{};
    host.size = sizeof(host);
    host.abi_major = NOTIFY_ABI_MAJOR;
    host.abi_minor = NOTIFY_ABI_MINOR;
    install_config_accessors(host);
    return host;
}

TEST(PluginLoader, LoadsAPluginByNameFromTheSearchDirs) {
    PluginCatalog catalog({"/nonexistent/plugins", fixtures});
    const auto library = catalog.load("fixture_ok", {});
    EXPECT_EQ(library->path(), fixture_path("fixture_ok"));
    const notify_plugin_descriptor& d = library->descriptor();
    EXPECT_STREQ(d.name, "fixture_ok");
    EXPECT_STREQ(d.version, "1.2.3");
    EXPECT_EQ(d.kinds, std::uint32_t{NOTIFY_KIND_HANDLER});
    EXPECT_EQ(d.config_key_count, 7u);
    ASSERT_NE(d.handler, nullptr);
    EXPECT_NE(d.handler->on_event, nullptr);
    EXPECT_EQ(d.handler->event_mask, NOTIFY_EVENT_BIT(NOTIFY_EVENT_PUBLISH));
    EXPECT_EQ(d.transport, nullptr);
    EXPECT_EQ(d.auth, nullptr);
    EXPECT_EQ(d.broker, nullptr);
}

TEST(PluginLoader, LoadsEachFileOnce) {
    PluginCatalog catalog({fixtures});
    const auto by_name = catalog.load("fixture_ok", {});
    const auto by_path = catalog.load("./notify_fixture_ok.so", fixtures);
    EXPECT_EQ(by_name, by_path);
}

TEST(PluginLoader, LoadsAPathRelativeToTheBaseDir) {
    PluginCatalog catalog({});
    const auto library = catalog.load("fixtures/notify_fixture_ok.so", fixtures.parent_path());
    EXPECT_EQ(library->path(), fixture_path("fixture_ok"));
}

TEST(PluginLoader, LibrariesStayLoadedAfterTheCatalogIsGone) {
    const notify_plugin_descriptor* descriptor = nullptr;
    {
        PluginCatalog catalog({fixtures});
        descriptor = &catalog.load("fixture_ok", {})->descriptor();
    }
    EXPECT_STREQ(descriptor->name, "fixture_ok");
    const notify_event event{};
    descriptor->handler->on_event(nullptr, &event);
}

TEST(PluginLoader, UnknownNameListsTheFoldersSearched) {
    PluginCatalog catalog({fixtures, "/nonexistent/plugins"});
    try {
        catalog.load("nope", {});
        FAIL() << "loaded";
    } catch (const PluginLoadError& error) {
        EXPECT_EQ(std::string(error.what()), "plugin 'nope': notify_nope.so not found in " +
                                                 fixtures.string() + ", /nonexistent/plugins");
    }
    PluginCatalog empty({});
    EXPECT_THROW(
        {
            try {
                empty.load("nope", {});
            } catch (const PluginLoadError& error) {
                EXPECT_STREQ(error.what(),
                             "plugin 'nope': notify_nope.so not found in (no plugin folders)");
                throw;
            }
        },
        PluginLoadError);
}

TEST(PluginLoader, MissingPathIsAnError) {
    PluginCatalog catalog({});
    try {
        catalog.load("./absent.so", fixtures);
        FAIL() << "loaded";
    } catch (const PluginLoadError& error) {
        EXPECT_EQ(std::string(error.what()),
                  "plugin './absent.so' (" + (fixtures / "absent.so").string() + "): no such file");
    }
}

TEST(PluginLoader, DlopenFailureCarriesTheDynamicLoaderReason) {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("notify-loader-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto file = dir / "notify_garbage.so";
    std::ofstream(file) << std::string(256, 'x');
    PluginCatalog catalog({dir});
    std::string message;
    try {
        catalog.load("garbage", {});
    } catch (const PluginLoadError& error) {
        message = error.what();
    }
    std::filesystem::remove_all(dir);
    EXPECT_EQ(message, "plugin 'garbage' (" + file.string() + "): dlopen failed: " + file.string() +
                           ": invalid ELF header");
}

TEST(PluginLoader, MissingEntrySymbolIsAnError) {
    EXPECT_EQ(load_error("fixture_missing_entry"),
              "plugin 'fixture_missing_entry' (" + fixture_path("fixture_missing_entry") +
                  "): exports no notify_plugin_entry_v1: not a Notify plugin");
}

TEST(PluginLoader, AnotherMajorsEntrySymbolIsNamed) {
    EXPECT_EQ(load_error("fixture_v2_entry"),
              "plugin 'fixture_v2_entry' (" + fixture_path("fixture_v2_entry") +
                  "): built for ABI major 2 (exports notify_plugin_entry_v2); this notifyd "
                  "speaks ABI 1");
}

TEST(PluginLoader, DescriptorOfAnotherMajorIsAnError) {
    EXPECT_EQ(load_error("fixture_wrong_major"),
              "plugin 'fixture_wrong_major' (" + fixture_path("fixture_wrong_major") +
                  "): descriptor says ABI major 2; this notifyd speaks ABI 1");
}

TEST(PluginLoader, OlderMinorLoadsWithNewerMembersNull) {
    PluginCatalog catalog({fixtures});
    const notify_plugin_descriptor& d = catalog.load("fixture_old_minor", {})->descriptor();
    EXPECT_STREQ(d.name, "fixture_old_minor");
    EXPECT_EQ(d.abi_minor, 0u);
    EXPECT_EQ(d.size, sizeof(notify_plugin_descriptor));
    EXPECT_EQ(d.kinds, std::uint32_t{NOTIFY_KIND_AUTH});
    EXPECT_EQ(d.transport, nullptr);
    EXPECT_EQ(d.broker, nullptr);
    EXPECT_EQ(d.handler, nullptr);
    ASSERT_NE(d.auth, nullptr);
    EXPECT_EQ(d.auth->size, sizeof(notify_auth_vtable));
    EXPECT_EQ(d.auth->authorize_subscribe, nullptr);
    EXPECT_EQ(d.auth->authorize_publish, nullptr);
    notify_auth_result result{};
    result.decision = NOTIFY_AUTH_DENY;
    notify_error error{};
    const notify_auth_request request{};
    EXPECT_EQ(d.auth->authenticate(nullptr, &request, &result, &error), NOTIFY_OK);
    EXPECT_EQ(result.decision, NOTIFY_AUTH_ALLOW);
}

TEST(PluginLoader, NewerMinorLoadsAndItsExtraMembersAreIgnored) {
    PluginCatalog catalog({fixtures});
    const notify_plugin_descriptor& d = catalog.load("fixture_new_minor", {})->descriptor();
    EXPECT_STREQ(d.name, "fixture_new_minor");
    EXPECT_EQ(d.abi_minor, 7u);
    EXPECT_EQ(d.size, sizeof(notify_plugin_descriptor));
    EXPECT_EQ(d.kinds, std::uint32_t{NOTIFY_KIND_TRANSPORT});
    ASSERT_NE(d.transport, nullptr);
    EXPECT_EQ(d.transport->size, sizeof(notify_transport_vtable));
    EXPECT_NE(d.transport->deliver, nullptr);
    EXPECT_NE(d.transport->close, nullptr);
    EXPECT_EQ(d.auth, nullptr);
}

TEST(PluginLoader, CreateFailureReportsStatusAndMessage) {
    PluginCatalog catalog({fixtures});
    const notify_plugin_descriptor& d = catalog.load("fixture_init_fails", {})->descriptor();
    const notify_host_api host = host_table();
    PluginInstanceSpec spec;
    spec.settings = std::make_shared<const toml::table>();
    const PluginConfig config(spec, fixtures);
    void* instance = &catalog;
    notify_error error{};
    EXPECT_EQ(d.create(&host, nullptr, config.handle(), &instance, &error),
              NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_STREQ(error.message, "fixture_init_fails: refusing to start");
    EXPECT_EQ(instance, nullptr);
}

TEST(PluginLoader, CreateAndDestroyOfAGoodPlugin) {
    PluginCatalog catalog({fixtures});
    const notify_plugin_descriptor& d = catalog.load("fixture_ok", {})->descriptor();
    const notify_host_api host = host_table();
    const PluginConfig config(PluginInstanceSpec{}, fixtures);
    void* instance = nullptr;
    notify_error error{};
    ASSERT_EQ(d.create(&host, nullptr, config.handle(), &instance, &error), NOTIFY_OK);
    EXPECT_NE(instance, nullptr);
    d.destroy(instance);
}

// The 1.2 prefix of the broker vtable: everything through subscriptions_load (minors append).
constexpr std::size_t kBrokerVtable12Size = offsetof(notify_broker_vtable, subscriptions_load) +
                                            sizeof(notify_broker_vtable::subscriptions_load);

struct HistoryEntry {
    std::uint64_t offset;
    std::string payload;
};

bool collect_history(void* sink_ctx, std::uint64_t offset, std::int64_t, notify_bytes payload) {
    static_cast<std::vector<HistoryEntry>*>(sink_ctx)->push_back(
        {offset, std::string(reinterpret_cast<const char*>(payload.data), payload.len)});
    return true;
}

TEST(PluginLoader, AuthBuiltAgainstTheFrozen13HeaderLoads) {
    PluginCatalog catalog({fixtures});
    const notify_plugin_descriptor& d = catalog.load("fixture_auth_1_3", {})->descriptor();
    EXPECT_EQ(d.abi_minor, 3u);
    EXPECT_EQ(d.kinds, std::uint32_t{NOTIFY_KIND_AUTH});
    ASSERT_NE(d.auth, nullptr);
    ASSERT_NE(d.auth->authenticate, nullptr);
    ASSERT_NE(d.auth->authorize_subscribe, nullptr);
    EXPECT_EQ(d.auth->authorize_publish, nullptr);
}

TEST(PluginLoader, AuthBuiltAgainstTheFrozen14HeaderLoads) {
    PluginCatalog catalog({fixtures});
    const notify_plugin_descriptor& d = catalog.load("fixture_auth_1_4", {})->descriptor();
    EXPECT_EQ(d.abi_minor, 4u);
    EXPECT_EQ(d.kinds, std::uint32_t{NOTIFY_KIND_AUTH});
    ASSERT_NE(d.auth, nullptr);
    ASSERT_NE(d.auth->authenticate, nullptr);
    EXPECT_EQ(d.auth->authorize_subscribe, nullptr);
}

TEST(PluginLoader, HandlersBuiltAgainstTheFrozen10And11HeadersLoad) {
    PluginCatalog catalog({fixtures});
    for (const std::uint16_t minor : {std::uint16_t{0}, std::uint16_t{1}}) {
        const std::string name = "fixture_handler_1_" + std::to_string(minor);
        SCOPED_TRACE(name);
        const notify_plugin_descriptor& d = catalog.load(name, {})->descriptor();
        EXPECT_STREQ(d.name, name.c_str());
        EXPECT_EQ(d.abi_major, 1u);
        EXPECT_EQ(d.abi_minor, minor);
        EXPECT_EQ(d.kinds, std::uint32_t{NOTIFY_KIND_HANDLER});
        ASSERT_NE(d.handler, nullptr);
        EXPECT_EQ(d.handler->event_mask, NOTIFY_EVENT_BIT(NOTIFY_EVENT_CONNECT) |
                                             NOTIFY_EVENT_BIT(NOTIFY_EVENT_DATA));
        ASSERT_NE(d.handler->on_event, nullptr);
        EXPECT_EQ(d.config_key_count, 2u);
    }
}

TEST(PluginLoader, BrokerBuiltAgainstTheFrozen12HeaderLoadsAndWorks) {
    PluginCatalog catalog({fixtures});
    const notify_plugin_descriptor& d = catalog.load("fixture_broker_1_2", {})->descriptor();
    EXPECT_STREQ(d.name, "fixture_broker_1_2");
    EXPECT_EQ(d.abi_major, 1u);
    EXPECT_EQ(d.abi_minor, 2u);
    EXPECT_EQ(d.kinds, std::uint32_t{NOTIFY_KIND_BROKER});
    EXPECT_EQ(d.transport, nullptr);
    EXPECT_EQ(d.auth, nullptr);
    EXPECT_EQ(d.handler, nullptr);
    ASSERT_NE(d.broker, nullptr);
    // The host's copy has the current size; what the plugin's 1.2 vtable lacks reads as zero.
    EXPECT_EQ(d.broker->size, sizeof(notify_broker_vtable));
    EXPECT_EQ(d.broker->capabilities, std::uint32_t{NOTIFY_BROKER_CAP_HISTORY});
    ASSERT_NE(d.broker->publish, nullptr);
    ASSERT_NE(d.broker->history_read, nullptr);
    EXPECT_EQ(d.broker->subscription_save, nullptr);
    EXPECT_EQ(d.broker->subscription_remove, nullptr);
    EXPECT_EQ(d.broker->subscriptions_load, nullptr);
    static_assert(kBrokerVtable12Size <= sizeof(notify_broker_vtable));
    const auto* bytes = reinterpret_cast<const unsigned char*>(d.broker);
    for (std::size_t at = kBrokerVtable12Size; at < sizeof(notify_broker_vtable); ++at) {
        ASSERT_EQ(bytes[at], 0u) << "byte " << at << " of the broker vtable after the 1.2 end";
    }

    // Driven with the current header's structs, which are larger than the ones it knows.
    const notify_host_api host = host_table();
    const PluginConfig config(PluginInstanceSpec{}, fixtures);
    void* instance = nullptr;
    notify_error error{};
    ASSERT_EQ(d.create(&host, nullptr, config.handle(), &instance, &error), NOTIFY_OK)
        << error.message;
    notify_history_options history{};
    history.size = sizeof(history);
    history.history_size = 2;
    const std::string topic = "news";
    for (int i = 1; i <= 3; ++i) {
        const std::string payload = "m" + std::to_string(i);
        notify_broker_publish publish{};
        publish.size = sizeof(publish);
        publish.request_id = static_cast<std::uint64_t>(i);
        publish.topic = {topic.data(), topic.size()};
        publish.payload = {reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()};
        publish.time_ms = 1000 + i;
        publish.history = &history;
        notify_stream_position position{};
        position.size = sizeof(position);
        ASSERT_EQ(d.broker->publish(instance, &publish, &position, &error), NOTIFY_OK)
            << error.message;
        EXPECT_EQ(position.offset, static_cast<std::uint64_t>(i));
        EXPECT_EQ(std::string(position.epoch.data, position.epoch.len), "fx12");
    }
    notify_history_request request{};
    request.size = sizeof(request);
    request.topic = {topic.data(), topic.size()};
    request.since_offset = 0;
    request.history = &history;
    std::vector<HistoryEntry> entries;
    notify_stream_position current{};
    current.size = sizeof(current);
    ASSERT_EQ(
        d.broker->history_read(instance, &request, collect_history, &entries, &current, &error),
        NOTIFY_OK)
        << error.message;
    ASSERT_EQ(entries.size(), 2u);  // history_size 2: the first message was trimmed
    EXPECT_EQ(entries[0].offset, 2u);
    EXPECT_EQ(entries[0].payload, "m2");
    EXPECT_EQ(entries[1].offset, 3u);
    EXPECT_EQ(entries[1].payload, "m3");
    EXPECT_EQ(current.offset, 3u);
    d.destroy(instance);
}

TEST(PluginCatalog, ListsEveryPluginFileWithItsLoadResult) {
    PluginCatalog catalog({fixtures, fixtures});
    const auto listings = catalog.list_all();
    std::vector<std::string> rows;
    for (const auto& listing : listings) {
        ASSERT_EQ(listing.path.parent_path(), fixtures);
        const std::string file = listing.path.filename().string();
        if (listing.library) {
            EXPECT_TRUE(listing.error.empty()) << listing.error;
            rows.push_back(file + " -> " + listing.library->descriptor().name);
        } else {
            EXPECT_NE(listing.error.find(listing.path.string()), std::string::npos)
                << listing.error;
            rows.push_back(file + " -> error");
        }
    }
    EXPECT_EQ(rows, (std::vector<std::string>{
                        "notify_fixture_api_1_5.so -> fixture_api_1_5",
                        "notify_fixture_auth_1_3.so -> fixture_auth_1_3",
                        "notify_fixture_auth_1_4.so -> fixture_auth_1_4",
                        "notify_fixture_auth_1_7.so -> fixture_auth_1_7",
                        "notify_fixture_broker_1_2.so -> fixture_broker_1_2",
                        "notify_fixture_handler_1_0.so -> fixture_handler_1_0",
                        "notify_fixture_handler_1_1.so -> fixture_handler_1_1",
                        "notify_fixture_init_fails.so -> fixture_init_fails",
                        "notify_fixture_missing_entry.so -> error",
                        "notify_fixture_new_minor.so -> fixture_new_minor",
                        "notify_fixture_ok.so -> fixture_ok",
                        "notify_fixture_old_minor.so -> fixture_old_minor",
                        "notify_fixture_ops_1_6.so -> fixture_ops_1_6",
                        "notify_fixture_v2_entry.so -> error",
                        "notify_fixture_wrong_major.so -> error",
                    }));
}

TEST(PluginCatalog, DefaultSearchDirsAreManifestThenEnvironmentThenInstallLayout) {
    Manifest manifest;
    manifest.plugin_dirs = {"/srv/notify/plugins"};
    ASSERT_EQ(::setenv("NOTIFY_PLUGIN_PATH", "/opt/a::relative/b/", 1), 0);
    const auto dirs = PluginCatalog::default_search_dirs(&manifest);
    ::unsetenv("NOTIFY_PLUGIN_PATH");
    const auto exe_dir = std::filesystem::read_symlink("/proc/self/exe").parent_path();
    EXPECT_EQ(dirs, (std::vector<std::filesystem::path>{
                        "/srv/notify/plugins",
                        "/opt/a",
                        (std::filesystem::current_path() / "relative/b/").lexically_normal(),
                        (exe_dir.parent_path() / "lib/notify/plugins").lexically_normal(),
                    }));
    EXPECT_EQ(PluginCatalog::default_search_dirs(nullptr).size(), 1u);
}

}  // namespace
}  // namespace notify::host
