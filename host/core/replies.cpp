#include <array>

#include "core/codec.hpp"
#include "core/core_state.hpp"

namespace notify::core {

namespace {

void deliver_to(CoreEnvironment& env, ConnectionRef conn, const FrameRef& frame) {
    const std::array<std::uint64_t, 1> recipient{conn.conn};
    env.deliver(conn.transport, frame, recipient);
}

}  // namespace

notify_encoding Core::State::encoding_of(ConnectionRef conn) const {
    auto found = connections.find(conn);
    return found != connections.end() ? found->second.encoding : NOTIFY_ENCODING_JSON;
}

void Core::State::deliver_frame(ConnectionRef conn, const FrameRef& frame) {
    deliver_to(env, conn, frame);
    ++delivery_count;
}

void Core::State::reply_connect(ConnectionRef conn, std::uint64_t command_id,
                                const Client& client, protocol::SessionResume session) {
    const notify_encoding encoding = encoding_of(conn);
    deliver_to(env, conn,
               FrameRef::make(encode_connect_reply(encoding, command_id, client.id,
                                                   user_id_of(client), client.resume_token,
                                                   config.server_version, session),
                              encoding));
}

void Core::State::reply_refresh(ConnectionRef conn, std::uint64_t command_id,
                                std::optional<std::uint64_t> ttl_ms) {
    const notify_encoding encoding = encoding_of(conn);
    deliver_to(env, conn,
               FrameRef::make(encode_refresh_reply(encoding, command_id, ttl_ms), encoding));
}

void Core::State::reply_subscribe(ConnectionRef conn, std::uint64_t command_id,
                                  const protocol::Position& position,
                                  std::optional<bool> recovered) {
    const notify_encoding encoding = encoding_of(conn);
    deliver_to(env, conn,
               FrameRef::make(encode_subscribe_reply(encoding, command_id, position, recovered),
                              encoding));
}

void Core::State::reply_publish(ConnectionRef conn, std::uint64_t command_id,
                                std::span<const protocol::TopicPosition> positions) {
    const notify_encoding encoding = encoding_of(conn);
    deliver_to(env, conn,
               FrameRef::make(encode_publish_reply(encoding, command_id, positions), encoding));
}

void Core::State::push_disconnect(ConnectionRef conn, std::uint16_t code,
                                  std::string_view reason) {
    const notify_encoding encoding = encoding_of(conn);
    deliver_to(env, conn, FrameRef::make(encode_disconnect_push(encoding, code, reason), encoding));
}

void Core::State::push_recover(ConnectionRef conn, std::string_view topic, std::uint64_t offset,
                               std::string_view epoch, std::string_view reason) {
    const notify_encoding encoding = encoding_of(conn);
    deliver_to(env, conn,
               FrameRef::make(encode_recover_push(encoding, topic, offset, epoch, reason),
                              encoding));
}

void Core::State::reply_error(ConnectionRef conn, std::uint64_t command_id,
                              protocol::ErrorCode code, std::string_view message) {
    ++refusal_count;
    const auto slot = static_cast<std::size_t>(code) - 100;
    if (slot < refusals_by_code.size()) ++refusals_by_code[slot];
    const notify_encoding encoding = encoding_of(conn);
    deliver_to(env, conn,
               FrameRef::make(encode_error_reply(encoding, command_id, code, message), encoding));
}

void Core::State::reply_empty(ConnectionRef conn, std::uint64_t command_id) {
    const notify_encoding encoding = encoding_of(conn);
    deliver_to(env, conn, FrameRef::make(encode_empty_reply(encoding, command_id), encoding));
}

void Core::State::close_connection(Connection& connection, std::uint16_t code,
                                   std::string_view reason, ClosePush push) {
    if (connection.closing) return;
    if (push == ClosePush::disconnect) push_disconnect(connection.ref, code, reason);
    connection.closing = true;
    if (connection.client != nullptr && connection.client->connection == &connection) {
        presence_of_all(*connection.client, false);
        connection.client->connection = nullptr;
    }
    connection.client = nullptr;
    env.close(connection.ref, code, reason);
}

void Core::State::close_as_denial_says(ConnectionRef conn, const AuthOutcome& outcome) {
    if (outcome.close_code < 4000 || outcome.close_code > 4999) return;
    Connection* connection = live_connection(conn);
    if (connection == nullptr) return;
    close_connection(*connection, outcome.close_code,
                     outcome.reason.empty() ? std::string_view("denied") : outcome.reason,
                     ClosePush::disconnect);
}

AuthorizeContext Core::State::authorize_context(const Connection& connection,
                                                std::string_view data) {
    AuthorizeContext context;
    context.transport = connection.ref.transport;
    context.remote_address = connection.remote_address;
    context.headers = connection.headers;
    context.data = data;
    return context;
}

Connection* Core::State::live_connection(ConnectionRef conn) {
    auto found = connections.find(conn);
    if (found == connections.end() || found->second.closing) return nullptr;
    return &found->second;
}

}  // namespace notify::core
