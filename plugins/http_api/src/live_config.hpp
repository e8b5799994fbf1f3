// What of an http_api instance a reload (reconfigure) may change while it serves: the limits,
// the timeouts and the API keys, swapped whole. A request works with the snapshot it took when
// its header was read, so a request under way finishes with the keys and limits it started with.
#pragma once

#include "settings.hpp"

#include <notify_plugin_common/api_keys.hpp>
#include <notify_plugin_common/current.hpp>

#include <utility>

namespace notify::http_api {

struct LiveConfig {
    explicit LiveConfig(Settings loaded) : settings(std::move(loaded)), keys(settings.keys) {}

    const Settings settings;  // listen and threads stay those of start(): they need a restart
    const plugin_common::ApiKeys keys;
};

using CurrentConfig = plugin_common::Current<LiveConfig>;

}  // namespace notify::http_api
