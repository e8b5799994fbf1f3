// The Core's view of the world, implemented over plugin instances: transports deliver and close,
// the auth chain decides, the broker orders messages, handlers observe events.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/core.hpp"
#include "runtime/auth_chain.hpp"
#include "runtime/plugin_instance.hpp"

namespace notify::runtime {

using Clock = std::function<std::int64_t()>;  // milliseconds since the Unix epoch

// The instances by role, each list in creation order.
struct InstanceRoles {
    std::vector<const PluginInstance*> transports;  // index = ConnectionRef::transport
    std::vector<const PluginInstance*> auths;
    std::vector<const PluginInstance*> handlers;
    const PluginInstance* broker = nullptr;
};

class PluginEnvironment final : public core::CoreEnvironment {
public:
    PluginEnvironment(InstanceRoles roles, Clock clock);

    std::int64_t now_ms() override;
    std::string make_client_id() override;
    std::string make_resume_token() override;

    void deliver(std::uint32_t transport, const core::FrameRef& frame,
                 std::span<const std::uint64_t> conns) override;
    void close(core::ConnectionRef conn, std::uint16_t code, std::string_view reason) override;

    core::AuthOutcome authenticate(std::uint64_t request_id,
                                   const core::AuthRequest& request) override;
    core::AuthOutcome authorize_subscribe(std::uint64_t request_id, std::string_view client_id,
                                          std::string_view user_id, std::string_view topic,
                                          std::string_view token, bool token_required,
                                          const core::AuthorizeContext& context) override;
    core::AuthOutcome authorize_publish(std::uint64_t request_id, std::string_view client_id,
                                        std::string_view user_id, std::string_view topic,
                                        const core::AuthorizeContext& context) override;
    // The manifest name of transport instance `index` (empty when there is none).
    std::string_view transport_name(std::uint32_t index) const;

    core::PublishOutcome broker_publish(std::uint64_t request_id, std::string_view topic,
                                        std::string_view payload, std::int64_t time_ms,
                                        const host::NamespaceSpec& ns,
                                        std::string_view publish_key) override;

    void presence_add(std::string_view topic, const core::PresenceMember& member) override;
    void presence_remove(std::string_view topic, std::string_view client_id) override;
    std::string read_presence(std::string_view topic,
                              std::vector<core::PresenceMember>& members) override;
    std::string presence_stats(std::string_view topic, core::PresenceCount& count) override;
    core::StreamState read_history(std::string_view topic, std::uint64_t since_offset,
                                   std::uint64_t limit, const host::NamespaceSpec& ns,
                                   const core::HistoryVisitor& visit) override;
    void save_durable_subscription(const core::DurableSubscriptionRecord& record) override;
    void remove_durable_subscription(std::string_view client_id,
                                     std::string_view topic) override;
    // At start, on the core thread. Throws std::runtime_error when the broker cannot read them.
    std::vector<core::DurableSubscriptionRecord> load_durable_subscriptions();

    void emit(const notify_event& event) override;

    // A broker with NOTIFY_BROKER_CAP_CLUSTER and the 1.3 members that go with it.
    bool has_cluster_broker() const;
    void broker_interest(notify_interest_kind kind, std::string_view name, bool up) override;
    std::string broker_publish_direct(std::span<const std::string> clients,
                                      std::span<const std::string> users,
                                      std::string_view payload, std::int64_t time_ms,
                                      std::string_view publish_key) override;
    void broker_send_command(const core::ClusterCommand& command) override;

    core::HistoryRemoval remove_history(std::string_view topic, std::string& error) override;
    std::string nodes_json() override;
    // Where nodes_json comes from (the cluster registry, made after this environment).
    void set_nodes_source(std::function<std::string()> source) {
        nodes_source_ = std::move(source);
    }

    AuthChain& auth_chain() { return auth_chain_; }
    // Broker publish latency and auth decisions are counted from now on.
    void set_metrics(const HostMetrics* metrics) {
        metrics_ = metrics;
        auth_chain_.set_metrics(metrics);
    }
    // Core thread: the broker answered a publish that was pending (its latency is observed).
    void broker_publish_answered(std::uint64_t request_id, bool failed);
    const InstanceRoles& roles() const { return roles_; }

private:
    const PluginInstance* transport(std::uint32_t index) const;
    bool stores_durable_subscriptions() const;

    InstanceRoles roles_;
    Clock clock_;
    AuthChain auth_chain_;
    std::function<std::string()> nodes_source_;
    const HostMetrics* metrics_ = nullptr;
    // Core thread only: when each pending broker publish was handed over.
    std::unordered_map<std::uint64_t, std::chrono::steady_clock::time_point> publishes_started_;
};

}  // namespace notify::runtime
