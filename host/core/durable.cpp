// At-least-once delivery: per-subscription cursors over the broker's durable store.
#include <algorithm>

#include "core/core_state.hpp"

namespace notify::core {

namespace {

bool is_connected(const Client& client) {
    return client.state == ClientState::active && client.connection != nullptr &&
           !client.connection->closing;
}

}  // namespace

void Core::State::save_cursor(const Client& client, const ClientSubscription& subscription) {
    if (restoring || !subscription.durable) return;
    DurableSubscriptionRecord record;
    record.client_id = client.id;
    record.user_id = std::string(user_id_of(client));
    record.resume_token = client.resume_token.view();
    record.topic = subscription.topic->name;
    record.acked_offset = subscription.durable->acked;
    env.save_durable_subscription(record);
}

void Core::State::start_durable(Connection& connection, std::uint64_t command_id, Client& client,
                                std::size_t subscription,
                                const std::optional<protocol::Position>& since,
                                const StreamState& current) {
    ClientSubscription& entry = client.subscriptions[subscription];
    DurableCursor& cursor = *entry.durable;
    std::optional<bool> recovered;
    if (since) {
        recovered = since->epoch.empty() || since->epoch == current.epoch;
        if (*recovered) {
            // Everything after the position is owed; the store's retention decides what is
            // still there, and pull says so by skipping ahead.
            cursor.acked = since->offset;
        } else {
            cursor.acked = current.offset;
        }
        cursor.delivered = cursor.acked;
        cursor.ack_deadline_ms = 0;
        save_cursor(client, entry);
    }
    reply_subscribe(connection.ref, command_id, {current.offset, current.epoch}, recovered);
    pull(client, entry);
}

void Core::State::pull(Client& client, ClientSubscription& subscription) {
    if (!subscription.durable || !is_connected(client)) return;
    DurableCursor& cursor = *subscription.durable;
    Topic& topic = *subscription.topic;
    const host::NamespaceSpec& space = *topic.space;
    const std::uint64_t in_flight = cursor.delivered - cursor.acked;
    if (in_flight >= space.max_in_flight) return;
    if (topic.last_offset != 0 && cursor.delivered >= topic.last_offset) return;  // caught up

    std::vector<KeptMessage> owed;
    const StreamState state =
        read_kept(topic, cursor.delivered, space.max_in_flight - in_flight, owed);
    if (!state.ok) return;  // the next ack, resume or ack timeout asks again
    topic.last_offset = std::max(topic.last_offset, state.offset);
    if (state.offset < cursor.acked) {
        // The store lost the stream (its epoch changed): nothing below its end is owed.
        cursor.acked = cursor.delivered = state.offset;
        save_cursor(client, subscription);
        return;
    }
    if (owed.empty() && state.offset > cursor.delivered) {
        // Retention dropped what was owed; nothing is left to deliver below the end.
        cursor.acked = cursor.delivered = state.offset;
        save_cursor(client, subscription);
        return;
    }
    const ConnectionRef conn = client.connection->ref;
    for (const KeptMessage& message : owed) {
        deliver_frame(conn, FrameRef::make_message(topic.name, message.offset, state.epoch,
                                                   message.payload));
        cursor.delivered = message.offset;
    }
    if (cursor.delivered > cursor.acked && cursor.ack_deadline_ms == 0) {
        cursor.ack_deadline_ms = env.now_ms() + space.ack_timeout.count();
    }
}

bool Core::State::take_live(Client& client, TopicSubscriber& subscriber, std::uint64_t offset) {
    if (!is_connected(client)) return false;
    ClientSubscription& subscription = client.subscriptions[subscriber.slot];
    if (!subscription.durable) return true;
    DurableCursor& cursor = *subscription.durable;
    if (offset <= cursor.delivered) return false;  // pulled from the store already
    if (offset != cursor.delivered + 1) {
        // Behind: what lies between comes from the store first, in order (and may include this
        // very message, which is durable by the time it is fanned out).
        pull(client, subscription);
        return false;
    }
    const host::NamespaceSpec& space = *subscription.topic->space;
    if (cursor.delivered - cursor.acked >= space.max_in_flight) return false;
    cursor.delivered = offset;
    if (cursor.ack_deadline_ms == 0) {
        cursor.ack_deadline_ms = env.now_ms() + space.ack_timeout.count();
    }
    return true;
}

void Core::State::handle_ack(Connection& connection, std::uint64_t command_id,
                             const protocol::AckCommand& command) {
    Client& client = *connection.client;
    ClientSubscription* subscription = find_subscription(client, command.topic);
    if (subscription == nullptr) {
        reply_error(connection.ref, command_id, protocol::ErrorCode::not_found,
                    "ack: not subscribed to '" + command.topic + "'");
        return;
    }
    if (!subscription->durable) {
        reply_empty(connection.ref, command_id);  // at-most-once: nothing waits for acks
        return;
    }
    DurableCursor& cursor = *subscription->durable;
    if (command.offset > cursor.delivered) {
        reply_error(connection.ref, command_id, protocol::ErrorCode::bad_request,
                    "ack: offset " + std::to_string(command.offset) + " of '" + command.topic +
                        "' was never delivered to this client (delivered through " +
                        std::to_string(cursor.delivered) + ")");
        return;
    }
    ++ack_count;
    if (command.offset > cursor.acked) {
        cursor.acked = command.offset;
        cursor.ack_deadline_ms =
            cursor.acked == cursor.delivered
                ? 0
                : env.now_ms() + subscription->topic->space->ack_timeout.count();
        save_cursor(client, *subscription);
    }
    reply_empty(connection.ref, command_id);
    pull(client, *subscription);
}

void Core::State::rewind_cursors(Client& client) {
    for (ClientSubscription& subscription : client.subscriptions) {
        if (!subscription.durable) continue;
        subscription.durable->delivered = subscription.durable->acked;
        subscription.durable->ack_deadline_ms = 0;
    }
}

void Core::State::pull_all(Client& client) {
    for (ClientSubscription& subscription : client.subscriptions) {
        if (!subscription.durable) continue;
        // After a while away the stream may have moved or been lost: ask the store itself.
        subscription.topic->last_offset = 0;
        pull(client, subscription);
    }
}

void Core::State::redeliver_expired(std::int64_t now) {
    for (const auto& [id, owned] : clients) {
        Client& client = *owned;
        if (!is_connected(client)) continue;
        for (ClientSubscription& subscription : client.subscriptions) {
            if (!subscription.durable) continue;
            DurableCursor& cursor = *subscription.durable;
            if (cursor.ack_deadline_ms == 0 || now < cursor.ack_deadline_ms) continue;
            redelivery_count += cursor.delivered - cursor.acked;
            cursor.delivered = cursor.acked;
            cursor.ack_deadline_ms = 0;
            pull(client, subscription);
        }
    }
}

std::size_t Core::State::restore(std::span<const DurableSubscriptionRecord> records) {
    restoring = true;
    std::size_t restored = 0;
    const std::int64_t now = env.now_ms();
    for (const DurableSubscriptionRecord& record : records) {
        if (record.client_id.empty() || !protocol::is_valid_topic(record.topic) ||
            !is_durable(namespace_of(record.topic))) {
            continue;  // the namespace is no longer at-least-once: nothing is owed any more
        }
        Client* client = find_client(record.client_id);
        if (client == nullptr) {
            client = &create_client(record.client_id, record.user_id);
            client->state = ClientState::inactive;
            client->state_since_ms = now;
            client->resume_token = record.resume_token;
        }
        if (subscribe_client(*client, record.topic, now) != SubscribeRefusal::none) continue;
        ClientSubscription* subscription = find_subscription(*client, record.topic);
        if (subscription == nullptr || !subscription->durable) continue;
        subscription->durable->acked = record.acked_offset;
        subscription->durable->delivered = record.acked_offset;
        ++restored;
    }
    restoring = false;
    return restored;
}

}  // namespace notify::core
