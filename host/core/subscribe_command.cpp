#include "core/core_state.hpp"

namespace notify::core {

void Core::State::handle_subscribe(Connection& connection, std::uint64_t command_id,
                                   const protocol::SubscribeCommand& command) {
    Client& client = *connection.client;
    if (!protocol::is_valid_topic(command.topic)) {
        reply_error(connection.ref, command_id, protocol::ErrorCode::bad_request,
                    "subscribe: invalid topic name");
        return;
    }
    const host::NamespaceSpec& space = namespace_of(command.topic);
    if (std::string refusal = subscribe_refusal(client, command.topic, space); !refusal.empty()) {
        reply_error(connection.ref, command_id, protocol::ErrorCode::permission_denied, refusal);
        return;
    }
    if (is_subscribed(client, command.topic) && !command.since) {
        resume_live(client, command.topic);
        reply_empty(connection.ref, command_id);
        return;
    }
    if (std::string limit = subscribe_limit_error(client, command.topic); !limit.empty()) {
        reply_error(connection.ref, command_id, protocol::ErrorCode::limit_exceeded,
                    "subscribe: " + limit);
        return;
    }
    const std::uint64_t request_id = next_request_id++;
    PendingSubscribe pending{connection.ref, command_id, client.id, command.topic, command.since};
    const AuthOutcome outcome =
        env.authorize_subscribe(request_id, client.id, user_id_of(client), command.topic,
                                command.token, space.subscribe == host::SubscribeRule::token,
                                authorize_context(connection));
    if (outcome.kind == AuthOutcome::Kind::pending) {
        pending_subscribes.emplace(request_id, std::move(pending));
        return;
    }
    finish_subscribe(pending, outcome);
}

void Core::State::finish_subscribe(const PendingSubscribe& pending, const AuthOutcome& outcome) {
    Connection* connection = live_connection(pending.conn);
    if (connection == nullptr || connection->client == nullptr ||
        connection->client->id != pending.client_id) {
        return;  // the client left while the auth chain was deciding
    }
    Client& client = *connection->client;
    if (outcome.kind != AuthOutcome::Kind::allow) {
        reply_error(pending.conn, pending.command_id,
                    auth_error_code(outcome, protocol::ErrorCode::permission_denied),
                    outcome.reason.empty() ? "subscribe: denied" : "subscribe: " + outcome.reason);
        close_as_denial_says(pending.conn, outcome);
        return;
    }
    // Limits again: the state may have changed while the answer was pending.
    if (!is_subscribed(client, pending.topic)) {
        if (std::string limit = subscribe_limit_error(client, pending.topic); !limit.empty()) {
            reply_error(pending.conn, pending.command_id, protocol::ErrorCode::limit_exceeded,
                        "subscribe: " + limit);
            return;
        }
    }
    const host::NamespaceSpec& space = namespace_of(pending.topic);
    const bool durable = is_durable(space);
    StreamState current;
    // In a cluster the position read also tells the broker where this node's stream starts, so
    // that what is published before its bus subscription is in place is filled from history.
    if (pending.since || durable || config.cluster) {
        // Checked before anything changes, so a bad position leaves no subscription behind.
        current = env.read_history(pending.topic, 0, 0, space, HistoryVisitor{});
        if (!current.ok) {
            reply_error(pending.conn, pending.command_id, protocol::ErrorCode::internal,
                        "subscribe: the position of '" + pending.topic +
                            "' is not available: " + current.error);
            return;
        }
        if (pending.since) {
            if (std::string error = position_error(pending.topic, *pending.since, current);
                !error.empty()) {
                reply_error(pending.conn, pending.command_id, protocol::ErrorCode::bad_request,
                            error);
                return;
            }
        }
    }
    subscribe_client(client, pending.topic, client_command_time(client, pending.topic));
    const ClientSubscription* found = find_subscription(client, pending.topic);
    if (found == nullptr) {
        reply_error(pending.conn, pending.command_id, protocol::ErrorCode::internal,
                    "subscribe: the subscription could not be made");
        return;
    }
    const auto index = static_cast<std::size_t>(found - client.subscriptions.data());
    if (durable) {
        start_durable(*connection, pending.command_id, client, index, pending.since, current);
    } else if (pending.since) {
        recover(*connection, pending.command_id, client, index, pending.since, current);
    } else {
        // In a cluster, messages published before this subscribe may still be on the bus:
        // the subscription starts after the position read, as on a single node.
        if (config.cluster) {
            found->topic->subscribers[found->slot].skip_through = current.offset;
        }
        reply_empty(pending.conn, pending.command_id);
    }
}

void Core::State::handle_unsubscribe(Connection& connection, std::uint64_t command_id,
                                     const protocol::UnsubscribeCommand& command) {
    Client& client = *connection.client;
    if (!protocol::is_valid_topic(command.topic)) {
        reply_error(connection.ref, command_id, protocol::ErrorCode::bad_request,
                    "unsubscribe: invalid topic name");
        return;
    }
    unsubscribe_client(client, command.topic, client_command_time(client, command.topic));
    reply_empty(connection.ref, command_id);
}

}  // namespace notify::core
