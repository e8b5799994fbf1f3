// Token expiry and refresh: what the auth chain said about a connected client's credentials.
#include <algorithm>

#include "core/core_state.hpp"

namespace notify::core {

protocol::ErrorCode Core::State::auth_error_code(const AuthOutcome& outcome,
                                                 protocol::ErrorCode fallback) {
    switch (outcome.error_code) {
        case NOTIFY_AUTH_ERROR_TOKEN_EXPIRED:
            return protocol::ErrorCode::token_expired;
        case NOTIFY_AUTH_ERROR_UNAUTHORIZED:
            return protocol::ErrorCode::unauthorized;
        case NOTIFY_AUTH_ERROR_PERMISSION_DENIED:
            return protocol::ErrorCode::permission_denied;
        default:
            return fallback;
    }
}

std::optional<std::uint64_t> Core::State::credentials_ttl(const Client& client) const {
    if (client.credentials == nullptr || client.credentials->expires_at_ms == 0) {
        return std::nullopt;
    }
    const std::int64_t left = client.credentials->expires_at_ms - env.now_ms();
    return static_cast<std::uint64_t>(std::max<std::int64_t>(left, 1));
}

void Core::State::set_credentials(Client& client, const AuthOutcome& outcome) {
    // A refresh without info keeps the info the connect gave.
    std::string info = outcome.info.empty() && client.credentials != nullptr
                           ? std::move(client.credentials->info)
                           : outcome.info;
    if (outcome.expires_at_ms == 0 && info.empty()) {
        client.credentials.reset();
        return;
    }
    if (client.credentials == nullptr) client.credentials = std::make_unique<ClientCredentials>();
    client.credentials->expires_at_ms = outcome.expires_at_ms;
    client.credentials->info = std::move(info);
    if (outcome.expires_at_ms != 0) {
        token_deadlines.emplace(outcome.expires_at_ms + config.clients.refresh_grace.count(),
                                client.id);
    }
}

void Core::State::handle_refresh(Connection& connection, std::uint64_t command_id,
                                 const protocol::RefreshCommand& command) {
    const Client& client = *connection.client;
    AuthRequest request;
    request.token = command.token;
    request.client_id = client.id;
    request.user_id = std::string(user_id_of(client));
    request.remote_address = connection.remote_address;
    request.transport = connection.ref.transport;
    request.purpose = NOTIFY_AUTH_PURPOSE_REFRESH;
    request.headers = connection.headers;
    const std::uint64_t request_id = next_request_id++;
    PendingRefresh pending{connection.ref, command_id, client.id};
    const AuthOutcome outcome = env.authenticate(request_id, request);
    if (outcome.kind == AuthOutcome::Kind::pending) {
        pending_refreshes.emplace(request_id, std::move(pending));
        return;
    }
    finish_refresh(pending, outcome);
}

void Core::State::finish_refresh(const PendingRefresh& pending, const AuthOutcome& outcome) {
    Connection* connection = live_connection(pending.conn);
    if (connection == nullptr || connection->client == nullptr ||
        connection->client->id != pending.client_id) {
        return;  // the client left while the auth chain was deciding
    }
    Client& client = *connection->client;
    // A refused refresh leaves the connection as it was: it closes at its old expiry + grace.
    if (outcome.kind != AuthOutcome::Kind::allow) {
        reply_error(pending.conn, pending.command_id,
                    auth_error_code(outcome, protocol::ErrorCode::unauthorized),
                    "refresh: " + (outcome.reason.empty() ? std::string("denied") : outcome.reason));
        close_as_denial_says(pending.conn, outcome);
        return;
    }
    if (outcome.user_id != user_id_of(client)) {
        reply_error(pending.conn, pending.command_id, protocol::ErrorCode::unauthorized,
                    "refresh: the token is for another user");
        return;
    }
    if (outcome.expires_at_ms != 0 && outcome.expires_at_ms <= env.now_ms()) {
        reply_error(pending.conn, pending.command_id, protocol::ErrorCode::token_expired,
                    "refresh: the token has expired");
        return;
    }
    set_credentials(client, outcome);
    reply_refresh(pending.conn, pending.command_id, credentials_ttl(client));
}

void Core::State::close_expired_tokens(std::int64_t now_ms) {
    while (!token_deadlines.empty() && token_deadlines.begin()->first <= now_ms) {
        const auto [deadline, client_id] = *token_deadlines.begin();
        token_deadlines.erase(token_deadlines.begin());
        Client* client = find_client(client_id);
        if (client == nullptr || client->connection == nullptr ||
            client->credentials == nullptr || client->credentials->expires_at_ms == 0 ||
            client->credentials->expires_at_ms + config.clients.refresh_grace.count() !=
                deadline) {
            continue;  // gone, inactive, or refreshed since
        }
        close_connection(*client->connection, NOTIFY_CLOSE_TOKEN_EXPIRED,
                         "the token expired and was not refreshed", ClosePush::disconnect);
        // The transport's later close is stale (the connection is detached): the session
        // becomes resumable now, as after any lost connection.
        inactivate(*client, NOTIFY_CLOSE_TOKEN_EXPIRED, NOTIFY_REASON_EXPIRED);
    }
}

}  // namespace notify::core
