// What the host table does, behind the C functions of host_api.cpp: every call is checked and
// copied on the calling thread, then posted to the core thread, so calls from one thread apply
// in call order and never call back into the caller synchronously.
#pragma once

#include <atomic>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/core.hpp"
#include "manifest/manifest.hpp"
#include "notify/notify.h"
#include "runtime/cluster_registry.hpp"
#include "runtime/core_thread.hpp"
#include "runtime/host_metrics.hpp"
#include "runtime/instance_health.hpp"
#include "runtime/transport_inbox.hpp"
#include "runtime/plugin_environment.hpp"

namespace notify::runtime {

class HostServices {
public:
    HostServices(CoreThread& thread, core::Core& core, PluginEnvironment& environment,
                 host::LimitSettings limits, Clock clock, ClusterRegistry& registry);

    // ---- logging and time --------------------------------------------------------------------
    void log(const notify_host_ctx& ctx, notify_log_level level, std::string_view message);
    std::int64_t now_ms() const { return clock_(); }

    // ---- transports ------------------------------------------------------------------------
    // Reserves a slot against limits.max_connections synchronously, then posts the open.
    notify_status conn_open(const notify_host_ctx& ctx, std::uint64_t conn,
                            const notify_conn_info* info);
    void conn_receive(const notify_host_ctx& ctx, std::uint64_t conn, notify_bytes data);
    void conn_receive_owned(const notify_host_ctx& ctx, std::uint64_t conn,
                            notify_owned_bytes data);
    void conn_closed(const notify_host_ctx& ctx, std::uint64_t conn, std::uint16_t code);
    notify_status set_max_frame_size(const notify_host_ctx& ctx, std::uint64_t max_frame_bytes);
    // host->keep_headers: adds names to the headers kept per connection (main thread, while
    // instances are created); freeze_kept_headers() ends that phase, before any transport runs.
    notify_status keep_headers(const notify_host_ctx& ctx, const notify_str* names,
                               std::size_t count);
    void freeze_kept_headers() { kept_headers_frozen_.store(true, std::memory_order_release); }

    // ---- answers to NOTIFY_PENDING ---------------------------------------------------------
    void auth_complete(const notify_host_ctx& ctx, std::uint64_t request_id,
                       const notify_auth_result* result);
    void broker_publish_complete(const notify_host_ctx& ctx, std::uint64_t request_id,
                                 notify_status status, const notify_stream_position* position,
                                 notify_str error_message);

    // ---- actions on the model --------------------------------------------------------------
    notify_status publish(const notify_host_ctx& ctx, const notify_publish_request* request);
    notify_status subscribe(const notify_host_ctx& ctx, notify_target_kind kind, notify_str id,
                            notify_str topic);
    notify_status unsubscribe(const notify_host_ctx& ctx, notify_target_kind kind, notify_str id,
                              notify_str topic);
    notify_status disconnect(const notify_host_ctx& ctx, notify_target_kind kind, notify_str id,
                             std::uint16_t code, notify_str reason);

    // ---- cluster (ABI 1.3) ---------------------------------------------------------------------
    // From the broker only: checked and copied here, applied on the core thread.
    void broker_message(const notify_host_ctx& ctx, const notify_bus_message* message);
    void broker_command(const notify_host_ctx& ctx, const notify_cluster_command* command);
    void broker_stream_lost(const notify_host_ctx& ctx, notify_str topic,
                            const notify_stream_position* current, notify_str reason);
    void node_info(notify_node_info* out);
    void cluster_node_seen(const notify_host_ctx& ctx, const notify_node_info* node,
                           std::int64_t ttl_ms);
    notify_status cluster_view(std::uint32_t kind, notify_owned_bytes* out);

    // ---- server API (ABI 1.5) -------------------------------------------------------------------
    notify_status api_call(const notify_host_ctx& ctx, const notify_api_request* request,
                           notify_api_callback done, void* user_data);

    // ---- operations (ABI 1.6) ------------------------------------------------------------------
    notify_status metric_register(const notify_host_ctx& ctx, const notify_metric_desc* desc,
                                  notify_metric** out);
    notify_status stats_view(std::uint32_t kind, notify_owned_bytes* out);
    void set_ready(const notify_host_ctx& ctx, bool ready, notify_str reason);
    bool log_enabled(const notify_host_ctx& ctx, notify_log_level level) const;
    InstanceHealth& health() { return health_; }
    // A reload's [limits]: max_connections and max_payload_size for the calls from now on.
    void set_limits(const host::LimitSettings& limits);

    // From now on conn_open and the actions answer NOTIFY_ERR_CLOSED.
    void begin_shutdown() { closing_.store(true, std::memory_order_release); }
    std::uint64_t connections() const { return connections_.load(std::memory_order_acquire); }

private:
    using ConnectionKey = std::pair<std::uint32_t, std::uint64_t>;  // transport, conn

    bool closing() const { return closing_.load(std::memory_order_acquire); }
    bool is_transport(const notify_host_ctx& ctx, std::string_view call) const;
    void open_on_core(core::ConnectionRef ref, std::string remote_address,
                      notify_encoding encoding, std::vector<core::RequestHeader> headers);
    // The headers of `info` whose names a plugin asked for, within the per-connection limits.
    std::vector<core::RequestHeader> kept_headers(const notify_conn_info& info) const;
    void closed_on_core(core::ConnectionRef ref, std::uint16_t code);
    // Schedules one take of the transport inbox when a push found it empty.
    void wake_for_inbox(bool inbox_was_empty);
    void handle_inbox();  // core thread
    void reject(const notify_host_ctx& ctx, std::string_view call, std::string_view why) const;
    notify_status change_subscription(const notify_host_ctx& ctx, std::string_view call,
                                      notify_target_kind kind, notify_str id, notify_str topic,
                                      bool subscribe);

    bool from_broker(const notify_host_ctx& ctx, std::string_view call) const;

    CoreThread& thread_;
    core::Core& core_;
    ClusterRegistry& registry_;
    PluginEnvironment& environment_;
    // The limits checked on plugin threads; a reload (set_limits) changes them while they run.
    std::atomic<std::uint64_t> max_connections_;
    std::atomic<std::uint64_t> max_payload_size_;
    Clock clock_;
    std::atomic<std::uint64_t> connections_{0};
    std::atomic<bool> closing_{false};
    std::set<ConnectionKey> open_;  // core thread only: connections whose slot is reserved
    TransportInbox inbox_;          // transport threads → core thread
    TransportInbox::Batch inbox_batch_;  // core thread only: the events being handled
    HostMetrics metrics_;
    InstanceHealth health_;
    std::vector<std::string> plugin_names_;  // by instance index
    // Written on the main thread while instances are created; transport threads read it only
    // after seeing kept_headers_frozen_ (release/acquire: a transport may have started its
    // thread in its own create(), before another plugin asked for headers).
    std::vector<std::string> kept_header_names_;  // lowercase
    std::atomic<bool> kept_headers_frozen_{false};
};

}  // namespace notify::runtime
