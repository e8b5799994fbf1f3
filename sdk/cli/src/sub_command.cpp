#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

#include "cli_error.hpp"
#include "commands.hpp"
#include "message_line.hpp"
#include "protocol_session.hpp"
#include "stream_position.hpp"
#include "token_source.hpp"

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

// A subscribe waiting for its reply: the first one of a TOPIC, or a recovery after a recover
// push (which does not count towards `ready`).
struct PendingSubscribe {
    std::string topic;
    std::optional<protocol::Position> since;  // as sent
    bool recovery = false;
    // The topic's messages are dropped until the reply (it is in `recovering_`).
    bool holds = false;
};

// The subscription token of each TOPIC from the --sub-token values: TOPIC=TOKEN where TOPIC is
// one of the topics, else one token for every topic without its own.
std::map<std::string, std::string, std::less<>> subscription_tokens(const SubOptions& options) {
    const std::set<std::string, std::less<>> topics(options.topics.begin(), options.topics.end());
    std::map<std::string, std::string, std::less<>> tokens;
    std::optional<std::string> for_all;
    for (const std::string& value : options.sub_tokens) {
        const auto equals = value.find('=');
        if (equals != std::string::npos && topics.contains(value.substr(0, equals))) {
            const std::string topic = value.substr(0, equals);
            if (!tokens.emplace(topic, value.substr(equals + 1)).second) {
                throw CliError(ExitCode::failure,
                               "--sub-token: two tokens for topic '" + topic + "'");
            }
            continue;
        }
        if (for_all) {
            throw CliError(ExitCode::failure,
                           "--sub-token: more than one token for every topic (use TOPIC=TOKEN "
                           "for a token of one topic)");
        }
        for_all = value;
    }
    if (for_all) {
        for (const auto& topic : topics) tokens.emplace(topic, *for_all);
    }
    return tokens;
}

// One `sub` run: connect, subscribe to every TOPIC, print (and acknowledge) messages. When the
// server closes the connection because its token expired (4006) and --token-cmd can give a new
// one, it connects again as the same client and carries on.
class Subscriber {
public:
    Subscriber(const SubOptions& options, Deadline deadline)
        : options_(options),
          deadline_(deadline),
          tokens_(options.connection.token, options.connection.token_command),
          topic_tokens_(subscription_tokens(options)),
          wanted_(options.topics.begin(), options.topics.end()) {}

    int run() {
        protocol::ConnectCommand connect;
        connect.client = options_.client;
        connect.resume = options_.resume;
        for (;;) {
            connection_ = open_connection(options_.connection, tokens_, deadline_, connect);
            try {
                if (const int code = serve(); code >= 0) return code;
            } catch (const CliError& error) {
                if (error.close_code() != kTokenExpiredClose || !tokens_.refreshable()) throw;
                connection_.session->close();
                print_status("notify-cli: the server closed the connection because its token "
                             "expired (code 4006); reconnecting with a new token from "
                             "--token-cmd");
            }
            // As the same client, so the server resumes the session.
            connect.client = last_client_;
            connect.resume = last_resume_;
            reconnected_ = true;
        }
    }

private:
    static constexpr std::uint16_t kTokenExpiredClose = 4006;  // NOTIFY_CLOSE_TOKEN_EXPIRED

