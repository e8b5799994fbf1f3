// The host's own metrics (docs/operations.md lists them): series registered once at start,
// updated from the threads where things happen (closes, auth answers, broker publishes) and,
// for what the core counts, copied from CoreStats on the core thread before each rendering.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/core.hpp"
#include "runtime/metrics_registry.hpp"

namespace notify::runtime {

class HostMetrics {
public:
    enum class AuthCall : std::uint8_t { authenticate, subscribe, publish };
    enum class AuthOutcome : std::uint8_t { allow, deny, defer, error };

    // Instance names label the series: transports for connections, auth instances for decisions.
    HostMetrics(const std::vector<std::string>& transports, const std::vector<std::string>& auths,
                const std::vector<std::string>& instances);

    // Core thread: the core's counts as of now.
    void refresh(const core::CoreStats& stats, std::size_t inbox_events);

    void connection_closed(std::uint16_t code) const;  // any thread
    void auth_decision(std::size_t auth_position, AuthCall call, AuthOutcome outcome) const;
    void broker_publish(double seconds, bool failed) const;
    void plugin_error(std::uint32_t instance) const;

private:
    std::vector<notify_metric*> connections_by_transport_;
    notify_metric* connections_connecting_;
    std::array<notify_metric*, 3> clients_by_state_{};
    notify_metric* users_;
    notify_metric* topics_;
    notify_metric* subscriptions_;
    notify_metric* publishes_pending_;
    notify_metric* inbox_events_;
    notify_metric* publishes_;
    notify_metric* deliveries_;
    notify_metric* redeliveries_;
    notify_metric* acks_;
    notify_metric* recovered_;
    notify_metric* not_recovered_;
    notify_metric* resume_overflows_;
    notify_metric* bus_messages_;
    notify_metric* streams_lost_;
    std::array<notify_metric*, core::kErrorCodeSlots> command_errors_{};
    std::vector<std::pair<std::uint16_t, notify_metric*>> closes_by_code_;
    notify_metric* closes_other_;
    std::vector<std::array<std::array<notify_metric*, 4>, 3>> auth_decisions_;
    notify_metric* broker_publish_seconds_;
    notify_metric* broker_publish_errors_;
    std::vector<notify_metric*> plugin_errors_;
    notify_metric* resident_bytes_;
    notify_metric* open_fds_;
    notify_metric* cpu_seconds_;
};

}  // namespace notify::runtime
