#include "protocol_session.hpp"

#include <notify/protocol/binary.hpp>

#include "cli_error.hpp"

namespace notify::cli {

ProtocolSession::ProtocolSession(Transport& transport, Deadline deadline)
    : transport_(transport), deadline_(deadline) {}

void ProtocolSession::open() { transport_.connect(deadline_); }

std::uint64_t ProtocolSession::send(protocol::CommandBody body) {
    const protocol::Command command{++last_id_, std::move(body)};
    transport_.send_frame(transport_.encoding() == Encoding::binary
                              ? protocol::encode_command_binary(command)
                              : protocol::encode_command(command),
                          deadline_);
    return command.id;
}

ServerEvent ProtocolSession::next() {
    for (;;) {
        const std::string frame = transport_.receive(deadline_);
        auto decoded = transport_.encoding() == Encoding::binary
                           ? protocol::decode_server_frame_binary(frame)
                           : protocol::decode_server_frame(frame);
        if (const auto* error = std::get_if<protocol::DecodeError>(&decoded)) {
            // A push kind of a later protocol version: the decoders say so with
            // unknown_command, and a client skips it (docs/protocol.md §5).
            if (error->code == protocol::ErrorCode::unknown_command) continue;
            throw CliError(ExitCode::failure,
                           "protocol error: cannot decode a frame from the server: " +
                               error->message);
        }
        return event_of(std::move(std::get<protocol::ServerFrame>(decoded)));
    }
}

ServerEvent ProtocolSession::event_of(protocol::ServerFrame server_frame) {
    if (const auto* disconnect = std::get_if<protocol::DisconnectPush>(&server_frame)) {
        std::string message = "disconnected by the server (code " +
                              std::to_string(disconnect->code);
        if (!disconnect->reason.empty()) message += ": " + disconnect->reason;
        throw CliError(ExitCode::failure, message + ")");
    }
    if (auto* reply = std::get_if<protocol::Reply>(&server_frame)) return std::move(*reply);
    if (auto* recover = std::get_if<protocol::RecoverPush>(&server_frame)) {
        return std::move(*recover);
    }
    return std::move(std::get<protocol::MessagePush>(server_frame));
}

protocol::Reply ProtocolSession::await_reply(std::uint64_t id, const std::string& what) {
    for (;;) {
        auto event = next();
        auto* reply = std::get_if<protocol::Reply>(&event);
        if (reply == nullptr) continue;
        if (reply->id != id) throw_unexpected_reply(reply->id);
        if (reply->error) throw_error_reply(what, *reply->error);
        return std::move(*reply);
    }
}

void ProtocolSession::connect(const std::string& token) {
    protocol::ConnectCommand command;
    command.token = token;
    const auto id = send(std::move(command));
    await_reply(id, "connect");
}

void ProtocolSession::close() noexcept { transport_.close(); }

void throw_error_reply(const std::string& what, const protocol::DecodeError& error) {
    throw CliError(ExitCode::failure, what + " refused: " +
                                          std::string(protocol::error_name(error.code)) + " (" +
                                          std::to_string(static_cast<std::uint32_t>(error.code)) +
                                          "): " + error.message);
}

void throw_unexpected_reply(std::uint64_t id) {
    throw CliError(ExitCode::failure,
                   "protocol error: reply to unknown command id " + std::to_string(id));
}

}  // namespace notify::cli
