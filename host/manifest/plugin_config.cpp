#include "plugin_config.hpp"

#include <toml++/toml.h>

#include <limits>
#include <map>
#include <mutex>
#include <string>

// The opaque handle plugins receive. It shares the instance's settings table, so string views
// into it stay valid while the PluginConfig lives; resolved paths are kept here for the same
// reason (std::map nodes never move).
struct notify_config {
    std::shared_ptr<const toml::table> settings;
    std::filesystem::path base_dir;
    mutable std::mutex paths_mutex;
    mutable std::map<std::string, std::string, std::less<>> resolved_paths;
};

namespace notify::host {
namespace {

// Looks `key` up, or answers the status the accessor returns as is.
notify_status find(const notify_config* cfg, const char* key, const void* out,
                   const toml::node** node) {
    if (cfg == nullptr || key == nullptr || out == nullptr) {
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    *node = cfg->settings->get(key);
    return *node == nullptr ? NOTIFY_ERR_NOT_FOUND : NOTIFY_OK;
}

notify_str view_of(const std::string& text) {
    return notify_str{text.data(), text.size()};
}

notify_status get_string(const notify_config* cfg, const char* key, notify_str* out) {
    const toml::node* node = nullptr;
    if (const notify_status status = find(cfg, key, out, &node); status != NOTIFY_OK) {
        return status;
    }
    if (!node->is_string()) {
        return NOTIFY_ERR_WRONG_TYPE;
    }
    *out = view_of(node->as_string()->get());
    return NOTIFY_OK;
}

notify_status get_int(const notify_config* cfg, const char* key, int64_t* out) {
    const toml::node* node = nullptr;
    if (const notify_status status = find(cfg, key, out, &node); status != NOTIFY_OK) {
        return status;
    }
    if (!node->is_integer()) {
        return NOTIFY_ERR_WRONG_TYPE;
    }
    *out = node->as_integer()->get();
    return NOTIFY_OK;
}

notify_status get_bool(const notify_config* cfg, const char* key, bool* out) {
    const toml::node* node = nullptr;
    if (const notify_status status = find(cfg, key, out, &node); status != NOTIFY_OK) {
        return status;
    }
    if (!node->is_boolean()) {
        return NOTIFY_ERR_WRONG_TYPE;
    }
    *out = node->as_boolean()->get();
    return NOTIFY_OK;
}

// An integer is accepted where a double is expected ("timeout = 2" means 2.0).
notify_status get_double(const notify_config* cfg, const char* key, double* out) {
    const toml::node* node = nullptr;
    if (const notify_status status = find(cfg, key, out, &node); status != NOTIFY_OK) {
        return status;
    }
    if (node->is_floating_point()) {
        *out = node->as_floating_point()->get();
    } else if (node->is_integer()) {
        *out = static_cast<double>(node->as_integer()->get());
    } else {
        return NOTIFY_ERR_WRONG_TYPE;
    }
    return NOTIFY_OK;
}

const toml::array* string_array(const toml::node* node) {
    const toml::array* array = node->as_array();
    if (array == nullptr) {
        return nullptr;
    }
    for (const auto& element : *array) {
        if (!element.is_string()) {
            return nullptr;
        }
    }
    return array;
}

notify_status get_array_size(const notify_config* cfg, const char* key, size_t* out) {
    const toml::node* node = nullptr;
    if (const notify_status status = find(cfg, key, out, &node); status != NOTIFY_OK) {
        return status;
    }
    const toml::array* array = string_array(node);
    if (array == nullptr) {
        return NOTIFY_ERR_WRONG_TYPE;
    }
    *out = array->size();
    return NOTIFY_OK;
}

notify_status get_array_string(const notify_config* cfg, const char* key, size_t index,
                               notify_str* out) {
    const toml::node* node = nullptr;
    if (const notify_status status = find(cfg, key, out, &node); status != NOTIFY_OK) {
        return status;
    }
    const toml::array* array = string_array(node);
    if (array == nullptr) {
        return NOTIFY_ERR_WRONG_TYPE;
    }
    if (index >= array->size()) {
        return NOTIFY_ERR_NOT_FOUND;
    }
    *out = view_of(array->get(index)->as_string()->get());
    return NOTIFY_OK;
}

notify_status get_path(const notify_config* cfg, const char* key, notify_str* out) {
    const toml::node* node = nullptr;
    if (const notify_status status = find(cfg, key, out, &node); status != NOTIFY_OK) {
        return status;
    }
    if (!node->is_string()) {
        return NOTIFY_ERR_WRONG_TYPE;
    }
    const std::lock_guard lock(cfg->paths_mutex);
    auto found = cfg->resolved_paths.find(std::string_view(key));
    if (found == cfg->resolved_paths.end()) {
        const std::filesystem::path written(node->as_string()->get());
        const std::string resolved = (cfg->base_dir / written).lexically_normal().string();
        found = cfg->resolved_paths.emplace(key, resolved).first;
    }
    *out = view_of(found->second);
    return NOTIFY_OK;
}

notify_status get_duration_ms(const notify_config* cfg, const char* key, int64_t* out) {
    const toml::node* node = nullptr;
    if (const notify_status status = find(cfg, key, out, &node); status != NOTIFY_OK) {
        return status;
    }
    if (node->is_integer()) {
        const std::int64_t seconds = node->as_integer()->get();
        if (seconds < 0 || seconds > std::numeric_limits<std::int64_t>::max() / 1000) {
            return NOTIFY_ERR_WRONG_TYPE;
        }
        *out = seconds * 1000;
        return NOTIFY_OK;
    }
    if (!node->is_string()) {
        return NOTIFY_ERR_WRONG_TYPE;
    }
    const std::int64_t ms = parse_duration_ms(node->as_string()->get());
    if (ms < 0) {
        return NOTIFY_ERR_WRONG_TYPE;
    }
    *out = ms;
    return NOTIFY_OK;
}

}  // namespace

PluginConfig::PluginConfig(const PluginInstanceSpec& spec, std::filesystem::path base_dir)
    : impl_(std::make_unique<notify_config>()) {
    impl_->settings = spec.settings ? spec.settings : std::make_shared<const toml::table>();
    impl_->base_dir = std::filesystem::absolute(base_dir).lexically_normal();
}

PluginConfig::~PluginConfig() = default;

const notify_config* PluginConfig::handle() const {
    return impl_.get();
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

}  // namespace notify::host
