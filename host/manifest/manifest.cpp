#include "manifest.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <tuple>
#include <utility>

#include "toml_diagnostics.hpp"

namespace notify::host {

std::string_view to_string(PluginKind kind) {
    switch (kind) {
        case PluginKind::transport:
            return "transport";
        case PluginKind::auth:
            return "auth";
        case PluginKind::broker:
            return "broker";
        case PluginKind::handler:
            return "handler";
    }
    return "unknown";
}

std::string_view to_string(LogFormat format) {
    return format == LogFormat::json ? "json" : "text";
}

std::string_view to_string(SubscribeRule rule) {
    switch (rule) {
        case SubscribeRule::any:
            return "any";
        case SubscribeRule::authenticated:
            return "authenticated";
        case SubscribeRule::token:
            return "token";
        case SubscribeRule::none:
            return "none";
    }
    return "unknown";
}

std::string_view to_string(PublishRule rule) {
    switch (rule) {
        case PublishRule::any:
            return "any";
        case PublishRule::authenticated:
            return "authenticated";
        case PublishRule::subscriber:
            return "subscriber";
        case PublishRule::none:
            return "none";
    }
    return "unknown";
}

bool is_plugin_path(std::string_view plugin) {
    return plugin.find('/') != std::string_view::npos ||
           (plugin.size() >= 3 && plugin.substr(plugin.size() - 3) == ".so");
}

const NamespaceSpec& Manifest::namespace_of(std::string_view topic) const {
    const auto colon = topic.find(':');
    if (colon == std::string_view::npos) {
        return default_namespace;
    }
    const std::string_view prefix = topic.substr(0, colon);
    const auto found = std::find_if(namespaces.begin(), namespaces.end(),
                                    [&](const NamespaceSpec& ns) { return ns.name == prefix; });
    return found == namespaces.end() ? default_namespace : *found;
}

namespace {

using detail::entries_in_file_order;
using detail::join_key;
using detail::type_phrase;

constexpr std::string_view duration_forms =
    "a duration such as \"250ms\", \"30s\", \"5m\", \"1h\", \"2d\" or an integer of seconds";

bool matches_charset(std::string_view text, std::string_view extra_chars) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [&](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               extra_chars.find(c) != std::string_view::npos;
    });
}

std::string in_quotes(std::string_view text) {
    return '"' + std::string(text) + '"';
}

std::string joined(const std::vector<std::string_view>& words, std::string_view separator) {
    std::string out;
    for (const auto word : words) {
        if (!out.empty()) {
            out += separator;
        }
        out += word;
    }
    return out;
}

// The name an unnamed instance gets: the plugin name, or for a path the file's stem without
// the notify_ prefix ("./build/notify_ws.so" -> "ws").
std::string plugin_base_name(const std::string& plugin) {
    if (!is_plugin_path(plugin)) {
        return plugin;
    }
    std::string stem = std::filesystem::path(plugin).stem().string();
    constexpr std::string_view prefix = "notify_";
    if (stem.starts_with(prefix) && stem.size() > prefix.size()) {
        stem.erase(0, prefix.size());
    }
    return stem;
}

class ManifestParser {
public:
    ManifestParser(std::string display_file, const std::filesystem::path& file)
        : file_(std::move(display_file)) {
        manifest_.file = std::filesystem::absolute(file).lexically_normal();
        manifest_.base_dir = manifest_.file.parent_path();
    }

    Manifest parse(std::string_view text) {
        toml::table root;
        try {
            root = toml::parse(text, std::string_view{file_});
        } catch (const toml::parse_error& error) {
            detail::fail(detail::position_of(file_, error.source()), "", error.description());
        }
        parse_root(root);
        return std::move(manifest_);
    }

private:
    using KeyHandler = std::function<void(toml::node&, const std::string& key_path)>;
    struct KeyRule {
        std::string_view key;
        KeyHandler handle;
    };

    struct PendingInstance {
        PluginInstanceSpec spec;
        std::optional<SourcePosition> name_position;  // set when the manifest names the instance
    };

    std::string file_;
    Manifest manifest_;
    std::vector<PendingInstance> pending_;
    // [log.plugins] keys, checked against the instance names at the end.
    std::vector<std::tuple<std::string, std::string, SourcePosition>> log_level_positions_;

    [[noreturn]] void fail_at(const toml::node& node, std::string_view key_path,
                              std::string_view reason) const {
        detail::fail_at(file_, node.source(), key_path, reason);
    }

