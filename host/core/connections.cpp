#include <type_traits>
#include <variant>

#include "core/codec.hpp"
#include "core/core_state.hpp"

namespace notify::core {

notify_status Core::State::open_connection(ConnectionRef conn, std::string remote_address,
                                           notify_encoding encoding,
                                           std::vector<RequestHeader> headers) {
    if (shut_down) return NOTIFY_ERR_CLOSED;
    if (connections.contains(conn) || !is_known_encoding(encoding)) {
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    if (connections.size() >= config.limits.max_connections) return NOTIFY_ERR_LIMIT;
    Connection& connection = connections[conn];
    connection.ref = conn;
    connection.remote_address = std::move(remote_address);
    connection.encoding = encoding;
    connection.headers = std::move(headers);
    return NOTIFY_OK;
}

void Core::State::receive(ConnectionRef conn, std::string_view frame) {
    Connection* connection = live_connection(conn);
    if (connection == nullptr) return;
    auto decoded = decode_command(connection->encoding, frame);
    if (auto* error = std::get_if<protocol::DecodeError>(&decoded)) {
        reply_error(conn, error->id, error->code, error->message);
        return;
    }
    handle_command(*connection, std::get<protocol::Command>(decoded));
}

void Core::State::handle_command(Connection& connection, protocol::Command& command) {
    const std::uint64_t id = command.id;
    if (auto* connect = std::get_if<protocol::ConnectCommand>(&command.body)) {
        if (connection.client != nullptr || connection.connect_pending) {
            reply_error(connection.ref, id, protocol::ErrorCode::already_connected,
                        "connect: this connection is already connected");
            return;
        }
        handle_connect(connection, id, *connect);
        return;
    }
    if (connection.client == nullptr) {
        reply_error(connection.ref, id, protocol::ErrorCode::not_connected,
                    "the first command must be connect");
        return;
    }
    std::visit(
        [&](auto& body) {
            using Body = std::decay_t<decltype(body)>;
            if constexpr (std::is_same_v<Body, protocol::SubscribeCommand>) {
                handle_subscribe(connection, id, body);
            } else if constexpr (std::is_same_v<Body, protocol::UnsubscribeCommand>) {
                handle_unsubscribe(connection, id, body);
            } else if constexpr (std::is_same_v<Body, protocol::PublishCommand>) {
                handle_publish(connection, id, body);
            } else if constexpr (std::is_same_v<Body, protocol::SendCommand>) {
                emit_data(*connection.client, body.data);
                reply_empty(connection.ref, id);
            } else if constexpr (std::is_same_v<Body, protocol::PingCommand>) {
                reply_empty(connection.ref, id);
            } else if constexpr (std::is_same_v<Body, protocol::AckCommand>) {
                handle_ack(connection, id, body);
            } else if constexpr (std::is_same_v<Body, protocol::RefreshCommand>) {
                handle_refresh(connection, id, body);
            } else if constexpr (std::is_same_v<Body, protocol::PresenceCommand>) {
                handle_presence(connection, id, body);
            } else if constexpr (std::is_same_v<Body, protocol::PresenceStatsCommand>) {
                handle_presence_stats(connection, id, body);
            } else if constexpr (std::is_same_v<Body, protocol::HistoryCommand>) {
                handle_history(connection, id, body);
            }
        },
        command.body);
}

namespace {

// How a connection the transport reports closed ended, in notify_event's words.
std::string_view close_reason(std::uint16_t code) {
    switch (code) {
        case NOTIFY_CLOSE_SLOW_CONSUMER:
            return NOTIFY_REASON_SLOW;
        case NOTIFY_CLOSE_GOING_AWAY:
            return NOTIFY_REASON_SHUTDOWN;
        case NOTIFY_CLOSE_TOKEN_EXPIRED:
            return NOTIFY_REASON_EXPIRED;
        case NOTIFY_CLOSE_PROTOCOL_ERROR:
        case NOTIFY_CLOSE_INVALID_DATA:
        case NOTIFY_CLOSE_POLICY:
        case NOTIFY_CLOSE_TOO_BIG:
            return NOTIFY_REASON_ERROR;
        default:
            return NOTIFY_REASON_CLOSED;
    }
}

}  // namespace

void Core::State::connection_closed(ConnectionRef conn, std::uint16_t code) {
    auto found = connections.find(conn);
    if (found == connections.end()) return;
    Connection& connection = found->second;
    // A connection the core closed itself (replaced, disconnected) no longer holds its client,
    // so its close is stale and leaves the client alone.
    if (Client* client = connection.client;
        client != nullptr && client->connection == &connection) {
        presence_of_all(*client, false);
        client->connection = nullptr;
        inactivate(*client, code, close_reason(code));
    }
    connections.erase(found);
}

}  // namespace notify::core
