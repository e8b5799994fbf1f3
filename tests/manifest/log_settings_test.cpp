// [log]: level, format and per-instance levels ([log.plugins]).
#include <gtest/gtest.h>

#include <string>

#include "manifest/manifest.hpp"

namespace notify::host {
namespace {

const std::filesystem::path manifest_file = "/srv/notify/notify.toml";
const std::string at = "/srv/notify/notify.toml:";
const std::string instances =
    "[[auth]]\nplugin = \"anonymous\"\n\n[[transport]]\nplugin = \"websocket\"\nname = \"ws\"\n";

std::string error_of(const std::string& text) {
    try {
        parse_manifest(text, manifest_file);
    } catch (const ManifestError& error) {
        return error.what();
    }
    return "no error";
}

TEST(LogSettings, DefaultsAreInfoAndText) {
    const Manifest manifest = parse_manifest(instances, manifest_file);
    EXPECT_EQ(manifest.log.level, "info");
    EXPECT_EQ(manifest.log.format, LogFormat::text);
    EXPECT_TRUE(manifest.log.plugin_levels.empty());
}

TEST(LogSettings, ReadsFormatAndPerInstanceLevels) {
    const Manifest manifest = parse_manifest(
        "[log]\nlevel = \"warn\"\nformat = \"json\"\n\n[log.plugins]\nws = \"debug\"\n"
        "anonymous = \"error\"\n\n" +
            instances,
        manifest_file);
    EXPECT_EQ(manifest.log.level, "warn");
    EXPECT_EQ(manifest.log.format, LogFormat::json);
    ASSERT_EQ(manifest.log.plugin_levels.size(), 2u);
    EXPECT_EQ(manifest.log.plugin_levels.at("ws"), "debug");
    EXPECT_EQ(manifest.log.plugin_levels.at("anonymous"), "error");
}

TEST(LogSettings, TheImplicitBrokerCanHaveItsOwnLevel) {
    const Manifest manifest =
        parse_manifest("[log.plugins]\nlocal = \"debug\"\n" + instances, manifest_file);
    EXPECT_EQ(manifest.log.plugin_levels.at("local"), "debug");
}

TEST(LogSettings, AnUnknownInstanceIsAnErrorNamingIt) {
    EXPECT_EQ(error_of("[log.plugins]\nwebsocket = \"debug\"\n" + instances),
              at + "2:1: key 'log.plugins.websocket': no plugin instance is named \"websocket\" "
                   "(instances: local, anonymous, ws)");
}

TEST(LogSettings, AnUnknownFormatOrLevelIsAnError) {
    EXPECT_EQ(error_of("[log]\nformat = \"xml\"\n" + instances),
              at + "2:10: key 'log.format': must be one of text, json; got \"xml\"");
    EXPECT_EQ(error_of("[log.plugins]\nws = \"verbose\"\n" + instances),
              at + "2:6: key 'log.plugins.ws': must be one of debug, info, warn, error; got "
                   "\"verbose\"");
}

TEST(LogSettings, AnUnknownKeyIsAnError) {
    EXPECT_EQ(error_of("[log]\ncolour = true\n" + instances),
              at + "2:1: key 'log.colour': unknown key (known: level, format, plugins)");
}

}  // namespace
}  // namespace notify::host