    // One connection, from its connect reply on; the exit code once finished.
    int serve() {
        pending_subscribes_.clear();
        pending_acks_.clear();
        recovering_.clear();
        deduplicate_ = false;
        session_ = connection_.session.get();
        on_connected(connection_.reply);
        if (finished()) {
            session_->close();
            return static_cast<int>(ExitCode::success);
        }
        // Messages may come before the subscribe replies (a server-side handler may have
        // subscribed this client already, a resumed session delivers its buffer), so replies
        // and pushes are handled in one loop, in arrival order.
        for (;;) {
            auto event = session_->next();
            if (const auto* message = std::get_if<protocol::MessagePush>(&event)) {
                on_message(*message);
            } else if (const auto* recover = std::get_if<protocol::RecoverPush>(&event)) {
                on_recover(*recover);
            } else if (const auto* join = std::get_if<protocol::JoinPush>(&event)) {
                on_presence_change("join", join->topic, join->who);
            } else if (const auto* leave = std::get_if<protocol::LeavePush>(&event)) {
                on_presence_change("leave", leave->topic, leave->who);
            } else if (const auto* lost = std::get_if<FramesLost>(&event)) {
                on_frames_lost(*lost);
            } else {
                on_reply(std::get<protocol::Reply>(event));
            }
            if (finished()) {
                session_->close();
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
        // Between a recover push and the reply of its recovery: the recovery delivers these
        // again after its reply, in order (docs/protocol.md §5).
        if (recovering_.contains(message.topic)) return;
        // Once this connection lost frames, nothing at or below what was printed is printed
        // again (a recovery's own messages start after it).
        if (const auto printed = printed_positions_.find(message.topic);
            deduplicate_ && printed != printed_positions_.end() &&
            printed->second.epoch == message.epoch && message.offset <= printed->second.offset) {
            return;
        }
        positions_[message.topic] = protocol::Position{message.offset, message.epoch};
        printed_positions_[message.topic] = protocol::Position{message.offset, message.epoch};
        print_line(format_message_line(message));
        ++printed_;
        if (!options_.ack) return;
        protocol::AckCommand ack;
        ack.topic = message.topic;
        ack.offset = message.offset;
        pending_acks_.emplace(session_->send(std::move(ack)),
                              PendingAck{message.topic, message.offset});
    }

    // Printed with --join-leave only; they do not count towards --count.
    void on_presence_change(std::string_view kind, const std::string& topic,
                            const protocol::ClientInfo& who) {
        if (!options_.join_leave || count_reached() || !wanted_.contains(topic)) return;
        print_line(format_presence_change_line(kind, topic, who));
    }

    void on_reply(const protocol::Reply& reply) {
        if (const auto subscribe = pending_subscribes_.find(reply.id);
            subscribe != pending_subscribes_.end()) {
            const PendingSubscribe pending = std::move(subscribe->second);
            pending_subscribes_.erase(subscribe);
            if (reply.error) {
                throw_error_reply("subscribe to '" + pending.topic + "'", *reply.error);
            }
            on_subscribed(pending, reply);
            if (!pending.recovery) {
                --initial_subscribes_;
                if (initial_subscribes_ == 0 && !ready_printed_) {
                    ready_printed_ = true;
                    print_status("ready");
                }
            }
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
        // Before `ready`, so a script has what it needs to reconnect (--client, --resume); a
        // reconnect prints the new values again.
        print_status("client " + reply.client + (reply.resume.empty() ? "" : " " + reply.resume));
        last_client_ = reply.client;
        last_resume_ = reply.resume;
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
        initial_subscribes_ = 0;
        for (const auto& topic : options_.topics) {
            protocol::SubscribeCommand subscribe;
            subscribe.topic = topic;
            if (!clean_resume) {
                // After a reconnect, from the last position seen (what was printed before).
                if (!reconnected_) {
                    subscribe.since = options_.since;
                } else if (const protocol::Position* from = last_position(topic)) {
                    subscribe.since = *from;
                }
            }
            if (const auto token = topic_tokens_.find(topic); token != topic_tokens_.end()) {
                subscribe.token = token->second;
            }
            PendingSubscribe pending{topic, subscribe.since, false};
            pending_subscribes_.emplace(session_->send(std::move(subscribe)), std::move(pending));
            ++initial_subscribes_;
        }
    }

    void on_subscribed(const PendingSubscribe& pending, const protocol::Reply& reply) {
        // After "recovered":true the messages up to the reply's position follow it: the topic's
        // position moves as they are printed, so a recovery while they are on the way (their
        // frames lost, say) starts at the last one printed, not past the rest.
        const bool recovered = pending.since && reply.recovered == true;
        if (reply.position && !recovered) note_stream_position(pending.topic, *reply.position);
        if (pending.since && reply.recovered == false) {
            std::string notice = "notify-cli: '" + pending.topic +
                                 "' could not be recovered from " +
                                 format_stream_position(*pending.since);
            if (reply.position) notice += "; now at " + format_stream_position(*reply.position);
            print_status(notice);
        }
        if (pending.holds) recovering_.erase(pending.topic);
    }

    // A subscribe reply's position is the stream's position when the reply was made: it
    // becomes the topic's last position unless a message seen already is further on.
    void note_stream_position(const std::string& topic, const protocol::Position& position) {
        const auto known = positions_.find(topic);
        if (known == positions_.end() || known->second.epoch != position.epoch ||
            known->second.offset < position.offset) {
            positions_[topic] = position;
        }
    }

    // The server lost messages of a topic (the cluster bus lost them and history could not
    // fill the gap, or the epoch changed): subscribe again from the last position seen, and the
    // server recovers on the subscription it kept (docs/protocol.md §5). A recover push while
    // a recovery is in flight is covered by it: the server made it before it read the history.
    void on_recover(const protocol::RecoverPush& push) {
        if (count_reached() || !wanted_.contains(push.topic)) return;
        if (recovering_.contains(push.topic)) return;
        std::string notice = "notify-cli: '" + push.topic + "' lost messages on the server";
        if (!push.reason.empty()) notice += " (" + push.reason + ")";
        const protocol::Position* from = last_position(push.topic);
        if (from == nullptr) {
            print_status(notice +
                         "; no position of it was seen to recover from, carrying on live");
            return;
        }
        print_status(notice + "; recovering from " + format_stream_position(*from));
        protocol::SubscribeCommand subscribe;
        subscribe.topic = push.topic;
        subscribe.since = *from;
        if (const auto token = topic_tokens_.find(push.topic); token != topic_tokens_.end()) {
            subscribe.token = token->second;
        }
        PendingSubscribe pending{push.topic, subscribe.since, true, true};
        pending_subscribes_.emplace(session_->send(std::move(subscribe)), std::move(pending));
        recovering_.insert(push.topic);
    }

    // The transport lost frames of this connection for good (UDP: GAP_LOST). They may have
    // held messages of any topic and replies to any command in flight, so, as after a recover
    // push of every topic: each topic is subscribed again with `since` = the last position seen
    // (replacing a subscribe still waiting for its reply), and acks waiting for their replies
    // are sent again. Replies to the replaced commands are skipped if they come after all.
    void on_frames_lost(const FramesLost& lost) {
        if (count_reached() && pending_acks_.empty()) return;
        deduplicate_ = true;
        print_status("notify-cli: the connection lost frames from the server (" + lost.what +
                     "); recovering every topic");
        std::map<std::uint64_t, PendingAck> acks;
        for (auto& [id, ack] : pending_acks_) {
            session_->abandon(id);
            protocol::AckCommand command;
            command.topic = ack.topic;
            command.offset = ack.offset;
            acks.emplace(session_->send(std::move(command)), std::move(ack));
        }
        pending_acks_ = std::move(acks);
        if (count_reached()) return;
        for (const auto& topic : wanted_) {
            std::size_t initials = 0;
            bool waiting = false;
            for (auto pending = pending_subscribes_.begin(); pending != pending_subscribes_.end();) {
                if (pending->second.topic != topic) {
                    ++pending;
                    continue;
                }
                waiting = true;
                if (!pending->second.recovery) ++initials;
                session_->abandon(pending->first);
                pending = pending_subscribes_.erase(pending);
            }
            recovering_.erase(topic);
            const protocol::Position* from = last_position(topic);
            if (from == nullptr && !waiting) {
                print_status("notify-cli: '" + topic +
                             "': no position of it was seen to recover from, carrying on live");
                continue;
            }
            protocol::SubscribeCommand subscribe;
            subscribe.topic = topic;
            if (from != nullptr) subscribe.since = *from;
            if (const auto token = topic_tokens_.find(topic); token != topic_tokens_.end()) {
                subscribe.token = token->second;
            }
            if (from != nullptr) {
                print_status("notify-cli: recovering '" + topic + "' from " +
                             format_stream_position(*from));
            }
            // The first subscribes of the topic replaced (one, unless TOPIC was given twice) are
            // this one, which counts towards `ready` in their place.
            if (initials > 1) initial_subscribes_ -= initials - 1;
            PendingSubscribe pending{topic, subscribe.since, initials == 0, from != nullptr};
            pending_subscribes_.emplace(session_->send(std::move(subscribe)), std::move(pending));
            if (from != nullptr) recovering_.insert(topic);
        }
    }

    // The last position seen of `topic`: its last message or subscribe reply, else --since.
    const protocol::Position* last_position(const std::string& topic) const {
        if (const auto known = positions_.find(topic); known != positions_.end()) {
            return &known->second;
        }
        return options_.since ? &*options_.since : nullptr;
    }

    const SubOptions& options_;
    const Deadline deadline_;
    TokenSource tokens_;
    const std::map<std::string, std::string, std::less<>> topic_tokens_;  // TOPIC → sub token
    Connection connection_;
    ProtocolSession* session_ = nullptr;  // connection_'s
    const std::set<std::string, std::less<>> wanted_;
    std::string last_client_;  // of the newest connect reply: a reconnect takes them
    std::string last_resume_;
    bool reconnected_ = false;
    bool ready_printed_ = false;
    std::map<std::uint64_t, PendingSubscribe> pending_subscribes_;  // command id → subscribe
    std::size_t initial_subscribes_ = 0;  // first subscribes without a reply yet
    std::map<std::string, protocol::Position, std::less<>> positions_;  // last seen per topic
    std::set<std::string, std::less<>> recovering_;  // topics with a recovery in flight
    // The last message printed of each topic, and whether this connection lost frames (from
    // then on, messages at or below it are not printed again).
    std::map<std::string, protocol::Position, std::less<>> printed_positions_;
    bool deduplicate_ = false;
    std::map<std::uint64_t, PendingAck> pending_acks_;         // command id → what it acks
    std::uint64_t printed_ = 0;
};

}  // namespace

int run_sub(const SubOptions& options) {
    return Subscriber(options, deadline_from(options.connection.timeout_seconds)).run();
}

}  // namespace notify::cli
