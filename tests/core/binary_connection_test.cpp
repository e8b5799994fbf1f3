// Connections opened with NOTIFY_ENCODING_BINARY: commands are decoded, and replies and pushes
// encoded, in notify.binary.v1, while JSON connections beside them keep JSON.
#include <string>
#include <variant>
#include <vector>

#include "core_fixture.hpp"
#include "notify/protocol/binary.hpp"

namespace notify::core::testing {
namespace {

constexpr auto kBinary = NOTIFY_ENCODING_BINARY;
constexpr auto kJson = NOTIFY_ENCODING_JSON;

protocol::ServerFrame decode_binary(const std::string& bytes) {
    auto decoded = protocol::decode_server_frame_binary(bytes);
    if (const auto* error = std::get_if<protocol::DecodeError>(&decoded)) {
        ADD_FAILURE() << "not a binary server frame: " << error->message;
        return protocol::DisconnectPush{};
    }
    return std::get<protocol::ServerFrame>(std::move(decoded));
}

protocol::ServerFrame decode_json(const std::string& bytes) {
    auto decoded = protocol::decode_server_frame(bytes);
    if (const auto* error = std::get_if<protocol::DecodeError>(&decoded)) {
        ADD_FAILURE() << "not a JSON server frame: " << error->message;
        return protocol::DisconnectPush{};
    }
    return std::get<protocol::ServerFrame>(std::move(decoded));
}

protocol::ConnectCommand with_token(std::string token) {
    protocol::ConnectCommand command;
    command.token = std::move(token);
    return command;
}

class BinaryConnectionTest : public CoreTest {
  protected:
    std::vector<protocol::ServerFrame> binary_frames_to(ConnectionRef conn) const {
        std::vector<protocol::ServerFrame> frames;
        for (const std::string& bytes : env.frames_to(conn)) frames.push_back(decode_binary(bytes));
        return frames;
    }

    protocol::Reply last_reply(ConnectionRef conn) const {
        const std::vector<protocol::ServerFrame> frames = binary_frames_to(conn);
        if (frames.empty() || !std::holds_alternative<protocol::Reply>(frames.back())) {
            ADD_FAILURE() << "the last frame is not a reply";
            return {};
        }
        return std::get<protocol::Reply>(frames.back());
    }

    protocol::Reply binary_request(ConnectionRef conn, protocol::CommandBody body) {
        const std::uint64_t id = send(conn, std::move(body));
        protocol::Reply reply = last_reply(conn);
        EXPECT_EQ(reply.id, id);
        return reply;
    }

