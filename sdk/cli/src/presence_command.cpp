// `notify-cli presence` and `notify-cli history`: one command, its reply printed as lines on
// stdout (README.md).
#include <cstdio>

#include "cli_error.hpp"
#include "commands.hpp"
#include "message_line.hpp"
#include "protocol_session.hpp"
#include "token_source.hpp"

namespace notify::cli {
namespace {

void print_line(const std::string& line) {
    std::fwrite(line.data(), 1, line.size(), stdout);
}

// Connects, sends `body` and returns its reply (an error reply throws CliError naming `what`).
protocol::Reply request(const ConnectionOptions& options, protocol::CommandBody body,
                        const std::string& what) {
    const Deadline deadline = deadline_from(options.timeout_seconds);
    TokenSource tokens(options.token, options.token_command);
    Connection connection = open_connection(options, tokens, deadline, {});
    ProtocolSession& session = *connection.session;
    const auto id = session.send(std::move(body));
    protocol::Reply reply = session.await_reply(id, what);
    session.close();
    return reply;
}

[[noreturn]] void missing(const std::string& what, const std::string& member) {
    throw CliError(ExitCode::failure,
                   "protocol error: the reply to " + what + " has no " + member);
}

}  // namespace

int run_presence(const PresenceOptions& options) {
    if (options.stats) {
        const std::string what = "presence_stats of '" + options.topic + "'";
        const protocol::Reply reply =
            request(options.connection, protocol::PresenceStatsCommand{options.topic}, what);
        if (!reply.presence_clients || !reply.presence_users) missing(what, "clients and users");
        print_line("{\"clients\":" + std::to_string(*reply.presence_clients) +
                   ",\"users\":" + std::to_string(*reply.presence_users) + "}\n");
    } else {
        const std::string what = "presence of '" + options.topic + "'";
        const protocol::Reply reply =
            request(options.connection, protocol::PresenceCommand{options.topic}, what);
        if (!reply.has_presence) missing(what, "presence list");
        for (const protocol::ClientInfo& who : reply.presence) print_line(format_client_line(who));
    }
    std::fflush(stdout);
    return static_cast<int>(ExitCode::success);
}

int run_history(const HistoryOptions& options) {
    protocol::HistoryCommand history;
    history.topic = options.topic;
    history.limit = options.limit;
    history.since = options.since;
    history.reverse = options.reverse;
    const std::string what = "history of '" + options.topic + "'";
    const protocol::Reply reply = request(options.connection, std::move(history), what);
    if (!reply.has_messages || !reply.position) missing(what, "messages and position");
    // The lines of `sub`: every message of a history is of the stream's current epoch.
    for (const protocol::HistoryMessage& message : reply.messages) {
        print_line(format_message_line(
            protocol::MessagePush{options.topic, message.offset, reply.position->epoch,
                                  message.data}));
    }
    std::fflush(stdout);
    return static_cast<int>(ExitCode::success);
}

}  // namespace notify::cli
