#include <gtest/gtest.h>

#include <string>

#include "manifest/manifest.hpp"
#include "manifest/plugin_loader.hpp"

namespace notify::host {
namespace {

const std::filesystem::path manifest_file = "/srv/notify/notify.toml";
const std::string at = "/srv/notify/notify.toml:";

const notify_config_key websocket_keys[] = {
    {"listen", NOTIFY_CONFIG_STRING, ""}, {"path", NOTIFY_CONFIG_STRING, ""},
    {"max_frame", NOTIFY_CONFIG_INT, ""}, {"compress", NOTIFY_CONFIG_BOOL, ""},
    {"ratio", NOTIFY_CONFIG_DOUBLE, ""},  {"origins", NOTIFY_CONFIG_STRING_ARRAY, ""},
    {"cert", NOTIFY_CONFIG_PATH, ""},     {"ping_interval", NOTIFY_CONFIG_DURATION, ""},
};

// Stands in for a loaded .so: validate_plugin_settings only reads the descriptor.
class DescriptorOnlyLibrary final : public PluginLibrary {
public:
    DescriptorOnlyLibrary(const char* name, std::uint32_t kinds, const notify_config_key* keys,
                          std::size_t key_count) {
        descriptor_.size = sizeof(descriptor_);
        descriptor_.abi_major = NOTIFY_ABI_MAJOR;
        descriptor_.name = name;
        descriptor_.kinds = kinds;
        descriptor_.config_keys = keys;
        descriptor_.config_key_count = key_count;
    }
    const std::filesystem::path& path() const override { return path_; }
    const notify_plugin_descriptor& descriptor() const override { return descriptor_; }

private:
    std::filesystem::path path_ = "/fake/notify_fake.so";
    notify_plugin_descriptor descriptor_{};
};

const DescriptorOnlyLibrary websocket("websocket", NOTIFY_KIND_TRANSPORT, websocket_keys,
                                      std::size(websocket_keys));

// The transport table's lines come first, so the line numbers in messages are easy to count.
std::string validation_error(const std::string& transport_lines,
                             const PluginLibrary& library = websocket) {
    const Manifest manifest =
        parse_manifest("[[transport]]\nplugin = \"websocket\"\n" + transport_lines +
                           "\n[[auth]]\nplugin = \"anonymous\"\n",
                       manifest_file);
    try {
        validate_plugin_settings(manifest.instances.back(), library);
    } catch (const ManifestError& error) {
        return error.what();
    }
    return "no error";
}

TEST(PluginSettings, AcceptsEveryTypeItsSchemaNames) {
    EXPECT_EQ(validation_error(R"(listen = "127.0.0.1:8000"
path = "/ws"
max_frame = 65536
compress = true
ratio = 0.5
origins = ["a", "b"]
cert = "tls/cert.pem"
ping_interval = "25s"
)"),
              "no error");
}

TEST(PluginSettings, DoubleAcceptsIntegersAndDurationAcceptsSeconds) {
    EXPECT_EQ(validation_error("ratio = 2\nping_interval = 30\n"), "no error");
}

TEST(PluginSettings, UnknownKeyNamesThePluginAndItsKeys) {
    EXPECT_EQ(validation_error("listn = \"127.0.0.1:8000\"\n"),
              at + "3:1: key 'transport[0].listn': unknown key for plugin 'websocket' (known: "
                   "listen, path, max_frame, compress, ratio, origins, cert, ping_interval)");
}

TEST(PluginSettings, UnknownKeyOfAPluginWithoutSettings) {
    const DescriptorOnlyLibrary bare("bare", NOTIFY_KIND_TRANSPORT, nullptr, 0);
    EXPECT_EQ(validation_error("\n\nport = 1\n", bare),
              at + "5:1: key 'transport[0].port': unknown key: plugin 'bare' takes no settings");
}

TEST(PluginSettings, WrongTypesAreErrors) {
    EXPECT_EQ(validation_error("max_frame = \"big\"\n"),
              at + "3:13: key 'transport[0].max_frame': expected an integer, got a string");
    EXPECT_EQ(validation_error("listen = 8000\n"),
              at + "3:10: key 'transport[0].listen': expected a string, got an integer");
    EXPECT_EQ(validation_error("compress = \"yes\"\n"),
              at + "3:12: key 'transport[0].compress': expected a boolean, got a string");
    EXPECT_EQ(validation_error("ratio = \"half\"\n"),
              at + "3:9: key 'transport[0].ratio': expected a number, got a string");
    EXPECT_EQ(validation_error("cert = []\n"),
              at + "3:8: key 'transport[0].cert': expected a path string, got an array");
    EXPECT_EQ(validation_error("origins = \"a\"\n"),
              at + "3:11: key 'transport[0].origins': expected an array of strings, got a string");
    EXPECT_EQ(validation_error("origins = [\"a\", 2]\n"),
              at + "3:17: key 'transport[0].origins[1]': expected a string, got an integer");
}

TEST(PluginSettings, DurationsMustParse) {
    EXPECT_EQ(validation_error("ping_interval = \"often\"\n"),
              at + "3:17: key 'transport[0].ping_interval': expected a duration such as "
                   "\"250ms\", \"30s\", \"5m\", \"1h\", \"2d\" or an integer of seconds, got "
                   "\"often\"");
    EXPECT_EQ(validation_error("ping_interval = -1\n"),
              at + "3:17: key 'transport[0].ping_interval': must be between 0 and "
                   "9223372036854775 seconds, got -1");
}

TEST(PluginSettings, TheInstanceKindMustBeProvidedByThePlugin) {
    const DescriptorOnlyLibrary auth_only("jwt", NOTIFY_KIND_AUTH | NOTIFY_KIND_HANDLER, nullptr,
                                          0);
    EXPECT_EQ(validation_error("", auth_only),
              at + "1:1: key 'transport[0]': plugin 'jwt' provides auth, handler, not transport");
}

}  // namespace
}  // namespace notify::host
