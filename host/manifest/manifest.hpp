// The notifyd manifest: host-level settings and the plugin instances to create, parsed from TOML.
// Plugin-specific keys are kept as TOML tables and checked against each plugin's schema later
// (validate_plugin_settings in plugin_loader.hpp), because only the loaded plugin knows them.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace toml {
inline namespace v3 {
class table;
}
}  // namespace toml

namespace notify::host {

// Thrown for every manifest problem. what() is one line: "FILE:LINE:COLUMN: key 'a.b': reason".
class ManifestError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct SourcePosition {
    std::string file;
    std::uint32_t line = 0;
    std::uint32_t column = 0;
};

enum class PluginKind { transport, auth, broker, handler };

std::string_view to_string(PluginKind kind);

struct PluginInstanceSpec {
    PluginKind kind = PluginKind::handler;
    std::string plugin;        // as written: a name ("websocket") or a path ("./x.so")
    std::string name;          // instance name; defaults to the plugin name (unique per manifest)
    SourcePosition position;   // of the instance's table
    std::string key_path;      // e.g. "transport[0]" for messages
    std::shared_ptr<const toml::table> settings;  // every key but `plugin` and `name`
};

// How a namespace's publishes are acknowledged. The values equal NOTIFY_DELIVERY_* of notify.h
// (ABI 1.1), so the core can hand them to the broker with a static_cast.
enum class Delivery : std::uint32_t {
    at_most_once = 0,   // acknowledged once ordered; history is a bounded cache
    at_least_once = 1,  // acknowledged only after the broker stored the message durably
};

// Who may subscribe to a namespace's topics with a client command (server-side subscriptions,
// by handlers or a token's `topics`, are never refused by it).
enum class SubscribeRule : std::uint32_t {
    any,            // every connected client
    authenticated,  // clients with a user id
    token,          // clients presenting a subscription token an auth plugin verified
    none,           // nobody: server-side subscriptions only
};
// Who may publish to a namespace's topics with a client command (also who may read its history
// and presence).
enum class PublishRule : std::uint32_t {
    any,
    authenticated,
    subscriber,  // clients subscribed to the topic
    none,
};
std::string_view to_string(SubscribeRule rule);
std::string_view to_string(PublishRule rule);

// Options of the topics "ns:name" (or of topics without a namespace: the default namespace "").
struct NamespaceSpec {
    std::string name;
    std::uint32_t max_clients = 0;            // subscribers per topic; 0 = unlimited
    std::uint32_t max_users = 0;              // distinct users per topic; 0 = unlimited
    std::uint64_t history_size = 0;           // messages kept per topic
    std::chrono::milliseconds history_ttl{0}; // 0 = kept until pushed out by history_size
    SubscribeRule subscribe = SubscribeRule::any;  // who may subscribe themselves
    PublishRule publish = PublishRule::any;        // who may publish to the namespace's topics
    // Topics "ns:name#alice,bob" may be subscribed only by the users listed after '#'.
    bool user_limited = false;
    // The broker keeps who is subscribed (and connected); clients may ask (read_presence).
    bool presence = false;
    // Subscribers get join/leave pushes when others subscribe/unsubscribe or come and go.
    bool join_leave = false;
    // Who may read a topic's history / presence with the history / presence commands.
    PublishRule read_history = PublishRule::subscriber;
    PublishRule read_presence = PublishRule::subscriber;
    Delivery delivery = Delivery::at_most_once;  // "at-most-once" | "at-least-once"
    // A stream's position is kept this long after its last publish; 0 = the broker's choice.
    std::chrono::milliseconds history_meta_ttl{0};
    // at-least-once: unacknowledged deliveries are sent again after this long.
    std::chrono::milliseconds ack_timeout{30'000};
    // at-least-once: at most this many delivered, unacknowledged messages per subscription.
    std::uint32_t max_in_flight = 1'000;
};

struct ClientSettings {
    std::chrono::milliseconds ttl{60'000};               // inactive sessions kept this long
    std::chrono::milliseconds clean_interval{5'000};     // how often the cleaner runs
    std::chrono::milliseconds invalidation_time{60'000}; // an invalidated id is refused this long
    // Messages kept for an inactive client, delivered when it resumes; past it the client is
    // told its buffer overflowed and recovers per topic.
    std::uint32_t buffer_size = 1'000;
    // A connection whose token expired is closed (NOTIFY_CLOSE_TOKEN_EXPIRED) this long after the
    // expiry unless the client refreshed it.
    std::chrono::milliseconds refresh_grace{25'000};
};

struct LimitSettings {
    std::uint32_t max_connections = 100'000;
    std::uint32_t max_subscriptions_per_client = 1'000;
    std::uint64_t max_topics = 1'000'000;
    std::uint32_t max_payload_size = 65'536;  // bytes of one published payload
    // Messages one subscribe may recover at once; keep it below the transports' send queues.
    std::uint32_t max_recovery = 500;
};

// [node]: how this node presents itself to the cluster and to tools.
struct NodeSettings {
    std::string name;               // default: the host name
    std::vector<std::string> urls;  // client URLs handed out to clients
};

enum class LogFormat { text, json };
std::string_view to_string(LogFormat format);

// [log]: the host's level, the line format, and levels per plugin instance ([log.plugins]).
struct LogSettings {
    std::string level = "info";  // debug | info | warn | error
    LogFormat format = LogFormat::text;
    // Instance name -> its level, replacing `level` for that instance's lines; every name is an
    // instance of the manifest.
    std::map<std::string, std::string, std::less<>> plugin_levels;
    friend bool operator==(const LogSettings&, const LogSettings&) = default;
};

struct Manifest {
    std::filesystem::path file;      // absolute path of the manifest
    std::filesystem::path base_dir;  // its folder: relative paths in the manifest resolve here
    std::string app_id = "notify";
    LogSettings log;
    NodeSettings node;
    ClientSettings clients;
    LimitSettings limits;
    std::vector<std::filesystem::path> plugin_dirs;  // [plugins] dirs, resolved, searched first
    NamespaceSpec default_namespace;
    std::vector<NamespaceSpec> namespaces;
    // In creation order: the broker, auth plugins (chain order), handlers, then transports.
    std::vector<PluginInstanceSpec> instances;

    const NamespaceSpec& namespace_of(std::string_view topic) const;
};

// True when `plugin` names a file rather than a plugin: it contains '/' or ends in ".so".
bool is_plugin_path(std::string_view plugin);

// Reads and validates a manifest file. Throws ManifestError.
Manifest load_manifest(const std::filesystem::path& file);

// Same, from text; `file` is used for messages and to resolve relative paths.
Manifest parse_manifest(std::string_view text, const std::filesystem::path& file);

// "250ms", "30s", "5m", "1h", "2d" -> milliseconds; nullopt-like -1 when malformed.
std::int64_t parse_duration_ms(std::string_view text);

}  // namespace notify::host
