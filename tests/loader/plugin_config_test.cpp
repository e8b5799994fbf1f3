#include "manifest/plugin_config.hpp"

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <string>
#include <string_view>

#include "manifest/plugin_loader.hpp"

namespace notify::host {
namespace {

const std::filesystem::path fixtures = NOTIFY_TEST_FIXTURES_DIR;

std::string_view text(notify_str str) {
    return {str.data, str.len};
}

// Two instances of the fixture_ok handler (whose schema has one key of every type), parsed from
// a real manifest and checked against the loaded plugin's schema.
class PluginConfigTest : public ::testing::Test {
  protected:
    PluginConfigTest()
        : manifest_(parse_manifest(R"([[handler]]
plugin = "fixture_ok"
label = "hello"
workers = 4
verbose = true
ratio = 0.25
hosts = ["a.example", "b.example"]
data_dir = "../data/./store"
timeout = "1500ms"

[[handler]]
plugin = "fixture_ok"
timeout = 3
ratio = 2
data_dir = "/var/lib/notify"
hosts = []

[[auth]]
plugin = "anonymous"
[[transport]]
plugin = "websocket"
)",
                                   "/srv/notify/conf/notify.toml")),
          catalog_({fixtures}) {
        install_config_accessors(host_);
    }

    const PluginInstanceSpec& handler(std::size_t index) const {
        const PluginInstanceSpec& spec = manifest_.instances.at(2 + index);
        EXPECT_EQ(spec.kind, PluginKind::handler);
        return spec;
    }

