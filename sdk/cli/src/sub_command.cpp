#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "cli_error.hpp"
#include "commands.hpp"
#include "message_line.hpp"
#include "protocol_session.hpp"
#include "stream_position.hpp"
#include "url.hpp"

namespace notify::cli {
namespace {

void print_line(const std::string& line) {
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
}

// The stderr lines of the contract (README.md): `client …`, `ready` and notices that do not end
// the command.
void print_status(const std::string& line) {
    std::fputs((line + "\n").c_str(), stderr);
    std::fflush(stderr);
}

struct PendingAck {
    std::string topic;
    std::uint64_t offset = 0;
};

// One `sub` run: connect, subscribe to every TOPIC, print (and acknowledge) messages.
class Subscriber {
public:
    Subscriber(const SubOptions& options, ProtocolSession& session)
        : options_(options),
          session_(session),
          wanted_(options.topics.begin(), options.topics.end()) {}

    int run() {
        protocol::ConnectCommand connect;
        connect.token = options_.connection.token;
        connect.client = options_.client;
        connect.resume = options_.resume;
        connect_id_ = session_.send(std::move(connect));
        // Messages may come before the subscribe replies (a server-side handler may have
        // subscribed this client already, a resumed session delivers its buffer), so replies
        // and pushes are handled in one loop, in arrival order.
        for (;;) {
            auto event = session_.next();
            if (const auto* message = std::get_if<protocol::MessagePush>(&event)) {
                on_message(*message);
            } else {
                on_reply(std::get<protocol::Reply>(event));
            }
            if (finished()) {
                session_.close();
                return static_cast<int>(ExitCode::success);
            }
        }
    }

private:
    bool count_reached() const { return options_.count && printed_ >= *options_.count; }
    // With --ack, the acks of the printed messages must be confirmed before exit 0, so a
    // script can rely on them.
    bool finished() const { return count_reached() && pending_acks_.empty(); }

    void on_message(const protocol::MessagePush& message) {
        if (count_reached() || !wanted_.contains(message.topic)) return;
        print_line(format_message_line(message));
        ++printed_;
        if (!options_.ack) return;
        protocol::AckCommand ack;
        ack.topic = message.topic;
        ack.offset = message.offset;
        pending_acks_.emplace(session_.send(std::move(ack)),
                              PendingAck{message.topic, message.offset});
    }

    void on_reply(const protocol::Reply& reply) {
        if (connect_id_ && reply.id == *connect_id_) {
            connect_id_.reset();
            if (reply.error) throw_error_reply("connect", *reply.error);
            on_connected(reply);
            return;
        }
        if (const auto subscribe = pending_subscribes_.find(reply.id);
            subscribe != pending_subscribes_.end()) {
            const std::string topic = std::move(subscribe->second);
            pending_subscribes_.erase(subscribe);
            if (reply.error) throw_error_reply("subscribe to '" + topic + "'", *reply.error);
            on_subscribed(topic, reply);
            if (pending_subscribes_.empty()) print_status("ready");
            return;
        }
        if (const auto ack = pending_acks_.find(reply.id); ack != pending_acks_.end()) {
            if (reply.error) {
                throw_error_reply("ack of '" + ack->second.topic + "' at offset " +
                                      std::to_string(ack->second.offset),
                                  *reply.error);
            }
            pending_acks_.erase(ack);
            return;
        }
        throw_unexpected_reply(reply.id);
    }

    void on_connected(const protocol::Reply& reply) {
        // Before `ready`, so a script has what it needs to reconnect (--client, --resume).
        print_status("client " + reply.client + (reply.resume.empty() ? "" : " " + reply.resume));
        if (reply.overflow) {
            // The server dropped this client's session buffer; the subscribes below are the
            // per-topic recovery (the server keeps a resumed subscription and recovers it
            // from --since when given).
            print_status(options_.since
                             ? "notify-cli: the session buffer overflowed on the server; "
                               "recovering every topic from " +
                                   format_stream_position(*options_.since)
                             : std::string("notify-cli: the session buffer overflowed on the "
                                           "server; messages published while disconnected are "
                                           "lost (--since recovers them)"));
        }
        // A clean resume delivered what was missed already; --since again would repeat it.
        const bool clean_resume = reply.resumed && !reply.overflow;
        for (const auto& topic : options_.topics) {
            protocol::SubscribeCommand subscribe;
            subscribe.topic = topic;
            if (!clean_resume) subscribe.since = options_.since;
            pending_subscribes_.emplace(session_.send(std::move(subscribe)), topic);
        }
    }

    void on_subscribed(const std::string& topic, const protocol::Reply& reply) {
        if (!options_.since || reply.recovered != false) return;
        std::string notice = "notify-cli: '" + topic + "' could not be recovered from " +
                             format_stream_position(*options_.since);
        if (reply.position) notice += "; now at " + format_stream_position(*reply.position);
        print_status(notice);
    }

    const SubOptions& options_;
    ProtocolSession& session_;
    const std::set<std::string, std::less<>> wanted_;
    std::optional<std::uint64_t> connect_id_;                  // until the connect reply came
    std::map<std::uint64_t, std::string> pending_subscribes_;  // command id → topic
    std::map<std::uint64_t, PendingAck> pending_acks_;         // command id → what it acks
    std::uint64_t printed_ = 0;
};

}  // namespace

int run_sub(const SubOptions& options) {
    const Deadline deadline = deadline_from(options.connection.timeout_seconds);
    const Url url = parse_url(options.connection.url);
    const auto transport = make_transport(url, options.connection.transport);
    ProtocolSession session(*transport, deadline);
    session.open();
    return Subscriber(options, session).run();
}

}  // namespace notify::cli
