// SIGHUP reloads: which changes apply live, which need a restart, and that a refused or invalid
// manifest leaves the running configuration as it was.
#include "runtime/reload.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <variant>

#include "engine_harness.hpp"

namespace notify::runtime::test {
namespace {

using namespace std::chrono_literals;

const std::filesystem::path file = "/srv/notify/notify.toml";
const std::string instances = R"(
[[auth]]
plugin = "anonymous"

[[handler]]
plugin = "chat"
room = "lobby"

[[transport]]
plugin = "websocket"
name = "ws"
listen = "127.0.0.1:9000"
)";

ReloadPlan plan(const std::string& running, const std::string& next,
                bool plugins_reconfigure = true) {
    return plan_reload(host::parse_manifest(running + instances, file),
                       host::parse_manifest(next, file),
                       [&](std::size_t) { return plugins_reconfigure; });
}

ReloadPlan plan_same_instances(const std::string& running, const std::string& next) {
    return plan(running, next + instances);
}

TEST(ReloadPlan, SameManifestChangesNothing) {
    const ReloadPlan result =
        plan_same_instances("[limits]\nmax_topics = 5\n", "[limits]\nmax_topics = 5\n");
    EXPECT_TRUE(result.empty());
    EXPECT_FALSE(result.refused());
}

TEST(ReloadPlan, LimitsClientsAndNamespaceOptionsApplyLive) {
    const ReloadPlan result =
        plan_same_instances("[namespaces.chat]\nhistory_size = 10\n",
                            "[limits]\nmax_payload_size = 1024\n[clients]\nttl = \"2m\"\n"
                            "[namespaces.chat]\nhistory_size = 20\npublish = \"subscriber\"\n");
    EXPECT_FALSE(result.refused()) << result.needs_restart.front();
    EXPECT_TRUE(result.core_changed);
    EXPECT_FALSE(result.log_changed);
    EXPECT_EQ(result.changes,
              (std::vector<std::string>{"clients.ttl \"1m\" -> \"2m\"",
                                        "limits.max_payload_size 65536 -> 1024",
                                        "namespaces.chat.history_size 10 -> 20",
                                        "namespaces.chat.publish \"any\" -> \"subscriber\""}));
}

TEST(ReloadPlan, LogSettingsApplyLive) {
    const ReloadPlan result =
        plan_same_instances("[log.plugins]\nanonymous = \"debug\"\n",
                            "[log]\nformat = \"json\"\n[log.plugins]\nws = \"warn\"\n");
    EXPECT_FALSE(result.refused());
    EXPECT_TRUE(result.log_changed);
    EXPECT_FALSE(result.core_changed);
    EXPECT_EQ(result.changes,
              (std::vector<std::string>{"log.format \"text\" -> \"json\"",
                                        "log.plugins.ws (unset) -> \"warn\"",
                                        "log.plugins.anonymous \"debug\" -> (unset)"}));
}

TEST(ReloadPlan, AppNodePluginDirsAndCleanIntervalNeedARestart) {
    const ReloadPlan result = plan_same_instances(
        "",
        "[app]\nid = \"other\"\n[node]\nname = \"n2\"\n[plugins]\ndirs = [\"x\"]\n"
        "[clients]\nclean_interval = \"1s\"\n[limits]\nmax_topics = 5\n");
    EXPECT_TRUE(result.refused());
    EXPECT_EQ(result.needs_restart, (std::vector<std::string>{"app.id", "clients.clean_interval",
                                                              "node.name", "plugins.dirs"}));
}

TEST(ReloadPlan, NamespaceDeliveryPresenceOrTheSetOfNamespacesNeedARestart) {
    EXPECT_EQ(plan_same_instances("", "[topics]\ndelivery = \"at-least-once\"\n").needs_restart,
              std::vector<std::string>{"topics.delivery"});
    EXPECT_EQ(
        plan_same_instances("[namespaces.a]\n", "[namespaces.a]\npresence = true\n").needs_restart,
        std::vector<std::string>{"namespaces.a.presence"});
    EXPECT_EQ(plan_same_instances("[namespaces.a]\n", "[namespaces.b]\n").needs_restart,
              std::vector<std::string>{"the set of [namespaces]"});
}

TEST(ReloadPlan, TransportOrBrokerTablesNeedARestart) {
    std::string moved = instances;
    moved.replace(moved.find("9000"), 4, "9001");
    const ReloadPlan result = plan("", moved);
    ASSERT_EQ(result.needs_restart.size(), 1u);
    EXPECT_EQ(result.needs_restart[0], "the table of transport 'ws' (plugin websocket)");
    EXPECT_EQ(
        plan("", "[broker]\nplugin = \"local\"\nhistory_limit = 5\n" + instances).needs_restart,
        std::vector<std::string>{"the table of broker 'local' (plugin local)"});
}

TEST(ReloadPlan, ChangedInstancesNeedARestart) {
    std::string renamed = instances;
    renamed.replace(renamed.find("\"ws\""), 4, "\"ws2\"");
    const ReloadPlan result = plan("", renamed);
    ASSERT_EQ(result.needs_restart.size(), 1u);
    EXPECT_NE(result.needs_restart[0].find("the plugin instances ("), std::string::npos);
    EXPECT_NE(result.needs_restart[0].find("transport 'ws2' (plugin websocket)"),
              std::string::npos);
    EXPECT_TRUE(plan("", instances + "[[handler]]\nplugin = \"chat\"\nname = \"c2\"\n").refused());
}

TEST(ReloadPlan, AHandlerTableAppliesLiveOnlyWhenItsPluginCanReconfigure) {
    std::string changed = instances;
    changed.replace(changed.find("lobby"), 5, "hall");
    const ReloadPlan live = plan("", changed, true);
    EXPECT_FALSE(live.refused());
    EXPECT_EQ(live.reconfigured, std::vector<std::size_t>{2});
    const ReloadPlan refused = plan("", changed, false);
    EXPECT_EQ(refused.needs_restart,
              std::vector<std::string>{"the table of handler 'chat' (plugin chat), whose plugin "
                                       "cannot reconfigure live"});
}

TEST(ReloadPlan, UnchangedTablesOfPluginsThatReconfigureAreHandedOverAgain) {
    // So that a key or secret file replaced in place is read again on SIGHUP; transports and
    // brokers never are.
    std::vector<std::size_t> auth_and_handlers;
    const auto parsed = host::parse_manifest(instances, file).instances;
    for (std::size_t index = 0; index < parsed.size(); ++index) {
        if (parsed[index].kind == host::PluginKind::auth ||
            parsed[index].kind == host::PluginKind::handler) {
            auth_and_handlers.push_back(index);
        }
    }
    ASSERT_FALSE(auth_and_handlers.empty());
    const ReloadPlan same = plan("", instances, true);
    EXPECT_TRUE(same.empty());
    EXPECT_TRUE(same.reconfigured.empty());
    EXPECT_EQ(same.refreshed, auth_and_handlers);
    EXPECT_TRUE(plan("", instances, false).refreshed.empty());
}

// ---- applied to a running engine ---------------------------------------------------------

ManifestParts with_limits(const std::string& limits) {
    ManifestParts parts;
    parts.top = "[limits]\n" + limits + "\n";
    return parts;
}

protocol::Command publish_command(std::uint64_t id, std::string topic, std::string data) {
    protocol::PublishCommand publish;
    publish.topics = {std::move(topic)};
    publish.data = std::move(data);
    return protocol::Command{id, publish};
}

// The error reply (empty when it succeeded) to a publish of `data` from connection `conn`.
std::string publish_error(TransportControls& transport, std::uint64_t conn, std::uint64_t id,
                          const std::string& data, std::size_t frames_before) {
    transport.send(conn, publish_command(id, "news", data), /*owned=*/true);
    const auto frames = transport.frames(conn, frames_before + 1);
    if (frames.size() <= frames_before) return "no reply";
    const auto* reply = std::get_if<protocol::Reply>(&frames[frames_before]);
    if (reply == nullptr) return "not a reply";
    return reply->error ? reply->error->message : std::string();
}

host::Manifest reparsed(Engine& engine, const std::string& text) {
    return host::parse_manifest(text, engine.manifest().file);
}

TEST(EngineReload, ANewPayloadLimitAppliesToTheNextPublish) {
    EngineHarness harness(fixture_manifest(with_limits("max_payload_size = 1000")));
    TransportControls transport;
    transport.connect(1);
    EXPECT_EQ(publish_error(transport, 1, 2, "hello", 1), "");

    const ReloadResult result = harness.engine().reload(
        reparsed(harness.engine(), fixture_manifest(with_limits("max_payload_size = 4"))));
    EXPECT_EQ(result, ReloadResult::applied);
    EXPECT_TRUE(harness.logs().wait_for("reload: limits.max_payload_size 1000 -> 4", 1s));
    EXPECT_NE(publish_error(transport, 1, 3, "hello", 2).find("exceeds the limit of 4"),
              std::string::npos);
    EXPECT_EQ(harness.engine().manifest().limits.max_payload_size, 4u);
    // Server-side publishes (handlers, the server API's front ends) follow it too.
    PluginControls plugin;
    EXPECT_EQ(plugin.publish("observer", "news", "1234"), NOTIFY_OK);
    EXPECT_EQ(plugin.publish("observer", "news", "hello"), NOTIFY_ERR_INVALID_ARGUMENT);
}

TEST(EngineReload, ARefusedReloadKeepsTheRunningConfiguration) {
    EngineHarness harness(fixture_manifest(with_limits("max_payload_size = 1000")));
    ManifestParts changed = with_limits("max_payload_size = 4");
    changed.observer = "echo_data_to = \"echo\"";
    const ReloadResult result =
        harness.engine().reload(reparsed(harness.engine(), fixture_manifest(changed)));
    EXPECT_EQ(result, ReloadResult::refused);
    EXPECT_EQ(
        harness.logs().matching("reload refused: changing the table of handler 'observer'").size(),
        1u);
    EXPECT_TRUE(harness.logs().matching("reload: limits").empty());
    EXPECT_EQ(harness.engine().manifest().limits.max_payload_size, 1000u);
    TransportControls transport;
    transport.connect(1);
    EXPECT_EQ(publish_error(transport, 1, 2, "hello", 1), "");
}

TEST(EngineReload, ABrokenPluginTableIsInvalidEvenWhereTheChangeNeedsARestart) {
    EngineHarness harness(fixture_manifest({}));
    ManifestParts changed;
    changed.transport = "colour = \"red\"";
    EXPECT_EQ(harness.engine().reload(reparsed(harness.engine(), fixture_manifest(changed))),
              ReloadResult::invalid);
    const auto lines = harness.logs().matching("reload refused:");
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_NE(lines[0].find("key 'transport[0].colour'"), std::string::npos) << lines[0];
}

TEST(EngineReload, AnInvalidManifestFileKeepsTheRunningConfiguration) {
    EngineHarness harness(fixture_manifest({}));
    const auto bad = std::filesystem::temp_directory_path() /
                     ("notify-reload-" + std::to_string(::getpid()) + ".toml");
    std::ofstream(bad) << "[limits]\nmax_payload_size = \"big\"\n" << fixture_manifest({});
    EXPECT_EQ(reload_manifest(harness.engine(), bad), ReloadResult::invalid);
    std::filesystem::remove(bad);
    EXPECT_EQ(harness.logs().matching("key 'limits.max_payload_size': expected an integer").size(),
              1u);
    EXPECT_EQ(harness.engine().manifest().limits.max_payload_size, 65'536u);
}

}  // namespace
}  // namespace notify::runtime::test
