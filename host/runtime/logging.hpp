// notifyd's log: spdlog to stderr, one default logger shared by the host and plugin instances.
#pragma once

#include <string_view>

#include <spdlog/common.h>

#include "notify/notify.h"

namespace notify::runtime {

// Installs the stderr logger as spdlog's default at `level` (debug | info | warn | error).
void configure_logging(std::string_view level);

spdlog::level::level_enum to_spdlog_level(std::string_view level);
spdlog::level::level_enum to_spdlog_level(notify_log_level level);

}  // namespace notify::runtime