    [[noreturn]] void fail_type(const toml::node& node, std::string_view key_path,
                                std::string_view expected) const {
        fail_at(node, key_path,
                "expected " + std::string(expected) + ", got " + std::string(type_phrase(node)));
    }

    void parse_keys(toml::table& table, const std::string& table_path,
                    const std::vector<KeyRule>& rules) const {
        for (auto [key, node] : entries_in_file_order(table)) {
            const std::string key_path = join_key(table_path, key->str());
            const auto rule = std::find_if(rules.begin(), rules.end(),
                                           [&](const KeyRule& r) { return r.key == key->str(); });
            if (rule == rules.end()) {
                std::vector<std::string_view> known;
                for (const auto& r : rules) {
                    known.push_back(r.key);
                }
                detail::fail_at(file_, key->source(), key_path,
                                "unknown key (known: " + joined(known, ", ") + ")");
            }
            rule->handle(*node, key_path);
        }
    }

    toml::table& as_table(toml::node& node, std::string_view key_path) const {
        if (!node.is_table()) {
            fail_type(node, key_path, "a table");
        }
        return *node.as_table();
    }

    std::string as_string(const toml::node& node, std::string_view key_path) const {
        if (!node.is_string()) {
            fail_type(node, key_path, "a string");
        }
        return node.as_string()->get();
    }

    Delivery as_delivery(const toml::node& node, const std::string& key_path) const {
        const std::string mode = as_string(node, key_path);
        if (mode == "at-most-once") {
            return Delivery::at_most_once;
        }
        if (mode == "at-least-once") {
            return Delivery::at_least_once;
        }
        fail_at(node, key_path,
                "must be one of at-most-once, at-least-once; got " + in_quotes(mode));
    }

    SubscribeRule as_subscribe_rule(const toml::node& node, const std::string& key_path) const {
        const std::string rule = as_string(node, key_path);
        for (const SubscribeRule candidate : {SubscribeRule::any, SubscribeRule::authenticated,
                                              SubscribeRule::token, SubscribeRule::none}) {
            if (rule == to_string(candidate)) return candidate;
        }
        fail_at(node, key_path,
                "must be one of any, authenticated, token, none; got " + in_quotes(rule));
    }

    PublishRule as_publish_rule(const toml::node& node, const std::string& key_path) const {
        const std::string rule = as_string(node, key_path);
        for (const PublishRule candidate : {PublishRule::any, PublishRule::authenticated,
                                            PublishRule::subscriber, PublishRule::none}) {
            if (rule == to_string(candidate)) return candidate;
        }
        fail_at(node, key_path,
                "must be one of any, authenticated, subscriber, none; got " + in_quotes(rule));
    }

    // An old key and the key that replaced it in one table: which one wins would be a guess.
    void refuse_both(const toml::table& table, const std::string& old_key_path,
                     std::string_view new_key) const {
        if (const toml::node* replacement = table.get(new_key)) {
            fail_at(*replacement, old_key_path,
                    "write only " + std::string(new_key) + " = \"...\" (it replaces " +
                        old_key_path.substr(old_key_path.rfind('.') + 1) + ")");
        }
    }

    bool as_bool(const toml::node& node, std::string_view key_path) const {
        if (!node.is_boolean()) {
            fail_type(node, key_path, "a boolean");
        }
        return node.as_boolean()->get();
    }

    template <typename Integer>
    Integer as_count(const toml::node& node, std::string_view key_path,
                     std::int64_t minimum) const {
        if (!node.is_integer()) {
            fail_type(node, key_path, "an integer");
        }
        const std::int64_t value = node.as_integer()->get();
        constexpr auto type_max = std::numeric_limits<Integer>::max();
        const std::int64_t maximum =
            type_max > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
                ? std::numeric_limits<std::int64_t>::max()
                : static_cast<std::int64_t>(type_max);
        if (value < minimum || value > maximum) {
            fail_at(node, key_path,
                    "must be between " + std::to_string(minimum) + " and " +
                        std::to_string(maximum) + ", got " + std::to_string(value));
        }
        return static_cast<Integer>(value);
    }

