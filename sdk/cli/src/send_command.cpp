#include "cli_error.hpp"
#include "commands.hpp"
#include "protocol_session.hpp"
#include "token_source.hpp"

namespace notify::cli {

int run_send(const SendOptions& options) {
    const Deadline deadline = deadline_from(options.connection.timeout_seconds);
    TokenSource tokens(options.connection.token, options.connection.token_command);
    Connection connection = open_connection(options.connection, tokens, deadline, {});
    ProtocolSession& session = *connection.session;
    protocol::SendCommand send;
    send.data = options.data;
    const auto id = session.send(std::move(send));
    session.await_reply(id, "send");
    session.close();
    return static_cast<int>(ExitCode::success);
}

}  // namespace notify::cli
