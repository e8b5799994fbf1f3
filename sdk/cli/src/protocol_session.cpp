#include "protocol_session.hpp"

#include <notify/protocol/binary.hpp>

#include <cstdio>

#include "cli_error.hpp"
#include "commands.hpp"
#include "token_source.hpp"
#include "url.hpp"

namespace notify::cli {
namespace {

// A refresh goes out at this share of the token's remaining lifetime (docs/protocol.md).
constexpr double kRefreshShare = 0.8;

void print_notice(const std::string& line) {
    std::fputs((line + "\n").c_str(), stderr);
    std::fflush(stderr);
}

std::string refused_text(const std::string& what, const protocol::DecodeError& error) {
    return what + " refused: " + std::string(protocol::error_name(error.code)) + " (" +
           std::to_string(static_cast<std::uint32_t>(error.code)) + "): " + error.message;
}

}  // namespace

ProtocolSession::ProtocolSession(Transport& transport, Deadline deadline, TokenSource& tokens)
    : transport_(transport), deadline_(deadline), tokens_(tokens) {}

void ProtocolSession::open() { transport_.connect(deadline_); }

std::uint64_t ProtocolSession::send(protocol::CommandBody body) {
    const protocol::Command command{++last_id_, std::move(body)};
    transport_.send_frame(transport_.encoding() == Encoding::binary
                              ? protocol::encode_command_binary(command)
                              : protocol::encode_command(command),
                          deadline_);
    return command.id;
}

// The next frame; sends refresh on the way when it is due.
std::string ProtocolSession::receive_frame() {
    for (;;) {
        if (!refresh_at_ || refresh_id_) return transport_.receive(deadline_);
        if (Clock::now() >= *refresh_at_) {
            refresh_at_.reset();
            protocol::RefreshCommand refresh;
            refresh.token = tokens_.get();
            refresh_id_ = send(std::move(refresh));
            continue;
        }
        if (auto frame = transport_.receive_until(deadline_, *refresh_at_)) {
            return std::move(*frame);
        }
    }
}

ServerEvent ProtocolSession::next() {
    if (unrefreshable_ttl_) {
        tokens_.warn_unrefreshable(*unrefreshable_ttl_);
        unrefreshable_ttl_.reset();
    }
    for (;;) {
        const std::string frame = receive_frame();
        if (frame.empty()) {
            if (auto lost = transport_.take_lost_frames()) {
                if (refresh_id_) {
                    // Its reply may have been among them: refresh again now.
                    abandon(*refresh_id_);
                    refresh_id_.reset();
                    refresh_at_ = Clock::now();
                }
                return FramesLost{std::move(*lost)};
            }
        }
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
        auto event = event_of(std::move(std::get<protocol::ServerFrame>(decoded)));
        if (const auto* reply = std::get_if<protocol::Reply>(&event);
            reply != nullptr && abandoned_.erase(reply->id) > 0) {
            continue;
        }
        if (const auto* reply = std::get_if<protocol::Reply>(&event);
            reply != nullptr && refresh_id_ && reply->id == *refresh_id_) {
            refresh_id_.reset();
            on_refresh_reply(*reply);
            continue;
        }
        return event;
    }
}

ServerEvent ProtocolSession::event_of(protocol::ServerFrame server_frame) {
    if (const auto* disconnect = std::get_if<protocol::DisconnectPush>(&server_frame)) {
        std::string message = "disconnected by the server (code " +
                              std::to_string(disconnect->code);
        if (!disconnect->reason.empty()) message += ": " + disconnect->reason;
        throw CliError(ExitCode::failure, message + ")", disconnect->code);
    }
    if (auto* reply = std::get_if<protocol::Reply>(&server_frame)) return std::move(*reply);
    if (auto* recover = std::get_if<protocol::RecoverPush>(&server_frame)) {
        return std::move(*recover);
    }
    if (auto* join = std::get_if<protocol::JoinPush>(&server_frame)) return std::move(*join);
    if (auto* leave = std::get_if<protocol::LeavePush>(&server_frame)) return std::move(*leave);
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

protocol::Reply ProtocolSession::connect(protocol::ConnectCommand command) {
    const auto id = send(std::move(command));
    for (;;) {
        auto event = next();
        auto* reply = std::get_if<protocol::Reply>(&event);
        if (reply == nullptr) continue;
        if (reply->id != id) throw_unexpected_reply(reply->id);
        if (reply->error) {
            if (reply->error->code == protocol::ErrorCode::token_expired) {
                throw TokenExpired(*reply->error);
            }
            throw_error_reply("connect", *reply->error);
        }
        schedule_refresh(reply->ttl_ms);
        return std::move(*reply);
    }
}

void ProtocolSession::schedule_refresh(const std::optional<std::uint64_t>& ttl_ms) {
    refresh_at_.reset();
    if (!ttl_ms) return;
    if (!tokens_.refreshable()) {
        // Printed by the next call of next(), after what the caller prints about the reply.
        unrefreshable_ttl_ = ttl_ms;
        return;
    }
    const auto delay = std::chrono::duration<double, std::milli>(
        static_cast<double>(*ttl_ms) * kRefreshShare);
    refresh_at_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(delay);
}

// A refused refresh leaves the connection as it is: the server closes it once the token
// expired (4006), and `sub` reconnects then with a new token.
void ProtocolSession::on_refresh_reply(const protocol::Reply& reply) {
    if (reply.error) {
        print_notice("notify-cli: " + refused_text("refresh", *reply.error) +
                     "; the server will close the connection when the token expires");
        return;
    }
    schedule_refresh(reply.ttl_ms);
}

void ProtocolSession::abandon(std::uint64_t id) { abandoned_.insert(id); }

void ProtocolSession::close() noexcept { transport_.close(); }

TokenExpired::TokenExpired(const protocol::DecodeError& error)
    : std::runtime_error(refused_text("connect", error)), error_(error) {}

Connection open_connection(const ConnectionOptions& options, TokenSource& tokens,
                           Deadline deadline, protocol::ConnectCommand command) {
    const Url url = parse_url(options.url);
    check_transport_options(url, options.transport);
    for (int attempt = 0;; ++attempt) {
        // Before the connection opens, so a failing --token-cmd is reported as such.
        command.token = tokens.get();
        Connection connection;
        connection.transport = make_transport(url, options.transport);
        connection.session =
            std::make_unique<ProtocolSession>(*connection.transport, deadline, tokens);
        connection.session->open();
        try {
            connection.reply = connection.session->connect(command);
            return connection;
        } catch (const TokenExpired& expired) {
            connection.session->close();
            if (!tokens.refreshable()) {
                throw CliError(ExitCode::failure,
                               std::string(expired.what()) +
                                   " (token expired: get a new token, or use --token-cmd)");
            }
            if (attempt > 0) {
                throw CliError(ExitCode::failure,
                               std::string(expired.what()) + " (token expired: --token-cmd '" +
                                   tokens.command() + "' gave an expired token twice)");
            }
        }
    }
}

void throw_error_reply(const std::string& what, const protocol::DecodeError& error) {
    throw CliError(ExitCode::failure, refused_text(what, error));
}

void throw_unexpected_reply(std::uint64_t id) {
    throw CliError(ExitCode::failure,
                   "protocol error: reply to unknown command id " + std::to_string(id));
}

}  // namespace notify::cli
