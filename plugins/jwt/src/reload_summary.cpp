#include "reload_summary.hpp"

#include <vector>

#include <notify_plugin_common/change_list.hpp>

#include "time_text.hpp"

namespace notify::jwt {
namespace {

const VerifyKey* find_key(const Settings& settings, const std::string& source) {
    for (const VerifyKey& key : settings.keys) {
        if (key.source == source) return &key;
    }
    return nullptr;
}

bool same_key(const VerifyKey& a, const VerifyKey& b) {
    return a.kind == b.kind && a.material == b.material && a.valid_until_ms == b.valid_until_ms;
}

// One entry per key source that differs: "public_key_file replaced".
std::string describe_key_changes(const Settings& before, const Settings& after) {
    std::vector<std::string> changes;
    for (const VerifyKey& old_key : before.keys) {
        const VerifyKey* new_key = find_key(after, old_key.source);
        if (new_key == nullptr) {
            changes.push_back(old_key.source + " removed");
        } else if (!same_key(old_key, *new_key)) {
            changes.push_back(old_key.source + " replaced");
        }
    }
    for (const VerifyKey& new_key : after.keys) {
        if (find_key(before, new_key.source) == nullptr) {
            std::string change = new_key.source + " added";
            if (new_key.previous) {
                change += " (until " + format_time_ms(new_key.valid_until_ms) + ")";
            }
            changes.push_back(std::move(change));
        }
    }
    std::string text;
    for (const std::string& change : changes) text += (text.empty() ? "" : ", ") + change;
    return text;
}

std::string quoted(const std::string& text) { return "\"" + text + "\""; }

}  // namespace

std::string describe_changes(const Settings& before, const Settings& after) {
    plugin_common::ChangeList changes;
    if (const std::string keys = describe_key_changes(before, after); !keys.empty()) {
        changes.add("keys: " + keys);
    }
    changes.add_if_changed("issuer", quoted(before.issuer), quoted(after.issuer));
    changes.add_if_changed("audience", quoted(before.audience), quoted(after.audience));
    changes.add_if_changed("leeway", std::to_string(before.leeway_ms) + "ms",
                           std::to_string(after.leeway_ms) + "ms");
    changes.add_if_changed("allow_anonymous", before.allow_anonymous ? "true" : "false",
                           after.allow_anonymous ? "true" : "false");
    changes.add_if_changed("max_token_size", std::to_string(before.max_token_size),
                           std::to_string(after.max_token_size));
    changes.add_if_changed("max_info_size", std::to_string(before.max_info_size),
                           std::to_string(after.max_info_size));
    return changes.text();
}

}  // namespace notify::jwt
