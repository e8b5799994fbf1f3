// Feeds arbitrary bytes to both decoders and checks, beyond "no crash", that whatever decodes
// re-encodes to something that decodes to the same value, and that every error message can be
// sent back to a client as a well-formed error reply.
#include <notify/protocol/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

namespace {

namespace protocol = notify::protocol;

void require(bool property) {
    if (!property) {
        std::abort();
    }
}

void check_error_reply_round_trip(const protocol::DecodeError& error) {
    require(!error.message.empty());
    const auto decoded = protocol::decode_server_frame(
        protocol::encode_error_reply(error.id, error.code, error.message));
    const auto* frame = std::get_if<protocol::ServerFrame>(&decoded);
    require(frame != nullptr);
    const auto* reply = std::get_if<protocol::Reply>(frame);
    require(reply != nullptr && reply->error.has_value());
    require(reply->id == error.id && reply->error->code == error.code);
    require(protocol::is_valid_utf8(error.message) && reply->error->message == error.message);
}

void check_command(std::string_view input) {
    const auto decoded = protocol::decode_command(input);
    if (const auto* error = std::get_if<protocol::DecodeError>(&decoded)) {
        require(error->code == protocol::ErrorCode::bad_request ||
                error->code == protocol::ErrorCode::unknown_command);
        check_error_reply_round_trip(*error);
        return;
    }
    const auto& command = std::get<protocol::Command>(decoded);
    const auto again = protocol::decode_command(protocol::encode_command(command));
    const auto* command_again = std::get_if<protocol::Command>(&again);
    require(command_again != nullptr && *command_again == command);
}

void check_reply(const protocol::Reply& reply) {
    if (reply.error) {
        check_error_reply_round_trip(*reply.error);
        return;
    }
    const bool has_connect_fields = !reply.client.empty() || !reply.user.empty() ||
                                    !reply.resume.empty() || !reply.version.empty() ||
                                    reply.resumed || reply.overflow;
    const bool has_presence_fields =
        reply.has_presence || reply.presence_clients || reply.presence_users;
    std::string encoded;
    if (has_presence_fields || reply.has_messages) {
        // Each of these encoders writes its own fields alone (history: with its position).
        if (has_connect_fields || !reply.positions.empty() || reply.recovered || reply.ttl_ms) {
            return;
        }
        if (reply.has_presence && !reply.presence_clients && !reply.has_messages &&
            !reply.position) {
            encoded = protocol::encode_presence_reply(reply.id, reply.presence);
        } else if (reply.presence_clients && reply.presence_users && !reply.has_presence &&
                   !reply.has_messages && !reply.position) {
            encoded = protocol::encode_presence_stats_reply(reply.id, *reply.presence_clients,
                                                            *reply.presence_users);
        } else if (reply.has_messages && reply.position && !has_presence_fields) {
            encoded = protocol::encode_history_reply(reply.id, *reply.position, reply.messages);
        } else {
            return;
        }
    } else if (reply.position && !has_connect_fields && reply.positions.empty()) {
        encoded = protocol::encode_subscribe_reply(reply.id, *reply.position, reply.recovered);
    } else if (reply.position || reply.recovered) {
        return;  // no single encoder writes a position beside other fields, or recovered alone
    } else if (reply.positions.empty()) {
        encoded = protocol::encode_connect_reply(
            reply.id, reply.client, reply.user, reply.resume, reply.version,
            protocol::SessionResume{reply.resumed, reply.overflow, reply.ttl_ms});
    } else if (!has_connect_fields) {
        encoded = protocol::encode_publish_reply(reply.id, reply.positions);
    } else {
        return;  // no single encoder writes both connect fields and positions
    }
    const auto again = protocol::decode_server_frame(encoded);
    const auto* frame = std::get_if<protocol::ServerFrame>(&again);
    require(frame != nullptr && *frame == protocol::ServerFrame{reply});
}

void check_server_frame(std::string_view input) {
    const auto decoded = protocol::decode_server_frame(input);
    const auto* frame = std::get_if<protocol::ServerFrame>(&decoded);
    if (frame == nullptr) {
        check_error_reply_round_trip(std::get<protocol::DecodeError>(decoded));
        return;
    }
    std::string encoded;
    if (const auto* reply = std::get_if<protocol::Reply>(frame)) {
        check_reply(*reply);
        return;
    }
    if (const auto* message = std::get_if<protocol::MessagePush>(frame)) {
        encoded = protocol::encode_message_push(message->topic, message->offset, message->epoch,
                                                message->data);
    } else if (const auto* recover = std::get_if<protocol::RecoverPush>(frame)) {
        encoded = protocol::encode_recover_push(recover->topic, recover->offset, recover->epoch,
                                                recover->reason);
    } else if (const auto* join = std::get_if<protocol::JoinPush>(frame)) {
        encoded = protocol::encode_join_push(join->topic, join->who);
    } else if (const auto* leave = std::get_if<protocol::LeavePush>(frame)) {
        encoded = protocol::encode_leave_push(leave->topic, leave->who);
    } else {
        const auto& disconnect = std::get<protocol::DisconnectPush>(*frame);
        encoded = protocol::encode_disconnect_push(disconnect.code, disconnect.reason);
    }
    const auto again = protocol::decode_server_frame(encoded);
    const auto* frame_again = std::get_if<protocol::ServerFrame>(&again);
    require(frame_again != nullptr && *frame_again == *frame);
}

// The input as an opaque payload: it must survive encoding exactly, whatever its bytes.
void check_payload(std::string_view input) {
    const protocol::Command send{1, protocol::SendCommand{std::string(input)}};
    const auto decoded = protocol::decode_command(protocol::encode_command(send));
    const auto* command = std::get_if<protocol::Command>(&decoded);
    require(command != nullptr && *command == send);

    require(protocol::base64_decode(protocol::base64_encode(input)) == input);
    if (const auto bytes = protocol::base64_decode(input)) {
        require(protocol::base64_encode(*bytes) == input);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    check_command(input);
    check_server_frame(input);
    check_payload(input);
    return 0;
}
