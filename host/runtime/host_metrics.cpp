#include "runtime/host_metrics.hpp"

#include <fstream>
#include <filesystem>
#include <string_view>

#include <unistd.h>

#include "notify/protocol/json.hpp"

namespace notify::runtime {
namespace {

notify_metric* series(notify_metric_kind kind, std::string name, std::string help,
                      std::vector<std::string> label_names = {},
                      std::vector<std::string> label_values = {}) {
    MetricDescription description;
    description.kind = kind;
    description.name = std::move(name);
    description.help = std::move(help);
    description.label_names = std::move(label_names);
    return &metrics().series(description, label_values);
}

notify_metric* counter(std::string name, std::string help, std::vector<std::string> names = {},
                       std::vector<std::string> values = {}) {
    return series(NOTIFY_METRIC_COUNTER, std::move(name), std::move(help), std::move(names),
                  std::move(values));
}

notify_metric* gauge(std::string name, std::string help, std::vector<std::string> names = {},
                     std::vector<std::string> values = {}) {
    return series(NOTIFY_METRIC_GAUGE, std::move(name), std::move(help), std::move(names),
                  std::move(values));
}

constexpr std::array<std::pair<std::uint16_t, std::string_view>, 13> kCloseReasons{{
    {NOTIFY_CLOSE_NORMAL, "normal"},
    {NOTIFY_CLOSE_GOING_AWAY, "going_away"},
    {NOTIFY_CLOSE_PROTOCOL_ERROR, "protocol_error"},
    {NOTIFY_CLOSE_ABNORMAL, "abnormal"},
    {NOTIFY_CLOSE_INVALID_DATA, "invalid_data"},
    {NOTIFY_CLOSE_POLICY, "policy"},
    {NOTIFY_CLOSE_TOO_BIG, "too_big"},
    {NOTIFY_CLOSE_SLOW_CONSUMER, "slow_consumer"},
    {NOTIFY_CLOSE_REPLACED, "replaced"},
    {NOTIFY_CLOSE_DISCONNECTED, "disconnected"},
    {NOTIFY_CLOSE_UNAUTHORIZED, "unauthorized"},
    {NOTIFY_CLOSE_EXPIRED, "expired"},
    {NOTIFY_CLOSE_TOKEN_EXPIRED, "token_expired"},
}};

constexpr std::array<std::string_view, 3> kAuthCalls{"authenticate", "subscribe", "publish"};
constexpr std::array<std::string_view, 4> kAuthOutcomes{"allow", "deny", "defer", "error"};

// VmRSS from /proc/self/status, in bytes; 0 when unreadable.
double resident_bytes() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) * 1024.0;
    }
    return 0;
}

double open_fds() {
    std::error_code error;
    double count = 0;
    for (std::filesystem::directory_iterator it("/proc/self/fd", error), end; !error && it != end;
         it.increment(error)) {
        ++count;
    }
    return count;
}

// utime + stime of the process from /proc/self/stat, in seconds.
double cpu_seconds() {
    std::ifstream stat("/proc/self/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto end_of_name = text.rfind(')');
    if (end_of_name == std::string::npos) return 0;
    std::istringstream fields(text.substr(end_of_name + 2));
    std::string field;
    double ticks = 0;
    for (int index = 3; fields >> field && index <= 15; ++index) {
        if (index == 14 || index == 15) ticks += std::stod(field);
    }
    const long per_second = sysconf(_SC_CLK_TCK);
    return per_second > 0 ? ticks / static_cast<double>(per_second) : 0;
}

}  // namespace

