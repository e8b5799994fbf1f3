#include <cstdio>
#include <map>
#include <set>

#include "cli_error.hpp"
#include "commands.hpp"
#include "message_line.hpp"
#include "protocol_session.hpp"
#include "url.hpp"

namespace notify::cli {
namespace {

void print_line(const std::string& line) {
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
}

void announce_ready() {
    std::fputs("ready\n", stderr);
    std::fflush(stderr);
}

}  // namespace

int run_sub(const SubOptions& options) {
    const Deadline deadline = deadline_from(options.connection.timeout_seconds);
    const Url url = parse_url(options.connection.url);
    const auto transport = make_transport(url, options.connection.transport);
    ProtocolSession session(*transport, deadline);
    session.open();

    const std::set<std::string, std::less<>> wanted(options.topics.begin(), options.topics.end());
    protocol::ConnectCommand connect;
    connect.token = options.connection.token;
    const std::uint64_t connect_id = session.send(std::move(connect));
    bool connected = false;
    std::map<std::uint64_t, std::string> pending_subscribes;
    std::uint64_t printed = 0;

    // Messages may come before the subscribe replies (a server-side handler may have subscribed
    // this client already), so replies and pushes are handled in one loop, in arrival order.
    for (;;) {
        auto event = session.next();
        if (auto* message = std::get_if<protocol::MessagePush>(&event)) {
            if (!wanted.contains(message->topic)) continue;
            print_line(format_message_line(*message));
            if (options.count && ++printed >= *options.count) {
                session.close();
                return static_cast<int>(ExitCode::success);
            }
            continue;
        }
        const auto& reply = std::get<protocol::Reply>(event);
        if (!connected && reply.id == connect_id) {
            if (reply.error) throw_error_reply("connect", *reply.error);
            connected = true;
            for (const auto& topic : options.topics) {
                protocol::SubscribeCommand subscribe;
                subscribe.topic = topic;
                pending_subscribes.emplace(session.send(std::move(subscribe)), topic);
            }
            continue;
        }
        const auto subscribe = pending_subscribes.find(reply.id);
        if (subscribe == pending_subscribes.end()) throw_unexpected_reply(reply.id);
        if (reply.error) throw_error_reply("subscribe to '" + subscribe->second + "'", *reply.error);
        pending_subscribes.erase(subscribe);
        if (pending_subscribes.empty()) announce_ready();
    }
}

}  // namespace notify::cli