    std::chrono::milliseconds as_duration(const toml::node& node, std::string_view key_path,
                                          bool zero_allowed) const {
        std::int64_t ms = -1;
        if (node.is_integer()) {
            const std::int64_t seconds = node.as_integer()->get();
            if (seconds < 0) {
                fail_at(node, key_path, "must not be negative, got " + std::to_string(seconds));
            }
            if (seconds > std::numeric_limits<std::int64_t>::max() / 1000) {
                fail_at(node, key_path, "is too large: " + std::to_string(seconds) + " seconds");
            }
            ms = seconds * 1000;
        } else if (node.is_string()) {
            const std::string& text = node.as_string()->get();
            ms = parse_duration_ms(text);
            if (ms < 0) {
                fail_at(node, key_path,
                        "expected " + std::string(duration_forms) + ", got " + in_quotes(text));
            }
        } else {
            fail_type(node, key_path, duration_forms);
        }
        if (ms == 0 && !zero_allowed) {
            fail_at(node, key_path, "must be greater than 0");
        }
        return std::chrono::milliseconds(ms);
    }

    void parse_root(toml::table& root) {
        bool saw_broker = false;
        const toml::node* auth_node = nullptr;
        const toml::node* transport_node = nullptr;
        parse_keys(
            root, "",
            {
                {"app", [&](toml::node& n, const std::string& p) { parse_app(as_table(n, p), p); }},
                {"log", [&](toml::node& n, const std::string& p) { parse_log(as_table(n, p), p); }},
                {"node",
                 [&](toml::node& n, const std::string& p) { parse_node(as_table(n, p), p); }},
                {"clients",
                 [&](toml::node& n, const std::string& p) { parse_clients(as_table(n, p), p); }},
                {"limits",
                 [&](toml::node& n, const std::string& p) { parse_limits(as_table(n, p), p); }},
                {"plugins",
                 [&](toml::node& n, const std::string& p) { parse_plugins(as_table(n, p), p); }},
                {"topics",
                 [&](toml::node& n, const std::string& p) {
                     parse_namespace(as_table(n, p), p, manifest_.default_namespace);
                 }},
                {"namespaces",
                 [&](toml::node& n, const std::string& p) { parse_namespaces(as_table(n, p), p); }},
                {"broker",
                 [&](toml::node& n, const std::string& p) {
                     if (!n.is_table()) {
                         fail_type(n, p, "a table ([broker]; a manifest has one broker)");
                     }
                     saw_broker = true;
                     add_instance(*n.as_table(), PluginKind::broker, p);
                 }},
                {"auth",
                 [&](toml::node& n, const std::string& p) {
                     auth_node = &n;
                     parse_instance_array(n, PluginKind::auth, p);
                 }},
                {"handler",
                 [&](toml::node& n, const std::string& p) {
                     parse_instance_array(n, PluginKind::handler, p);
                 }},
                {"transport",
                 [&](toml::node& n, const std::string& p) {
                     transport_node = &n;
                     parse_instance_array(n, PluginKind::transport, p);
                 }},
            });

        const SourcePosition top{file_, 1, 1};
        if (count_pending(PluginKind::auth) == 0) {
            detail::fail(auth_node ? detail::position_of(file_, auth_node->source()) : top, "auth",
                         "no [[auth]] instance: every connect would be refused (add [[auth]] "
                         "plugin = \"anonymous\" to accept everyone)");
        }
        if (count_pending(PluginKind::transport) == 0) {
            detail::fail(
                transport_node ? detail::position_of(file_, transport_node->source()) : top,
                "transport",
                "no [[transport]] instance: no client could connect (add [[transport]] "
                "plugin = \"websocket\")");
        }
        if (!saw_broker) {
            PendingInstance implicit;
            implicit.spec.kind = PluginKind::broker;
            implicit.spec.plugin = "local";
            implicit.spec.key_path = "broker";
            implicit.spec.position = SourcePosition{file_, 0, 0};
            implicit.spec.settings = std::make_shared<const toml::table>();
            pending_.push_back(std::move(implicit));
        }
        assign_names();
        for (const PluginKind kind :
             {PluginKind::broker, PluginKind::auth, PluginKind::handler, PluginKind::transport}) {
            for (auto& pending : pending_) {
                if (pending.spec.kind == kind) {
                    manifest_.instances.push_back(std::move(pending.spec));
                }
            }
        }
        check_log_plugin_names();
    }

    std::size_t count_pending(PluginKind kind) const {
        return static_cast<std::size_t>(
            std::count_if(pending_.begin(), pending_.end(),
                          [&](const PendingInstance& p) { return p.spec.kind == kind; }));
    }

