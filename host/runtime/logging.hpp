// notifyd's log: one spdlog default logger writing to stderr through a sink of ours, which writes
// text or JSON lines ([log] format), applies the per-instance levels ([log.plugins]) and keeps
// the recent warnings and errors for the admin page. Host code logs with spdlog::info/warn/...
// (an empty instance); plugin lines come through log_plugin_line.
#pragma once

#include <spdlog/common.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "manifest/manifest.hpp"
#include "notify/notify.h"

namespace notify::runtime {

// Installs the stderr logger as spdlog's default with `settings`. Call it before threads start.
void configure_logging(const host::LogSettings& settings);
// Same with only a level (debug | info | warn | error) and the text format.
void configure_logging(std::string_view level);

// Replaces the level, format and per-instance levels of the logger configure_logging installed
// (a reload). Safe from any thread while others log.
void apply_log_settings(const host::LogSettings& settings);

// Per-instance filter: [log] level and [log.plugins] overrides. Cheap: no lock for a line below
// every configured level. THREAD: any.
bool plugin_log_enabled(std::string_view instance, notify_log_level level);

// One line from a plugin instance (plugin = the plugin's name, instance = manifest instance
// name). Does nothing when plugin_log_enabled says no. THREAD: any.
void log_plugin_line(std::string_view instance, std::string_view plugin, notify_log_level level,
                     std::string_view message);

// The last <=100 warnings and errors (host's and plugins'), newest last, as JSON:
// {"entries":[{"time_ms":N,"level":"warn"|"error","instance":"name or empty for the host",
// "message":"..."}]}. THREAD: any.
std::string recent_logs_json();

// One line of the JSON format, without the newline:
// {"time":"2026-12-05T10:00:00.123Z","level":"info","plugin":"websocket","instance":"ws",
//  "message":"...","fields":{...}}. Control characters are escaped and invalid UTF-8 is
// replaced with U+FFFD, so the line is always valid JSON.
struct LogRecord {
    std::int64_t time_ms = 0;  // since the Unix epoch
    spdlog::level::level_enum level = spdlog::level::info;
    std::string_view plugin;    // empty for host lines
    std::string_view instance;  // empty for host lines
    std::string_view message;
    std::span<const std::pair<std::string_view, std::string_view>> fields;
};
std::string format_json_line(const LogRecord& record);

// "debug" | "info" | "warn" | "error" (trace counts as debug, critical as error).
std::string_view level_name(spdlog::level::level_enum level);

spdlog::level::level_enum to_spdlog_level(std::string_view level);
spdlog::level::level_enum to_spdlog_level(notify_log_level level);

}  // namespace notify::runtime