    std::vector<const RecordedDelivery*> message_deliveries() const {
        std::vector<const RecordedDelivery*> found;
        for (const RecordedDelivery& delivery : env.deliveries) {
            const auto frame = delivery.binary.empty() ? decode_json(delivery.json)
                                                       : decode_binary(delivery.binary);
            if (std::holds_alternative<protocol::MessagePush>(frame)) found.push_back(&delivery);
        }
        return found;
    }
};

TEST_F(BinaryConnectionTest, ConnectSubscribePublishPing_AllAnsweredInBinary) {
    const ConnectionRef conn = open(1, 0, kBinary);

    const protocol::Reply connected = binary_request(conn, with_token("user:ann"));
    EXPECT_FALSE(connected.error.has_value());
    EXPECT_EQ(connected.client, "c1");
    EXPECT_EQ(connected.user, "ann");
    EXPECT_EQ(connected.resume, "token-1");
    EXPECT_EQ(connected.version, config.server_version);

    const protocol::Reply subscribed =
        binary_request(conn, protocol::SubscribeCommand{"news", std::nullopt});
    EXPECT_FALSE(subscribed.error.has_value());
    EXPECT_EQ(core().client_topics("c1"), std::vector<std::string>{"news"});

    const std::string payload("raw\0bytes\xfe", 10);
    const std::uint64_t publish_id = send(conn, protocol::PublishCommand{{"news"}, {}, {}, payload});
    const std::vector<protocol::ServerFrame> frames = binary_frames_to(conn);
    ASSERT_EQ(frames.size(), 4U);
    EXPECT_EQ(std::get<protocol::MessagePush>(frames[2]),
              (protocol::MessagePush{"news", 1, "epoch-1", payload}));
    const auto& published = std::get<protocol::Reply>(frames[3]);
    EXPECT_EQ(published.id, publish_id);
    EXPECT_EQ(published.positions,
              (std::vector<protocol::TopicPosition>{{"news", 1, "epoch-1"}}));

    const protocol::Reply pong = binary_request(conn, protocol::PingCommand{});
    EXPECT_FALSE(pong.error.has_value());
}

TEST_F(BinaryConnectionTest, MalformedBinaryCommand_GetsABinaryErrorReply) {
    const ConnectionRef conn = open(1, 0, kBinary);
    core().receive(conn, std::string("\xff\x01garbage", 9));
    const protocol::Reply reply = last_reply(conn);
    ASSERT_TRUE(reply.error.has_value());
    EXPECT_EQ(reply.error->code, protocol::ErrorCode::bad_request);
    EXPECT_FALSE(reply.error->message.empty());
    EXPECT_EQ(core().stats().refusals, 1U);
}

TEST_F(BinaryConnectionTest, JsonCommandOnABinaryConnection_IsRefusedInBinary) {
    const ConnectionRef conn = open(1, 0, kBinary);
    core().receive(conn, protocol::encode_command(protocol::Command{1, protocol::PingCommand{}}));
    const protocol::Reply reply = last_reply(conn);
    ASSERT_TRUE(reply.error.has_value());
    EXPECT_EQ(reply.error->code, protocol::ErrorCode::bad_request);
}

TEST_F(BinaryConnectionTest, CommandBeforeConnect_IsRefusedInBinary) {
    const ConnectionRef conn = open(1, 0, kBinary);
    const protocol::Reply reply = binary_request(conn, protocol::PingCommand{});
    ASSERT_TRUE(reply.error.has_value());
    EXPECT_EQ(reply.error->code, protocol::ErrorCode::not_connected);
}

TEST_F(BinaryConnectionTest, DeniedConnect_IsRefusedInBinaryAndClosed) {
    const ConnectionRef conn = open(1, 0, kBinary);
    const protocol::Reply reply = binary_request(conn, with_token("deny:no entry"));
    ASSERT_TRUE(reply.error.has_value());
    EXPECT_EQ(reply.error->code, protocol::ErrorCode::unauthorized);
    EXPECT_EQ(reply.error->message, "no entry");
    ASSERT_EQ(env.closes.size(), 1U);
    EXPECT_EQ(env.closes[0].code, NOTIFY_CLOSE_UNAUTHORIZED);
}

TEST_F(BinaryConnectionTest, Shutdown_PushesDisconnectInEachConnectionsEncoding) {
    const ConnectionRef binary = open(1, 0, kBinary);
    const ConnectionRef json = open(2, 0, kJson);
    core().shutdown();
    const std::vector<protocol::ServerFrame> binary_frames = binary_frames_to(binary);
    ASSERT_EQ(binary_frames.size(), 1U);
    EXPECT_EQ(std::get<protocol::DisconnectPush>(binary_frames[0]).code,
              NOTIFY_CLOSE_GOING_AWAY);
    const nlohmann::json pushed = last_frame(json);
    EXPECT_EQ(pushed["push"]["disconnect"]["code"], NOTIFY_CLOSE_GOING_AWAY);
}

TEST_F(BinaryConnectionTest, ReplacedBinaryConnection_GetsABinaryDisconnectPush) {
    const ConnectionRef first = open(1, 0, kBinary);
    const protocol::Reply connected = binary_request(first, protocol::ConnectCommand{});
    const ConnectionRef second = open(2, 0, kJson);
    protocol::ConnectCommand reconnect;
    reconnect.client = connected.client;
    reconnect.resume = connected.resume;
    const nlohmann::json reply = connect(second, reconnect);
    EXPECT_TRUE(reply.contains("result")) << reply.dump();
    const std::vector<protocol::ServerFrame> frames = binary_frames_to(first);
    ASSERT_EQ(frames.size(), 2U);
    EXPECT_EQ(std::get<protocol::DisconnectPush>(frames[1]).code, NOTIFY_CLOSE_REPLACED);
}

TEST_F(BinaryConnectionTest, PublishToJsonAndBinarySubscribers_OneFrameSerializedOncePerEncoding) {
    const ConnectedClient json = open_client(1);
    const ConnectionRef binary = open(2, 0, kBinary);
    binary_request(binary, protocol::ConnectCommand{});
    subscribe(json.conn, "news");
    binary_request(binary, protocol::SubscribeCommand{"news", std::nullopt});
    env.clear_records();
    const std::uint64_t json_before = message_serializations(kJson);
    const std::uint64_t binary_before = message_serializations(kBinary);

    core().publish(PublishTargets{{"news"}, {}, {}}, "h\xC3\xA9llo");

    const std::vector<const RecordedDelivery*> deliveries = message_deliveries();
    ASSERT_EQ(deliveries.size(), 1U);
    EXPECT_EQ(deliveries[0]->conns, (std::vector<std::uint64_t>{1, 2}));
    const protocol::MessagePush expected{"news", 1, "epoch-1", "h\xC3\xA9llo"};
    EXPECT_EQ(std::get<protocol::MessagePush>(decode_json(deliveries[0]->json)), expected);
    EXPECT_EQ(std::get<protocol::MessagePush>(decode_binary(deliveries[0]->binary)), expected);
    EXPECT_EQ(message_serializations(kJson), json_before + 1);
    EXPECT_EQ(message_serializations(kBinary), binary_before + 1);

    // Another transport asking again gets the same bytes, not a new serialization.
    const FrameRef& frame = deliveries[0]->frame;
    EXPECT_EQ(frame.bytes(kBinary).data(), frame.bytes(kBinary).data());
    EXPECT_EQ(message_serializations(kBinary), binary_before + 1);
}

TEST_F(BinaryConnectionTest, PublishToJsonSubscribersOnly_NeverSerializesBinary) {
    const ConnectedClient json = open_client(1);
    subscribe(json.conn, "news");
    const std::uint64_t binary_before = message_serializations(kBinary);
    core().publish(PublishTargets{{"news"}, {}, {}}, "x");
    EXPECT_EQ(messages_to(json.conn).size(), 1U);
    EXPECT_EQ(message_serializations(kBinary), binary_before);
}

}  // namespace
}  // namespace notify::core::testing