    Manifest manifest_;
    PluginCatalog catalog_;
    notify_host_api host_{};
};

TEST_F(PluginConfigTest, SettingsMatchTheLoadedPluginsSchema) {
    const auto library = catalog_.load("fixture_ok", manifest_.base_dir);
    EXPECT_NO_THROW(validate_plugin_settings(handler(0), *library));
    EXPECT_NO_THROW(validate_plugin_settings(handler(1), *library));
}

TEST_F(PluginConfigTest, ReadsEachType) {
    const PluginConfig config(handler(0), manifest_.base_dir);
    const notify_config* cfg = config.handle();
    notify_str str{};
    ASSERT_EQ(host_.config_get_string(cfg, "label", &str), NOTIFY_OK);
    EXPECT_EQ(text(str), "hello");
    int64_t integer = 0;
    ASSERT_EQ(host_.config_get_int(cfg, "workers", &integer), NOTIFY_OK);
    EXPECT_EQ(integer, 4);
    bool flag = false;
    ASSERT_EQ(host_.config_get_bool(cfg, "verbose", &flag), NOTIFY_OK);
    EXPECT_TRUE(flag);
    double number = 0;
    ASSERT_EQ(host_.config_get_double(cfg, "ratio", &number), NOTIFY_OK);
    EXPECT_EQ(number, 0.25);
    size_t count = 0;
    ASSERT_EQ(host_.config_get_array_size(cfg, "hosts", &count), NOTIFY_OK);
    ASSERT_EQ(count, 2u);
    ASSERT_EQ(host_.config_get_array_string(cfg, "hosts", 0, &str), NOTIFY_OK);
    EXPECT_EQ(text(str), "a.example");
    ASSERT_EQ(host_.config_get_array_string(cfg, "hosts", 1, &str), NOTIFY_OK);
    EXPECT_EQ(text(str), "b.example");
    int64_t ms = 0;
    ASSERT_EQ(host_.config_get_duration_ms(cfg, "timeout", &ms), NOTIFY_OK);
    EXPECT_EQ(ms, 1500);
}

TEST_F(PluginConfigTest, PathsResolveAgainstTheManifestFolderAndEndInNul) {
    const PluginConfig config(handler(0), manifest_.base_dir);
    notify_str path{};
    ASSERT_EQ(host_.config_get_path(config.handle(), "data_dir", &path), NOTIFY_OK);
    EXPECT_EQ(text(path), "/srv/notify/data/store");
    EXPECT_EQ(path.data[path.len], '\0');
    notify_str again{};
    ASSERT_EQ(host_.config_get_path(config.handle(), "data_dir", &again), NOTIFY_OK);
    EXPECT_EQ(again.data, path.data);

    const PluginConfig absolute(handler(1), manifest_.base_dir);
    ASSERT_EQ(host_.config_get_path(absolute.handle(), "data_dir", &path), NOTIFY_OK);
    EXPECT_EQ(text(path), "/var/lib/notify");
}

TEST_F(PluginConfigTest, IntegersServeAsSecondsAndAsDoubles) {
    const PluginConfig config(handler(1), manifest_.base_dir);
    int64_t ms = 0;
    ASSERT_EQ(host_.config_get_duration_ms(config.handle(), "timeout", &ms), NOTIFY_OK);
    EXPECT_EQ(ms, 3000);
    double number = 0;
    ASSERT_EQ(host_.config_get_double(config.handle(), "ratio", &number), NOTIFY_OK);
    EXPECT_EQ(number, 2.0);
    size_t count = 7;
    ASSERT_EQ(host_.config_get_array_size(config.handle(), "hosts", &count), NOTIFY_OK);
    EXPECT_EQ(count, 0u);
}

TEST_F(PluginConfigTest, AbsentKeysAreNotFoundAndLeaveTheDefault) {
    const PluginConfig config(handler(1), manifest_.base_dir);
    const notify_config* cfg = config.handle();
    notify_str str{"default", 7};
    EXPECT_EQ(host_.config_get_string(cfg, "label", &str), NOTIFY_ERR_NOT_FOUND);
    EXPECT_EQ(text(str), "default");
    int64_t integer = 42;
    EXPECT_EQ(host_.config_get_int(cfg, "workers", &integer), NOTIFY_ERR_NOT_FOUND);
    EXPECT_EQ(integer, 42);
    bool flag = true;
    EXPECT_EQ(host_.config_get_bool(cfg, "verbose", &flag), NOTIFY_ERR_NOT_FOUND);
    EXPECT_TRUE(flag);
    double number = 1.5;
    EXPECT_EQ(host_.config_get_double(cfg, "missing", &number), NOTIFY_ERR_NOT_FOUND);
    size_t count = 0;
    EXPECT_EQ(host_.config_get_array_size(cfg, "missing", &count), NOTIFY_ERR_NOT_FOUND);
    EXPECT_EQ(host_.config_get_array_string(cfg, "missing", 0, &str), NOTIFY_ERR_NOT_FOUND);
    EXPECT_EQ(host_.config_get_path(cfg, "missing", &str), NOTIFY_ERR_NOT_FOUND);
    int64_t ms = 9;
    EXPECT_EQ(host_.config_get_duration_ms(cfg, "missing", &ms), NOTIFY_ERR_NOT_FOUND);
    EXPECT_EQ(ms, 9);
    EXPECT_EQ(host_.config_get_array_string(cfg, "hosts", 0, &str), NOTIFY_ERR_NOT_FOUND);
}

TEST_F(PluginConfigTest, MismatchedTypesAreWrongType) {
    const PluginConfig config(handler(0), manifest_.base_dir);
    const notify_config* cfg = config.handle();
    notify_str str{};
    int64_t integer = 0;
    bool flag = false;
    double number = 0;
    size_t count = 0;
    EXPECT_EQ(host_.config_get_string(cfg, "workers", &str), NOTIFY_ERR_WRONG_TYPE);
    EXPECT_EQ(host_.config_get_int(cfg, "label", &integer), NOTIFY_ERR_WRONG_TYPE);
    EXPECT_EQ(host_.config_get_int(cfg, "ratio", &integer), NOTIFY_ERR_WRONG_TYPE);
    EXPECT_EQ(host_.config_get_bool(cfg, "workers", &flag), NOTIFY_ERR_WRONG_TYPE);
    EXPECT_EQ(host_.config_get_double(cfg, "label", &number), NOTIFY_ERR_WRONG_TYPE);
    EXPECT_EQ(host_.config_get_array_size(cfg, "label", &count), NOTIFY_ERR_WRONG_TYPE);
    EXPECT_EQ(host_.config_get_array_string(cfg, "label", 0, &str), NOTIFY_ERR_WRONG_TYPE);
    EXPECT_EQ(host_.config_get_path(cfg, "workers", &str), NOTIFY_ERR_WRONG_TYPE);
    EXPECT_EQ(host_.config_get_duration_ms(cfg, "verbose", &integer), NOTIFY_ERR_WRONG_TYPE);
    EXPECT_EQ(host_.config_get_duration_ms(cfg, "label", &integer), NOTIFY_ERR_WRONG_TYPE);
}

TEST_F(PluginConfigTest, NullArgumentsAreInvalid) {
    const PluginConfig config(handler(0), manifest_.base_dir);
    notify_str str{};
    EXPECT_EQ(host_.config_get_string(nullptr, "label", &str), NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(host_.config_get_string(config.handle(), nullptr, &str), NOTIFY_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(host_.config_get_string(config.handle(), "label", nullptr),
              NOTIFY_ERR_INVALID_ARGUMENT);
}

TEST_F(PluginConfigTest, WrongSchemaTypeIsCaughtBeforeCreate) {
    const Manifest manifest = parse_manifest(R"([[handler]]
plugin = "fixture_ok"
timeout = "soon"
[[auth]]
plugin = "anonymous"
[[transport]]
plugin = "websocket"
)",
                                             "/srv/notify/notify.toml");
    const auto library = catalog_.load("fixture_ok", {});
    try {
        validate_plugin_settings(manifest.instances.at(2), *library);
        FAIL() << "accepted";
    } catch (const ManifestError& error) {
        EXPECT_EQ(std::string(error.what()),
                  "/srv/notify/notify.toml:3:11: key 'handler[0].timeout': expected a duration "
                  "such as \"250ms\", \"30s\", \"5m\", \"1h\", \"2d\" or an integer of seconds, "
                  "got \"soon\"");
    }
}

}  // namespace
}  // namespace notify::host
