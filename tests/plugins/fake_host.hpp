// A host table written for tests: config accessors over a std::map, and a record (with copies
// of every argument) of what the plugin asked the host to do, in call order.
#pragma once

#include <notify/notify.h>

#include <cstdint>
#include <map>
#include <string>
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

using ConfigValue = std::variant<std::string, std::int64_t, bool, double>;

class FakeHost {
  public:
    FakeHost();
    FakeHost(const FakeHost&) = delete;
    FakeHost& operator=(const FakeHost&) = delete;

    [[nodiscard]] const notify_host_api* api() const noexcept { return &api_; }
    [[nodiscard]] notify_host_ctx* ctx() noexcept;
    [[nodiscard]] const notify_config* config() const noexcept;

    std::map<std::string, ConfigValue> config_values;
    std::vector<HostCall> calls;
    std::vector<std::string> log_lines;
    std::int64_t now_ms = 0;

  private:
    notify_host_api api_;
};

}  // namespace notify::test
