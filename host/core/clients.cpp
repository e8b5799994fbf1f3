#include "core/core_state.hpp"

namespace notify::core {

Client* Core::State::find_client(std::string_view client_id) const {
    auto found = clients.find(client_id);
    return found == clients.end() ? nullptr : found->second.get();
}

Client& Core::State::create_client(std::string id, const std::string& user_id) {
    auto owned = std::make_unique<Client>();
    owned->id = std::move(id);
    owned->state_since_ms = env.now_ms();
    Client& client = *owned;
    clients.emplace(std::string_view(client.id), std::move(owned));
    emit_change(NOTIFY_CHANGE_CLIENT, client.id, true);
    if (!user_id.empty()) add_client_to_user(client, user_id);
    return client;
}

void Core::State::attach_connection(Client& client, Connection& connection) {
    const bool was_present = client.connection != nullptr;
    client.connection = &connection;
    connection.client = &client;
    client.state = ClientState::active;
    client.state_since_ms = env.now_ms();
    if (!was_present) presence_of_all(client, true);
}

void Core::State::inactivate(Client& client, std::uint16_t code, std::string_view reason) {
    rewind_cursors(client);
    // A subscription still held for recovery missed everything since: the next resume must say
    // so again, or those messages would be lost without notice.
    if (has_paused_subscription(client)) client.missed_overflow = true;
    client.state = ClientState::inactive;
    client.state_since_ms = env.now_ms();
    emit_client_event(NOTIFY_EVENT_INACTIVATE, client, code, reason);
}

// The client's id stays known (and refused) for clients.invalidation_time; everything else it
// held is released now.
void Core::State::invalidate(Client& client, std::uint16_t code, std::string_view reason) {
    if (client.state == ClientState::invalid) return;
    if (client.connection != nullptr) {
        presence_of_all(client, false);
        client.connection->client = nullptr;
        client.connection = nullptr;
    }
    client.state = ClientState::invalid;
    client.state_since_ms = env.now_ms();
    emit_client_event(NOTIFY_EVENT_DISCONNECT, client, code, reason);
    drop_all_subscriptions(client);
    std::vector<FrameRef>().swap(client.missed);  // its memory too
    client.missed_overflow = false;
    client.change_times.clear();
    client.resume_token.clear();
    emit_change(NOTIFY_CHANGE_CLIENT, client.id, false);
    remove_client_from_user(client);
}

void Core::State::forget(Client& client) {
    const std::string id = client.id;
    clients.erase(id);
}

void Core::State::disconnect(notify_target_kind kind, std::string_view id, std::uint16_t code,
                             std::string_view reason) {
    std::vector<Client*> targets;
    if (kind == NOTIFY_TARGET_CLIENT) {
        if (Client* client = find_client(id)) targets.push_back(client);
    } else if (kind == NOTIFY_TARGET_USER) {
        if (User* user = find_user(id)) targets = user->clients;
    }
    for (Client* client : targets) {
        if (client->state == ClientState::invalid) continue;
        if (client->connection != nullptr) {
            close_connection(*client->connection, code, reason, ClosePush::disconnect);
        }
        invalidate(*client, code, NOTIFY_REASON_KICKED);
    }
}

void Core::State::clean() {
    const std::int64_t now = env.now_ms();
    std::vector<Client*> expired;
    std::vector<Client*> forgotten;
    for (const auto& [id, client] : clients) {
        const std::int64_t age = now - client->state_since_ms;
        if (client->state == ClientState::inactive && age >= config.clients.ttl.count()) {
            expired.push_back(client.get());
        } else if (client->state == ClientState::invalid &&
                   age >= config.clients.invalidation_time.count()) {
            forgotten.push_back(client.get());
        }
    }
    for (Client* client : forgotten) forget(*client);
    for (Client* client : expired) invalidate(*client, 0, NOTIFY_REASON_EXPIRED);
    redeliver_expired(now);
    close_expired_tokens(now);
}

void Core::State::shutdown() {
    shut_down = true;
    for (auto& [ref, connection] : connections) {
        if (connection.closing) continue;
        push_disconnect(ref, NOTIFY_CLOSE_GOING_AWAY, "server shutdown");
        // The client stays attached: the transport's close then inactivates it as usual.
        connection.closing = true;
        env.close(ref, NOTIFY_CLOSE_GOING_AWAY, "server shutdown");
    }
}

}  // namespace notify::core
