// The log: the JSON line format, the per-instance filter, and the recent warnings and errors.
#include "runtime/logging.hpp"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <array>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

namespace notify::runtime {
namespace {

// Installs notifyd's logger for one test and puts the previous default logger back.
class LoggingTest : public ::testing::Test {
protected:
    void TearDown() override { spdlog::set_default_logger(previous_); }

    void configure(const std::string& level,
                   std::map<std::string, std::string, std::less<>> plugins = {}) {
        host::LogSettings settings;
        settings.level = level;
        settings.plugin_levels = std::move(plugins);
        configure_logging(settings);
    }

private:
    std::shared_ptr<spdlog::logger> previous_ = spdlog::default_logger();
};

TEST(JsonLogLine, HasEveryFieldInOrder) {
    LogRecord record;
    record.time_ms = 1'796'464'800'123;  // 2026-12-05T10:00:00.123Z
    record.level = spdlog::level::warn;
    record.plugin = "websocket";
    record.instance = "ws";
    record.message = "slow consumer";
    EXPECT_EQ(format_json_line(record),
              R"({"time":"2026-12-05T10:00:00.123Z","level":"warn","plugin":"websocket",)"
              R"("instance":"ws","message":"slow consumer","fields":{}})");
}

TEST(JsonLogLine, HostLinesHaveEmptyPluginAndInstance) {
    LogRecord record;
    record.level = spdlog::level::critical;
    record.message = "listening";
    const auto line = nlohmann::json::parse(format_json_line(record));
    EXPECT_EQ(line["time"], "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(line["level"], "error");
    EXPECT_EQ(line["plugin"], "");
    EXPECT_EQ(line["instance"], "");
}

TEST(JsonLogLine, EscapesControlCharactersAndQuotes) {
    LogRecord record;
    record.message = std::string_view("a\"b\\c\nd\te\x01\x1f", 11);
    const std::string line = format_json_line(record);
    EXPECT_NE(line.find(R"("message":"a\"b\\c\nd\te\u0001\u001f")"), std::string::npos) << line;
    EXPECT_EQ(line.find('\n'), std::string::npos);
    EXPECT_EQ(nlohmann::json::parse(line)["message"], std::string(record.message));
}

TEST(JsonLogLine, ReplacesInvalidUtf8) {
    LogRecord record;
    record.message = "ok \xc3\xa9 bad \xff\xfe end \xe2\x82";  // é is kept
    record.instance = "x\xc0";
    const std::string line = format_json_line(record);
    const auto parsed = nlohmann::json::parse(line);  // throws on invalid UTF-8
    EXPECT_EQ(parsed["message"], "ok \xc3\xa9 bad \xef\xbf\xbd\xef\xbf\xbd end \xef\xbf\xbd");
    EXPECT_EQ(parsed["instance"], "x\xef\xbf\xbd");
}

TEST(JsonLogLine, WritesFields) {
    const std::array<std::pair<std::string_view, std::string_view>, 2> fields{
        {{"conn", "42"}, {"reason", "quota\n"}}};
    LogRecord record;
    record.message = "closed";
    record.fields = fields;
    const auto parsed = nlohmann::json::parse(format_json_line(record));
    EXPECT_EQ(parsed["fields"], (nlohmann::json{{"conn", "42"}, {"reason", "quota\n"}}));
}

TEST_F(LoggingTest, PluginLevelsOverrideTheHostLevelPerInstance) {
    configure("warn", {{"ws", "debug"}, {"quiet", "error"}});
    EXPECT_TRUE(plugin_log_enabled("ws", NOTIFY_LOG_DEBUG));
    EXPECT_FALSE(plugin_log_enabled("other", NOTIFY_LOG_INFO));
    EXPECT_TRUE(plugin_log_enabled("other", NOTIFY_LOG_WARN));
    EXPECT_FALSE(plugin_log_enabled("quiet", NOTIFY_LOG_WARN));
    EXPECT_TRUE(plugin_log_enabled("quiet", NOTIFY_LOG_ERROR));
    // The host's own lines keep [log] level even though the logger lets debug through for ws.
    EXPECT_TRUE(spdlog::default_logger_raw()->should_log(spdlog::level::debug));
}

TEST_F(LoggingTest, ANewLevelAppliesAtOnce) {
    configure("info");
    EXPECT_FALSE(plugin_log_enabled("ws", NOTIFY_LOG_DEBUG));
    host::LogSettings reloaded;
    reloaded.level = "info";
    reloaded.plugin_levels = {{"ws", "debug"}};
    apply_log_settings(reloaded);
    EXPECT_TRUE(plugin_log_enabled("ws", NOTIFY_LOG_DEBUG));
    EXPECT_FALSE(plugin_log_enabled("other", NOTIFY_LOG_DEBUG));
}

TEST_F(LoggingTest, RecentLogsKeepTheLastHundredWarningsAndErrors) {
    configure("info", {{"muted", "error"}});
    for (int index = 0; index < 120; ++index) spdlog::warn("host warning {}", index);
    spdlog::info("not kept");
    log_plugin_line("muted", "chat", NOTIFY_LOG_WARN, "filtered out");
    log_plugin_line("ws", "websocket", NOTIFY_LOG_ERROR, "bind \"failed\"");
    const auto recent = nlohmann::json::parse(recent_logs_json());
    const auto& entries = recent["entries"];
    ASSERT_EQ(entries.size(), 100u);
    EXPECT_EQ(entries[0]["message"], "host warning 21");
    EXPECT_EQ(entries[0]["level"], "warn");
    EXPECT_EQ(entries[0]["instance"], "");
    EXPECT_TRUE(entries[0]["time_ms"].is_number_integer());
    EXPECT_EQ(entries[99]["message"], "bind \"failed\"");
    EXPECT_EQ(entries[99]["level"], "error");
    EXPECT_EQ(entries[99]["instance"], "ws");
}

}  // namespace
}  // namespace notify::runtime
