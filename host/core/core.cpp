#include "core/core.hpp"

#include <algorithm>

#include "core/core_state.hpp"

namespace notify::core {

Core::State::State(CoreConfig config_in, CoreEnvironment& env_in)
    : config(std::move(config_in)), env(env_in) {
    any_presence_namespace = config.default_namespace.presence ||
                             config.default_namespace.join_leave;
    for (const host::NamespaceSpec& space : config.namespaces) {
        namespaces_by_name.emplace(space.name, &space);
        any_presence_namespace = any_presence_namespace || space.presence || space.join_leave;
    }
}

Core::Core(CoreConfig config, CoreEnvironment& env)
    : state_(std::make_unique<State>(std::move(config), env)) {}

Core::~Core() = default;

notify_status Core::open_connection(ConnectionRef conn, std::string remote_address,
                                    notify_encoding encoding, std::vector<RequestHeader> headers) {
    return state_->open_connection(conn, std::move(remote_address), encoding, std::move(headers));
}

void Core::receive(ConnectionRef conn, std::string_view frame) {
    state_->receive(conn, frame);
}

void Core::connection_closed(ConnectionRef conn, std::uint16_t code) {
    state_->connection_closed(conn, code);
}

void Core::complete_auth(std::uint64_t request_id, const AuthOutcome& outcome) {
    state_->complete_auth(request_id, outcome);
}

void Core::complete_publish(std::uint64_t request_id, const PublishOutcome& outcome) {
    state_->complete_publish(request_id, outcome);
}

void Core::publish(const PublishTargets& targets, std::string payload) {
    state_->publish(targets, std::move(payload));
}

// In a cluster a server-side action also goes to the node holding the client (when this one
// does not) or to every node holding clients of the user.
bool Core::State::held_elsewhere(notify_target_kind kind, std::string_view id) const {
    if (!config.cluster) return false;
    if (kind == NOTIFY_TARGET_USER) return true;
    const Client* client = find_client(id);
    return client == nullptr || client->state == ClientState::invalid;
}

void Core::subscribe(notify_target_kind kind, std::string_view id, std::string_view topic,
                     std::int64_t time_ms) {
    state_->subscribe(kind, id, topic, time_ms);
    if (state_->held_elsewhere(kind, id)) {
        state_->forward_command(NOTIFY_COMMAND_SUBSCRIBE, kind, id, topic, time_ms);
    }
}

void Core::unsubscribe(notify_target_kind kind, std::string_view id, std::string_view topic,
                       std::int64_t time_ms) {
    state_->unsubscribe(kind, id, topic, time_ms);
    if (state_->held_elsewhere(kind, id)) {
        state_->forward_command(NOTIFY_COMMAND_UNSUBSCRIBE, kind, id, topic, time_ms);
    }
}

void Core::disconnect(notify_target_kind kind, std::string_view id, std::uint16_t code,
                      std::string_view reason) {
    const bool forward = state_->held_elsewhere(kind, id);
    state_->disconnect(kind, id, code, reason);
    if (forward) {
        state_->forward_command(NOTIFY_COMMAND_DISCONNECT, kind, id, {},
                                state_->env.now_ms(), code, reason);
    }
}

void Core::receive_bus_message(const BusMessage& message) {
    state_->receive_bus_message(message);
}

void Core::apply_cluster_command(const ClusterCommand& command) {
    state_->apply_cluster_command(command);
}

void Core::stream_lost(std::string_view topic, std::uint64_t offset, std::string_view epoch,
                       std::string_view reason) {
    state_->stream_lost(topic, offset, epoch, reason);
}

void Core::clean() {
    state_->clean();
}

void Core::set_max_frame_size(std::uint32_t transport, std::uint64_t max_frame_bytes,
                              std::string transport_name) {
    state_->set_max_frame_size(transport, max_frame_bytes, std::move(transport_name));
}

void Core::shutdown() {
    state_->shutdown();
}

std::size_t Core::restore_durable_subscriptions(
    std::span<const DurableSubscriptionRecord> records) {
    return state_->restore(records);
}

CoreStats Core::stats() const {
    CoreStats stats;
    stats.connections = state_->connections.size();
    for (const auto& [id, client] : state_->clients) {
        switch (client->state) {
            case ClientState::active:
                ++stats.clients_active;
                break;
            case ClientState::inactive:
                ++stats.clients_inactive;
                break;
            case ClientState::invalid:
                ++stats.clients_invalid;
                break;
        }
    }
    for (const auto& [id, user] : state_->users) {
        if (!user->clients.empty()) ++stats.users;
    }
    stats.topics = state_->topics.size();
    for (const auto& [name, topic] : state_->topics) {
        stats.subscriptions += topic->subscribers.size();
    }
    stats.bus_messages = state_->bus_message_count;
    stats.streams_lost = state_->stream_lost_count;
    stats.publishes = state_->publish_count;
    stats.deliveries = state_->delivery_count;
    stats.refusals = state_->refusal_count;
    stats.redeliveries = state_->redelivery_count;
    stats.buffer_overflows = state_->overflow_count;
    stats.recovered = state_->recovered_count;
    stats.unrecovered = state_->unrecovered_count;
    stats.acks = state_->ack_count;
    stats.refusals_by_code = state_->refusals_by_code;
    stats.publishes_pending = state_->publish_jobs.size();
    for (const auto& [ref, connection] : state_->connections) {
        const std::uint32_t transport = ref.transport;
        if (stats.connections_by_transport.size() <= transport) {
            stats.connections_by_transport.resize(transport + 1);
        }
        ++stats.connections_by_transport[transport];
        if (connection.client == nullptr) ++stats.connections_connecting;
    }
    return stats;
}

std::optional<ClientState> Core::client_state(std::string_view client_id) const {
    const Client* client = state_->find_client(client_id);
    if (client == nullptr) return std::nullopt;
    return client->state;
}

std::vector<std::string> Core::client_topics(std::string_view client_id) const {
    std::vector<std::string> names;
    if (const Client* client = state_->find_client(client_id)) {
        for (const ClientSubscription& subscription : client->subscriptions) {
            names.push_back(subscription.topic->name);
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::vector<std::string> Core::topic_subscribers(std::string_view topic) const {
    std::vector<std::string> ids;
    auto found = state_->topics.find(std::string(topic));
    if (found != state_->topics.end()) {
        for (const TopicSubscriber& subscriber : found->second->subscribers) {
            ids.push_back(subscriber.client->id);
        }
    }
    std::sort(ids.begin(), ids.end());
    return ids;
}

}  // namespace notify::core
