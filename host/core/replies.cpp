#include <array>

#include "core/core_state.hpp"

namespace notify::core {

void Core::State::send_frame(ConnectionRef conn, std::string json) {
    const FrameRef frame = FrameRef::make(std::move(json));
    const std::array<std::uint64_t, 1> recipient{conn.conn};
    env.deliver(conn.transport, frame, recipient);
}

void Core::State::reply_error(ConnectionRef conn, std::uint64_t command_id,
                              protocol::ErrorCode code, std::string_view message) {
    ++refusal_count;
    send_frame(conn, protocol::encode_error_reply(command_id, code, message));
}

void Core::State::reply_empty(ConnectionRef conn, std::uint64_t command_id) {
    send_frame(conn, protocol::encode_empty_reply(command_id));
}

void Core::State::close_connection(Connection& connection, std::uint16_t code,
                                   std::string_view reason, ClosePush push) {
    if (connection.closing) return;
    if (push == ClosePush::disconnect) {
        send_frame(connection.ref, protocol::encode_disconnect_push(code, reason));
    }
    connection.closing = true;
    if (connection.client != nullptr && connection.client->connection == &connection) {
        connection.client->connection = nullptr;
    }
    connection.client = nullptr;
    env.close(connection.ref, code, reason);
}

Connection* Core::State::live_connection(ConnectionRef conn) {
    auto found = connections.find(conn);
    if (found == connections.end() || found->second->closing) return nullptr;
    return found->second.get();
}

}  // namespace notify::core
