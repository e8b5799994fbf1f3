#include "manifest/manifest.hpp"

#include <gtest/gtest.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <fstream>
#include <string>

namespace notify::host {
namespace {

using std::chrono::milliseconds;

const std::filesystem::path manifest_file = "/srv/notify/notify.toml";
const std::string at = "/srv/notify/notify.toml:";

// The instances every manifest needs; appended after the lines a test is about.
const std::string required_instances =
    "[[auth]]\nplugin = \"anonymous\"\n\n[[transport]]\nplugin = \"websocket\"\n";

std::string error_of(const std::string& text) {
    try {
        parse_manifest(text, manifest_file);
    } catch (const ManifestError& error) {
        return error.what();
    }
    return "no error";
}

TEST(Manifest, MinimalManifestGetsDefaultsAndAnImplicitLocalBroker) {
    const Manifest manifest = parse_manifest(required_instances, manifest_file);
    EXPECT_EQ(manifest.file, manifest_file);
    EXPECT_EQ(manifest.base_dir, "/srv/notify");
    EXPECT_EQ(manifest.app_id, "notify");
    EXPECT_EQ(manifest.log.level, "info");
    EXPECT_EQ(manifest.clients.ttl, milliseconds(60'000));
    EXPECT_EQ(manifest.limits.max_connections, 100'000u);
    EXPECT_TRUE(manifest.plugin_dirs.empty());
    EXPECT_TRUE(manifest.namespaces.empty());
    ASSERT_EQ(manifest.instances.size(), 3u);
    EXPECT_EQ(manifest.instances[0].kind, PluginKind::broker);
    EXPECT_EQ(manifest.instances[0].plugin, "local");
    EXPECT_EQ(manifest.instances[0].name, "local");
    EXPECT_EQ(manifest.instances[0].key_path, "broker");
    ASSERT_NE(manifest.instances[0].settings, nullptr);
    EXPECT_TRUE(manifest.instances[0].settings->empty());
    EXPECT_EQ(manifest.instances[1].kind, PluginKind::auth);
    EXPECT_EQ(manifest.instances[2].kind, PluginKind::transport);
}

TEST(Manifest, ReadsEveryHostSection) {
    const Manifest manifest = parse_manifest(R"(
[app]
id = "chat.example-1"

[log]
level = "debug"

[clients]
ttl = 0
clean_interval = "250ms"
invalidation_time = "2d"

[limits]
max_connections = 4294967295
max_subscriptions_per_client = 7
max_topics = 5000000000
max_payload_size = 1024

[topics]
history_size = 3
allow_client_publish = false

[namespaces.chat]
max_clients = 10
max_users = 5
history_size = 100
history_ttl = "5m"
allow_client_subscribe = false

[broker]
plugin = "redis"
address = "127.0.0.1:6379"
)" + required_instances,
                                             manifest_file);
    EXPECT_EQ(manifest.app_id, "chat.example-1");
    EXPECT_EQ(manifest.log.level, "debug");
    EXPECT_EQ(manifest.clients.ttl, milliseconds(0));
    EXPECT_EQ(manifest.clients.clean_interval, milliseconds(250));
    EXPECT_EQ(manifest.clients.invalidation_time, milliseconds(172'800'000));
    EXPECT_EQ(manifest.limits.max_connections, 4294967295u);
    EXPECT_EQ(manifest.limits.max_subscriptions_per_client, 7u);
    EXPECT_EQ(manifest.limits.max_topics, 5'000'000'000u);
    EXPECT_EQ(manifest.limits.max_payload_size, 1024u);
    EXPECT_EQ(manifest.default_namespace.name, "");
    EXPECT_EQ(manifest.default_namespace.history_size, 3u);
    EXPECT_EQ(manifest.default_namespace.subscribe, SubscribeRule::any);
    EXPECT_EQ(manifest.default_namespace.publish, PublishRule::none);
    ASSERT_EQ(manifest.namespaces.size(), 1u);
    const NamespaceSpec& chat = manifest.namespaces[0];
    EXPECT_EQ(chat.name, "chat");
    EXPECT_EQ(chat.max_clients, 10u);
    EXPECT_EQ(chat.max_users, 5u);
    EXPECT_EQ(chat.history_size, 100u);
    EXPECT_EQ(chat.history_ttl, milliseconds(300'000));
    EXPECT_EQ(chat.subscribe, SubscribeRule::none);
    EXPECT_EQ(chat.publish, PublishRule::any);
    ASSERT_EQ(manifest.instances.size(), 3u);
    EXPECT_EQ(manifest.instances[0].plugin, "redis");
    EXPECT_EQ(manifest.instances[0].position.line, 30u);
    EXPECT_EQ(manifest.instances[0].settings->size(), 1u);
}

TEST(Manifest, DurationsAcceptIntegerSeconds) {
    const Manifest manifest =
        parse_manifest("[clients]\nttl = 90\n" + required_instances, manifest_file);
    EXPECT_EQ(manifest.clients.ttl, milliseconds(90'000));
}

TEST(Manifest, NamespaceOfPicksTheDeclaredPrefixOrTheDefault) {
    const Manifest manifest = parse_manifest(
        "[topics]\nhistory_size = 3\n[namespaces.chat]\nhistory_size = 10\n"
        "[namespaces.news]\nhistory_size = 20\n" +
            required_instances,
        manifest_file);
    EXPECT_EQ(manifest.namespace_of("chat:room-1").name, "chat");
    EXPECT_EQ(manifest.namespace_of("chat:room-1").history_size, 10u);
    EXPECT_EQ(manifest.namespace_of("news:a:b").history_size, 20u);
    EXPECT_EQ(&manifest.namespace_of("sports:x"), &manifest.default_namespace);
    EXPECT_EQ(&manifest.namespace_of("plain"), &manifest.default_namespace);
    EXPECT_EQ(&manifest.namespace_of("chat"), &manifest.default_namespace);
    EXPECT_EQ(manifest.namespace_of("plain").history_size, 3u);
}

TEST(Manifest, PluginDirsResolveAgainstTheManifestFolder) {
    const Manifest manifest = parse_manifest(
        "[plugins]\ndirs = [\"plugins\", \"../shared/./plugins\", \"/opt/notify/plugins\"]\n" +
            required_instances,
        manifest_file);
    ASSERT_EQ(manifest.plugin_dirs.size(), 3u);
    EXPECT_EQ(manifest.plugin_dirs[0], "/srv/notify/plugins");
    EXPECT_EQ(manifest.plugin_dirs[1], "/srv/shared/plugins");
    EXPECT_EQ(manifest.plugin_dirs[2], "/opt/notify/plugins");
}

TEST(Manifest, InstancesAreOrderedBrokerAuthHandlerTransportWithUniqueDefaultNames) {
    const Manifest manifest = parse_manifest(R"([[transport]]
plugin = "websocket"
listen = "127.0.0.1:8000"
[[handler]]
plugin = "./build/notify_echo.so"
[[auth]]
plugin = "jwt"
[[auth]]
plugin = "anonymous"
[[transport]]
plugin = "websocket"
[[transport]]
plugin = "websocket"
name = "websocket-2"
)",
                                             manifest_file);
    std::vector<std::string> names;
    std::vector<std::string> key_paths;
    for (const auto& instance : manifest.instances) {
        names.push_back(instance.name);
        key_paths.push_back(instance.key_path);
    }
    EXPECT_EQ(names, (std::vector<std::string>{"local", "jwt", "anonymous", "echo", "websocket",
                                               "websocket-3", "websocket-2"}));
    EXPECT_EQ(key_paths,
              (std::vector<std::string>{"broker", "auth[0]", "auth[1]", "handler[0]",
                                        "transport[0]", "transport[1]", "transport[2]"}));
    const PluginInstanceSpec& first_transport = manifest.instances[4];
    EXPECT_EQ(first_transport.position.file, manifest_file.string());
    EXPECT_EQ(first_transport.position.line, 1u);
    EXPECT_EQ(first_transport.position.column, 1u);
    ASSERT_EQ(first_transport.settings->size(), 1u);
    const toml::node* listen = first_transport.settings->get("listen");
    ASSERT_NE(listen, nullptr);
    EXPECT_EQ(listen->value<std::string>(), "127.0.0.1:8000");
    EXPECT_EQ(listen->source().begin.line, 3u);
    EXPECT_EQ(manifest.instances[3].plugin, "./build/notify_echo.so");
    EXPECT_TRUE(manifest.instances[6].settings->empty());
}

TEST(Manifest, UnknownTopLevelKeyIsAnError) {
    EXPECT_EQ(error_of("colour = \"red\"\n" + required_instances),
              at + "1:1: key 'colour': unknown key (known: app, log, node, clients, limits, plugins, "
                   "topics, namespaces, broker, auth, handler, transport)");
}

TEST(Manifest, UnknownTopLevelTableIsAnError) {
    EXPECT_EQ(error_of(required_instances + "\n[server]\nport = 1\n"),
              at + "7:2: key 'server': unknown key (known: app, log, node, clients, limits, plugins, "
                   "topics, namespaces, broker, auth, handler, transport)");
}

TEST(Manifest, UnknownKeyInClientsIsAnError) {
    EXPECT_EQ(error_of("[clients]\nttl = \"5s\"\ntll = \"5s\"\n" + required_instances),
              at + "3:1: key 'clients.tll': unknown key (known: ttl, clean_interval, "
                   "invalidation_time, refresh_grace, buffer_size)");
}

TEST(Manifest, TheFirstUnknownKeyInTheFileIsReported) {
    EXPECT_EQ(error_of("[clients]\nzzz = 1\naaa = 2\n" + required_instances),
              at + "2:1: key 'clients.zzz': unknown key (known: ttl, clean_interval, "
                   "invalidation_time, refresh_grace, buffer_size)");
}

TEST(Manifest, UnknownKeyInANamespaceIsAnError) {
    EXPECT_EQ(error_of("[namespaces.chat]\nhistory = 5\n" + required_instances),
              at + "2:1: key 'namespaces.chat.history': unknown key (known: max_clients, "
                   "max_users, history_size, history_ttl, allow_client_subscribe, "
                   "allow_client_publish, subscribe, publish, user_limited, presence, join_leave, "
                   "read_history, read_presence, delivery, "
                   "history_meta_ttl, ack_timeout, max_in_flight)");
}

TEST(Manifest, NamespacePermissionsDefaultToAnyAndAcceptTheirWords) {
    const Manifest manifest = parse_manifest(R"(
[namespaces.private]
subscribe = "token"
publish = "subscriber"
[namespaces.members]
subscribe = "authenticated"
publish = "authenticated"
[namespaces.dm]
user_limited = true
[clients]
refresh_grace = "10s"
)" + required_instances,
                                             "/etc/notify/notify.toml");
    EXPECT_EQ(manifest.default_namespace.subscribe, SubscribeRule::any);
    EXPECT_EQ(manifest.default_namespace.publish, PublishRule::any);
    EXPECT_FALSE(manifest.default_namespace.user_limited);
    EXPECT_EQ(manifest.clients.refresh_grace, std::chrono::milliseconds(10'000));
    ASSERT_EQ(manifest.namespaces.size(), 3u);
    EXPECT_EQ(manifest.namespaces[0].subscribe, SubscribeRule::token);
    EXPECT_EQ(manifest.namespaces[0].publish, PublishRule::subscriber);
    EXPECT_EQ(manifest.namespaces[1].subscribe, SubscribeRule::authenticated);
    EXPECT_EQ(manifest.namespaces[1].publish, PublishRule::authenticated);
    EXPECT_TRUE(manifest.namespaces[2].user_limited);
}

TEST(Manifest, UnknownPermissionWordsAreErrors) {
    EXPECT_EQ(error_of("[topics]\nsubscribe = \"everyone\"\n" + required_instances),
              at + "2:13: key 'topics.subscribe': must be one of any, authenticated, token, none; "
                   "got \"everyone\"");
    EXPECT_EQ(error_of("[topics]\npublish = \"token\"\n" + required_instances),
              at + "2:11: key 'topics.publish': must be one of any, authenticated, subscriber, "
                   "none; got \"token\"");
}

TEST(Manifest, AnOldPermissionKeyBesideItsReplacementIsAnError) {
    const std::string error =
        error_of("[topics]\nsubscribe = \"any\"\nallow_client_subscribe = false\n" +
                 required_instances);
    EXPECT_NE(error.find("key 'topics.allow_client_subscribe': write only subscribe = "),
              std::string::npos)
        << error;
}

TEST(Manifest, NamespaceDeliveryDefaultsToAtMostOnceAndAcceptsAtLeastOnce) {
    const Manifest manifest = parse_manifest(R"(
[namespaces.orders]
delivery = "at-least-once"

[namespaces.chat]
delivery = "at-most-once"
)" + required_instances,
                                             manifest_file);
    EXPECT_EQ(manifest.default_namespace.delivery, Delivery::at_most_once);
    ASSERT_EQ(manifest.namespaces.size(), 2u);
    EXPECT_EQ(manifest.namespaces[0].delivery, Delivery::at_least_once);
    EXPECT_EQ(manifest.namespaces[1].delivery, Delivery::at_most_once);
}

TEST(Manifest, DeliveryKeysHaveSafeDefaultsAndAreRead) {
    const Manifest defaults = parse_manifest(required_instances, manifest_file);
    EXPECT_EQ(defaults.clients.buffer_size, 1'000u);
    EXPECT_EQ(defaults.limits.max_recovery, 500u);
    EXPECT_EQ(defaults.default_namespace.ack_timeout, milliseconds(30'000));
    EXPECT_EQ(defaults.default_namespace.max_in_flight, 1'000u);
    EXPECT_EQ(defaults.default_namespace.history_meta_ttl, milliseconds(0));

    const Manifest manifest = parse_manifest(R"(
[clients]
buffer_size = 0

[namespaces.orders]
delivery = "at-least-once"
ack_timeout = "250ms"
max_in_flight = 7
history_meta_ttl = "1h"
)" + required_instances,
                                             manifest_file);
    EXPECT_EQ(manifest.clients.buffer_size, 0u);
    ASSERT_EQ(manifest.namespaces.size(), 1u);
    EXPECT_EQ(manifest.namespaces[0].ack_timeout, milliseconds(250));
    EXPECT_EQ(manifest.namespaces[0].max_in_flight, 7u);
    EXPECT_EQ(manifest.namespaces[0].history_meta_ttl, milliseconds(3'600'000));
}

TEST(Manifest, DeliveryKeysRefuseUnsafeValues) {
    EXPECT_EQ(error_of("[namespaces.orders]\nmax_in_flight = 0\n" + required_instances),
              at + "2:17: key 'namespaces.orders.max_in_flight': must be between 1 and "
                   "4294967295, got 0");
    EXPECT_NE(error_of("[namespaces.orders]\nack_timeout = \"0s\"\n" + required_instances)
                  .find("key 'namespaces.orders.ack_timeout'"),
              std::string::npos);
    EXPECT_NE(error_of("[clients]\nbuffer_size = -1\n" + required_instances)
                  .find("key 'clients.buffer_size': must be between 0"),
              std::string::npos);
}

TEST(Manifest, UnknownDeliveryModeIsAnErrorNamingTheChoices) {
    EXPECT_EQ(error_of("[namespaces.orders]\ndelivery = \"exactly-once\"\n" + required_instances),
              at + "2:12: key 'namespaces.orders.delivery': must be one of at-most-once, "
                   "at-least-once; got \"exactly-once\"");
    EXPECT_EQ(error_of("[topics]\ndelivery = 1\n" + required_instances),
              at + "2:12: key 'topics.delivery': expected a string, got an integer");
}

TEST(Manifest, WrongTypeIsAnError) {
    EXPECT_EQ(error_of("[limits]\nmax_connections = \"many\"\n" + required_instances),
              at + "2:19: key 'limits.max_connections': expected an integer, got a string");
    EXPECT_EQ(error_of("[topics]\nallow_client_publish = 1\n" + required_instances),
              at + "2:24: key 'topics.allow_client_publish': expected a boolean, got an integer");
    EXPECT_EQ(error_of("clients = 5\n" + required_instances),
              at + "1:11: key 'clients': expected a table, got an integer");
    EXPECT_EQ(error_of("[app]\nid = 5\n" + required_instances),
              at + "2:6: key 'app.id': expected a string, got an integer");
}

TEST(Manifest, BadDurationIsAnError) {
    EXPECT_EQ(error_of("[clients]\nttl = \"5 minutes\"\n" + required_instances),
              at + "2:7: key 'clients.ttl': expected a duration such as \"250ms\", \"30s\", "
                   "\"5m\", \"1h\", \"2d\" or an integer of seconds, got \"5 minutes\"");
    EXPECT_EQ(error_of("[clients]\nttl = true\n" + required_instances),
              at + "2:7: key 'clients.ttl': expected a duration such as \"250ms\", \"30s\", "
                   "\"5m\", \"1h\", \"2d\" or an integer of seconds, got a boolean");
    EXPECT_EQ(error_of("[clients]\nttl = -5\n" + required_instances),
              at + "2:7: key 'clients.ttl': must not be negative, got -5");
}

TEST(Manifest, OnlyTheTtlMayBeZero) {
    EXPECT_EQ(error_of("[clients]\nclean_interval = 0\n" + required_instances),
              at + "2:18: key 'clients.clean_interval': must be greater than 0");
    EXPECT_EQ(error_of("[clients]\ninvalidation_time = \"0ms\"\n" + required_instances),
              at + "2:21: key 'clients.invalidation_time': must be greater than 0");
}

TEST(Manifest, LimitsMustFitTheirTypes) {
    EXPECT_EQ(error_of("[limits]\nmax_connections = 0\n" + required_instances),
              at + "2:19: key 'limits.max_connections': must be between 1 and 4294967295, got 0");
    EXPECT_EQ(error_of("[limits]\nmax_payload_size = 4294967296\n" + required_instances),
              at + "2:20: key 'limits.max_payload_size': must be between 1 and 4294967295, got "
                   "4294967296");
    EXPECT_EQ(error_of("[namespaces.chat]\nhistory_size = -1\n" + required_instances),
              at + "2:16: key 'namespaces.chat.history_size': must be between 0 and "
                   "9223372036854775807, got -1");
}

TEST(Manifest, AppIdAndLogLevelAreChecked) {
    EXPECT_EQ(error_of("[app]\nid = \"my app\"\n" + required_instances),
              at + "2:6: key 'app.id': must match [A-Za-z0-9_.-]+, got \"my app\"");
    EXPECT_EQ(error_of("[log]\nlevel = \"verbose\"\n" + required_instances),
              at + "2:9: key 'log.level': must be one of debug, info, warn, error; got "
                   "\"verbose\"");
}

TEST(Manifest, NamespaceNamesAndTablesAreChecked) {
    EXPECT_EQ(error_of("[namespaces.\"bad name\"]\nhistory_size = 1\n" + required_instances),
              at + "1:13: key 'namespaces.bad name': a namespace name must match "
                   "[A-Za-z0-9_-]+");
    EXPECT_EQ(error_of("[namespaces]\nchat = 5\n" + required_instances),
              at + "2:8: key 'namespaces.chat': expected a table, got an integer");
}

TEST(Manifest, PluginDirsMustBeAnArrayOfPaths) {
    EXPECT_EQ(error_of("[plugins]\ndirs = \"plugins\"\n" + required_instances),
              at + "2:8: key 'plugins.dirs': expected an array of paths, got a string");
    EXPECT_EQ(error_of("[plugins]\ndirs = [\"a\", 5]\n" + required_instances),
              at + "2:14: key 'plugins.dirs[1]': expected a string, got an integer");
}

TEST(Manifest, MissingPluginKeyPointsAtTheTable) {
    EXPECT_EQ(error_of("[[transport]]\nname = \"second\"\n\n" + required_instances),
              at + "1:1: key 'transport[0].plugin': missing: the plugin to load, a name like "
                   "\"websocket\" or a path to a .so");
    EXPECT_EQ(error_of(required_instances + "\n[broker]\naddress = \"x\"\n"),
              at + "7:1: key 'broker.plugin': missing: the plugin to load, a name like "
                   "\"websocket\" or a path to a .so");
}

TEST(Manifest, PluginAndNameMustBeValidStrings) {
    EXPECT_EQ(error_of("[[handler]]\nplugin = 3\n" + required_instances),
              at + "2:10: key 'handler[0].plugin': expected a string, got an integer");
    EXPECT_EQ(error_of("[[handler]]\nplugin = \"\"\n" + required_instances),
              at + "2:10: key 'handler[0].plugin': must not be empty");
    EXPECT_EQ(error_of("[[handler]]\nplugin = \"echo\"\nname = \"my echo\"\n" + required_instances),
              at + "3:8: key 'handler[0].name': must match [A-Za-z0-9_.-]+, got \"my echo\"");
}

TEST(Manifest, DuplicateInstanceNamesAreAnError) {
    EXPECT_EQ(error_of("[[handler]]\nplugin = \"a\"\nname = \"x\"\n[[handler]]\nplugin = \"b\"\n"
                       "name = \"x\"\n" +
                       required_instances),
              at + "6:8: key 'handler[1].name': instance name \"x\" is already used by "
                   "handler[0]");
    EXPECT_EQ(error_of("[broker]\nplugin = \"redis\"\nname = \"main\"\n" + required_instances +
                       "name = \"main\"\n"),
              at + "9:8: key 'transport[0].name': instance name \"main\" is already used by "
                   "broker");
}

TEST(Manifest, AtLeastOneTransportIsRequired) {
    EXPECT_EQ(error_of("[[auth]]\nplugin = \"anonymous\"\n"),
              at + "1:1: key 'transport': no [[transport]] instance: no client could connect "
                   "(add [[transport]] plugin = \"websocket\")");
}

TEST(Manifest, AtLeastOneAuthIsRequired) {
    EXPECT_EQ(error_of("[[transport]]\nplugin = \"websocket\"\n"),
              at + "1:1: key 'auth': no [[auth]] instance: every connect would be refused (add "
                   "[[auth]] plugin = \"anonymous\" to accept everyone)");
    EXPECT_EQ(error_of("auth = []\n[[transport]]\nplugin = \"websocket\"\n"),
              at + "1:8: key 'auth': no [[auth]] instance: every connect would be refused (add "
                   "[[auth]] plugin = \"anonymous\" to accept everyone)");
}

TEST(Manifest, InstanceTablesMustUseTheRightTomlForm) {
    EXPECT_EQ(error_of("[auth]\nplugin = \"anonymous\"\n[[transport]]\nplugin = \"ws\"\n"),
              at + "1:1: key 'auth': expected an array of tables (write [[auth]], not [auth]), "
                   "got a table");
    EXPECT_EQ(error_of("[[broker]]\nplugin = \"local\"\n" + required_instances),
              at + "1:1: key 'broker': expected a table ([broker]; a manifest has one broker), "
                   "got an array");
    EXPECT_EQ(error_of("handler = [1]\n" + required_instances),
              at + "1:12: key 'handler[0]': expected a table, got an integer");
}

TEST(Manifest, ErrorsDeepInTheFileNameTheirLine) {
    EXPECT_EQ(error_of(required_instances + R"(
[app]
id = "ok"

[namespaces.chat]
max_clients = 10
history_ttl = "soon"
)"),
              at + "12:15: key 'namespaces.chat.history_ttl': expected a duration such as "
                   "\"250ms\", \"30s\", \"5m\", \"1h\", \"2d\" or an integer of seconds, got "
                   "\"soon\"");
}

TEST(Manifest, TomlSyntaxErrorsCarryTheirPosition) {
    const std::string error = error_of("[clients\nttl = 1\n");
    EXPECT_EQ(error, at + "1:9: Error while parsing table header: expected ']', saw '\\n'");
}

class ManifestFile : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("notify-manifest-test-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_ / "conf");
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::filesystem::path dir_;
};

TEST_F(ManifestFile, LoadsFromDiskAndResolvesAgainstItsFolder) {
    const auto file = dir_ / "conf" / "notify.toml";
    std::ofstream(file) << "[plugins]\ndirs = [\"../plugins\"]\n" << required_instances;
    const Manifest manifest = load_manifest(file);
    EXPECT_EQ(manifest.file, file);
    EXPECT_EQ(manifest.base_dir, dir_ / "conf");
    ASSERT_EQ(manifest.plugin_dirs.size(), 1u);
    EXPECT_EQ(manifest.plugin_dirs[0], dir_ / "plugins");
}

TEST_F(ManifestFile, MissingFileIsAClearError) {
    const auto file = dir_ / "absent.toml";
    try {
        load_manifest(file);
        FAIL() << "no error";
    } catch (const ManifestError& error) {
        EXPECT_EQ(std::string(error.what()),
                  file.string() + ": cannot read the manifest: No such file or directory");
    }
}

TEST_F(ManifestFile, ErrorsNameTheFileAsGiven) {
    const auto file = dir_ / "conf" / "bad.toml";
    std::ofstream(file) << "[log]\nlevel = 1\n";
    try {
        load_manifest(file);
        FAIL() << "no error";
    } catch (const ManifestError& error) {
        EXPECT_EQ(std::string(error.what()),
                  file.string() + ":2:9: key 'log.level': expected a string, got an integer");
    }
}

}  // namespace
}  // namespace notify::host
