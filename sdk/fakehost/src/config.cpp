// The manifest table of the one instance: notifyd's schema check (host/manifest/plugin_settings.cpp)
// and typed accessors (host/manifest/plugin_config.cpp), over a map instead of a TOML table.
#include <algorithm>
#include <charconv>
#include <limits>
#include <string>

#include "internal.hpp"

namespace notify::fakehost {
namespace {

const InstanceConfig& config_of(const notify_config* cfg) {
    return *reinterpret_cast<const InstanceConfig*>(cfg);
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

std::string_view type_phrase(const ConfigValue& value) {
    switch (value.kind) {
        case ConfigValue::Kind::string:
            return "a string";
        case ConfigValue::Kind::integer:
            return "an integer";
        case ConfigValue::Kind::boolean:
            return "a boolean";
        case ConfigValue::Kind::floating:
            return "a float";
        case ConfigValue::Kind::string_array:
            return "an array";
    }
    return "nothing";
}

std::string located(std::string_view key, std::string_view reason) {
    return "key '" + std::string(key) + "': " + std::string(reason);
}

std::string unknown_key_reason(const notify_plugin_descriptor& descriptor) {
    const std::string plugin = "plugin '" + std::string(descriptor.name) + "'";
    if (descriptor.config_key_count == 0) {
        return "unknown key: " + plugin + " takes no settings";
    }
    std::string known;
    for (std::size_t i = 0; i < descriptor.config_key_count; ++i) {
        known += (i == 0 ? "" : ", ") + std::string(descriptor.config_keys[i].name);
    }
    return "unknown key for " + plugin + " (known: " + known + ")";
}

const notify_config_key* find_key(const notify_plugin_descriptor& descriptor,
                                  std::string_view name) {
    const notify_config_key* begin = descriptor.config_keys;
    const notify_config_key* end =
        begin + (begin == nullptr ? 0 : descriptor.config_key_count);
    const notify_config_key* found = std::find_if(
        begin, end, [&](const notify_config_key& key) { return key.name == name; });
    return found == end ? nullptr : found;
}

std::string check_value(std::string_view key, const ConfigValue& value,
                        notify_config_type type) {
    const auto wrong_type = [&] {
        return located(key, "expected " + std::string(expected_phrase(type)) + ", got " +
                                std::string(type_phrase(value)));
    };
    using Kind = ConfigValue::Kind;
    switch (type) {
        case NOTIFY_CONFIG_STRING:
            return value.kind == Kind::string ? "" : wrong_type();
        case NOTIFY_CONFIG_PATH:
            if (value.kind != Kind::string) return wrong_type();
            return value.text.empty() ? located(key, "must not be empty") : "";
        case NOTIFY_CONFIG_INT:
            return value.kind == Kind::integer ? "" : wrong_type();
        case NOTIFY_CONFIG_BOOL:
            return value.kind == Kind::boolean ? "" : wrong_type();
        case NOTIFY_CONFIG_DOUBLE:
            return value.kind == Kind::floating || value.kind == Kind::integer ? "" : wrong_type();
        case NOTIFY_CONFIG_STRING_ARRAY:
            return value.kind == Kind::string_array ? "" : wrong_type();
        case NOTIFY_CONFIG_DURATION:
            if (value.kind == Kind::integer) {
                constexpr std::int64_t max_seconds = std::numeric_limits<std::int64_t>::max() / 1000;
                if (value.integer < 0 || value.integer > max_seconds) {
                    return located(key, "must be between 0 and " + std::to_string(max_seconds) +
                                            " seconds, got " + std::to_string(value.integer));
                }
                return "";
            }
            if (value.kind != Kind::string) return wrong_type();
            if (parse_duration_ms(value.text) < 0) {
                return located(key, "expected " + std::string(expected_phrase(type)) +
                                        ", got \"" + value.text + '"');
            }
            return "";
    }
    return located(key, "has a type the fake host does not know");
}

// Looks `key` up, or answers the status the accessor returns as is.
notify_status find(const notify_config* cfg, const char* key, const void* out,
                   const ConfigValue** value) {
    if (cfg == nullptr || key == nullptr || out == nullptr) {
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    const ConfigTable& table = config_of(cfg).table;
    const auto found = table.find(std::string_view(key));
    if (found == table.end()) {
        return NOTIFY_ERR_NOT_FOUND;
    }
    *value = &found->second;
    return NOTIFY_OK;
}

notify_str view_of(const std::string& text) {
    return notify_str{text.c_str(), text.size()};
}

notify_status get_string(const notify_config* cfg, const char* key, notify_str* out) {
    const ConfigValue* value = nullptr;
    if (const notify_status status = find(cfg, key, out, &value); status != NOTIFY_OK) {
        return status;
    }
    if (value->kind != ConfigValue::Kind::string) return NOTIFY_ERR_WRONG_TYPE;
    *out = view_of(value->text);
    return NOTIFY_OK;
}

notify_status get_int(const notify_config* cfg, const char* key, int64_t* out) {
    const ConfigValue* value = nullptr;
    if (const notify_status status = find(cfg, key, out, &value); status != NOTIFY_OK) {
        return status;
    }
    if (value->kind != ConfigValue::Kind::integer) return NOTIFY_ERR_WRONG_TYPE;
    *out = value->integer;
    return NOTIFY_OK;
}

notify_status get_bool(const notify_config* cfg, const char* key, bool* out) {
    const ConfigValue* value = nullptr;
    if (const notify_status status = find(cfg, key, out, &value); status != NOTIFY_OK) {
        return status;
    }
    if (value->kind != ConfigValue::Kind::boolean) return NOTIFY_ERR_WRONG_TYPE;
    *out = value->boolean;
    return NOTIFY_OK;
}

// An integer is accepted where a double is expected ("timeout = 2" means 2.0), as in notifyd.
notify_status get_double(const notify_config* cfg, const char* key, double* out) {
    const ConfigValue* value = nullptr;
    if (const notify_status status = find(cfg, key, out, &value); status != NOTIFY_OK) {
        return status;
    }
    if (value->kind == ConfigValue::Kind::floating) {
        *out = value->floating;
    } else if (value->kind == ConfigValue::Kind::integer) {
        *out = static_cast<double>(value->integer);
    } else {
        return NOTIFY_ERR_WRONG_TYPE;
    }
    return NOTIFY_OK;
}

notify_status get_array_size(const notify_config* cfg, const char* key, size_t* out) {
    const ConfigValue* value = nullptr;
    if (const notify_status status = find(cfg, key, out, &value); status != NOTIFY_OK) {
        return status;
    }
    if (value->kind != ConfigValue::Kind::string_array) return NOTIFY_ERR_WRONG_TYPE;
    *out = value->strings.size();
    return NOTIFY_OK;
}

notify_status get_array_string(const notify_config* cfg, const char* key, size_t index,
                               notify_str* out) {
    const ConfigValue* value = nullptr;
    if (const notify_status status = find(cfg, key, out, &value); status != NOTIFY_OK) {
        return status;
    }
    if (value->kind != ConfigValue::Kind::string_array) return NOTIFY_ERR_WRONG_TYPE;
    if (index >= value->strings.size()) return NOTIFY_ERR_NOT_FOUND;
    *out = view_of(value->strings[index]);
    return NOTIFY_OK;
}

notify_status get_path(const notify_config* cfg, const char* key, notify_str* out) {
    const ConfigValue* value = nullptr;
    if (const notify_status status = find(cfg, key, out, &value); status != NOTIFY_OK) {
        return status;
    }
    if (value->kind != ConfigValue::Kind::string) return NOTIFY_ERR_WRONG_TYPE;
    const InstanceConfig& config = config_of(cfg);
    const std::lock_guard lock(config.paths_mutex);
    auto found = config.resolved_paths.find(std::string_view(key));
    if (found == config.resolved_paths.end()) {
        const std::filesystem::path written(value->text);
        const std::string resolved = (config.base_dir / written).lexically_normal().string();
        found = config.resolved_paths.emplace(key, resolved).first;
    }
    *out = view_of(found->second);
    return NOTIFY_OK;
}

notify_status get_duration_ms(const notify_config* cfg, const char* key, int64_t* out) {
    const ConfigValue* value = nullptr;
    if (const notify_status status = find(cfg, key, out, &value); status != NOTIFY_OK) {
        return status;
    }
    if (value->kind == ConfigValue::Kind::integer) {
        if (value->integer < 0 ||
            value->integer > std::numeric_limits<std::int64_t>::max() / 1000) {
            return NOTIFY_ERR_WRONG_TYPE;
        }
        *out = value->integer * 1000;
        return NOTIFY_OK;
    }
    if (value->kind != ConfigValue::Kind::string) return NOTIFY_ERR_WRONG_TYPE;
    const std::int64_t ms = parse_duration_ms(value->text);
    if (ms < 0) return NOTIFY_ERR_WRONG_TYPE;
    *out = ms;
    return NOTIFY_OK;
}

}  // namespace

std::int64_t parse_duration_ms(std::string_view text) {
    std::int64_t count = 0;
    const char* const begin = text.data();
    const char* const end = text.data() + text.size();
    const auto [number_end, error] = std::from_chars(begin, end, count);
    if (error != std::errc{} || number_end == begin || count < 0 || *begin == '-') {
        return -1;
    }
    const std::string_view unit(number_end, static_cast<std::size_t>(end - number_end));
    std::int64_t unit_ms = 0;
    if (unit == "ms") {
        unit_ms = 1;
    } else if (unit == "s") {
        unit_ms = 1'000;
    } else if (unit == "m") {
        unit_ms = 60'000;
    } else if (unit == "h") {
        unit_ms = 3'600'000;
    } else if (unit == "d") {
        unit_ms = 86'400'000;
    } else {
        return -1;
    }
    if (count > std::numeric_limits<std::int64_t>::max() / unit_ms) {
        return -1;
    }
    return count * unit_ms;
}

std::string check_config(const ConfigTable& table, const notify_plugin_descriptor& descriptor) {
    // std::map iterates in key order, so the first bad key reported is stable across runs.
    for (const auto& [key, value] : table) {
        const notify_config_key* schema = find_key(descriptor, key);
        if (schema == nullptr) {
            return located(key, unknown_key_reason(descriptor));
        }
        if (std::string reason = check_value(key, value, schema->type); !reason.empty()) {
            return reason;
        }
    }
    return {};
}

const notify_config* config_handle(const InstanceConfig& config) {
    return reinterpret_cast<const notify_config*>(&config);
}

void install_config_accessors(notify_host_api& api) {
    api.config_get_string = get_string;
    api.config_get_int = get_int;
    api.config_get_bool = get_bool;
    api.config_get_double = get_double;
    api.config_get_array_size = get_array_size;
    api.config_get_array_string = get_array_string;
    api.config_get_path = get_path;
    api.config_get_duration_ms = get_duration_ms;
}

}  // namespace notify::fakehost
