#include "runtime/host_services.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <optional>
#include <vector>

#include <spdlog/spdlog.h>

#include "notify/protocol/json.hpp"
#include "runtime/abi_fields.hpp"
#include "runtime/logging.hpp"

namespace notify::runtime {
namespace {

constexpr std::size_t kMaxIdSize = 255;  // client and user ids, like topics

// The bytes of a view, or nullopt when it points nowhere but claims a length.
std::optional<std::string_view> bytes_of(const char* data, std::size_t len) {
    if (data == nullptr) return len == 0 ? std::optional<std::string_view>("") : std::nullopt;
    return std::string_view(data, len);
}

std::optional<std::string> valid_topic(notify_str topic) {
    const auto text = bytes_of(topic.data, topic.len);
    if (!text || !protocol::is_valid_topic(*text)) return std::nullopt;
    return std::string(*text);
}

std::optional<std::string> valid_id(notify_str id) {
    const auto text = bytes_of(id.data, id.len);
    if (!text || text->empty() || text->size() > kMaxIdSize || !protocol::is_valid_utf8(*text)) {
        return std::nullopt;
    }
    return std::string(*text);
}

// Every instance, in creation order (instance index = position).
std::vector<const PluginInstance*> all_instances(const InstanceRoles& roles) {
    std::vector<const PluginInstance*> all;
    for (const auto* list : {&roles.transports, &roles.auths, &roles.handlers}) {
        all.insert(all.end(), list->begin(), list->end());
    }
    if (roles.broker != nullptr) all.push_back(roles.broker);
    std::sort(all.begin(), all.end(), [](const PluginInstance* a, const PluginInstance* b) {
        return a->ctx->instance < b->ctx->instance;
    });
    return all;
}

std::vector<std::string> instance_names(const std::vector<const PluginInstance*>& instances) {
    std::vector<std::string> names;
    for (const PluginInstance* instance : instances) names.push_back(instance->spec.name);
    return names;
}

std::vector<InstanceHealth::Instance> health_entries(
    const std::vector<const PluginInstance*>& instances) {
    std::vector<InstanceHealth::Instance> entries;
    for (const PluginInstance* instance : instances) {
        entries.push_back({instance->spec.name, instance->descriptor().name});
    }
    return entries;
}

bool valid_target_kind(notify_target_kind kind) {
    return kind == NOTIFY_TARGET_CLIENT || kind == NOTIFY_TARGET_USER;
}

// Copies count ids or topics; nullopt when any is malformed.
template <typename Check>
std::optional<std::vector<std::string>> copy_all(const notify_str* items, std::size_t count,
                                                 Check check) {
    std::vector<std::string> out;
    if (count == 0) return out;
    if (items == nullptr) return std::nullopt;
    out.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        auto item = check(items[i]);
        if (!item) return std::nullopt;
        out.push_back(std::move(*item));
    }
    return out;
}

// Bytes handed over with conn_receive_owned, released exactly once.
class OwnedBytes {
public:
    explicit OwnedBytes(notify_owned_bytes bytes) : bytes_(bytes) {}
    OwnedBytes(OwnedBytes&& other) noexcept : bytes_(std::exchange(other.bytes_, {})) {}
    OwnedBytes& operator=(OwnedBytes&&) = delete;
    OwnedBytes(const OwnedBytes&) = delete;
    OwnedBytes& operator=(const OwnedBytes&) = delete;
    ~OwnedBytes() {
        if (bytes_.release != nullptr) bytes_.release(bytes_.release_ctx, bytes_.data);
    }

    // Hands the bytes on; this object then releases nothing.
    notify_owned_bytes release() { return std::exchange(bytes_, {}); }

    std::string_view view() const {
        if (bytes_.data == nullptr) return {};
        return {reinterpret_cast<const char*>(bytes_.data), bytes_.len};
    }

private:
    notify_owned_bytes bytes_;
};

}  // namespace

