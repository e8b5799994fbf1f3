#include "runtime/logging.hpp"

#include <memory>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace notify::runtime {

spdlog::level::level_enum to_spdlog_level(std::string_view level) {
    if (level == "debug") return spdlog::level::debug;
    if (level == "warn") return spdlog::level::warn;
    if (level == "error") return spdlog::level::err;
    return spdlog::level::info;
}

spdlog::level::level_enum to_spdlog_level(notify_log_level level) {
    switch (level) {
        case NOTIFY_LOG_DEBUG: return spdlog::level::debug;
        case NOTIFY_LOG_INFO: return spdlog::level::info;
        case NOTIFY_LOG_WARN: return spdlog::level::warn;
        case NOTIFY_LOG_ERROR: return spdlog::level::err;
    }
    return spdlog::level::info;
}

void configure_logging(std::string_view level) {
    auto logger = std::make_shared<spdlog::logger>(
        "notifyd", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e [%l] %v");
    logger->set_level(to_spdlog_level(level));
    logger->flush_on(spdlog::level::trace);
    spdlog::set_default_logger(std::move(logger));
}

}  // namespace notify::runtime
