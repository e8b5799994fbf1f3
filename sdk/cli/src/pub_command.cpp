#include "cli_error.hpp"
#include "commands.hpp"
#include "protocol_session.hpp"
#include "url.hpp"

namespace notify::cli {

int run_pub(const PubOptions& options) {
    const Deadline deadline = deadline_from(options.connection.timeout_seconds);
    const Url url = parse_url(options.connection.url);
    const auto transport = make_transport(url, options.connection.transport);
    ProtocolSession session(*transport, deadline);
    session.open();
    session.connect(options.connection.token);
    protocol::PublishCommand publish;
    publish.topics = {options.topic};
    publish.data = options.data;
    const auto id = session.send(std::move(publish));
    session.await_reply(id, "publish to '" + options.topic + "'");
    session.close();
    return static_cast<int>(ExitCode::success);
}

}  // namespace notify::cli