HostMetrics::HostMetrics(const std::vector<std::string>& transports,
                         const std::vector<std::string>& auths,
                         const std::vector<std::string>& instances) {
    for (const std::string& transport : transports) {
        connections_by_transport_.push_back(gauge("notify_connections",
                                                  "Open connections by transport instance",
                                                  {"transport"}, {transport}));
    }
    connections_connecting_ =
        gauge("notify_connections_connecting", "Open connections whose connect is not answered yet");
    constexpr std::array<std::string_view, 3> states{"active", "inactive", "invalid"};
    for (std::size_t i = 0; i < states.size(); ++i) {
        clients_by_state_[i] = gauge("notify_clients",
                                     "Clients by state (inactive: kept for resume; invalid: "
                                     "id refused for a while)",
                                     {"state"}, {std::string(states[i])});
    }
    users_ = gauge("notify_users", "Users with at least one client");
    topics_ = gauge("notify_topics", "Topics with subscribers on this node");
    subscriptions_ = gauge("notify_subscriptions", "Client subscriptions on this node");
    publishes_pending_ =
        gauge("notify_publishes_pending", "Publishes waiting for an auth answer or the broker");
    inbox_events_ = gauge("notify_transport_inbox_events",
                          "Transport events queued for the core thread");
    publishes_ = counter("notify_publishes_total", "Messages published through this node");
    deliveries_ = counter("notify_deliveries_total", "Frames handed to transports for clients");
    redeliveries_ = counter("notify_redeliveries_total",
                            "At-least-once messages sent again after their ack timeout");
    acks_ = counter("notify_acks_total", "Ack commands accepted (at-least-once namespaces)");
    recovered_ = counter("notify_recoveries_total",
                         "Subscribes with a position, by whether the stream was recovered",
                         {"result"}, {"recovered"});
    not_recovered_ = counter("notify_recoveries_total",
                             "Subscribes with a position, by whether the stream was recovered",
                             {"result"}, {"not_recovered"});
    resume_overflows_ = counter("notify_drops_total",
                                "Messages a client did not get, by reason (it is told to recover)",
                                {"reason"}, {"resume_buffer_overflow"});
    bus_messages_ = counter("notify_bus_messages_total", "Messages received from the cluster bus");
    streams_lost_ = counter("notify_streams_lost_total",
                            "Recover pushes sent after messages were lost on the cluster bus");
    for (std::size_t slot = 0; slot < command_errors_.size(); ++slot) {
        const std::string_view name =
            protocol::error_name(static_cast<protocol::ErrorCode>(100 + slot));
        if (name.empty() || name == "unknown") continue;
        command_errors_[slot] = counter("notify_command_errors_total",
                                        "Error replies to client commands, by error",
                                        {"error"}, {std::string(name)});
    }
    for (const auto& [code, reason] : kCloseReasons) {
        closes_by_code_.emplace_back(code, counter("notify_closes_total",
                                                   "Closed connections by close reason",
                                                   {"reason"}, {std::string(reason)}));
    }
    closes_other_ = counter("notify_closes_total", "Closed connections by close reason",
                            {"reason"}, {"other"});
    for (const std::string& auth : auths) {
        auto& table = auth_decisions_.emplace_back();
        for (std::size_t call = 0; call < kAuthCalls.size(); ++call) {
            for (std::size_t outcome = 0; outcome < kAuthOutcomes.size(); ++outcome) {
                table[call][outcome] =
                    counter("notify_auth_decisions_total",
                            "Answers of auth instances, by instance, call and outcome",
                            {"instance", "call", "outcome"},
                            {auth, std::string(kAuthCalls[call]),
                             std::string(kAuthOutcomes[outcome])});
            }
        }
    }
    MetricDescription latency;
    latency.kind = NOTIFY_METRIC_HISTOGRAM;
    latency.name = "notify_broker_publish_seconds";
    latency.help = "Time from handing a publish to the broker to its answer";
    broker_publish_seconds_ = &metrics().series(latency, {});
    broker_publish_errors_ =
        counter("notify_broker_publish_errors_total", "Publishes the broker failed");
    for (const std::string& instance : instances) {
        plugin_errors_.push_back(counter("notify_plugin_errors_total",
                                         "Errors logged by, or refused calls of, plugin instances",
                                         {"instance"}, {instance}));
    }
    resident_bytes_ = gauge("notify_process_resident_memory_bytes", "Resident memory of notifyd");
    open_fds_ = gauge("notify_process_open_fds", "Open file descriptors of notifyd");
    cpu_seconds_ = counter("notify_process_cpu_seconds_total", "CPU time of notifyd (user+system)");
    gauge("notify_build_info", "Always 1; the version is the label", {"version"},
          {NOTIFY_VERSION})
        ->set(1);
}

void HostMetrics::refresh(const core::CoreStats& stats, std::size_t inbox_events) {
    for (std::size_t i = 0; i < connections_by_transport_.size(); ++i) {
        const std::uint64_t count =
            i < stats.connections_by_transport.size() ? stats.connections_by_transport[i] : 0;
        connections_by_transport_[i]->set(static_cast<double>(count));
    }
    connections_connecting_->set(static_cast<double>(stats.connections_connecting));
    clients_by_state_[0]->set(static_cast<double>(stats.clients_active));
    clients_by_state_[1]->set(static_cast<double>(stats.clients_inactive));
    clients_by_state_[2]->set(static_cast<double>(stats.clients_invalid));
    users_->set(static_cast<double>(stats.users));
    topics_->set(static_cast<double>(stats.topics));
    subscriptions_->set(static_cast<double>(stats.subscriptions));
    publishes_pending_->set(static_cast<double>(stats.publishes_pending));
    inbox_events_->set(static_cast<double>(inbox_events));
    publishes_->set_total(static_cast<double>(stats.publishes));
    deliveries_->set_total(static_cast<double>(stats.deliveries));
    redeliveries_->set_total(static_cast<double>(stats.redeliveries));
    acks_->set_total(static_cast<double>(stats.acks));
    recovered_->set_total(static_cast<double>(stats.recovered));
    not_recovered_->set_total(static_cast<double>(stats.unrecovered));
    resume_overflows_->set_total(static_cast<double>(stats.buffer_overflows));
    bus_messages_->set_total(static_cast<double>(stats.bus_messages));
    streams_lost_->set_total(static_cast<double>(stats.streams_lost));
    for (std::size_t slot = 0; slot < command_errors_.size(); ++slot) {
        if (command_errors_[slot] != nullptr) {
            command_errors_[slot]->set_total(static_cast<double>(stats.refusals_by_code[slot]));
        }
    }
    resident_bytes_->set(resident_bytes());
    open_fds_->set(open_fds());
    cpu_seconds_->set_total(cpu_seconds());
}

void HostMetrics::connection_closed(std::uint16_t code) const {
    for (const auto& [known, metric] : closes_by_code_) {
        if (known == code) {
            metric->add(1);
            return;
        }
    }
    closes_other_->add(1);
}

void HostMetrics::auth_decision(std::size_t auth_position, AuthCall call, AuthOutcome outcome) const {
    if (auth_position >= auth_decisions_.size()) return;
    auth_decisions_[auth_position][static_cast<std::size_t>(call)]
                   [static_cast<std::size_t>(outcome)]
                       ->add(1);
}

void HostMetrics::broker_publish(double seconds, bool failed) const {
    broker_publish_seconds_->observe(seconds);
    if (failed) broker_publish_errors_->add(1);
}

void HostMetrics::plugin_error(std::uint32_t instance) const {
    if (instance < plugin_errors_.size()) plugin_errors_[instance]->add(1);
}

}  // namespace notify::runtime
