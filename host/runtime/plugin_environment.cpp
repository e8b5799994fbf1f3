#include "runtime/plugin_environment.hpp"

#include <limits>
#include <stdexcept>
#include <utility>

#include <spdlog/spdlog.h>

#include "runtime/abi_fields.hpp"
#include "runtime/random_id.hpp"

namespace notify::runtime {
namespace {

constexpr std::size_t kClientIdHexChars = 16;
constexpr std::size_t kResumeTokenHexChars = 32;

notify_str view(std::string_view text) { return notify_str{text.data(), text.size()}; }

std::string text_of(notify_str text) {
    return text.data != nullptr ? std::string(text.data, text.len) : std::string();
}

notify_history_options history_options(const host::NamespaceSpec& ns) {
    notify_history_options history{};
    history.size = sizeof history;
    history.history_size = ns.history_size;
    history.history_ttl_ms = static_cast<std::uint64_t>(ns.history_ttl.count());
    history.delivery = static_cast<std::uint32_t>(ns.delivery);
    history.history_meta_ttl_ms = static_cast<std::uint64_t>(ns.history_meta_ttl.count());
    return history;
}

std::string broker_error(const PluginInstance& broker, notify_error& err, notify_status status) {
    err.message[NOTIFY_ERROR_MESSAGE_MAX - 1] = '\0';
    return err.message[0] != '\0' ? std::string(err.message)
                                  : "broker '" + broker.spec.name + "' failed with status " +
                                        std::to_string(status);
}

struct HistorySink {
    const core::HistoryVisitor* visit;
};

bool forward_history(void* sink_ctx, std::uint64_t offset, std::int64_t /*time_ms*/,
                     notify_bytes payload) {
    const auto& sink = *static_cast<HistorySink*>(sink_ctx);
    return (*sink.visit)(offset,
                         std::string_view(reinterpret_cast<const char*>(payload.data), payload.len));
}

bool collect_subscription(void* sink_ctx, const notify_durable_subscription* record) {
    auto& records = *static_cast<std::vector<core::DurableSubscriptionRecord>*>(sink_ctx);
    if (record == nullptr || !NOTIFY_HAS_FIELD(record, notify_durable_subscription, acked_offset)) {
        return true;
    }
    records.push_back(core::DurableSubscriptionRecord{
        text_of(record->client_id), text_of(record->user_id), text_of(record->resume_token),
        text_of(record->topic), record->acked_offset});
    return true;
}

}  // namespace

PluginEnvironment::PluginEnvironment(InstanceRoles roles, Clock clock)
    : roles_(std::move(roles)), clock_(std::move(clock)), auth_chain_(roles_.auths) {}

std::int64_t PluginEnvironment::now_ms() { return clock_(); }

std::string PluginEnvironment::make_client_id() { return random_hex(kClientIdHexChars); }

std::string PluginEnvironment::make_resume_token() { return random_hex(kResumeTokenHexChars); }

const PluginInstance* PluginEnvironment::transport(std::uint32_t index) const {
    if (index >= roles_.transports.size()) {
        spdlog::error("the core named transport #{} but there are {} transports", index,
                      roles_.transports.size());
        return nullptr;
    }
    return roles_.transports[index];
}

void PluginEnvironment::deliver(std::uint32_t transport_index, const core::FrameRef& frame,
                                std::span<const std::uint64_t> conns) {
    const PluginInstance* target = transport(transport_index);
    if (target == nullptr || conns.empty()) return;
    target->descriptor().transport->deliver(target->handle, frame.get(), conns.data(),
                                            conns.size());
}

void PluginEnvironment::close(core::ConnectionRef conn, std::uint16_t code,
                              std::string_view reason) {
    const PluginInstance* target = transport(conn.transport);
    if (target == nullptr) return;
    target->descriptor().transport->close(target->handle, conn.conn, code, view(reason));
}

core::AuthOutcome PluginEnvironment::authenticate(std::uint64_t request_id,
                                                  const core::AuthRequest& request) {
    const PluginInstance* via = transport(request.transport);
    return auth_chain_.authenticate(request_id, request,
                                    via != nullptr ? via->spec.name : std::string());
}

core::AuthOutcome PluginEnvironment::authorize_subscribe(std::uint64_t request_id,
                                                         std::string_view client_id,
                                                         std::string_view user_id,
                                                         std::string_view topic,
                                                         std::string_view token,
                                                         bool token_required,
                                                         const core::AuthorizeContext& context) {
    return auth_chain_.authorize(AuthChain::Step::authorize_subscribe, request_id, client_id,
                                 user_id, topic, token, token_required, context,
                                 transport_name(context.transport));
}

core::AuthOutcome PluginEnvironment::authorize_publish(std::uint64_t request_id,
                                                       std::string_view client_id,
                                                       std::string_view user_id,
                                                       std::string_view topic,
                                                       const core::AuthorizeContext& context) {
    return auth_chain_.authorize(AuthChain::Step::authorize_publish, request_id, client_id,
                                 user_id, topic, {}, false, context,
                                 transport_name(context.transport));
}

std::string_view PluginEnvironment::transport_name(std::uint32_t index) const {
    const PluginInstance* via = transport(index);
    return via != nullptr ? std::string_view(via->spec.name) : std::string_view();
}

core::PublishOutcome PluginEnvironment::broker_publish(std::uint64_t request_id,
                                                       std::string_view topic,
                                                       std::string_view payload,
                                                       std::int64_t time_ms,
                                                       const host::NamespaceSpec& ns,
                                                       std::string_view publish_key) {
    core::PublishOutcome outcome;
    const PluginInstance* broker = roles_.broker;
    if (broker == nullptr) {
        outcome.kind = core::PublishOutcome::Kind::failed;
        outcome.error = "no broker is configured";
        return outcome;
    }
    const notify_history_options history = history_options(ns);

    notify_broker_publish request{};
    request.size = sizeof request;
    request.request_id = request_id;
    request.topic = view(topic);
    request.payload = notify_bytes{reinterpret_cast<const std::uint8_t*>(payload.data()),
                                   payload.size()};
    request.time_ms = time_ms;
    request.history = &history;
    request.publish_key = view(publish_key);

    notify_stream_position position{};
    position.size = sizeof position;
    notify_error err{};
    const auto started = std::chrono::steady_clock::now();
    const notify_status status =
        broker->descriptor().broker->publish(broker->handle, &request, &position, &err);
    if (metrics_ != nullptr && status != NOTIFY_PENDING) {
        metrics_->broker_publish(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
            status != NOTIFY_OK);
    }
    if (status == NOTIFY_PENDING) {
        if (metrics_ != nullptr) publishes_started_.emplace(request_id, started);
        outcome.kind = core::PublishOutcome::Kind::pending;
    } else if (status == NOTIFY_OK) {
        outcome.kind = core::PublishOutcome::Kind::done;
        outcome.offset = position.offset;
        if (position.epoch.data != nullptr) {
            outcome.epoch.assign(position.epoch.data, position.epoch.len);
        }
    } else {
        outcome.kind = core::PublishOutcome::Kind::failed;
        outcome.error = broker_error(*broker, err, status);
    }
    return outcome;
}

core::StreamState PluginEnvironment::read_history(std::string_view topic,
                                                  std::uint64_t since_offset, std::uint64_t limit,
                                                  const host::NamespaceSpec& ns,
                                                  const core::HistoryVisitor& visit) {
    core::StreamState state;
    const PluginInstance* broker = roles_.broker;
    if (broker == nullptr) {
        state.error = "no broker is configured";
        return state;
    }
    const notify_broker_vtable& vtable = *broker->descriptor().broker;
    if ((vtable.capabilities & NOTIFY_BROKER_CAP_HISTORY) == 0U || vtable.history_read == nullptr) {
        state.error = "broker '" + broker->spec.name + "' keeps no history";
        return state;
    }
    const notify_history_options history = history_options(ns);
    notify_history_request request{};
    request.size = sizeof request;
    request.topic = view(topic);
    // Without a visitor only the position is wanted: ask for nothing past the end.
    request.since_offset = visit ? since_offset : std::numeric_limits<std::uint64_t>::max();
    request.limit = visit ? limit : 1;
    request.history = &history;
    const core::HistoryVisitor ignore = [](std::uint64_t, std::string_view) { return false; };
    HistorySink sink{visit ? &visit : &ignore};
    notify_stream_position current{};
    current.size = sizeof current;
    notify_error err{};
    const notify_status status =
        vtable.history_read(broker->handle, &request, forward_history, &sink, &current, &err);
    if (status != NOTIFY_OK) {
        state.error = broker_error(*broker, err, status);
        return state;
    }
    state.ok = true;
    state.offset = current.offset;
    state.epoch = text_of(current.epoch);
    return state;
}

namespace {

// The broker's presence members, when it keeps presence (checked at start for every presence
// namespace, so a missing one here is a manifest without presence asking anyway).
const notify_broker_vtable* presence_vtable(const PluginInstance* broker) {
    if (broker == nullptr) return nullptr;
    const notify_broker_vtable& vtable = *broker->descriptor().broker;
    if ((vtable.capabilities & NOTIFY_BROKER_CAP_PRESENCE) == 0U ||
        vtable.presence_add == nullptr || vtable.presence_remove == nullptr ||
        vtable.presence_read == nullptr || vtable.presence_stats == nullptr) {
        return nullptr;
    }
    return &vtable;
}

bool collect_presence(void* sink_ctx, const notify_presence_entry* entry) {
    auto& members = *static_cast<std::vector<core::PresenceMember>*>(sink_ctx);
    if (entry == nullptr) return true;
    members.push_back(core::PresenceMember{text_of(entry->client_id), text_of(entry->user_id),
                                           text_of(entry->info)});
    return true;
}

}  // namespace

void PluginEnvironment::presence_add(std::string_view topic, const core::PresenceMember& member) {
    const notify_broker_vtable* vtable = presence_vtable(roles_.broker);
    if (vtable == nullptr) return;
    notify_presence_entry entry{};
    entry.size = sizeof entry;
    entry.client_id = view(member.client_id);
    entry.user_id = view(member.user_id);
    entry.info = view(member.info);
    notify_error err{};
    const notify_status status = vtable->presence_add(roles_.broker->handle, view(topic), &entry, &err);
    if (status != NOTIFY_OK) {
        spdlog::warn("presence of '{}' in '{}' not kept: {}", member.client_id, topic,
                     broker_error(*roles_.broker, err, status));
    }
}

void PluginEnvironment::presence_remove(std::string_view topic, std::string_view client_id) {
    const notify_broker_vtable* vtable = presence_vtable(roles_.broker);
    if (vtable == nullptr) return;
    notify_error err{};
    const notify_status status =
        vtable->presence_remove(roles_.broker->handle, view(topic), view(client_id), &err);
    if (status != NOTIFY_OK) {
        spdlog::warn("presence of '{}' in '{}' not removed: {}", client_id, topic,
                     broker_error(*roles_.broker, err, status));
    }
}

std::string PluginEnvironment::read_presence(std::string_view topic,
                                             std::vector<core::PresenceMember>& members) {
    const notify_broker_vtable* vtable = presence_vtable(roles_.broker);
    if (vtable == nullptr) return "the broker keeps no presence";
    notify_error err{};
    const notify_status status = vtable->presence_read(roles_.broker->handle, view(topic),
                                                       collect_presence, &members, &err);
    return status == NOTIFY_OK ? std::string() : broker_error(*roles_.broker, err, status);
}

core::HistoryRemoval PluginEnvironment::remove_history(std::string_view topic,
                                                      std::string& error) {
    const PluginInstance* broker = roles_.broker;
    const notify_broker_vtable* vtable = broker != nullptr ? broker->descriptor().broker : nullptr;
    if (!NOTIFY_RUNTIME_HAS_FIELD(vtable, notify_broker_vtable, history_remove) ||
        vtable->history_remove == nullptr) {
        error = "the broker cannot remove history (it lacks the ABI 1.5 history_remove)";
        return core::HistoryRemoval::unsupported;
    }
    notify_error err{};
    const notify_status status = vtable->history_remove(broker->handle, view(topic), &err);
    if (status == NOTIFY_OK) return core::HistoryRemoval::removed;
    error = broker_error(*broker, err, status);
    return status == NOTIFY_ERR_UNSUPPORTED ? core::HistoryRemoval::unsupported
                                            : core::HistoryRemoval::failed;
}

std::string PluginEnvironment::nodes_json() {
    return nodes_source_ ? nodes_source_() : core::CoreEnvironment::nodes_json();
}

std::string PluginEnvironment::presence_stats(std::string_view topic,
                                              core::PresenceCount& count) {
    const notify_broker_vtable* vtable = presence_vtable(roles_.broker);
    if (vtable == nullptr) return "the broker keeps no presence";
    notify_presence_stats stats{};
    stats.size = sizeof stats;
    notify_error err{};
    const notify_status status =
        vtable->presence_stats(roles_.broker->handle, view(topic), &stats, &err);
    if (status != NOTIFY_OK) return broker_error(*roles_.broker, err, status);
    count.clients = stats.clients;
    count.users = stats.users;
    return {};
}

bool PluginEnvironment::stores_durable_subscriptions() const {
    const PluginInstance* broker = roles_.broker;
    if (broker == nullptr) return false;
    const notify_broker_vtable& vtable = *broker->descriptor().broker;
    return (vtable.capabilities & NOTIFY_BROKER_CAP_DURABLE_SUBSCRIPTIONS) != 0U &&
           vtable.subscription_save != nullptr && vtable.subscription_remove != nullptr &&
           vtable.subscriptions_load != nullptr;
}

void PluginEnvironment::save_durable_subscription(const core::DurableSubscriptionRecord& record) {
    if (!stores_durable_subscriptions()) return;
    const PluginInstance& broker = *roles_.broker;
    notify_durable_subscription stored{};
    stored.size = sizeof stored;
    stored.client_id = view(record.client_id);
    stored.user_id = view(record.user_id);
    stored.resume_token = view(record.resume_token);
    stored.topic = view(record.topic);
    stored.acked_offset = record.acked_offset;
    notify_error err{};
    const notify_status status =
        broker.descriptor().broker->subscription_save(broker.handle, &stored, &err);
    if (status != NOTIFY_OK) {
        spdlog::error("durable subscription of client '{}' to '{}' not saved: {}",
                      record.client_id, record.topic, broker_error(broker, err, status));
    }
}

void PluginEnvironment::remove_durable_subscription(std::string_view client_id,
                                                    std::string_view topic) {
    if (!stores_durable_subscriptions()) return;
    const PluginInstance& broker = *roles_.broker;
    notify_error err{};
    const notify_status status = broker.descriptor().broker->subscription_remove(
        broker.handle, view(client_id), view(topic), &err);
    if (status != NOTIFY_OK) {
        spdlog::error("durable subscription of client '{}' to '{}' not removed: {}", client_id,
                      topic, broker_error(broker, err, status));
    }
}

std::vector<core::DurableSubscriptionRecord> PluginEnvironment::load_durable_subscriptions() {
    std::vector<core::DurableSubscriptionRecord> records;
    if (!stores_durable_subscriptions()) return records;
    const PluginInstance& broker = *roles_.broker;
    notify_error err{};
    const notify_status status = broker.descriptor().broker->subscriptions_load(
        broker.handle, collect_subscription, &records, &err);
    if (status != NOTIFY_OK) {
        throw std::runtime_error("cannot load the durable subscriptions: " +
                                 broker_error(broker, err, status));
    }
    return records;
}

bool PluginEnvironment::has_cluster_broker() const {
    const PluginInstance* broker = roles_.broker;
    if (broker == nullptr) return false;
    const notify_broker_vtable& vtable = *broker->descriptor().broker;
    return (vtable.capabilities & NOTIFY_BROKER_CAP_CLUSTER) != 0U && vtable.interest != nullptr &&
           vtable.publish_direct != nullptr && vtable.send_command != nullptr;
}

void PluginEnvironment::broker_interest(notify_interest_kind kind, std::string_view name,
                                        bool up) {
    if (!has_cluster_broker()) return;
    const PluginInstance& broker = *roles_.broker;
    notify_error err{};
    const notify_status status = broker.descriptor().broker->interest(
        broker.handle, static_cast<std::uint32_t>(kind), view(name), up, &err);
    if (status != NOTIFY_OK) {
        spdlog::error("broker '{}' could not {} interest in '{}': {}", broker.spec.name,
                      up ? "take" : "drop", name, broker_error(broker, err, status));
    }
}

std::string PluginEnvironment::broker_publish_direct(std::span<const std::string> clients,
                                                     std::span<const std::string> users,
                                                     std::string_view payload,
                                                     std::int64_t time_ms,
                                                     std::string_view publish_key) {
    if (!has_cluster_broker()) return "the broker carries no messages between nodes";
    const PluginInstance& broker = *roles_.broker;
    std::vector<notify_str> client_views;
    std::vector<notify_str> user_views;
    client_views.reserve(clients.size());
    user_views.reserve(users.size());
    for (const std::string& id : clients) client_views.push_back(view(id));
    for (const std::string& id : users) user_views.push_back(view(id));
    notify_broker_direct direct{};
    direct.size = sizeof direct;
    direct.clients = client_views.data();
    direct.client_count = client_views.size();
    direct.users = user_views.data();
    direct.user_count = user_views.size();
    direct.payload =
        notify_bytes{reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()};
    direct.time_ms = time_ms;
    direct.publish_key = view(publish_key);
    notify_error err{};
    const notify_status status =
        broker.descriptor().broker->publish_direct(broker.handle, &direct, &err);
    return status == NOTIFY_OK ? std::string() : broker_error(broker, err, status);
}

void PluginEnvironment::broker_send_command(const core::ClusterCommand& command) {
    if (!has_cluster_broker()) return;
    const PluginInstance& broker = *roles_.broker;
    notify_cluster_command sent{};
    sent.size = sizeof sent;
    sent.type = static_cast<std::uint32_t>(command.type);
    sent.target = static_cast<std::uint32_t>(command.target);
    sent.id = view(command.id);
    sent.topic = view(command.topic);
    sent.code = command.code;
    sent.reason = view(command.reason);
    sent.time_ms = command.time_ms;
    notify_error err{};
    const notify_status status = broker.descriptor().broker->send_command(broker.handle, &sent,
                                                                          &err);
    if (status != NOTIFY_OK) {
        spdlog::error("broker '{}' could not send a command for '{}' to the cluster: {}",
                      broker.spec.name, command.id, broker_error(broker, err, status));
    }
}

void PluginEnvironment::emit(const notify_event& event) {
    const auto type = static_cast<std::uint32_t>(event.type);
    if (type >= 32) return;
    const std::uint32_t bit = NOTIFY_EVENT_BIT(type);
    for (const PluginInstance* handler : roles_.handlers) {
        const notify_handler_vtable& vtable = *handler->descriptor().handler;
        if ((vtable.event_mask & bit) != 0 && vtable.on_event != nullptr) {
            vtable.on_event(handler->handle, &event);
        }
    }
}

void PluginEnvironment::broker_publish_answered(std::uint64_t request_id, bool failed) {
    const auto found = publishes_started_.find(request_id);
    if (found == publishes_started_.end()) return;
    if (metrics_ != nullptr) {
        metrics_->broker_publish(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - found->second)
                .count(),
            failed);
    }
    publishes_started_.erase(found);
}

}  // namespace notify::runtime
