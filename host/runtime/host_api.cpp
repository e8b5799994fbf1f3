// The C entry points of the host table. Each forwards to the caller's HostServices; a NULL or
// abandoned ctx (a plugin bug) is refused with NOTIFY_ERR_INVALID_ARGUMENT, never a crash.
#include "runtime/host_api.hpp"

#include <chrono>
#include <string_view>

#include <spdlog/spdlog.h>

#include "core/frame.hpp"
#include "manifest/plugin_config.hpp"
#include "runtime/host_services.hpp"
#include "runtime/metrics_registry.hpp"
#include "runtime/plugin_instance.hpp"

namespace notify::runtime {
namespace {

HostServices* services_of(notify_host_ctx* ctx, const char* call) {
    HostServices* services = ctx != nullptr ? ctx->services.load() : nullptr;
    if (services == nullptr) {
        spdlog::error("a plugin called host->{} without a live context; ignored", call);
    }
    return services;
}

std::string_view text_of(notify_str text) {
    if (text.data == nullptr) return {};
    return {text.data, text.len};
}

// ---- logging ---------------------------------------------------------------------------------

void host_log(notify_host_ctx* ctx, notify_log_level level, notify_str message) {
    if (auto* services = services_of(ctx, "log")) services->log(*ctx, level, text_of(message));
}

// ---- frames ----------------------------------------------------------------------------------

void host_frame_retain(const notify_frame* frame) { core::FrameRef::retain(frame); }

void host_frame_release(const notify_frame* frame) { core::FrameRef::release(frame); }

// Empty for a frame that has no bytes in that encoding (a reply made for the other one).
notify_bytes host_frame_bytes(const notify_frame* frame, notify_encoding encoding) {
    if (frame == nullptr) return notify_bytes{nullptr, 0};
    const std::string_view bytes = core::frame_bytes(*frame, encoding);
    if (bytes.empty()) return notify_bytes{nullptr, 0};
    return notify_bytes{reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()};
}

// ---- transports ------------------------------------------------------------------------------

notify_status host_conn_open(notify_host_ctx* ctx, uint64_t conn, const notify_conn_info* info) {
    auto* services = services_of(ctx, "conn_open");
    return services ? services->conn_open(*ctx, conn, info) : NOTIFY_ERR_INVALID_ARGUMENT;
}

void host_conn_receive(notify_host_ctx* ctx, uint64_t conn, notify_bytes data) {
    if (auto* services = services_of(ctx, "conn_receive")) {
        services->conn_receive(*ctx, conn, data);
    }
}

void host_conn_receive_owned(notify_host_ctx* ctx, uint64_t conn, notify_owned_bytes data) {
    if (auto* services = services_of(ctx, "conn_receive_owned")) {
        services->conn_receive_owned(*ctx, conn, data);
    } else if (data.release != nullptr) {
        data.release(data.release_ctx, data.data);
    }
}

void host_conn_closed(notify_host_ctx* ctx, uint64_t conn, uint16_t code) {
    if (auto* services = services_of(ctx, "conn_closed")) services->conn_closed(*ctx, conn, code);
}

// ---- answers to NOTIFY_PENDING -------------------------------------------------------------

void host_auth_complete(notify_host_ctx* ctx, uint64_t request_id,
                        const notify_auth_result* result) {
    if (auto* services = services_of(ctx, "auth_complete")) {
        services->auth_complete(*ctx, request_id, result);
    }
}

void host_broker_publish_complete(notify_host_ctx* ctx, uint64_t request_id, notify_status status,
                                  const notify_stream_position* position,
                                  notify_str error_message) {
    if (auto* services = services_of(ctx, "broker_publish_complete")) {
        services->broker_publish_complete(*ctx, request_id, status, position, error_message);
    }
}

// ---- actions on the model --------------------------------------------------------------------

notify_status host_publish(notify_host_ctx* ctx, const notify_publish_request* request) {
    auto* services = services_of(ctx, "publish");
    return services ? services->publish(*ctx, request) : NOTIFY_ERR_INVALID_ARGUMENT;
}

notify_status host_subscribe(notify_host_ctx* ctx, notify_target_kind kind, notify_str id,
                             notify_str topic) {
    auto* services = services_of(ctx, "subscribe");
    return services ? services->subscribe(*ctx, kind, id, topic) : NOTIFY_ERR_INVALID_ARGUMENT;
}

notify_status host_unsubscribe(notify_host_ctx* ctx, notify_target_kind kind, notify_str id,
                               notify_str topic) {
    auto* services = services_of(ctx, "unsubscribe");
    return services ? services->unsubscribe(*ctx, kind, id, topic)
                    : NOTIFY_ERR_INVALID_ARGUMENT;
}

notify_status host_disconnect(notify_host_ctx* ctx, notify_target_kind kind, notify_str id,
                              uint16_t code, notify_str reason) {
    auto* services = services_of(ctx, "disconnect");
    return services ? services->disconnect(*ctx, kind, id, code, reason)
                    : NOTIFY_ERR_INVALID_ARGUMENT;
}

int64_t host_now_ms(notify_host_ctx* ctx) {
    if (HostServices* services = ctx != nullptr ? ctx->services.load() : nullptr) {
        return services->now_ms();
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

notify_status host_set_max_frame_size(notify_host_ctx* ctx, uint64_t max_frame_bytes) {
    auto* services = services_of(ctx, "set_max_frame_size");
    return services ? services->set_max_frame_size(*ctx, max_frame_bytes)
                    : NOTIFY_ERR_INVALID_ARGUMENT;
}

// ---- cluster -----------------------------------------------------------------------------------

void host_broker_message(notify_host_ctx* ctx, const notify_bus_message* message) {
    if (auto* services = services_of(ctx, "broker_message")) {
        services->broker_message(*ctx, message);
    }
}

void host_broker_command(notify_host_ctx* ctx, const notify_cluster_command* command) {
    if (auto* services = services_of(ctx, "broker_command")) {
        services->broker_command(*ctx, command);
    }
}

void host_broker_stream_lost(notify_host_ctx* ctx, notify_str topic,
                             const notify_stream_position* current, notify_str reason) {
    if (auto* services = services_of(ctx, "broker_stream_lost")) {
        services->broker_stream_lost(*ctx, topic, current, reason);
    }
}

void host_node_info(notify_host_ctx* ctx, notify_node_info* out) {
    if (auto* services = services_of(ctx, "node_info")) services->node_info(out);
}

void host_cluster_node_seen(notify_host_ctx* ctx, const notify_node_info* node, int64_t ttl_ms) {
    if (auto* services = services_of(ctx, "cluster_node_seen")) {
        services->cluster_node_seen(*ctx, node, ttl_ms);
    }
}

notify_status host_cluster_view(notify_host_ctx* ctx, uint32_t kind, notify_owned_bytes* out) {
    auto* services = services_of(ctx, "cluster_view");
    return services ? services->cluster_view(kind, out) : NOTIFY_ERR_INVALID_ARGUMENT;
}

notify_status host_api_call(notify_host_ctx* ctx, const notify_api_request* request,
                            notify_api_callback done, void* user_data) {
    auto* services = services_of(ctx, "api_call");
    return services ? services->api_call(*ctx, request, done, user_data)
                    : NOTIFY_ERR_INVALID_ARGUMENT;
}

// ---- operations (1.6) ------------------------------------------------------------------------

notify_status host_metric_register(notify_host_ctx* ctx, const notify_metric_desc* desc,
                                   notify_metric** out) {
    auto* services = services_of(ctx, "metric_register");
    return services ? services->metric_register(*ctx, desc, out) : NOTIFY_ERR_INVALID_ARGUMENT;
}

void host_metric_add(notify_metric* metric, double value) {
    if (metric != nullptr) metric->add(value);
}

void host_metric_set(notify_metric* metric, double value) {
    if (metric != nullptr) metric->set(value);
}

void host_metric_observe(notify_metric* metric, double value) {
    if (metric != nullptr) metric->observe(value);
}

notify_status host_stats_view(notify_host_ctx* ctx, uint32_t kind, notify_owned_bytes* out) {
    auto* services = services_of(ctx, "stats_view");
    return services ? services->stats_view(kind, out) : NOTIFY_ERR_INVALID_ARGUMENT;
}

void host_set_ready(notify_host_ctx* ctx, bool ready, notify_str reason) {
    if (auto* services = services_of(ctx, "set_ready")) services->set_ready(*ctx, ready, reason);
}

notify_status host_keep_headers(notify_host_ctx* ctx, const notify_str* names, size_t count) {
    auto* services = services_of(ctx, "keep_headers");
    return services ? services->keep_headers(*ctx, names, count) : NOTIFY_ERR_INVALID_ARGUMENT;
}

bool host_log_enabled(notify_host_ctx* ctx, notify_log_level level) {
    auto* services = ctx != nullptr ? ctx->services.load() : nullptr;
    return services != nullptr && services->log_enabled(*ctx, level);
}

notify_host_api make_host_api() {
    notify_host_api api{};
    api.size = sizeof api;
    api.abi_major = NOTIFY_ABI_MAJOR;
    api.abi_minor = NOTIFY_ABI_MINOR;
    api.log = host_log;
    host::install_config_accessors(api);
    api.frame_retain = host_frame_retain;
    api.frame_release = host_frame_release;
    api.frame_bytes = host_frame_bytes;
    api.conn_open = host_conn_open;
    api.conn_receive = host_conn_receive;
    api.conn_receive_owned = host_conn_receive_owned;
    api.conn_closed = host_conn_closed;
    api.auth_complete = host_auth_complete;
    api.broker_publish_complete = host_broker_publish_complete;
    api.publish = host_publish;
    api.subscribe = host_subscribe;
    api.unsubscribe = host_unsubscribe;
    api.disconnect = host_disconnect;
    api.now_ms = host_now_ms;
    api.set_max_frame_size = host_set_max_frame_size;
    api.broker_message = host_broker_message;
    api.broker_command = host_broker_command;
    api.broker_stream_lost = host_broker_stream_lost;
    api.node_info = host_node_info;
    api.cluster_node_seen = host_cluster_node_seen;
    api.cluster_view = host_cluster_view;
    api.api_call = host_api_call;
    api.metric_register = host_metric_register;
    api.metric_add = host_metric_add;
    api.metric_set = host_metric_set;
    api.metric_observe = host_metric_observe;
    api.stats_view = host_stats_view;
    api.set_ready = host_set_ready;
    api.log_enabled = host_log_enabled;
    api.keep_headers = host_keep_headers;
    return api;
}

}  // namespace

const notify_host_api& host_api() {
    static const notify_host_api api = make_host_api();
    return api;
}

}  // namespace notify::runtime
