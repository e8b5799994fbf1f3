// The client side of the protocol over any transport: numbers commands, decodes what the server
// sends, and turns error replies, disconnect pushes and undecodable frames into CliError.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include <notify/protocol/json.hpp>

#include "transport.hpp"

namespace notify::cli {

using ServerEvent = std::variant<protocol::Reply, protocol::MessagePush, protocol::RecoverPush>;

class ProtocolSession {
public:
    ProtocolSession(Transport& transport, Deadline deadline);

    void open();  // connects the transport
    // Sends a command with the next id; returns that id.
    std::uint64_t send(protocol::CommandBody body);
    // The next reply, message push or recover push. A disconnect push throws CliError(failure)
    // with its reason; a push of a kind this version does not know is skipped
    // (docs/protocol.md §5).
    ServerEvent next();
    // Waits for the reply to command `id`, skipping pushes; an error reply throws
    // CliError(failure) naming `what`, a reply to any other id is a protocol error.
    protocol::Reply await_reply(std::uint64_t id, const std::string& what);
    // Sends connect with `token` and waits for its reply.
    void connect(const std::string& token);
    void close() noexcept;

private:
    static ServerEvent event_of(protocol::ServerFrame server_frame);

    Transport& transport_;
    Deadline deadline_;
    std::uint64_t last_id_ = 0;
};

// Throws CliError(failure): "<what> refused: <name> (<code>): <message>".
[[noreturn]] void throw_error_reply(const std::string& what, const protocol::DecodeError& error);
// Throws CliError(failure) for a reply whose id matches no command in flight.
[[noreturn]] void throw_unexpected_reply(std::uint64_t id);

}  // namespace notify::cli
