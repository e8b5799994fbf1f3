#include "core_fixture.hpp"

#include "notify/protocol/binary.hpp"

namespace notify::core::testing {

namespace {

bool starts_with(const AuthRequest& request, std::string_view prefix) {
    return std::string_view(request.token).starts_with(prefix);
}

}  // namespace

CoreTest::CoreTest() {
    env.on_authenticate = [](const AuthRequest& request) {
        const std::string_view token = request.token;
        if (starts_with(request, "user:")) return allow({}, std::string(token.substr(5)));
        if (starts_with(request, "client:")) return allow(std::string(token.substr(7)));
        if (starts_with(request, "deny:")) return deny(std::string(token.substr(5)));
        return allow();
    };
}

Core& CoreTest::core() {
    if (!core_) core_ = std::make_unique<Core>(config, env);
    return *core_;
}

ConnectionRef CoreTest::open(std::uint64_t conn, std::uint32_t transport,
                             notify_encoding encoding) {
    const ConnectionRef ref{transport, conn};
    env.encodings[{transport, conn}] = encoding;
    EXPECT_EQ(core().open_connection(ref, "127.0.0.1:1", encoding), NOTIFY_OK);
    return ref;
}

std::uint64_t CoreTest::send(ConnectionRef conn, protocol::CommandBody body) {
    const std::uint64_t id = next_command_id_++;
    protocol::Command command{id, std::move(body)};
    core().receive(conn, env.encoding_of(conn) == NOTIFY_ENCODING_BINARY
                             ? protocol::encode_command_binary(command)
                             : protocol::encode_command(command));
    return id;
}

nlohmann::json CoreTest::request(ConnectionRef conn, protocol::CommandBody body) {
    send(conn, std::move(body));
    return last_frame(conn);
}

nlohmann::json CoreTest::connect(ConnectionRef conn, protocol::ConnectCommand command) {
    return request(conn, std::move(command));
}

ConnectedClient CoreTest::open_client(std::uint64_t conn, std::string token,
                                      std::uint32_t transport) {
    const ConnectionRef ref = open(conn, transport);
    protocol::ConnectCommand command;
    command.token = std::move(token);
    const nlohmann::json reply = connect(ref, command);
    EXPECT_TRUE(reply.contains("result")) << reply.dump();
    if (!reply.contains("result")) return ConnectedClient{ref, {}, {}};
    return ConnectedClient{ref, reply["result"]["client"].get<std::string>(),
                           reply["result"]["resume"].get<std::string>()};
}

nlohmann::json CoreTest::subscribe(ConnectionRef conn, std::string topic) {
    return request(conn, protocol::SubscribeCommand{std::move(topic), std::nullopt});
}

nlohmann::json CoreTest::unsubscribe(ConnectionRef conn, std::string topic) {
    return request(conn, protocol::UnsubscribeCommand{std::move(topic)});
}

nlohmann::json CoreTest::publish(ConnectionRef conn, std::vector<std::string> topics,
                                 std::string payload, std::vector<std::string> clients,
                                 std::vector<std::string> users) {
    return request(conn, protocol::PublishCommand{std::move(topics), std::move(clients),
                                                  std::move(users), std::move(payload)});
}

nlohmann::json CoreTest::subscribe_since(ConnectionRef conn, std::string topic,
                                         std::uint64_t offset, std::string epoch) {
    protocol::SubscribeCommand command;
    command.topic = std::move(topic);
    command.since = protocol::Position{offset, std::move(epoch)};
    return reply_to(conn, send(conn, std::move(command)));
}

nlohmann::json CoreTest::ack(ConnectionRef conn, std::string topic, std::uint64_t offset) {
    return reply_to(conn, send(conn, protocol::AckCommand{std::move(topic), offset}));
}

nlohmann::json CoreTest::reply_to(ConnectionRef conn, std::uint64_t id) const {
    for (const std::string& frame : env.frames_to(conn)) {
        nlohmann::json parsed = nlohmann::json::parse(frame);
        if (parsed.contains("id") && parsed["id"] == id) return parsed;
    }
    return nlohmann::json();
}

nlohmann::json CoreTest::last_frame(ConnectionRef conn) const {
    const std::vector<std::string> frames = env.frames_to(conn);
    if (frames.empty()) return nlohmann::json();
    return nlohmann::json::parse(frames.back());
}

std::vector<nlohmann::json> CoreTest::messages_to(ConnectionRef conn) const {
    std::vector<nlohmann::json> messages;
    for (const std::string& frame : env.frames_to(conn)) {
        nlohmann::json parsed = nlohmann::json::parse(frame);
        if (parsed.contains("push") && parsed["push"].contains("message")) {
            messages.push_back(parsed["push"]["message"]);
        }
    }
    return messages;
}

std::uint32_t error_code(const nlohmann::json& reply) {
    if (!reply.is_object() || !reply.contains("error")) return 0;
    return reply["error"]["code"].get<std::uint32_t>();
}

}  // namespace notify::core::testing