HostServices::HostServices(CoreThread& thread, core::Core& core, PluginEnvironment& environment,
                           host::LimitSettings limits, Clock clock, ClusterRegistry& registry)
    : thread_(thread),
      core_(core),
      registry_(registry),
      environment_(environment),
      max_connections_(limits.max_connections),
      max_payload_size_(limits.max_payload_size),
      clock_(std::move(clock)),
      metrics_(instance_names(environment.roles().transports),
               instance_names(environment.roles().auths), instance_names(all_instances(environment.roles()))),
      health_(health_entries(all_instances(environment.roles()))) {
    for (const PluginInstance* instance : all_instances(environment.roles())) {
        plugin_names_.push_back(instance->descriptor().name);
    }
    thread_.set_doorbell([this] { handle_inbox(); });
    environment_.set_metrics(&metrics_);
}

void HostServices::log(const notify_host_ctx& ctx, notify_log_level level,
                       std::string_view message) {
    if (level == NOTIFY_LOG_ERROR) metrics_.plugin_error(ctx.instance);
    const std::string_view plugin =
        ctx.instance < plugin_names_.size() ? std::string_view(plugin_names_[ctx.instance]) : "";
    log_plugin_line(ctx.name, plugin, level, message);
}

void HostServices::reject(const notify_host_ctx& ctx, std::string_view call,
                          std::string_view why) const {
    metrics_.plugin_error(ctx.instance);
    spdlog::warn("[{}] host->{} refused: {}", ctx.name, call, why);
}

bool HostServices::is_transport(const notify_host_ctx& ctx, std::string_view call) const {
    if (ctx.kind == host::PluginKind::transport) return true;
    reject(ctx, call, "only transport instances report connections");
    return false;
}

// ---- transports ------------------------------------------------------------------------------

