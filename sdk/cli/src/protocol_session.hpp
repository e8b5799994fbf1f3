// The client side of the protocol over any transport: numbers commands, decodes what the server
// sends, and turns error replies, disconnect pushes and undecodable frames into CliError. Once
// connected with a token that expires (the connect reply's ttl_ms), it refreshes the token by
// itself (docs/protocol.md, "refresh") when the token source can give a new one.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>

#include <notify/protocol/json.hpp>

#include "transport.hpp"

namespace notify::cli {

struct ConnectionOptions;
class TokenSource;

// Frames the server sent that the transport lost for good (UDP's GAP_LOST), in their place in
// the stream: whatever they carried (messages, replies) will not come. `what` is for people.
struct FramesLost {
    std::string what;
};

using ServerEvent = std::variant<protocol::Reply, protocol::MessagePush, protocol::RecoverPush,
                                 protocol::JoinPush, protocol::LeavePush, FramesLost>;

class ProtocolSession {
public:
    ProtocolSession(Transport& transport, Deadline deadline, TokenSource& tokens);

    void open();  // connects the transport
    // Sends a command with the next id; returns that id.
    std::uint64_t send(protocol::CommandBody body);
    // Stops waiting for the reply to command `id` (its frame may have been lost): next() skips
    // it if it comes after all.
    void abandon(std::uint64_t id);
    // The next reply, message, recover, join or leave push, or FramesLost. After FramesLost,
    // a refresh whose reply may have been lost is sent again. A disconnect push throws CliError(failure)
    // with its reason (and its close code); a push of a kind this version does not know is
    // skipped (docs/protocol.md §5). Sends refresh when it is due and consumes its reply.
    ServerEvent next();
    // Waits for the reply to command `id`, skipping pushes; an error reply throws
    // CliError(failure) naming `what`, a reply to any other id is a protocol error.
    protocol::Reply await_reply(std::uint64_t id, const std::string& what);
    // Sends `command` (with its token) and waits for its reply; an error
    // reply throws CliError(failure), TokenExpired for token_expired (111). Schedules the
    // refreshes the reply's ttl_ms asks for.
    protocol::Reply connect(protocol::ConnectCommand command);
    void close() noexcept;

private:
    static ServerEvent event_of(protocol::ServerFrame server_frame);
    std::string receive_frame();
    void schedule_refresh(const std::optional<std::uint64_t>& ttl_ms);
    void on_refresh_reply(const protocol::Reply& reply);

    Transport& transport_;
    Deadline deadline_;
    TokenSource& tokens_;
    std::uint64_t last_id_ = 0;
    std::optional<Clock::time_point> refresh_at_;  // when the next refresh is due
    std::optional<std::uint64_t> refresh_id_;      // the refresh waiting for its reply
    std::optional<std::uint64_t> unrefreshable_ttl_;  // a fixed token's ttl_ms to warn about
    std::set<std::uint64_t> abandoned_;               // ids whose replies are skipped
};

// A connect refused with token_expired (111).
class TokenExpired : public std::runtime_error {
public:
    explicit TokenExpired(const protocol::DecodeError& error);
    const protocol::DecodeError& error() const { return error_; }

private:
    protocol::DecodeError error_;
};

// A transport and a session connected on it.
struct Connection {
    std::unique_ptr<Transport> transport;
    std::unique_ptr<ProtocolSession> session;
    protocol::Reply reply;  // the connect reply
};

// Opens the URL's transport and connects with `command` (its token comes from `tokens`). A
// connect refused with token_expired is tried once more, on a new connection, with a new token
// when the source has one (--token-cmd); otherwise it throws CliError(failure) saying the token
// expired.
Connection open_connection(const ConnectionOptions& options, TokenSource& tokens,
                           Deadline deadline, protocol::ConnectCommand command);

// Throws CliError(failure): "<what> refused: <name> (<code>): <message>".
[[noreturn]] void throw_error_reply(const std::string& what, const protocol::DecodeError& error);
// Throws CliError(failure) for a reply whose id matches no command in flight.
[[noreturn]] void throw_unexpected_reply(std::uint64_t id);

}  // namespace notify::cli
