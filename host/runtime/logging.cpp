#include "runtime/logging.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <time.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <shared_mutex>

namespace notify::runtime {
namespace {

constexpr std::size_t kRecentCapacity = 100;

std::int64_t milliseconds_of(std::chrono::system_clock::time_point time) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

// "2026-12-05T10:00:00.123Z"
std::string utc_timestamp(std::int64_t time_ms) {
    const std::time_t seconds = static_cast<std::time_t>(time_ms / 1000);
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    std::array<char, 32> text{};
    const int length =
        std::snprintf(text.data(), text.size(), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                      parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday, parts.tm_hour,
                      parts.tm_min, parts.tm_sec, static_cast<int>(time_ms % 1000));
    return std::string(text.data(), static_cast<std::size_t>(length > 0 ? length : 0));
}

std::string dump(const nlohmann::ordered_json& value) {
    return value.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

// Who may log what: the host level, the instances' own levels, and their minimum, which is
// what the spdlog logger lets through to the sink.
class LogFilter {
public:
    void set(const host::LogSettings& settings) {
        std::map<std::string, spdlog::level::level_enum, std::less<>> levels;
        spdlog::level::level_enum lowest = to_spdlog_level(settings.level);
        for (const auto& [instance, level] : settings.plugin_levels) {
            levels.emplace(instance, to_spdlog_level(level));
            lowest = std::min(lowest, to_spdlog_level(level));
        }
        const std::unique_lock lock(mutex_);
        instance_levels_ = std::move(levels);
        host_level_.store(to_spdlog_level(settings.level));
        has_instance_levels_.store(!instance_levels_.empty());
        lowest_level_.store(lowest);
    }

    spdlog::level::level_enum lowest() const { return lowest_level_.load(); }
    bool host_enabled(spdlog::level::level_enum level) const { return level >= host_level_.load(); }

    bool instance_enabled(std::string_view instance, spdlog::level::level_enum level) const {
        if (level < lowest_level_.load(std::memory_order_relaxed)) return false;
        if (!has_instance_levels_.load(std::memory_order_relaxed)) return host_enabled(level);
        const std::shared_lock lock(mutex_);
        const auto found = instance_levels_.find(instance);
        return level >= (found != instance_levels_.end() ? found->second : host_level_.load());
    }

private:
    mutable std::shared_mutex mutex_;
    std::map<std::string, spdlog::level::level_enum, std::less<>> instance_levels_;
    std::atomic<spdlog::level::level_enum> host_level_{spdlog::level::info};
    std::atomic<spdlog::level::level_enum> lowest_level_{spdlog::level::info};
    std::atomic<bool> has_instance_levels_{false};
};

struct RecentEntry {
    std::int64_t time_ms = 0;
    spdlog::level::level_enum level = spdlog::level::warn;
    std::string instance;
    std::string message;
};

class RecentLogs {
public:
    void add(RecentEntry entry) {
        const std::lock_guard lock(mutex_);
        if (entries_.size() == kRecentCapacity) entries_.pop_front();
        entries_.push_back(std::move(entry));
    }

    std::string json() const {
        nlohmann::ordered_json entries = nlohmann::ordered_json::array();
        {
            const std::lock_guard lock(mutex_);
            for (const RecentEntry& entry : entries_) {
                entries.push_back({{"time_ms", entry.time_ms},
                                   {"level", level_name(entry.level)},
                                   {"instance", entry.instance},
                                   {"message", entry.message}});
            }
        }
        return dump(nlohmann::ordered_json{{"entries", std::move(entries)}});
    }

private:
    mutable std::mutex mutex_;
    std::deque<RecentEntry> entries_;
};

// Set by log_plugin_line around its spdlog call: the sink runs on the logging thread, so it
// learns there which instance the line is from. Null for host lines.
struct PluginLine {
    std::string_view instance;
    std::string_view plugin;
};
thread_local const PluginLine* current_plugin_line = nullptr;

class NotifySink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    NotifySink(const LogFilter& filter, RecentLogs& recent) : filter_(filter), recent_(recent) {}

    void set_format(host::LogFormat format) { format_.store(format); }

protected:
    void sink_it_(const spdlog::details::log_msg& message) override {
        const PluginLine* plugin = current_plugin_line;
        // The logger lets through the lowest level of any instance; host lines keep the host's.
        if (plugin == nullptr && !filter_.host_enabled(message.level)) return;
        const std::string_view text(message.payload.data(), message.payload.size());
        const std::int64_t time_ms = milliseconds_of(message.time);
        std::string line;
        if (format_.load() == host::LogFormat::json) {
            LogRecord record;
            record.time_ms = time_ms;
            record.level = message.level;
            record.message = text;
            if (plugin != nullptr) {
                record.plugin = plugin->plugin;
                record.instance = plugin->instance;
            }
            line = format_json_line(record);
            line += '\n';
        } else {
            spdlog::memory_buf_t formatted;
            if (plugin != nullptr) {
                const std::string prefixed =
                    "[" + std::string(plugin->instance) + "] " + std::string(text);
                spdlog::details::log_msg copy = message;
                copy.payload = prefixed;
                formatter_->format(copy, formatted);
            } else {
                formatter_->format(message, formatted);
            }
            line.assign(formatted.data(), formatted.size());
        }
        std::fwrite(line.data(), 1, line.size(), stderr);
        std::fflush(stderr);
        if (message.level >= spdlog::level::warn) {
            recent_.add({time_ms, message.level,
                         plugin != nullptr ? std::string(plugin->instance) : std::string(),
                         std::string(text)});
        }
    }

    void flush_() override { std::fflush(stderr); }

private:
    const LogFilter& filter_;
    RecentLogs& recent_;
    std::atomic<host::LogFormat> format_{host::LogFormat::text};
};

struct LogState {
    LogFilter filter;
    RecentLogs recent;
    std::shared_ptr<NotifySink> sink = std::make_shared<NotifySink>(filter, recent);
    std::atomic<spdlog::logger*> logger{nullptr};  // ours, while it is spdlog's default
};

LogState& log_state() {
    static LogState state;
    return state;
}

// Tests may install another default logger; plugin lines then go there in the text form.
bool ours_is_default() {
    return log_state().logger.load() == spdlog::default_logger_raw();
}

}  // namespace

std::string_view level_name(spdlog::level::level_enum level) {
    switch (level) {
        case spdlog::level::trace:
        case spdlog::level::debug:
            return "debug";
        case spdlog::level::info:
            return "info";
        case spdlog::level::warn:
            return "warn";
        default:
            return "error";
    }
}

spdlog::level::level_enum to_spdlog_level(std::string_view level) {
    if (level == "debug") return spdlog::level::debug;
    if (level == "warn") return spdlog::level::warn;
    if (level == "error") return spdlog::level::err;
    return spdlog::level::info;
}

spdlog::level::level_enum to_spdlog_level(notify_log_level level) {
    switch (level) {
        case NOTIFY_LOG_DEBUG:
            return spdlog::level::debug;
        case NOTIFY_LOG_INFO:
            return spdlog::level::info;
        case NOTIFY_LOG_WARN:
            return spdlog::level::warn;
        case NOTIFY_LOG_ERROR:
            return spdlog::level::err;
    }
    return spdlog::level::info;
}

std::string format_json_line(const LogRecord& record) {
    nlohmann::ordered_json fields = nlohmann::ordered_json::object();
    for (const auto& [key, value] : record.fields) fields[std::string(key)] = value;
    nlohmann::ordered_json line{{"time", utc_timestamp(record.time_ms)},
                                {"level", level_name(record.level)},
                                {"plugin", record.plugin},
                                {"instance", record.instance},
                                {"message", record.message},
                                {"fields", std::move(fields)}};
    return dump(line);
}

void configure_logging(const host::LogSettings& settings) {
    LogState& state = log_state();
    auto logger = std::make_shared<spdlog::logger>("notifyd", state.sink);
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e [%l] %v");
    logger->flush_on(spdlog::level::trace);
    state.logger.store(logger.get());
    spdlog::set_default_logger(std::move(logger));
    apply_log_settings(settings);
}

void configure_logging(std::string_view level) {
    host::LogSettings settings;
    settings.level = std::string(level);
    configure_logging(settings);
}

void apply_log_settings(const host::LogSettings& settings) {
    LogState& state = log_state();
    state.filter.set(settings);
    state.sink->set_format(settings.format);
    if (ours_is_default()) spdlog::default_logger_raw()->set_level(state.filter.lowest());
}

bool plugin_log_enabled(std::string_view instance, notify_log_level level) {
    if (!ours_is_default()) return spdlog::default_logger_raw()->should_log(to_spdlog_level(level));
    return log_state().filter.instance_enabled(instance, to_spdlog_level(level));
}

void log_plugin_line(std::string_view instance, std::string_view plugin, notify_log_level level,
                     std::string_view message) {
    if (!plugin_log_enabled(instance, level)) return;
    spdlog::logger* logger = spdlog::default_logger_raw();
    if (!ours_is_default()) {
        logger->log(to_spdlog_level(level), "[{}] {}", instance, message);
        return;
    }
    const PluginLine line{instance, plugin};
    current_plugin_line = &line;
    logger->log(to_spdlog_level(level), spdlog::string_view_t(message.data(), message.size()));
    current_plugin_line = nullptr;
}

std::string recent_logs_json() {
    return log_state().recent.json();
}

}  // namespace notify::runtime
