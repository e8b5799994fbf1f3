// Feeds arbitrary bytes to the binary decoders and the stream frame reader. Beyond "no crash":
// whatever decodes re-encodes to the same bytes' meaning and to the same JSON meaning, every
// error can be sent back as an error reply, and the stream reader cuts the same frames whatever
// the chunking, never holding more than one frame and its prefix.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <notify/protocol/binary.hpp>
#include <notify/protocol/json.hpp>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace {

namespace protocol = notify::protocol;

void require(bool property) {
    if (!property) {
        std::abort();
    }
}

void check_error_reply_round_trip(const protocol::DecodeError& error) {
    require(!error.message.empty() && protocol::is_valid_utf8(error.message));
    const auto decoded = protocol::decode_server_frame_binary(
        protocol::encode_error_reply_binary(error.id, error.code, error.message));
    const auto* frame = std::get_if<protocol::ServerFrame>(&decoded);
    require(frame != nullptr);
    const auto* reply = std::get_if<protocol::Reply>(frame);
    require(reply != nullptr && reply->error.has_value() && *reply->error == error);
}

void check_command(std::string_view input) {
    const auto decoded = protocol::decode_command_binary(input);
    if (const auto* error = std::get_if<protocol::DecodeError>(&decoded)) {
        require(error->code == protocol::ErrorCode::bad_request ||
                error->code == protocol::ErrorCode::unknown_command);
        check_error_reply_round_trip(*error);
        return;
    }
    const auto& command = std::get<protocol::Command>(decoded);
    const std::string encoded = protocol::encode_command_binary(command);
    require(encoded.size() <= input.size());  // the input may only add ignored bytes
    const auto again = protocol::decode_command_binary(encoded);
    const auto* command_again = std::get_if<protocol::Command>(&again);
    require(command_again != nullptr && *command_again == command);

    // A command the binary decoder accepts passes the JSON decoder's checks too.
    const auto from_json = protocol::decode_command(protocol::encode_command(command));
    const auto* json_command = std::get_if<protocol::Command>(&from_json);
    require(json_command != nullptr && *json_command == command);
}

void check_server_frame(std::string_view input) {
    const auto decoded = protocol::decode_server_frame_binary(input);
    const auto* frame = std::get_if<protocol::ServerFrame>(&decoded);
    if (frame == nullptr) {
        const auto& error = std::get<protocol::DecodeError>(decoded);
        require(error.code == protocol::ErrorCode::bad_request ||
                error.code == protocol::ErrorCode::unknown_command);
        check_error_reply_round_trip(error);
        return;
    }
    const std::string encoded = protocol::encode_server_frame_binary(*frame);
    const auto again = protocol::decode_server_frame_binary(encoded);
    const auto* frame_again = std::get_if<protocol::ServerFrame>(&again);
    require(frame_again != nullptr && *frame_again == *frame);

    std::string json;
    if (const auto* message = std::get_if<protocol::MessagePush>(frame)) {
        json = protocol::encode_message_push(message->topic, message->offset, message->epoch,
                                             message->data);
    } else if (const auto* disconnect = std::get_if<protocol::DisconnectPush>(frame)) {
        json = protocol::encode_disconnect_push(disconnect->code, disconnect->reason);
    } else if (const auto* recover = std::get_if<protocol::RecoverPush>(frame)) {
        json = protocol::encode_recover_push(recover->topic, recover->offset, recover->epoch,
                                             recover->reason);
    } else if (const auto* join = std::get_if<protocol::JoinPush>(frame)) {
        json = protocol::encode_join_push(join->topic, join->who);
    } else if (const auto* leave = std::get_if<protocol::LeavePush>(frame)) {
        json = protocol::encode_leave_push(leave->topic, leave->who);
    } else if (const auto& reply = std::get<protocol::Reply>(*frame); reply.error) {
        json = protocol::encode_error_reply(reply.id, reply.error->code, reply.error->message);
    } else {
        return;  // no single JSON encoder writes every mix of result fields
    }
    const auto from_json = protocol::decode_server_frame(json);
    const auto* json_frame = std::get_if<protocol::ServerFrame>(&from_json);
    require(json_frame != nullptr && *json_frame == *frame);
}

struct StreamResult {
    std::vector<std::string> frames;
    bool failed = false;

    bool operator==(const StreamResult&) const = default;
};

StreamResult read_stream(std::string_view stream, std::size_t max_frame_size,
                         std::size_t chunk_size) {
    protocol::StreamFrameReader reader(max_frame_size);
    StreamResult result;
    while (!stream.empty() && !reader.failed()) {
        std::string_view chunk = stream.substr(0, chunk_size);
        stream.remove_prefix(chunk.size());
        while (!chunk.empty() && !reader.failed()) {
            chunk.remove_prefix(reader.feed(chunk));
            require(reader.buffered_size() <= max_frame_size + protocol::kStreamLengthSize);
            while (auto frame = reader.pop_frame()) {
                require(frame->size() <= max_frame_size);
                result.frames.push_back(std::move(*frame));
            }
        }
    }
    result.failed = reader.failed();
    return result;
}

// The first byte picks the limit, the second the chunk size; the rest is the stream.
void check_stream(std::string_view input) {
    if (input.size() < 2) {
        return;
    }
    const auto max_frame_size = static_cast<std::size_t>(static_cast<unsigned char>(input[0]));
    const std::size_t chunk_size = 1 + static_cast<unsigned char>(input[1]) % 16;
    const std::string_view stream = input.substr(2);
    const StreamResult whole = read_stream(stream, max_frame_size, stream.size() + 1);
    require(read_stream(stream, max_frame_size, chunk_size) == whole);

    std::string framed;
    for (const std::string& frame : whole.frames) {
        protocol::append_length_prefixed(framed, frame);
    }
    require(stream.substr(0, framed.size()) == framed);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    check_command(input);
    check_server_frame(input);
    check_stream(input);
    return 0;
}
