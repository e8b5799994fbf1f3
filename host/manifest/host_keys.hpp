// The host's own sections of a manifest as TOML text, every key with its value (the defaults
// filled in): what `notifyd --print-config` prints and what a reload compares key by key.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "manifest.hpp"

namespace notify::host {

struct HostKey {
    std::string name;   // "max_payload_size"
    std::string value;  // as TOML: 65536, "30s", "info", [ "a" ]
    // Non-empty for a key whose default is computed when the process starts (node.name): it is
    // printed as a comment saying so, and left out of the manifest.
    std::string computed_default;
};

struct HostSection {
    std::string name;  // "limits", "log.plugins", "namespaces.chat"
    std::vector<HostKey> keys;
};

// In the order --print-config prints them: app, log, log.plugins, node, clients, limits,
// plugins, topics, then each namespace.
std::vector<HostSection> host_sections(const Manifest& manifest);

// The manifest's duration syntax in the largest exact unit: "2d", "1h", "5m", "30s", "250ms";
// 0 is "0s".
std::string format_duration(std::chrono::milliseconds duration);

// A key as TOML writes it: bare when it can be, else quoted.
std::string toml_key(std::string_view name);

// A TOML string literal (quoted and escaped).
std::string toml_quoted(std::string_view text);

}  // namespace notify::host