    void parse_app(toml::table& table, const std::string& path) {
        parse_keys(table, path,
                   {{"id", [&](toml::node& n, const std::string& p) {
                         std::string id = as_string(n, p);
                         if (!matches_charset(id, "_.-")) {
                             fail_at(n, p, "must match [A-Za-z0-9_.-]+, got " + in_quotes(id));
                         }
                         manifest_.app_id = std::move(id);
                     }}});
    }

    std::string as_log_level(const toml::node& node, const std::string& key_path) const {
        std::string level = as_string(node, key_path);
        if (level != "debug" && level != "info" && level != "warn" && level != "error") {
            fail_at(node, key_path,
                    "must be one of debug, info, warn, error; got " + in_quotes(level));
        }
        return level;
    }

    void parse_log(toml::table& table, const std::string& path) {
        auto& log = manifest_.log;
        parse_keys(
            table, path,
            {
                {"level", [&](toml::node& n,
                              const std::string& p) { log.level = as_log_level(n, p); }},
                {"format",
                 [&](toml::node& n, const std::string& p) {
                     const std::string format = as_string(n, p);
                     if (format != "text" && format != "json") {
                         fail_at(n, p, "must be one of text, json; got " + in_quotes(format));
                     }
                     log.format = format == "json" ? LogFormat::json : LogFormat::text;
                 }},
                {"plugins",
                 [&](toml::node& n, const std::string& p) {
                     for (auto [key, node] : entries_in_file_order(as_table(n, p))) {
                         const std::string key_path = join_key(p, key->str());
                         log.plugin_levels[std::string(key->str())] =
                             as_log_level(*node, key_path);
                         log_level_positions_.emplace_back(
                             std::string(key->str()), key_path,
                             detail::position_of(file_, key->source()));
                     }
                 }},
            });
    }

    // [log.plugins] names instances, known only once every instance has its name.
    void check_log_plugin_names() const {
        for (const auto& [name, key_path, position] : log_level_positions_) {
            const bool known = std::any_of(
                manifest_.instances.begin(), manifest_.instances.end(),
                [&](const PluginInstanceSpec& spec) { return spec.name == name; });
            if (!known) {
                std::vector<std::string_view> names;
                for (const auto& spec : manifest_.instances) names.push_back(spec.name);
                detail::fail(position, key_path,
                             "no plugin instance is named " + in_quotes(name) +
                                 " (instances: " + joined(names, ", ") + ")");
            }
        }
    }

    void parse_clients(toml::table& table, const std::string& path) {
        auto& clients = manifest_.clients;
        parse_keys(
            table, path,
            {
                {"ttl", [&](toml::node& n,
                            const std::string& p) { clients.ttl = as_duration(n, p, true); }},
                {"clean_interval",
                 [&](toml::node& n, const std::string& p) {
                     clients.clean_interval = as_duration(n, p, false);
                 }},
                {"invalidation_time",
                 [&](toml::node& n, const std::string& p) {
                     clients.invalidation_time = as_duration(n, p, false);
                 }},
                {"refresh_grace",
                 [&](toml::node& n, const std::string& p) {
                     clients.refresh_grace = as_duration(n, p, true);
                 }},
                {"buffer_size",
                 [&](toml::node& n, const std::string& p) {
                     clients.buffer_size = as_count<std::uint32_t>(n, p, 0);
                 }},
            });
    }

    void parse_limits(toml::table& table, const std::string& path) {
        auto& limits = manifest_.limits;
        parse_keys(table, path,
                   {
                       {"max_connections",
                        [&](toml::node& n, const std::string& p) {
                            limits.max_connections = as_count<std::uint32_t>(n, p, 1);
                        }},
                       {"max_subscriptions_per_client",
                        [&](toml::node& n, const std::string& p) {
                            limits.max_subscriptions_per_client = as_count<std::uint32_t>(n, p, 1);
                        }},
                       {"max_topics",
                        [&](toml::node& n, const std::string& p) {
                            limits.max_topics = as_count<std::uint64_t>(n, p, 1);
                        }},
                       {"max_payload_size",
                        [&](toml::node& n, const std::string& p) {
                            limits.max_payload_size = as_count<std::uint32_t>(n, p, 1);
                        }},
                       {"max_recovery",
                        [&](toml::node& n, const std::string& p) {
                            limits.max_recovery = as_count<std::uint32_t>(n, p, 0);
                        }},
                   });
    }

