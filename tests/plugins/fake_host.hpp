// A host table written for tests: config accessors over a std::map, and a record (with copies
// of every argument) of what the plugin asked the host to do, in call order.
#pragma once

#include <notify/notify.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <optional>
#include <variant>
#include <vector>

namespace notify::test {

struct HostCall {
    std::string op;  // "publish", "subscribe", "unsubscribe" or "disconnect"
    notify_target_kind kind{};
    std::string id;
    std::vector<std::string> topics;  // subscribe/unsubscribe: the one topic
    std::vector<std::string> clients;
    std::vector<std::string> users;
    std::string payload;  // publish: the bytes; disconnect: the reason

    bool operator==(const HostCall&) const = default;
};

HostCall subscribe_call(notify_target_kind kind, std::string id, std::string topic);
HostCall publish_call(std::string topic, std::string payload);

// A string answers config_get_string and config_get_path (unchanged), and config_get_duration_ms
// when it reads as "250ms", "30s", "5m", "1h" or "2d"; an integer is a duration in seconds.
using ConfigValue =
    std::variant<std::string, std::int64_t, bool, double, std::vector<std::string>>;

// One host->broker_publish_complete call, copied.
struct PublishCompletion {
    std::uint64_t request_id = 0;
    notify_status status = NOTIFY_OK;
    std::uint64_t offset = 0;
    std::string epoch;
    std::string error;
};

// One host->auth_complete call, copied (the members the plugin's result size covers).
struct AuthCompletion {
    std::uint64_t request_id = 0;
    notify_auth_decision decision = NOTIFY_AUTH_DENY;
    std::string client_id;
    std::string user_id;
    std::string reason;
    std::uint32_t error_code = 0;
    std::int64_t expires_at_ms = 0;
    std::string info;
    std::vector<std::string> topics;
    std::optional<std::string> data;  // ABI 1.7: replace_data was set
    std::uint16_t close_code = 0;
};

// One metric series a plugin registered (ABI 1.6); updates may come from any thread.
struct MetricSeries {
    notify_metric_kind kind = NOTIFY_METRIC_COUNTER;
    std::atomic<double> value{0};            // counter, gauge
    std::atomic<std::uint64_t> observations{0};  // histogram
};

class FakeHost {
  public:
    FakeHost();
    FakeHost(const FakeHost&) = delete;
    FakeHost& operator=(const FakeHost&) = delete;

    [[nodiscard]] const notify_host_api* api() const noexcept { return &api_; }
    [[nodiscard]] notify_host_ctx* ctx() noexcept;
    [[nodiscard]] const notify_config* config() const noexcept;
    // A host table as an ABI 1.6 host had it: ends before keep_headers.
    void pretend_abi_1_6();

    // THREAD: completions arrive from any thread; read them through these two.
    [[nodiscard]] std::vector<PublishCompletion> completions() const;
    // True once at least `count` completions arrived, false after `timeout`.
    bool wait_for_completions(std::size_t count, std::chrono::milliseconds timeout) const;
    void record_completion(PublishCompletion completion);
    void record_log(std::string line);

    // THREAD: auth answers arrive from any thread; read them through these two.
    [[nodiscard]] std::vector<AuthCompletion> auth_completions() const;
    // True once at least `count` auth answers arrived, false after `timeout`.
    bool wait_for_auth_completions(std::size_t count, std::chrono::milliseconds timeout) const;
    void record_auth_completion(AuthCompletion completion);
    // A copy of log_lines, safe while plugin threads run.
    [[nodiscard]] std::vector<std::string> logs() const;

    // A registered series by family name and labels, written `name{a=x,b=y}` (labels in the
    // order registered; just `name` without labels): a counter's or gauge's value, a
    // histogram's number of observations; -1 when no such series was registered.
    [[nodiscard]] double metric(const std::string& series) const;
    MetricSeries& register_metric(const std::string& series, notify_metric_kind kind);

    std::map<std::string, ConfigValue> config_values;
    std::vector<std::string> kept_headers;  // host->keep_headers, in call order
    std::vector<HostCall> calls;
    std::vector<std::string> log_lines;  // read only while no plugin thread runs
    // Atomic: the durable broker's writer thread reads the clock while a test moves it.
    std::atomic<std::int64_t> now_ms{0};

  private:
    notify_host_api api_;
    mutable std::mutex mutex_;  // guards completions_, auth_completions_ and log_lines
    mutable std::condition_variable completed_;
    std::vector<PublishCompletion> completions_;
    std::vector<AuthCompletion> auth_completions_;
    std::map<std::string, std::unique_ptr<MetricSeries>> metrics_;
};

}  // namespace notify::test
