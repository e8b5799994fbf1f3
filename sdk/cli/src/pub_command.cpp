#include <map>

#include "cli_error.hpp"
#include "commands.hpp"
#include "protocol_session.hpp"
#include "token_source.hpp"

namespace notify::cli {
namespace {

// Publishes in flight at once with --count: enough to keep the connection busy, few enough that
// the server's replies never back up behind our sends on any transport (the http plugin queues
// 1024 frames per session by default).
constexpr std::size_t kPublishWindow = 256;

protocol::PublishCommand publish_command(const PubOptions& options, std::string data) {
    protocol::PublishCommand publish;
    publish.topics = {options.topic};
    publish.data = std::move(data);
    return publish;
}

void publish_once(ProtocolSession& session, const PubOptions& options) {
    const auto id = session.send(publish_command(options, options.data));
    session.await_reply(id, "publish to '" + options.topic + "'");
}

// DATA-1 … DATA-count, pipelined; returns once every publish was acknowledged.
void publish_numbered(ProtocolSession& session, const PubOptions& options, std::uint64_t count) {
    std::map<std::uint64_t, std::uint64_t> in_flight;  // command id → message number
    std::uint64_t sent = 0;
    while (sent < count || !in_flight.empty()) {
        while (sent < count && in_flight.size() < kPublishWindow) {
            ++sent;
            const auto id = session.send(
                publish_command(options, options.data + "-" + std::to_string(sent)));
            in_flight.emplace(id, sent);
        }
        const auto event = session.next();
        const auto* reply = std::get_if<protocol::Reply>(&event);
        if (reply == nullptr) continue;
        const auto publish = in_flight.find(reply->id);
        if (publish == in_flight.end()) throw_unexpected_reply(reply->id);
        if (reply->error) {
            throw_error_reply("publish " + std::to_string(publish->second) + " of " +
                                  std::to_string(count) + " to '" + options.topic + "'",
                              *reply->error);
        }
        in_flight.erase(publish);
    }
}

}  // namespace

int run_pub(const PubOptions& options) {
    const Deadline deadline = deadline_from(options.connection.timeout_seconds);
    TokenSource tokens(options.connection.token, options.connection.token_command);
    Connection connection = open_connection(options.connection, tokens, deadline, {});
    ProtocolSession& session = *connection.session;
    if (options.count) {
        publish_numbered(session, options, *options.count);
    } else {
        publish_once(session, options);
    }
    session.close();
    return static_cast<int>(ExitCode::success);
}

}  // namespace notify::cli
