// Presence and join/leave (namespace options `presence`, `join_leave`), and the client commands
// that read presence and history. A client is present in a topic while it is subscribed and
// connected: it leaves when its connection goes and joins again when it resumes.
#include <algorithm>

#include "core/codec.hpp"
#include "core/core_state.hpp"

namespace notify::core {
namespace {

protocol::ClientInfo info_of(const Client& client) {
    return protocol::ClientInfo{client.id, std::string(user_id_of(client)),
                                client.credentials != nullptr ? client.credentials->info
                                                              : std::string()};
}

}  // namespace

void Core::State::presence_changed(Client& client, Topic& topic, bool joined) {
    const host::NamespaceSpec& space = *topic.space;
    if (space.presence) {
        if (joined) {
            env.presence_add(topic.name, PresenceMember{client.id, std::string(user_id_of(client)),
                                                        client.credentials != nullptr
                                                            ? client.credentials->info
                                                            : std::string()});
        } else {
            env.presence_remove(topic.name, client.id);
        }
    }
    if (!space.join_leave) return;
    // Each encoding is made once, when a recipient first needs it.
    FrameRef frames[2];
    const protocol::ClientInfo who = info_of(client);
    for (const TopicSubscriber& subscriber : topic.subscribers) {
        const Client& other = *subscriber.client;
        if (&other == &client || other.connection == nullptr) continue;
        const notify_encoding encoding = other.connection->encoding;
        FrameRef& frame = frames[encoding == NOTIFY_ENCODING_BINARY ? 1 : 0];
        if (!frame) {
            frame = FrameRef::make(joined ? encode_join_push(encoding, topic.name, who)
                                          : encode_leave_push(encoding, topic.name, who),
                                   encoding);
        }
        deliver_frame(other.connection->ref, frame);
    }
}

void Core::State::presence_of_all(Client& client, bool joined) {
    if (!any_presence_namespace) return;
    for (const ClientSubscription& subscription : client.subscriptions) {
        const host::NamespaceSpec& space = *subscription.topic->space;
        if (space.presence || space.join_leave) presence_changed(client, *subscription.topic, joined);
    }
}

std::string Core::State::read_refusal(const Client& client, std::string_view topic,
                                      host::PublishRule rule, std::string_view what) const {
    const host::NamespaceSpec& space = namespace_of(topic);
    const std::string label =
        space.name.empty() ? "the default namespace" : "namespace '" + space.name + "'";
    switch (rule) {
        case host::PublishRule::none:
            return std::string(what) + ": " + label + " does not let clients read it";
        case host::PublishRule::authenticated:
            if (user_id_of(client).empty()) {
                return std::string(what) + ": " + label + " lets only clients with a user id read it";
            }
            return {};
        case host::PublishRule::subscriber:
            if (!is_subscribed(client, topic)) {
                return std::string(what) + ": only subscribers of '" + std::string(topic) +
                       "' may read it";
            }
            return {};
        case host::PublishRule::any:
            return {};
    }
    return {};
}

// The checks presence and presence_stats share; false when an error reply was sent.
bool Core::State::presence_allowed(Connection& connection, std::uint64_t command_id,
                                   std::string_view topic, std::string_view what) {
    if (!protocol::is_valid_topic(topic)) {
        reply_error(connection.ref, command_id, protocol::ErrorCode::bad_request,
                    std::string(what) + ": invalid topic name");
        return false;
    }
    const host::NamespaceSpec& space = namespace_of(topic);
    if (!space.presence) {
        reply_error(connection.ref, command_id, protocol::ErrorCode::not_found,
                    std::string(what) + ": presence is not enabled for " +
                        (space.name.empty() ? std::string("the default namespace")
                                            : "namespace '" + space.name + "'"));
        return false;
    }
    if (std::string refusal = read_refusal(*connection.client, topic, space.read_presence, what);
        !refusal.empty()) {
        reply_error(connection.ref, command_id, protocol::ErrorCode::permission_denied, refusal);
        return false;
    }
    return true;
}

void Core::State::handle_presence(Connection& connection, std::uint64_t command_id,
                                  const protocol::PresenceCommand& command) {
    if (!presence_allowed(connection, command_id, command.topic, "presence")) return;
    std::vector<PresenceMember> members;
    if (std::string error = env.read_presence(command.topic, members); !error.empty()) {
        reply_error(connection.ref, command_id, protocol::ErrorCode::internal,
                    "presence: " + error);
        return;
    }
    std::vector<protocol::ClientInfo> present;
    present.reserve(members.size());
    for (PresenceMember& member : members) {
        present.push_back(protocol::ClientInfo{std::move(member.client_id),
                                               std::move(member.user_id), std::move(member.info)});
    }
    std::sort(present.begin(), present.end(),
              [](const protocol::ClientInfo& a, const protocol::ClientInfo& b) {
                  return a.client < b.client;
              });
    const notify_encoding encoding = connection.encoding;
    deliver_frame(connection.ref,
                  FrameRef::make(encode_presence_reply(encoding, command_id, present), encoding));
}

void Core::State::handle_presence_stats(Connection& connection, std::uint64_t command_id,
                                        const protocol::PresenceStatsCommand& command) {
    if (!presence_allowed(connection, command_id, command.topic, "presence_stats")) return;
    PresenceCount count;
    if (std::string error = env.presence_stats(command.topic, count); !error.empty()) {
        reply_error(connection.ref, command_id, protocol::ErrorCode::internal,
                    "presence_stats: " + error);
        return;
    }
    const notify_encoding encoding = connection.encoding;
    deliver_frame(connection.ref,
                  FrameRef::make(encode_presence_stats_reply(encoding, command_id, count.clients,
                                                             count.users),
                                 encoding));
}

void Core::State::handle_history(Connection& connection, std::uint64_t command_id,
                                 const protocol::HistoryCommand& command) {
    if (!protocol::is_valid_topic(command.topic)) {
        reply_error(connection.ref, command_id, protocol::ErrorCode::bad_request,
                    "history: invalid topic name");
        return;
    }
    const host::NamespaceSpec& space = namespace_of(command.topic);
    if (std::string refusal =
            read_refusal(*connection.client, command.topic, space.read_history, "history");
        !refusal.empty()) {
        reply_error(connection.ref, command_id, protocol::ErrorCode::permission_denied, refusal);
        return;
    }
    const std::uint64_t cap = config.limits.max_recovery;
    const std::uint64_t limit =
        command.limit == 0 ? cap : std::min<std::uint64_t>(command.limit, cap);
    // The position first: `since` is checked against it, and without `since` the last `limit`
    // messages start after current - limit.
    const StreamState current =
        env.read_history(command.topic, 0, 0, space, HistoryVisitor{});
    if (!current.ok) {
        reply_error(connection.ref, command_id, protocol::ErrorCode::internal,
                    "history: the history of '" + command.topic +
                        "' is not available: " + current.error);
        return;
    }
    std::uint64_t since = 0;
    if (command.since) {
        if (std::string error = position_error(command.topic, *command.since, current);
            !error.empty()) {
            reply_error(connection.ref, command_id, protocol::ErrorCode::bad_request, error);
            return;
        }
        // Offsets of another epoch name other messages: nothing to read after them.
        if (!command.since->epoch.empty() && command.since->epoch != current.epoch) {
            reply_error(connection.ref, command_id, protocol::ErrorCode::bad_request,
                        "history: the position's epoch '" + command.since->epoch +
                            "' is not the stream's current one ('" + current.epoch +
                            "'); read without since");
            return;
        }
        since = command.since->offset;
    } else {
        since = current.offset > limit ? current.offset - limit : 0;
    }
    std::vector<protocol::HistoryMessage> messages;
    StreamState read = current;
    if (limit > 0 && current.offset > since) {
        read = env.read_history(command.topic, since, limit, space,
                                [&](std::uint64_t offset, std::string_view payload) {
                                    messages.push_back(
                                        protocol::HistoryMessage{offset, std::string(payload)});
                                    return true;
                                });
        if (!read.ok) {
            reply_error(connection.ref, command_id, protocol::ErrorCode::internal,
                        "history: the history of '" + command.topic +
                            "' is not available: " + read.error);
            return;
        }
    }
    if (command.reverse) std::reverse(messages.begin(), messages.end());
    const notify_encoding encoding = connection.encoding;
    const protocol::Position position{read.offset, read.epoch};
    deliver_frame(connection.ref,
                  FrameRef::make(encode_history_reply(encoding, command_id, position, messages),
                                 encoding));
}

}  // namespace notify::core