    // How this node presents itself to the cluster (docs/cluster.md).
    void parse_node(toml::table& table, const std::string& path) {
        parse_keys(
            table, path,
            {{"name",
              [&](toml::node& n, const std::string& p) {
                  std::string name = as_string(n, p);
                  if (name.empty() || name.size() > 64 || !matches_charset(name, "_.-")) {
                      fail_at(n, p, "must match [A-Za-z0-9_.-]{1,64}, got " + in_quotes(name));
                  }
                  manifest_.node.name = std::move(name);
              }},
             {"urls", [&](toml::node& n, const std::string& p) {
                  if (!n.is_array()) fail_type(n, p, "an array of client URLs");
                  std::size_t index = 0;
                  for (auto& element : *n.as_array()) {
                      const std::string element_path = p + '[' + std::to_string(index++) + ']';
                      std::string url = as_string(element, element_path);
                      if (url.empty() || url.find_first_of(" \t\r\n") != std::string::npos) {
                          fail_at(element, element_path, "must be a URL without spaces");
                      }
                      manifest_.node.urls.push_back(std::move(url));
                  }
              }}});
    }

    void parse_plugins(toml::table& table, const std::string& path) {
        parse_keys(table, path, {{"dirs", [&](toml::node& n, const std::string& p) {
                                      if (!n.is_array()) {
                                          fail_type(n, p, "an array of paths");
                                      }
                                      std::size_t index = 0;
                                      for (auto& element : *n.as_array()) {
                                          const std::string element_path =
                                              p + '[' + std::to_string(index++) + ']';
                                          const std::string dir = as_string(element, element_path);
                                          if (dir.empty()) {
                                              fail_at(element, element_path, "must not be empty");
                                          }
                                          manifest_.plugin_dirs.push_back(
                                              (manifest_.base_dir / dir).lexically_normal());
                                      }
                                  }}});
    }

    void parse_namespace(toml::table& table, const std::string& path, NamespaceSpec& ns) {
        parse_keys(table, path,
                   {
                       {"max_clients",
                        [&](toml::node& n, const std::string& p) {
                            ns.max_clients = as_count<std::uint32_t>(n, p, 0);
                        }},
                       {"max_users",
                        [&](toml::node& n, const std::string& p) {
                            ns.max_users = as_count<std::uint32_t>(n, p, 0);
                        }},
                       {"history_size",
                        [&](toml::node& n, const std::string& p) {
                            ns.history_size = as_count<std::uint64_t>(n, p, 0);
                        }},
                       {"history_ttl",
                        [&](toml::node& n, const std::string& p) {
                            ns.history_ttl = as_duration(n, p, true);
                        }},
                       // allow_client_* keep their meaning: false = "none", true = "any".
                       {"allow_client_subscribe",
                        [&](toml::node& n, const std::string& p) {
                            refuse_both(table, p, "subscribe");
                            ns.subscribe = as_bool(n, p) ? SubscribeRule::any : SubscribeRule::none;
                        }},
                       {"allow_client_publish",
                        [&](toml::node& n, const std::string& p) {
                            refuse_both(table, p, "publish");
                            ns.publish = as_bool(n, p) ? PublishRule::any : PublishRule::none;
                        }},
                       {"subscribe",
                        [&](toml::node& n, const std::string& p) {
                            ns.subscribe = as_subscribe_rule(n, p);
                        }},
                       {"publish",
                        [&](toml::node& n, const std::string& p) {
                            ns.publish = as_publish_rule(n, p);
                        }},
                       {"user_limited",
                        [&](toml::node& n, const std::string& p) {
                            ns.user_limited = as_bool(n, p);
                        }},
                       {"presence",
                        [&](toml::node& n, const std::string& p) {
                            ns.presence = as_bool(n, p);
                        }},
                       {"join_leave",
                        [&](toml::node& n, const std::string& p) {
                            ns.join_leave = as_bool(n, p);
                        }},
                       {"read_history",
                        [&](toml::node& n, const std::string& p) {
                            ns.read_history = as_publish_rule(n, p);
                        }},
                       {"read_presence",
                        [&](toml::node& n, const std::string& p) {
                            ns.read_presence = as_publish_rule(n, p);
                        }},
                       {"delivery",
                        [&](toml::node& n, const std::string& p) {
                            ns.delivery = as_delivery(n, p);
                        }},
                       {"history_meta_ttl",
                        [&](toml::node& n, const std::string& p) {
                            ns.history_meta_ttl = as_duration(n, p, true);
                        }},
                       {"ack_timeout",
                        [&](toml::node& n, const std::string& p) {
                            ns.ack_timeout = as_duration(n, p, false);
                        }},
                       {"max_in_flight",
                        [&](toml::node& n, const std::string& p) {
                            ns.max_in_flight = as_count<std::uint32_t>(n, p, 1);
                        }},
                   });
    }

