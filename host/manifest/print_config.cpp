#include "print_config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <sstream>

#include "host_keys.hpp"
#include "toml_diagnostics.hpp"

namespace notify::host {
namespace {

std::string_view type_hint(notify_config_type type) {
    switch (type) {
        case NOTIFY_CONFIG_STRING:
            return "<string>";
        case NOTIFY_CONFIG_INT:
            return "<integer>";
        case NOTIFY_CONFIG_BOOL:
            return "<boolean>";
        case NOTIFY_CONFIG_DOUBLE:
            return "<number>";
        case NOTIFY_CONFIG_STRING_ARRAY:
            return "[<string>, ...]";
        case NOTIFY_CONFIG_PATH:
            return "<path>";
        case NOTIFY_CONFIG_DURATION:
            return "<duration>";
    }
    return "<value>";
}

// One line of a doc string: comments end at the line's end.
std::string one_line(const char* text) {
    std::string line = text != nullptr ? text : "";
    std::replace_if(
        line.begin(), line.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    return line;
}

// A value on its key's line: strings as basic strings (as manifests are written), tables
// inline, numbers, booleans and dates as toml++ writes them.
std::string value_text(const toml::node& node) {
    if (const auto* text = node.as_string()) return toml_quoted(text->get());
    if (const auto* array = node.as_array()) {
        std::string out = "[";
        for (const toml::node& element : *array) {
            out += (out.size() > 1 ? ", " : "") + value_text(element);
        }
        return out + "]";
    }
    if (const auto* table = node.as_table()) {
        std::string out = "{";
        for (const auto& [key, element] : detail::entries_in_file_order(*table)) {
            out +=
                (out.size() > 1 ? ", " : " ") + toml_key(key->str()) + " = " + value_text(*element);
        }
        return out + (out.size() > 1 ? " }" : "}");
    }
    std::ostringstream out;
    node.visit([&](const auto& value) { out << value; });
    return out.str();
}

const notify_config_key* find_key(std::span<const notify_config_key> schema, std::string_view key) {
    const auto found = std::find_if(schema.begin(), schema.end(), [&](const notify_config_key& k) {
        return k.name != nullptr && key == k.name;
    });
    return found == schema.end() ? nullptr : &*found;
}

class ConfigPrinter {
public:
    explicit ConfigPrinter(const Manifest& manifest) : manifest_(manifest) {}

    void header() {
        out_ << "# The effective manifest of " << manifest_.file.string()
             << " (notifyd --print-config):\n"
             << "# every host setting with its value, defaults included; each plugin table as "
                "written,\n"
             << "# with the keys it leaves unset (the plugin's defaults) as comments.\n"
             << "# Relative paths of the original resolve against " << manifest_.base_dir.string()
             << ";\n# they are written here as absolute paths, so this file works from any "
                "folder.\n";
    }

    void host() {
        for (const HostSection& section : host_sections(manifest_)) {
            out_ << "\n[" << section.name << "]\n";
            for (const HostKey& key : section.keys) {
                if (!key.computed_default.empty()) {
                    out_ << "# " << key.name << " = " << key.value
                         << "  # default: " << key.computed_default << '\n';
                    continue;
                }
                out_ << key.name << " = " << key.value << '\n';
            }
        }
    }

    void instance(const PluginInstanceSpec& spec, std::span<const notify_config_key> schema) {
        if (spec.kind == PluginKind::broker) {
            out_ << "\n[broker]\n";
        } else {
            out_ << "\n[[" << to_string(spec.kind) << "]]\n";
        }
        out_ << "plugin = " << toml_quoted(absolute_plugin(spec.plugin)) << '\n';
        out_ << "name = " << toml_quoted(spec.name) << '\n';
        if (spec.settings) {
            for (const auto& [key, node] : detail::entries_in_file_order(*spec.settings)) {
                const notify_config_key* schema_key = find_key(schema, key->str());
                out_ << toml_key(key->str()) << " = ";
                if (schema_key != nullptr && schema_key->type == NOTIFY_CONFIG_PATH &&
                    node->is_string()) {
                    out_ << toml_quoted(absolute(node->as_string()->get())) << '\n';
                } else {
                    out_ << value_text(*node) << '\n';
                }
            }
        }
        for (const notify_config_key& key : schema) {
            if (key.name == nullptr) continue;
            if (spec.settings && spec.settings->contains(key.name)) continue;
            out_ << "# " << toml_key(key.name) << " = " << type_hint(key.type) << "  # "
                 << one_line(key.doc) << '\n';
        }
    }

    std::string text() const { return out_.str(); }

private:
    std::string absolute(const std::string& path) const {
        if (path.empty()) return path;
        return (manifest_.base_dir / path).lexically_normal().string();
    }

    std::string absolute_plugin(const std::string& plugin) const {
        return is_plugin_path(plugin) ? absolute(plugin) : plugin;
    }

    const Manifest& manifest_;
    std::ostringstream out_;
};

}  // namespace

std::string print_config(const Manifest& manifest,
                         const std::vector<std::span<const notify_config_key>>& schemas) {
    ConfigPrinter printer(manifest);
    printer.header();
    printer.host();
    for (std::size_t index = 0; index < manifest.instances.size(); ++index) {
        printer.instance(manifest.instances[index], index < schemas.size()
                                                        ? schemas[index]
                                                        : std::span<const notify_config_key>());
    }
    return printer.text();
}

}  // namespace notify::host
