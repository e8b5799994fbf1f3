#include "core/core_state.hpp"

namespace notify::core {

namespace {

// make_client_id is random; a collision is next to impossible but must not merge two clients.
constexpr int kClientIdAttempts = 4;

}  // namespace

void Core::State::handle_connect(Connection& connection, std::uint64_t command_id,
                                 protocol::ConnectCommand& command) {
    AuthRequest request;
    request.token = command.token;
    request.client_id = command.client;
    request.user_id = command.user;
    request.remote_address = connection.remote_address;
    request.transport = connection.ref.transport;
    request.headers = connection.headers;
    const std::uint64_t request_id = next_request_id++;
    connection.connect_pending = true;
    const AuthOutcome outcome = env.authenticate(request_id, request);
    if (outcome.kind == AuthOutcome::Kind::pending) {
        pending_connects.emplace(request_id,
                                 PendingConnect{connection.ref, command_id, std::move(command)});
        return;
    }
    finish_connect(connection.ref, command_id, command, outcome);
}

void Core::State::refuse_connect(Connection& connection, std::uint64_t command_id,
                                 std::string_view reason, protocol::ErrorCode code,
                                 std::uint16_t close_code) {
    reply_error(connection.ref, command_id, code, reason);
    close_connection(connection, close_code, reason, ClosePush::none);
}

void Core::State::finish_connect(ConnectionRef conn, std::uint64_t command_id,
                                 const protocol::ConnectCommand& command,
                                 const AuthOutcome& outcome) {
    Connection* connection = live_connection(conn);
    if (connection == nullptr) return;  // closed while the auth chain was deciding
    connection->connect_pending = false;
    if (outcome.kind != AuthOutcome::Kind::allow) {
        refuse_connect(*connection, command_id,
                       outcome.reason.empty() ? std::string_view("connect denied")
                                              : std::string_view(outcome.reason),
                       auth_error_code(outcome, protocol::ErrorCode::unauthorized),
                       outcome.close_code != 0 ? outcome.close_code
                                               : std::uint16_t{NOTIFY_CLOSE_UNAUTHORIZED});
        return;
    }
    if (outcome.expires_at_ms != 0 && outcome.expires_at_ms <= env.now_ms()) {
        refuse_connect(*connection, command_id, "the token has expired",
                       protocol::ErrorCode::token_expired);
        return;
    }

    Client* client = nullptr;
    if (!outcome.client_id.empty()) {
        client = find_client(outcome.client_id);
    } else if (!command.client.empty()) {
        client = find_client(command.client);
        if (client != nullptr && client->state != ClientState::invalid &&
            (command.resume.empty() || command.resume != client->resume_token.view())) {
            client = nullptr;
        }
        // In a cluster the session may live on another node: the client gets a new session
        // (resumed: false) and recovers per topic from its positions. A wrong token for a
        // session held here is still refused.
        if (client == nullptr && !(config.cluster && find_client(command.client) == nullptr)) {
            refuse_connect(*connection, command_id, "unknown client id or wrong resume token");
            return;
        }
    }
    if (client != nullptr && client->state == ClientState::invalid) {
        refuse_connect(*connection, command_id, "client id invalidated");
        return;
    }
    if (client != nullptr && !outcome.user_id.empty() &&
        (client->user == nullptr || client->user->id != outcome.user_id)) {
        refuse_connect(*connection, command_id, "client id belongs to another user");
        return;
    }

    const bool is_new = client == nullptr;
    if (is_new) {
        std::string id = outcome.client_id;
        for (int attempt = 0; id.empty() && attempt < kClientIdAttempts; ++attempt) {
            std::string candidate = env.make_client_id();
            if (!candidate.empty() && find_client(candidate) == nullptr) id = std::move(candidate);
        }
        if (id.empty()) {
            reply_error(conn, command_id, protocol::ErrorCode::internal,
                        "connect: could not make a unique client id");
            return;
        }
        client = &create_client(std::move(id), outcome.user_id);
    } else if (client->connection != nullptr) {
        close_connection(*client->connection, NOTIFY_CLOSE_REPLACED,
                         "replaced by a newer connection", ClosePush::disconnect);
        rewind_cursors(*client);
        // What was written to the replaced connection may never have arrived (a client that
        // reconnects first is often one whose old connection died unnoticed): the client
        // recovers per topic from what it saw, as after an overflow.
        if (!client->subscriptions.empty()) client->missed_overflow = true;
    }
    attach_connection(*client, *connection);
    client->resume_token = env.make_resume_token();
    set_credentials(*client, outcome);
    protocol::SessionResume session;
    session.resumed = !is_new;
    session.overflow = client->missed_overflow;
    session.ttl_ms = credentials_ttl(*client);
    reply_connect(conn, command_id, *client, session);
    emit_client_event(is_new ? NOTIFY_EVENT_CONNECT : NOTIFY_EVENT_RECONNECT, *client);
    if (!is_new) {
        // The new token must reach the broker's records, or a restart would refuse it.
        for (const ClientSubscription& subscription : client->subscriptions) {
            if (subscription.durable) save_cursor(*client, subscription);
        }
        deliver_missed(*client);
    }
    apply_user_subscriptions(*client);
    // The token's topics: server-side subscriptions, so the namespace's subscribe rule does
    // not apply (the auth chain checked that the names are valid topics).
    for (const std::string& topic : outcome.topics) {
        subscribe_client(*client, topic, client_command_time(*client, topic));
    }
    if (config.cluster) announce_client(*client);
}

}  // namespace notify::core
