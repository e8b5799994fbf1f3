#include <toml++/toml.h>

#include <algorithm>
#include <limits>
#include <string>

#include "plugin_loader.hpp"
#include "toml_diagnostics.hpp"

namespace notify::host {
namespace {

std::uint32_t kind_bit(PluginKind kind) {
    switch (kind) {
        case PluginKind::transport:
            return NOTIFY_KIND_TRANSPORT;
        case PluginKind::auth:
            return NOTIFY_KIND_AUTH;
        case PluginKind::broker:
            return NOTIFY_KIND_BROKER;
        case PluginKind::handler:
            return NOTIFY_KIND_HANDLER;
    }
    return 0;
}

std::string provided_kinds(std::uint32_t kinds) {
    std::string names;
    for (const PluginKind kind :
         {PluginKind::transport, PluginKind::auth, PluginKind::broker, PluginKind::handler}) {
        if ((kinds & kind_bit(kind)) != 0) {
            names += (names.empty() ? "" : ", ") + std::string(to_string(kind));
        }
    }
    return names;
}

std::string_view expected_phrase(notify_config_type type) {
    switch (type) {
        case NOTIFY_CONFIG_STRING:
            return "a string";
        case NOTIFY_CONFIG_INT:
            return "an integer";
        case NOTIFY_CONFIG_BOOL:
            return "a boolean";
        case NOTIFY_CONFIG_DOUBLE:
            return "a number";
        case NOTIFY_CONFIG_STRING_ARRAY:
            return "an array of strings";
        case NOTIFY_CONFIG_PATH:
            return "a path string";
        case NOTIFY_CONFIG_DURATION:
            return "a duration such as \"250ms\", \"30s\", \"5m\", \"1h\", \"2d\" or an integer "
                   "of seconds";
    }
    return "a known type";
}

class SettingsChecker {
public:
    SettingsChecker(const PluginInstanceSpec& spec, const notify_plugin_descriptor& descriptor)
        : spec_(spec), descriptor_(descriptor) {}

    void check() const {
        if ((descriptor_.kinds & kind_bit(spec_.kind)) == 0) {
            detail::fail(spec_.position, spec_.key_path,
                         "plugin '" + std::string(descriptor_.name) + "' provides " +
                             provided_kinds(descriptor_.kinds) + ", not " +
                             std::string(to_string(spec_.kind)));
        }
        if (!spec_.settings) {
            return;
        }
        for (const auto& [key, node] : detail::entries_in_file_order(*spec_.settings)) {
            const std::string key_path = detail::join_key(spec_.key_path, key->str());
            const notify_config_key* schema = find_key(key->str());
            if (schema == nullptr) {
                detail::fail_at(spec_.position.file, key->source(), key_path, unknown_key_reason());
            }
            check_value(*node, *schema, key_path);
        }
    }

private:
    const PluginInstanceSpec& spec_;
    const notify_plugin_descriptor& descriptor_;

    const notify_config_key* find_key(std::string_view name) const {
        const auto* begin = descriptor_.config_keys;
        const auto* end = begin + (begin == nullptr ? 0 : descriptor_.config_key_count);
        const auto* found = std::find_if(
            begin, end, [&](const notify_config_key& key) { return key.name == name; });
        return found == end ? nullptr : found;
    }

    std::string unknown_key_reason() const {
        const std::string plugin = "plugin '" + std::string(descriptor_.name) + "'";
        if (descriptor_.config_key_count == 0) {
            return "unknown key: " + plugin + " takes no settings";
        }
        std::string known;
        for (std::size_t i = 0; i < descriptor_.config_key_count; ++i) {
            known += (i == 0 ? "" : ", ") + std::string(descriptor_.config_keys[i].name);
        }
        return "unknown key for " + plugin + " (known: " + known + ")";
    }

    [[noreturn]] void fail_at(const toml::node& node, const std::string& key_path,
                              const std::string& reason) const {
        detail::fail_at(spec_.position.file, node.source(), key_path, reason);
    }

    [[noreturn]] void fail_type(const toml::node& node, const std::string& key_path,
                                notify_config_type type) const {
        fail_at(node, key_path,
                "expected " + std::string(expected_phrase(type)) + ", got " +
                    std::string(detail::type_phrase(node)));
    }

    void check_value(const toml::node& node, const notify_config_key& schema,
                     const std::string& key_path) const {
        switch (schema.type) {
            case NOTIFY_CONFIG_STRING:
                if (!node.is_string()) fail_type(node, key_path, schema.type);
                return;
            case NOTIFY_CONFIG_PATH:
                if (!node.is_string()) fail_type(node, key_path, schema.type);
                if (node.as_string()->get().empty()) fail_at(node, key_path, "must not be empty");
                return;
            case NOTIFY_CONFIG_INT:
                if (!node.is_integer()) fail_type(node, key_path, schema.type);
                return;
            case NOTIFY_CONFIG_BOOL:
                if (!node.is_boolean()) fail_type(node, key_path, schema.type);
                return;
            case NOTIFY_CONFIG_DOUBLE:
                if (!node.is_number()) fail_type(node, key_path, schema.type);
                return;
            case NOTIFY_CONFIG_STRING_ARRAY:
                check_string_array(node, key_path);
                return;
            case NOTIFY_CONFIG_DURATION:
                check_duration(node, key_path);
                return;
        }
    }

    void check_string_array(const toml::node& node, const std::string& key_path) const {
        if (!node.is_array()) {
            fail_type(node, key_path, NOTIFY_CONFIG_STRING_ARRAY);
        }
        std::size_t index = 0;
        for (const auto& element : *node.as_array()) {
            if (!element.is_string()) {
                fail_at(element, key_path + '[' + std::to_string(index) + ']',
                        "expected a string, got " + std::string(detail::type_phrase(element)));
            }
            ++index;
        }
    }

    void check_duration(const toml::node& node, const std::string& key_path) const {
        if (node.is_integer()) {
            const std::int64_t seconds = node.as_integer()->get();
            if (seconds < 0 || seconds > std::numeric_limits<std::int64_t>::max() / 1000) {
                fail_at(node, key_path,
                        "must be between 0 and " +
                            std::to_string(std::numeric_limits<std::int64_t>::max() / 1000) +
                            " seconds, got " + std::to_string(seconds));
            }
            return;
        }
        if (!node.is_string()) {
            fail_type(node, key_path, NOTIFY_CONFIG_DURATION);
        }
        if (parse_duration_ms(node.as_string()->get()) < 0) {
            fail_at(node, key_path,
                    "expected " + std::string(expected_phrase(NOTIFY_CONFIG_DURATION)) +
                        ", got \"" + node.as_string()->get() + '"');
        }
    }
};

}  // namespace

void validate_plugin_settings(const PluginInstanceSpec& spec, const PluginLibrary& library) {
    SettingsChecker(spec, library.descriptor()).check();
}

}  // namespace notify::host
