#include <algorithm>

#include "core/core_state.hpp"

namespace notify::core {

namespace {

// Epochs are made by brokers; ours are hex, others may use other id alphabets. Anything longer
// or outside this alphabet cannot have come from a server.
constexpr std::size_t kMaxEpochSize = 64;

bool is_well_formed_epoch(std::string_view epoch) {
    return epoch.size() <= kMaxEpochSize &&
           std::all_of(epoch.begin(), epoch.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                      c == '-' || c == '_' || c == '.' || c == ':';
           });
}

}  // namespace

ClientSubscription* Core::State::find_subscription(Client& client, std::string_view topic) const {
    auto found = std::find_if(client.subscriptions.begin(), client.subscriptions.end(),
                              [&](const ClientSubscription& s) { return s.topic->name == topic; });
    return found == client.subscriptions.end() ? nullptr : &*found;
}

StreamState Core::State::read_kept(const Topic& topic, std::uint64_t since_offset,
                                   std::uint64_t limit, std::vector<KeptMessage>& kept) {
    return env.read_history(topic.name, since_offset, limit, *topic.space,
                            [&](std::uint64_t offset, std::string_view payload) {
                                kept.push_back(KeptMessage{offset, std::string(payload)});
                                return true;
                            });
}

std::string Core::State::position_error(std::string_view topic, const protocol::Position& since,
                                        const StreamState& current) const {
    if (!is_well_formed_epoch(since.epoch)) {
        return "subscribe: the position's epoch is not one this server issues";
    }
    const bool same_epoch = since.epoch.empty() || since.epoch == current.epoch;
    if (same_epoch && since.offset > current.offset) {
        return "subscribe: position " + std::to_string(since.offset) + " of '" +
               std::string(topic) + "' is ahead of the stream (its last offset is " +
               std::to_string(current.offset) + ")";
    }
    return {};
}

void Core::State::recover(Connection& connection, std::uint64_t command_id, Client& client,
                          std::size_t subscription, const std::optional<protocol::Position>& since,
                          const StreamState& current) {
    Topic& topic = *client.subscriptions[subscription].topic;
    TopicSubscriber& subscriber = topic.subscribers[client.subscriptions[subscription].slot];
    const auto unrecovered = [&](const StreamState& state) {
        // Live messages flow from now on; the app reloads its state from the position, which
        // covers every message up to it (in a cluster, some may still be on their way).
        subscriber.skip_through = state.offset;
        ++unrecovered_count;
        reply_subscribe(connection.ref, command_id, {state.offset, state.epoch}, false);
    };
    // An empty epoch trusts the current one (position_error refused an offset past its end).
    if (!since->epoch.empty() && since->epoch != current.epoch) {
        unrecovered(current);
        return;
    }

    // More than limits.max_recovery at once would overrun the transport's send queue (the
    // client would be closed as a slow consumer, again on every try): past it, not recovered.
    if (current.offset - since->offset > config.limits.max_recovery) {
        unrecovered(current);
        return;
    }
    std::vector<KeptMessage> missed;
    const StreamState state = read_kept(topic, since->offset, 0, missed);
    // A stream unknown at the first read may have been created since (a publish on another
    // node of a cluster): asked from its start, it is the same stream.
    const bool same_stream = state.epoch == current.epoch ||
                             (current.offset == 0 && current.epoch.empty() && since->offset == 0);
    // All or nothing: exactly the offsets since+1 .. the stream's last, without a hole.
    const bool complete = state.ok && same_stream &&
                          state.offset - since->offset <= config.limits.max_recovery &&
                          state.offset >= since->offset &&
                          missed.size() == state.offset - since->offset &&
                          (missed.empty() || missed.front().offset == since->offset + 1);
    if (!complete) {
        unrecovered(state.ok ? state : current);
        return;
    }
    topic.last_offset = std::max(topic.last_offset, state.offset);
    subscriber.skip_through = state.offset;
    ++recovered_count;
    reply_subscribe(connection.ref, command_id, {state.offset, state.epoch}, true);
    for (const KeptMessage& message : missed) {
        deliver_frame(connection.ref, FrameRef::make_message(topic.name, message.offset,
                                                             state.epoch, message.payload));
    }
}

bool Core::State::has_paused_subscription(const Client& client) const {
    for (const ClientSubscription& subscription : client.subscriptions) {
        if (!subscription.durable &&
            subscription.topic->subscribers[subscription.slot].skip_through == kPausedForRecovery) {
            return true;
        }
    }
    return false;
}

void Core::State::resume_live(Client& client, std::string_view topic) {
    for (const ClientSubscription& subscription : client.subscriptions) {
        if (subscription.topic->name != topic) continue;
        TopicSubscriber& subscriber = subscription.topic->subscribers[subscription.slot];
        if (subscriber.skip_through == kPausedForRecovery) subscriber.skip_through = 0;
    }
}

void Core::State::keep_missed(Client& client, const FrameRef& frame) {
    if (client.missed_overflow) return;
    if (client.missed.size() >= config.clients.buffer_size) {
        std::vector<FrameRef>().swap(client.missed);  // its memory too
        client.missed_overflow = true;
        ++overflow_count;
        return;
    }
    client.missed.push_back(frame);
}

void Core::State::deliver_missed(Client& client) {
    if (client.connection == nullptr) return;
    const ConnectionRef conn = client.connection->ref;
    if (client.missed_overflow) {
        // The connect reply said so: live messages wait until the client subscribes again,
        // with a position to recover from or without one to go on live.
        for (const ClientSubscription& subscription : client.subscriptions) {
            if (!subscription.durable) {
                subscription.topic->subscribers[subscription.slot].skip_through =
                    kPausedForRecovery;
            }
        }
        client.missed_overflow = false;
    } else {
        for (const FrameRef& frame : client.missed) deliver_frame(conn, frame);
    }
    std::vector<FrameRef>().swap(client.missed);  // its memory too
    pull_all(client);
}

}  // namespace notify::core
