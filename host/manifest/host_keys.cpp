#include "host_keys.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <utility>

namespace notify::host {
namespace {

std::string quoted_array(const std::vector<std::string>& items) {
    std::string out = "[";
    for (const std::string& item : items) out += (out.size() > 1 ? ", " : "") + toml_quoted(item);
    return out + "]";
}

std::string path_array(const std::vector<std::filesystem::path>& paths) {
    std::vector<std::string> items;
    for (const auto& path : paths) items.push_back(path.string());
    return quoted_array(items);
}

template <typename Number>
std::string number(Number value) {
    return std::to_string(value);
}

std::string boolean(bool value) {
    return value ? "true" : "false";
}

std::string rule(auto value) {
    return toml_quoted(to_string(value));
}

std::string delivery(Delivery value) {
    return toml_quoted(value == Delivery::at_least_once ? "at-least-once" : "at-most-once");
}

HostSection namespace_section(std::string name, const NamespaceSpec& ns) {
    return {std::move(name),
            {
                {"max_clients", number(ns.max_clients), {}},
                {"max_users", number(ns.max_users), {}},
                {"history_size", number(ns.history_size), {}},
                {"history_ttl", toml_quoted(format_duration(ns.history_ttl)), {}},
                {"history_meta_ttl", toml_quoted(format_duration(ns.history_meta_ttl)), {}},
                {"subscribe", rule(ns.subscribe), {}},
                {"publish", rule(ns.publish), {}},
                {"read_history", rule(ns.read_history), {}},
                {"read_presence", rule(ns.read_presence), {}},
                {"user_limited", boolean(ns.user_limited), {}},
                {"presence", boolean(ns.presence), {}},
                {"join_leave", boolean(ns.join_leave), {}},
                {"delivery", delivery(ns.delivery), {}},
                {"ack_timeout", toml_quoted(format_duration(ns.ack_timeout)), {}},
                {"max_in_flight", number(ns.max_in_flight), {}},
            }};
}

}  // namespace

// A basic string: readable for the common case, escaped where TOML requires it.
std::string toml_quoted(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\f':
                out += "\\f";
                break;
            case '\r':
                out += "\\r";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                    std::array<char, 8> escaped{};
                    std::snprintf(escaped.data(), escaped.size(), "\\u%04x",
                                  static_cast<unsigned>(static_cast<unsigned char>(c)));
                    out += escaped.data();
                } else {
                    out += c;
                }
        }
    }
    return out + '"';
}

std::string toml_key(std::string_view name) {
    const bool bare = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
    });
    return bare ? std::string(name) : toml_quoted(name);
}

std::string format_duration(std::chrono::milliseconds duration) {
    const std::int64_t ms = duration.count();
    if (ms == 0) return "0s";
    static constexpr std::array<std::pair<std::int64_t, const char*>, 4> kUnits{
        {{86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1'000, "s"}}};
    for (const auto& [unit_ms, suffix] : kUnits) {
        if (ms % unit_ms == 0) return std::to_string(ms / unit_ms) + suffix;
    }
    return std::to_string(ms) + "ms";
}

std::vector<HostSection> host_sections(const Manifest& manifest) {
    std::vector<HostSection> sections;
    sections.push_back({"app", {{"id", toml_quoted(manifest.app_id), {}}}});
    sections.push_back({"log",
                        {{"level", toml_quoted(manifest.log.level), {}},
                         {"format", toml_quoted(to_string(manifest.log.format)), {}}}});
    HostSection plugin_levels{"log.plugins", {}};
    for (const auto& [instance, level] : manifest.log.plugin_levels) {
        plugin_levels.keys.push_back({toml_key(instance), toml_quoted(level), {}});
    }
    sections.push_back(std::move(plugin_levels));
    sections.push_back({"node",
                        {{"name", toml_quoted(manifest.node.name),
                          manifest.node.name.empty() ? "this machine's host name" : std::string()},
                         {"urls", quoted_array(manifest.node.urls), {}}}});
    const ClientSettings& clients = manifest.clients;
    sections.push_back(
        {"clients",
         {{"ttl", toml_quoted(format_duration(clients.ttl)), {}},
          {"clean_interval", toml_quoted(format_duration(clients.clean_interval)), {}},
          {"invalidation_time", toml_quoted(format_duration(clients.invalidation_time)), {}},
          {"refresh_grace", toml_quoted(format_duration(clients.refresh_grace)), {}},
          {"buffer_size", number(clients.buffer_size), {}}}});
    const LimitSettings& limits = manifest.limits;
    sections.push_back(
        {"limits",
         {{"max_connections", number(limits.max_connections), {}},
          {"max_subscriptions_per_client", number(limits.max_subscriptions_per_client), {}},
          {"max_topics", number(limits.max_topics), {}},
          {"max_payload_size", number(limits.max_payload_size), {}},
          {"max_recovery", number(limits.max_recovery), {}}}});
    sections.push_back({"plugins", {{"dirs", path_array(manifest.plugin_dirs), {}}}});
    sections.push_back(namespace_section("topics", manifest.default_namespace));
    for (const NamespaceSpec& ns : manifest.namespaces) {
        sections.push_back(namespace_section("namespaces." + ns.name, ns));
    }
    return sections;
}

}  // namespace notify::host
