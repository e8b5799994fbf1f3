#include "toml_diagnostics.hpp"

namespace notify::host::detail {

SourcePosition position_of(const std::string& file, const toml::source_region& region) {
    return SourcePosition{file, region.begin.line, region.begin.column};
}

std::string located_message(const SourcePosition& position, std::string_view key_path,
                            std::string_view reason) {
    std::string message = position.file;
    if (position.line != 0) {
        message += ':' + std::to_string(position.line) + ':' + std::to_string(position.column);
    }
    message += ": ";
    if (!key_path.empty()) {
        message += "key '";
        message += key_path;
        message += "': ";
    }
    message += reason;
    return message;
}

void fail(const SourcePosition& position, std::string_view key_path, std::string_view reason) {
    throw ManifestError(located_message(position, key_path, reason));
}

void fail_at(const std::string& file, const toml::source_region& region, std::string_view key_path,
             std::string_view reason) {
    fail(position_of(file, region), key_path, reason);
}

std::string_view type_phrase(const toml::node& node) {
    switch (node.type()) {
        case toml::node_type::table:
            return "a table";
        case toml::node_type::array:
            return "an array";
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a float";
        case toml::node_type::boolean:
            return "a boolean";
        case toml::node_type::date:
            return "a date";
        case toml::node_type::time:
            return "a time";
        case toml::node_type::date_time:
            return "a date-time";
        case toml::node_type::none:
            break;
    }
    return "nothing";
}

std::string join_key(std::string_view parent, std::string_view key) {
    std::string joined(parent);
    if (!joined.empty()) {
        joined += '.';
    }
    joined += key;
    return joined;
}

}  // namespace notify::host::detail
