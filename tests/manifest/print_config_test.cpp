// --print-config's text: every host default, plugin tables as written with their unset keys as
// comments, absolute paths, and a manifest that parses to the same settings.
#include "manifest/print_config.hpp"

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include <string>

#include "manifest/host_keys.hpp"

namespace notify::host {
namespace {

const std::filesystem::path manifest_file = "/srv/notify/notify.toml";

const notify_config_key websocket_keys[] = {
    {"listen", NOTIFY_CONFIG_STRING, "address:port to listen on (default 127.0.0.1:8080)"},
    {"static_dir", NOTIFY_CONFIG_PATH, "folder served over HTTP"},
    {"ping_interval", NOTIFY_CONFIG_DURATION, "how often to ping\n(default 25s)"},
};

const std::string manifest_text = R"([limits]
max_payload_size = 1024

[log.plugins]
ws = "debug"

[namespaces.chat]
history_size = 10
history_ttl = "90s"

[[auth]]
plugin = "./plugins/notify_anon.so"

[[transport]]
plugin = "websocket"
name = "ws"
listen = "127.0.0.1:9000"
static_dir = "www"
)";

std::string printed(const Manifest& manifest) {
    return print_config(manifest, {{}, {}, {websocket_keys, std::size(websocket_keys)}});
}

TEST(PrintConfig, FillsInEveryHostDefault) {
    const std::string text = printed(parse_manifest(manifest_text, manifest_file));
    for (const std::string line :
         {"[app]\nid = \"notify\"\n", "[log]\nlevel = \"info\"\nformat = \"text\"\n",
          "[log.plugins]\nws = \"debug\"\n", "max_payload_size = 1024\n",
          "max_connections = 100000\n", "ttl = \"1m\"\n", "clean_interval = \"5s\"\n",
          "refresh_grace = \"25s\"\n", "[topics]\n", "history_ttl = \"0s\"\n",
          "[namespaces.chat]\n", "history_ttl = \"90s\"\n", "delivery = \"at-most-once\"\n",
          "ack_timeout = \"30s\"\n", "[plugins]\ndirs = []\n"}) {
        EXPECT_NE(text.find(line), std::string::npos) << "missing: " << line << "\n" << text;
    }
    EXPECT_NE(text.find("# name = \"\"  # default: this machine's host name\n"), std::string::npos)
        << text;
}

TEST(PrintConfig, WritesPluginTablesWithUnsetKeysAsComments) {
    const std::string text = printed(parse_manifest(manifest_text, manifest_file));
    EXPECT_NE(text.find("[broker]\nplugin = \"local\"\nname = \"local\"\n"), std::string::npos)
        << text;
    EXPECT_NE(text.find("[[auth]]\nplugin = \"/srv/notify/plugins/notify_anon.so\"\n"
                        "name = \"anon\"\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("[[transport]]\nplugin = \"websocket\"\nname = \"ws\"\n"
                        "listen = \"127.0.0.1:9000\"\nstatic_dir = \"/srv/notify/www\"\n"
                        "# ping_interval = <duration>  # how often to ping (default 25s)\n"),
              std::string::npos)
        << text;
}

TEST(PrintConfig, ReadsBackAsTheSameManifest) {
    const Manifest original = parse_manifest(manifest_text, manifest_file);
    const Manifest again = parse_manifest(printed(original), "/elsewhere/printed.toml");
    const auto before = host_sections(original);
    const auto after = host_sections(again);
    ASSERT_EQ(before.size(), after.size());
    for (std::size_t index = 0; index < before.size(); ++index) {
        EXPECT_EQ(before[index].name, after[index].name);
        ASSERT_EQ(before[index].keys.size(), after[index].keys.size()) << before[index].name;
        for (std::size_t key = 0; key < before[index].keys.size(); ++key) {
            EXPECT_EQ(before[index].keys[key].value, after[index].keys[key].value)
                << before[index].name << "." << before[index].keys[key].name;
        }
    }
    ASSERT_EQ(again.instances.size(), original.instances.size());
    for (std::size_t index = 0; index < again.instances.size(); ++index) {
        EXPECT_EQ(again.instances[index].name, original.instances[index].name);
        EXPECT_EQ(again.instances[index].kind, original.instances[index].kind);
    }
    EXPECT_EQ(again.instances[1].plugin, "/srv/notify/plugins/notify_anon.so");
    EXPECT_EQ(again.instances[2].settings->at("static_dir").value<std::string>(),
              "/srv/notify/www");
}

TEST(HostKeys, DurationsUseTheLargestExactUnit) {
    using std::chrono::milliseconds;
    EXPECT_EQ(format_duration(milliseconds(0)), "0s");
    EXPECT_EQ(format_duration(milliseconds(250)), "250ms");
    EXPECT_EQ(format_duration(milliseconds(1'500)), "1500ms");
    EXPECT_EQ(format_duration(milliseconds(30'000)), "30s");
    EXPECT_EQ(format_duration(milliseconds(300'000)), "5m");
    EXPECT_EQ(format_duration(milliseconds(7'200'000)), "2h");
    EXPECT_EQ(format_duration(milliseconds(172'800'000)), "2d");
    for (const std::int64_t ms : {250, 1'500, 30'000, 90'000, 86'400'000}) {
        EXPECT_EQ(parse_duration_ms(format_duration(milliseconds(ms))), ms);
    }
}

}  // namespace
}  // namespace notify::host