notify_status HostServices::conn_open(const notify_host_ctx& ctx, std::uint64_t conn,
                                      const notify_conn_info* info) {
    if (!is_transport(ctx, "conn_open")) return NOTIFY_ERR_INVALID_ARGUMENT;
    if (!NOTIFY_RUNTIME_HAS_FIELD(info, notify_conn_info, encoding)) {
        reject(ctx, "conn_open", "info is NULL or smaller than notify_conn_info 1.0");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    const auto remote = bytes_of(info->remote_address.data, info->remote_address.len);
    if (!remote) {
        reject(ctx, "conn_open", "remote_address has a length but no data");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    if (closing()) return NOTIFY_ERR_CLOSED;
    if (connections_.fetch_add(1, std::memory_order_acq_rel) >= max_connections_.load(std::memory_order_relaxed)) {
        connections_.fetch_sub(1, std::memory_order_acq_rel);
        return NOTIFY_ERR_LIMIT;
    }
    const core::ConnectionRef ref{ctx.kind_index, conn};
    const std::vector<core::RequestHeader> headers = kept_headers(*info);
    wake_for_inbox(inbox_.push_open(ref, *remote, info->encoding, headers));
    return NOTIFY_OK;
}

std::vector<core::RequestHeader> HostServices::kept_headers(const notify_conn_info& info) const {
    std::vector<core::RequestHeader> kept;
    if (!kept_headers_frozen_.load(std::memory_order_acquire) || kept_header_names_.empty() ||
        info.size < NOTIFY_FIELD_END_(notify_conn_info, header_count) ||
        info.headers == nullptr) {
        return kept;
    }
    std::size_t kept_bytes = 0;
    for (std::size_t i = 0; i < info.header_count && kept.size() < NOTIFY_MAX_KEPT_HEADERS;
         ++i) {
        const notify_header& header = info.headers[i];
        const auto name = bytes_of(header.name.data, header.name.len);
        const auto value = bytes_of(header.value.data, header.value.len);
        if (!name || !value) continue;
        std::string lowered(*name);
        for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (std::find(kept_header_names_.begin(), kept_header_names_.end(), lowered) ==
            kept_header_names_.end()) {
            continue;
        }
        if (kept_bytes + lowered.size() + value->size() > NOTIFY_MAX_KEPT_HEADER_BYTES) continue;
        kept_bytes += lowered.size() + value->size();
        kept.push_back(core::RequestHeader{std::move(lowered), std::string(*value)});
    }
    return kept;
}

notify_status HostServices::keep_headers(const notify_host_ctx& ctx, const notify_str* names,
                                         std::size_t count) {
    constexpr std::size_t kMaxNameLength = 64;
    constexpr std::size_t kMaxNames = 64;
    if (names == nullptr && count > 0) {
        reject(ctx, "keep_headers", "names is NULL");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    const auto is_token_char = [](unsigned char c) {
        return std::isalnum(c) != 0 || std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
    };
    std::vector<std::string> added;
    for (std::size_t i = 0; i < count; ++i) {
        const auto name = bytes_of(names[i].data, names[i].len);
        if (!name || name->empty() || name->size() > kMaxNameLength ||
            !std::all_of(name->begin(), name->end(),
                         [&](char c) { return is_token_char(static_cast<unsigned char>(c)); })) {
            reject(ctx, "keep_headers",
                   "name #" + std::to_string(i) +
                       " is not an HTTP header name of 1-64 token characters");
            return NOTIFY_ERR_INVALID_ARGUMENT;
        }
        std::string lowered(*name);
        for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        added.push_back(std::move(lowered));
    }
    if (kept_headers_frozen_.load(std::memory_order_acquire)) {
        reject(ctx, "keep_headers", "called after create(); connections are already open");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    std::vector<std::string> names_now = kept_header_names_;
    for (std::string& name : added) {
        if (std::find(names_now.begin(), names_now.end(), name) == names_now.end()) {
            names_now.push_back(std::move(name));
        }
    }
    if (names_now.size() > kMaxNames) {
        reject(ctx, "keep_headers",
               "more than " + std::to_string(kMaxNames) + " header names kept in all");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    kept_header_names_ = std::move(names_now);
    return NOTIFY_OK;
}

void HostServices::open_on_core(core::ConnectionRef ref, std::string remote_address,
                                notify_encoding encoding, std::vector<core::RequestHeader> headers) {
    if (!open_.emplace(ref.transport, ref.conn).second) {
        // The transport reused a live id: the slot it reserved again is not a new connection.
        connections_.fetch_sub(1, std::memory_order_acq_rel);
        spdlog::error("transport #{} opened connection {} twice", ref.transport, ref.conn);
        return;
    }
    const notify_status status =
        core_.open_connection(ref, std::move(remote_address), encoding, std::move(headers));
    if (status != NOTIFY_OK) {
        environment_.close(ref, NOTIFY_CLOSE_POLICY, "connection refused");
    }
}

void HostServices::conn_receive(const notify_host_ctx& ctx, std::uint64_t conn,
                                notify_bytes data) {
    if (!is_transport(ctx, "conn_receive")) return;
    const auto bytes = bytes_of(reinterpret_cast<const char*>(data.data), data.len);
    if (!bytes) {
        reject(ctx, "conn_receive", "data has a length but no bytes");
        return;
    }
    const core::ConnectionRef ref{ctx.kind_index, conn};
    wake_for_inbox(inbox_.push_frame(ref, *bytes));
}

void HostServices::conn_receive_owned(const notify_host_ctx& ctx, std::uint64_t conn,
                                      notify_owned_bytes data) {
    OwnedBytes owned(data);
    if (!is_transport(ctx, "conn_receive_owned")) return;
    if (data.data == nullptr && data.len != 0) {
        reject(ctx, "conn_receive_owned", "data has a length but no bytes");
        return;
    }
    const core::ConnectionRef ref{ctx.kind_index, conn};
    wake_for_inbox(inbox_.push_owned_frame(ref, owned.release()));
}

void HostServices::conn_closed(const notify_host_ctx& ctx, std::uint64_t conn,
                               std::uint16_t code) {
    if (!is_transport(ctx, "conn_closed")) return;
    const core::ConnectionRef ref{ctx.kind_index, conn};
    metrics_.connection_closed(code);
    wake_for_inbox(inbox_.push_closed(ref, code));
}

void HostServices::wake_for_inbox(bool inbox_was_empty) {
    if (inbox_was_empty) thread_.ring_doorbell();
}

void HostServices::handle_inbox() {
    inbox_.take(inbox_batch_);
    using Kind = TransportInbox::Event::Kind;
    for (const TransportInbox::Event& event : inbox_batch_.events()) {
        switch (event.kind) {
            case Kind::open:
                open_on_core(event.ref, std::string(inbox_batch_.bytes_of(event)), event.encoding,
                             inbox_batch_.headers_of(event));
                break;
            case Kind::frame:
            case Kind::owned_frame:
                core_.receive(event.ref, inbox_batch_.bytes_of(event));
                break;
            case Kind::closed:
                closed_on_core(event.ref, event.close_code);
                break;
        }
    }
    inbox_batch_.clear();
}

notify_status HostServices::set_max_frame_size(const notify_host_ctx& ctx,
                                               std::uint64_t max_frame_bytes) {
    if (!is_transport(ctx, "set_max_frame_size")) return NOTIFY_ERR_INVALID_ARGUMENT;
    const std::uint32_t transport = ctx.kind_index;
    std::string name = ctx.name;
    thread_.post([this, transport, max_frame_bytes, name = std::move(name)] {
        core_.set_max_frame_size(transport, max_frame_bytes, name);
    });
    return NOTIFY_OK;
}

void HostServices::closed_on_core(core::ConnectionRef ref, std::uint16_t code) {
    if (open_.erase({ref.transport, ref.conn}) == 0) {
        spdlog::warn("transport #{} closed connection {} that it never opened", ref.transport,
                     ref.conn);
        return;
    }
    connections_.fetch_sub(1, std::memory_order_acq_rel);
    core_.connection_closed(ref, code);
}

// ---- answers to NOTIFY_PENDING ---------------------------------------------------------------

void HostServices::auth_complete(const notify_host_ctx& ctx, std::uint64_t request_id,
                                 const notify_auth_result* result) {
    if (ctx.kind != host::PluginKind::auth) {
        reject(ctx, "auth_complete", "only auth instances answer auth requests");
        return;
    }
    AuthAnswer answer;
    if (NOTIFY_RUNTIME_HAS_FIELD(result, notify_auth_result, reason)) {
        answer = AuthAnswer::copy(*result);
    } else {
        reject(ctx, "auth_complete", "result is NULL or too small; the request is denied");
        answer.reason = "malformed answer from auth instance '" + ctx.name + "'";
    }
    thread_.post([this, instance = ctx.instance, request_id, answer = std::move(answer)] {
        if (auto outcome = environment_.auth_chain().resume(instance, request_id, answer)) {
            core_.complete_auth(request_id, *outcome);
        }
    });
}

void HostServices::broker_publish_complete(const notify_host_ctx& ctx, std::uint64_t request_id,
                                           notify_status status,
                                           const notify_stream_position* position,
                                           notify_str error_message) {
    if (ctx.kind != host::PluginKind::broker) {
        reject(ctx, "broker_publish_complete", "only the broker answers publishes");
        return;
    }
    core::PublishOutcome outcome;
    if (status == NOTIFY_OK && NOTIFY_RUNTIME_HAS_FIELD(position, notify_stream_position, epoch)) {
        outcome.kind = core::PublishOutcome::Kind::done;
        outcome.offset = position->offset;
        if (const auto epoch = bytes_of(position->epoch.data, position->epoch.len)) {
            outcome.epoch = std::string(*epoch);
        }
    } else {
        outcome.kind = core::PublishOutcome::Kind::failed;
        const auto message = bytes_of(error_message.data, error_message.len);
        outcome.error = message && !message->empty()
                            ? std::string(*message)
                            : "broker '" + ctx.name + "' failed with status " +
                                  std::to_string(status);
    }
    thread_.post([this, request_id, outcome = std::move(outcome)] {
        environment_.broker_publish_answered(request_id,
                                             outcome.kind == core::PublishOutcome::Kind::failed);
        core_.complete_publish(request_id, outcome);
    });
}

// ---- actions on the model --------------------------------------------------------------------

notify_status HostServices::publish(const notify_host_ctx& ctx,
                                    const notify_publish_request* request) {
    if (!NOTIFY_RUNTIME_HAS_FIELD(request, notify_publish_request, payload)) {
        reject(ctx, "publish", "request is NULL or smaller than notify_publish_request 1.0");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    if (closing()) return NOTIFY_ERR_CLOSED;
    core::PublishTargets targets;
    auto topics = copy_all(request->topics, request->topic_count, valid_topic);
    auto clients = copy_all(request->clients, request->client_count, valid_id);
    auto users = copy_all(request->users, request->user_count, valid_id);
    if (!topics || !clients || !users) {
        reject(ctx, "publish", "a topic, client id or user id is empty or malformed");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    if (topics->empty() && clients->empty() && users->empty()) {
        reject(ctx, "publish", "no topic, client or user to publish to");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    const auto payload = bytes_of(reinterpret_cast<const char*>(request->payload.data),
                                  request->payload.len);
    if (!payload) {
        reject(ctx, "publish", "payload has a length but no bytes");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    if (payload->size() > max_payload_size_.load(std::memory_order_relaxed)) {
        reject(ctx, "publish", "payload is larger than limits.max_payload_size");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    targets.topics = std::move(*topics);
    targets.clients = std::move(*clients);
    targets.users = std::move(*users);
    thread_.post([this, targets = std::move(targets), data = std::string(*payload)]() mutable {
        core_.publish(targets, std::move(data));
    });
    return NOTIFY_OK;
}

notify_status HostServices::api_call(const notify_host_ctx& ctx, const notify_api_request* request,
                                     notify_api_callback done, void* user_data) {
    if (!NOTIFY_RUNTIME_HAS_FIELD(request, notify_api_request, request_id) || done == nullptr) {
        reject(ctx, "api_call", "request is NULL or smaller than notify_api_request 1.5, or no "
                                "callback");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    const auto method = bytes_of(request->method.data, request->method.len);
    const auto params = bytes_of(reinterpret_cast<const char*>(request->params.data),
                                 request->params.len);
    const auto request_id = bytes_of(request->request_id.data, request->request_id.len);
    if (!method || !params || !request_id) {
        reject(ctx, "api_call", "a view has a length but no data");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    if (closing()) return NOTIFY_ERR_CLOSED;
    thread_.post([this, method = std::string(*method), params = std::string(*params),
                  request_id = std::string(*request_id), caller = std::string(ctx.name), done,
                  user_data] {
        // The answer may come later (a publish waits for the broker): everything by value.
        core_.api_call(method, params, [method, request_id, caller, done,
                                        user_data](core::ApiReply reply) {
            if (reply.error_code != 0) {
                spdlog::debug("[{}] api {} (request {}) failed: {} {}", caller, method,
                              request_id.empty() ? "-" : request_id, reply.error_code,
                              reply.message);
            }
            notify_api_reply answer{};
            answer.size = sizeof answer;
            answer.status = reply.error_code == 0 ? NOTIFY_OK
                            : reply.error_code == static_cast<std::uint32_t>(
                                                      protocol::ErrorCode::internal)
                                ? NOTIFY_ERR_INTERNAL
                                : NOTIFY_ERR_INVALID_ARGUMENT;
            answer.error_code = reply.error_code;
            answer.error_message = notify_str{reply.message.data(), reply.message.size()};
            answer.result = notify_bytes{
                reinterpret_cast<const std::uint8_t*>(reply.result.data()), reply.result.size()};
            done(user_data, &answer);
        });
    });
    return NOTIFY_OK;
}

notify_status HostServices::subscribe(const notify_host_ctx& ctx, notify_target_kind kind,
                                      notify_str id, notify_str topic) {
    return change_subscription(ctx, "subscribe", kind, id, topic, true);
}

notify_status HostServices::unsubscribe(const notify_host_ctx& ctx, notify_target_kind kind,
                                        notify_str id, notify_str topic) {
    return change_subscription(ctx, "unsubscribe", kind, id, topic, false);
}

notify_status HostServices::change_subscription(const notify_host_ctx& ctx,
                                                std::string_view call, notify_target_kind kind,
                                                notify_str id, notify_str topic,
                                                bool subscribe) {
    if (closing()) return NOTIFY_ERR_CLOSED;
    auto target = valid_id(id);
    auto name = valid_topic(topic);
    if (!valid_target_kind(kind) || !target || !name) {
        reject(ctx, call, "the target kind, id or topic is malformed");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    thread_.post([this, kind, subscribe, target = std::move(*target), name = std::move(*name),
                  time_ms = clock_()] {
        if (subscribe) {
            core_.subscribe(kind, target, name, time_ms);
        } else {
            core_.unsubscribe(kind, target, name, time_ms);
        }
    });
    return NOTIFY_OK;
}

notify_status HostServices::disconnect(const notify_host_ctx& ctx, notify_target_kind kind,
                                       notify_str id, std::uint16_t code, notify_str reason) {
    if (closing()) return NOTIFY_ERR_CLOSED;
    auto target = valid_id(id);
    const auto why = bytes_of(reason.data, reason.len);
    if (!valid_target_kind(kind) || !target || !why || !protocol::is_valid_utf8(*why)) {
        reject(ctx, "disconnect", "the target kind, id or reason is malformed");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    thread_.post([this, kind, code, target = std::move(*target), why = std::string(*why)] {
        core_.disconnect(kind, target, code, why);
    });
    return NOTIFY_OK;
}

// ---- cluster ---------------------------------------------------------------------------------

namespace {

std::vector<std::string> valid_ids(const notify_str* ids, std::size_t count, bool& ok) {
    std::vector<std::string> copied;
    if (count > 0 && ids == nullptr) {
        ok = false;
        return copied;
    }
    copied.reserve(count);
    for (std::size_t index = 0; index < count; ++index) {
        auto id = valid_id(ids[index]);
        if (!id) {
            ok = false;
            return copied;
        }
        copied.push_back(std::move(*id));
    }
    return copied;
}

}  // namespace

bool HostServices::from_broker(const notify_host_ctx& ctx, std::string_view call) const {
    if (ctx.kind == host::PluginKind::broker) return true;
    reject(ctx, call, "only the broker reports what comes from the cluster");
    return false;
}

void HostServices::broker_message(const notify_host_ctx& ctx, const notify_bus_message* message) {
    if (!from_broker(ctx, "broker_message")) return;
    if (!NOTIFY_RUNTIME_HAS_FIELD(message, notify_bus_message, publish_key)) {
        reject(ctx, "broker_message", "message is NULL or smaller than notify_bus_message 1.3");
        return;
    }
    core::BusMessage copied;
    bool ok = true;
    const auto topic = bytes_of(message->topic.data, message->topic.len);
    const auto epoch = bytes_of(message->epoch.data, message->epoch.len);
    const auto key = bytes_of(message->publish_key.data, message->publish_key.len);
    const auto* payload_data = reinterpret_cast<const char*>(message->payload.data);
    const auto payload = bytes_of(payload_data, message->payload.len);
    if (!topic || !epoch || !key || !payload ||
        (!topic->empty() && !protocol::is_valid_topic(*topic))) {
        reject(ctx, "broker_message", "a malformed topic, epoch, key or payload");
        return;
    }
    copied.topic = std::string(*topic);
    copied.offset = message->offset;
    copied.epoch = std::string(*epoch);
    copied.publish_key = std::string(*key);
    copied.payload = std::string(*payload);
    copied.time_ms = message->time_ms;
    copied.clients = valid_ids(message->clients, message->client_count, ok);
    if (ok) copied.users = valid_ids(message->users, message->user_count, ok);
    if (!ok) {
        reject(ctx, "broker_message", "a malformed client or user id");
        return;
    }
    thread_.post([this, copied = std::move(copied)] { core_.receive_bus_message(copied); });
}

void HostServices::broker_command(const notify_host_ctx& ctx,
                                  const notify_cluster_command* command) {
    if (!from_broker(ctx, "broker_command")) return;
    if (!NOTIFY_RUNTIME_HAS_FIELD(command, notify_cluster_command, time_ms)) {
        reject(ctx, "broker_command", "command is NULL or smaller than notify_cluster_command");
        return;
    }
    const auto target = static_cast<notify_target_kind>(command->target);
    auto id = valid_id(command->id);
    const auto reason = bytes_of(command->reason.data, command->reason.len);
    if (!valid_target_kind(target) || !id || !reason) {
        reject(ctx, "broker_command", "a malformed target, id or reason");
        return;
    }
    core::ClusterCommand copied;
    copied.type = static_cast<notify_cluster_command_type>(command->type);
    copied.target = target;
    copied.id = std::move(*id);
    if (copied.type == NOTIFY_COMMAND_SUBSCRIBE || copied.type == NOTIFY_COMMAND_UNSUBSCRIBE) {
        auto topic = valid_topic(command->topic);
        if (!topic) {
            reject(ctx, "broker_command", "a malformed topic");
            return;
        }
        copied.topic = std::move(*topic);
    }
    copied.code = command->code;
    copied.reason = std::string(*reason);
    copied.time_ms = command->time_ms;
    thread_.post([this, copied = std::move(copied)] { core_.apply_cluster_command(copied); });
}

void HostServices::broker_stream_lost(const notify_host_ctx& ctx, notify_str topic,
                                      const notify_stream_position* current, notify_str reason) {
    if (!from_broker(ctx, "broker_stream_lost")) return;
    auto name = valid_topic(topic);
    const auto why = bytes_of(reason.data, reason.len);
    if (!name || !why) {
        reject(ctx, "broker_stream_lost", "a malformed topic or reason");
        return;
    }
    std::uint64_t offset = 0;
    std::string epoch;
    if (NOTIFY_RUNTIME_HAS_FIELD(current, notify_stream_position, epoch)) {
        offset = current->offset;
        if (const auto text = bytes_of(current->epoch.data, current->epoch.len)) {
            epoch = std::string(*text);
        }
    }
    spdlog::warn("messages of '{}' were lost on the cluster bus ({}); its subscribers are told "
                 "to recover",
                 *name, *why);
    thread_.post([this, name = std::move(*name), offset, epoch = std::move(epoch),
                  why = std::string(*why)] { core_.stream_lost(name, offset, epoch, why); });
}

void HostServices::node_info(notify_node_info* out) {
    if (!NOTIFY_RUNTIME_HAS_FIELD(out, notify_node_info, uptime_ms)) return;
    registry_.fill_self(*out);
    // The next caller sees counts at most one call old.
    thread_.post([this] { registry_.update_load(core_.stats()); });
}

void HostServices::cluster_node_seen(const notify_host_ctx& ctx, const notify_node_info* node,
                                     std::int64_t ttl_ms) {
    if (!from_broker(ctx, "cluster_node_seen")) return;
    if (!NOTIFY_RUNTIME_HAS_FIELD(node, notify_node_info, uptime_ms)) {
        reject(ctx, "cluster_node_seen", "node is NULL or smaller than notify_node_info 1.3");
        return;
    }
    registry_.node_seen(*node, ttl_ms);
}

namespace {

void release_owned(void*, std::uint8_t* data) { delete[] data; }

// A copy the plugin owns (cluster_view, stats_view).
notify_owned_bytes owned_copy(const std::string& text) {
    auto* data = new std::uint8_t[text.size()];
    std::copy(text.begin(), text.end(), data);
    return notify_owned_bytes{data, text.size(), release_owned, nullptr};
}

}  // namespace

notify_status HostServices::cluster_view(std::uint32_t kind, notify_owned_bytes* out) {
    if (out == nullptr) return NOTIFY_ERR_INVALID_ARGUMENT;
    std::string json;
    if (kind == NOTIFY_CLUSTER_VIEW_NODES) {
        json = registry_.nodes_json();
    } else if (kind == NOTIFY_CLUSTER_VIEW_HANDOUT) {
        json = registry_.handout_json();
    } else {
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    *out = owned_copy(json);
    return NOTIFY_OK;
}

// ---- operations (ABI 1.6) --------------------------------------------------------------------

namespace {

std::string text_of(notify_str text) {
    return text.data == nullptr ? std::string() : std::string(text.data, text.len);
}

}  // namespace

notify_status HostServices::metric_register(const notify_host_ctx& ctx,
                                            const notify_metric_desc* desc, notify_metric** out) {
    if (out == nullptr || !NOTIFY_RUNTIME_HAS_FIELD(desc, notify_metric_desc, bucket_count)) {
        reject(ctx, "metric_register", "desc or out is NULL, or desc is smaller than 1.6's");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    *out = nullptr;
    if ((desc->label_count > 0 && (desc->label_names == nullptr || desc->label_values == nullptr)) ||
        (desc->bucket_count > 0 && desc->buckets == nullptr) ||
        desc->label_count > MetricsRegistry::max_labels || desc->bucket_count > 64) {
        reject(ctx, "metric_register",
               "labels or buckets are NULL with a count, or more than 4 labels / 64 buckets");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    if (desc->kind < NOTIFY_METRIC_COUNTER || desc->kind > NOTIFY_METRIC_HISTOGRAM) {
        reject(ctx, "metric_register", "kind " + std::to_string(desc->kind) + " is not a notify_metric_kind");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    MetricDescription description;
    description.kind = static_cast<notify_metric_kind>(desc->kind);
    description.name = text_of(desc->name);
    description.help = text_of(desc->help);
    std::vector<std::string> values;
    for (std::size_t i = 0; i < desc->label_count; ++i) {
        description.label_names.push_back(text_of(desc->label_names[i]));
        values.push_back(text_of(desc->label_values[i]));
        if (!protocol::is_valid_utf8(values.back())) {
            reject(ctx, "metric_register", "label value is not UTF-8");
            return NOTIFY_ERR_INVALID_ARGUMENT;
        }
    }
    description.buckets.assign(desc->buckets, desc->buckets + desc->bucket_count);
    try {
        *out = &metrics().series(description, values);
        return NOTIFY_OK;
    } catch (const std::length_error& error) {
        reject(ctx, "metric_register", error.what());
        return NOTIFY_ERR_LIMIT;
    } catch (const std::invalid_argument& error) {
        reject(ctx, "metric_register", error.what());
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
}

notify_status HostServices::stats_view(std::uint32_t kind, notify_owned_bytes* out) {
    if (out == nullptr) return NOTIFY_ERR_INVALID_ARGUMENT;
    std::string document;
    switch (kind) {
        case NOTIFY_STATS_PROMETHEUS:
        case NOTIFY_STATS_JSON: {
            // The core's counts as of this call; a busy core leaves the last refresh in place.
            const auto refresh = [this] { metrics_.refresh(core_.stats(), inbox_.queued_events()); };
            if (thread_.on_core_thread()) {
                refresh();
            } else if (thread_.running()) {
                thread_.run_and_wait(refresh, std::chrono::milliseconds(250));
            }
            document = kind == NOTIFY_STATS_PROMETHEUS ? metrics().prometheus_text()
                                                        : metrics().json(clock_());
            break;
        }
        case NOTIFY_STATS_HEALTH:
            document = health_.json();
            break;
        case NOTIFY_STATS_RECENT_LOGS:
            document = recent_logs_json();
            break;
        default:
            return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    *out = owned_copy(document);
    return NOTIFY_OK;
}

void HostServices::set_ready(const notify_host_ctx& ctx, bool ready, notify_str reason) {
    health_.set_ready(ctx.instance, ready, text_of(reason));
}

bool HostServices::log_enabled(const notify_host_ctx& ctx, notify_log_level level) const {
    return plugin_log_enabled(ctx.name, level);
}

void HostServices::set_limits(const host::LimitSettings& limits) {
    max_connections_.store(limits.max_connections, std::memory_order_relaxed);
    max_payload_size_.store(limits.max_payload_size, std::memory_order_relaxed);
}

}  // namespace notify::runtime