    void parse_namespaces(toml::table& table, const std::string& path) {
        for (auto [key, node] : entries_in_file_order(table)) {
            const std::string key_path = join_key(path, key->str());
            if (!matches_charset(key->str(), "_-")) {
                detail::fail_at(file_, key->source(), key_path,
                                "a namespace name must match [A-Za-z0-9_-]+");
            }
            NamespaceSpec ns;
            ns.name = std::string(key->str());
            parse_namespace(as_table(*node, key_path), key_path, ns);
            manifest_.namespaces.push_back(std::move(ns));
        }
    }

    void parse_instance_array(toml::node& node, PluginKind kind, const std::string& path) {
        const std::string header = "[[" + std::string(to_string(kind)) + "]]";
        if (!node.is_array()) {
            fail_type(node, path,
                      "an array of tables (write " + header + ", not [" +
                          std::string(to_string(kind)) + "])");
        }
        std::size_t index = 0;
        for (auto& element : *node.as_array()) {
            const std::string element_path = path + '[' + std::to_string(index++) + ']';
            if (!element.is_table()) {
                fail_type(element, element_path, "a table");
            }
            add_instance(*element.as_table(), kind, element_path);
        }
    }

    void add_instance(toml::table& table, PluginKind kind, const std::string& path) {
        PendingInstance pending;
        pending.spec.kind = kind;
        pending.spec.key_path = path;
        pending.spec.position = detail::position_of(file_, table.source());

        toml::node* plugin = table.get("plugin");
        if (plugin == nullptr) {
            fail_at(table, path + ".plugin",
                    "missing: the plugin to load, a name like \"websocket\" or a path to a .so");
        }
        pending.spec.plugin = as_string(*plugin, path + ".plugin");
        if (pending.spec.plugin.empty()) {
            fail_at(*plugin, path + ".plugin", "must not be empty");
        }
        if (toml::node* name = table.get("name")) {
            pending.spec.name = as_string(*name, path + ".name");
            if (!matches_charset(pending.spec.name, "_.-")) {
                fail_at(*name, path + ".name",
                        "must match [A-Za-z0-9_.-]+, got " + in_quotes(pending.spec.name));
            }
            pending.name_position = detail::position_of(file_, name->source());
        }

        // Moving (not copying) keeps the source regions the later schema check reports.
        auto settings = std::make_shared<toml::table>(std::move(table));
        settings->erase("plugin");
        settings->erase("name");
        pending.spec.settings = std::move(settings);
        pending_.push_back(std::move(pending));
    }

    // Named instances keep their names; unnamed ones take the plugin's name, then "-2", "-3"...
    // skipping every name already taken anywhere in the manifest.
    void assign_names() {
        std::map<std::string, const PendingInstance*> taken;
        for (const auto& pending : pending_) {
            if (!pending.name_position) {
                continue;
            }
            const auto [existing, inserted] = taken.emplace(pending.spec.name, &pending);
            if (!inserted) {
                detail::fail(*pending.name_position, pending.spec.key_path + ".name",
                             "instance name " + in_quotes(pending.spec.name) +
                                 " is already used by " + existing->second->spec.key_path);
            }
        }
        for (auto& pending : pending_) {
            if (pending.name_position) {
                continue;
            }
            const std::string base = plugin_base_name(pending.spec.plugin);
            std::string candidate = base;
            for (int suffix = 2; taken.contains(candidate); ++suffix) {
                candidate = base + '-' + std::to_string(suffix);
            }
            pending.spec.name = candidate;
            taken.emplace(std::move(candidate), &pending);
        }
    }
};

}  // namespace

Manifest parse_manifest(std::string_view text, const std::filesystem::path& file) {
    return ManifestParser(file.string(), file).parse(text);
}

Manifest load_manifest(const std::filesystem::path& file) {
    std::error_code error;
    if (std::filesystem::is_directory(file, error)) {
        throw ManifestError(file.string() + ": cannot read the manifest: it is a folder");
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw ManifestError(file.string() + ": cannot read the manifest: " + std::strerror(errno));
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        throw ManifestError(file.string() + ": cannot read the manifest: read error");
    }
    return parse_manifest(text.str(), file);
}

}  // namespace notify::host
