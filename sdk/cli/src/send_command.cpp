#include "cli_error.hpp"
#include "commands.hpp"
#include "protocol_session.hpp"
#include "url.hpp"

namespace notify::cli {

int run_send(const SendOptions& options) {
    const Deadline deadline = deadline_from(options.connection.timeout_seconds);
    const Url url = parse_url(options.connection.url);
    const auto transport = make_transport(url, options.connection.transport);
    ProtocolSession session(*transport, deadline);
    session.open();
    session.connect(options.connection.token);
    protocol::SendCommand send;
    send.data = options.data;
    const auto id = session.send(std::move(send));
    session.await_reply(id, "send");
    session.close();
    return static_cast<int>(ExitCode::success);
}

}  // namespace notify::cli
