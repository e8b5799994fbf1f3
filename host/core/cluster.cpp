// The core's side of cluster mode (docs/cluster.md): messages and commands from the bus, and
// the commands this node sends for clients and users it does not hold.
#include "core/codec.hpp"
#include "core/core_state.hpp"

namespace notify::core {
namespace {

// Parts of one publish arrive within moments of each other; this many keys cover bursts of
// thousands of multi-target publishes per second with room to spare.
constexpr std::size_t kRememberedPublishKeys = 4096;

}  // namespace

std::string Core::State::publish_key(const PublishJob& job) const {
    // Each topic is one bus message, and the broker may split the clients and users over
    // several channels (one per shard): every target counts as a part.
    const std::size_t parts =
        job.targets.topics.size() + job.targets.clients.size() + job.targets.users.size();
    if (!config.cluster || parts < 2) return {};
    return config.node_id + ":" + std::to_string(job.id);
}

void Core::State::receive_bus_message(const BusMessage& message) {
    ++bus_message_count;
    ++publish_generation;
    reached = nullptr;
    if (!message.publish_key.empty()) {
        auto [found, inserted] = reached_by_publish.try_emplace(message.publish_key);
        if (inserted) {
            reached_order.push_back(message.publish_key);
            if (reached_order.size() > kRememberedPublishKeys) {
                reached_by_publish.erase(reached_order.front());
                reached_order.pop_front();
            }
        }
        reached = &found->second;
    }
    if (!message.topic.empty()) {
        auto found = topics.find(message.topic);
        if (found != topics.end()) {
            const FrameRef frame = FrameRef::make_message(message.topic, message.offset,
                                                          message.epoch, message.payload);
            add_topic_recipients(*found->second, message.offset, frame);
            flush_batches(frame);
        }
    } else {
        const FrameRef frame = FrameRef::make_message("", 0, "", message.payload);
        for (const std::string& client_id : message.clients) {
            if (Client* client = find_client(client_id)) add_recipient(*client, frame);
        }
        for (const std::string& user_id : message.users) {
            if (User* user = find_user(user_id)) {
                for (Client* client : user->clients) add_recipient(*client, frame);
            }
        }
        flush_batches(frame);
    }
    reached = nullptr;
}

void Core::State::apply_cluster_command(const ClusterCommand& command) {
    // A command only acts on what this node holds: user subscriptions for future clients are
    // remembered by the node where the action was taken.
    const bool held = command.target == NOTIFY_TARGET_CLIENT
                          ? find_client(command.id) != nullptr
                          : find_user(command.id) != nullptr;
    if (!held) return;
    switch (command.type) {
        case NOTIFY_COMMAND_SUBSCRIBE:
            subscribe(command.target, command.id, command.topic, command.time_ms);
            break;
        case NOTIFY_COMMAND_UNSUBSCRIBE:
            unsubscribe(command.target, command.id, command.topic, command.time_ms);
            break;
        case NOTIFY_COMMAND_DISCONNECT:
            disconnect(command.target, command.id, command.code, command.reason);
            break;
        case NOTIFY_COMMAND_CLIENT_CONNECTED: {
            Client* client = find_client(command.id);
            if (client == nullptr || client->state == ClientState::invalid) return;
            // Out of order: this node's session is the newer one.
            if (client->state == ClientState::active && client->state_since_ms > command.time_ms) {
                return;
            }
            if (client->connection != nullptr) {
                close_connection(*client->connection, NOTIFY_CLOSE_REPLACED,
                                 "replaced by a newer connection on another node",
                                 ClosePush::disconnect);
            }
            // The session moved: nothing of it stays here, and its id is free again.
            invalidate(*client, NOTIFY_CLOSE_REPLACED, NOTIFY_REASON_MOVED);
            forget(*client);
            break;
        }
        default:
            break;  // a newer node's command this one does not know
    }
}

void Core::State::stream_lost(std::string_view topic_name, std::uint64_t offset,
                              std::string_view epoch, std::string_view reason) {
    auto found = topics.find(std::string(topic_name));
    if (found == topics.end()) return;
    ++stream_lost_count;
    Topic& topic = *found->second;
    if (offset > topic.last_offset) topic.last_offset = offset;
    for (const TopicSubscriber& subscriber : topic.subscribers) {
        Client& client = *subscriber.client;
        if (client.state == ClientState::inactive) {
            // Its resume says "overflow", and it recovers per topic from its positions.
            std::vector<FrameRef>().swap(client.missed);
            client.missed_overflow = true;
            continue;
        }
        if (client.connection == nullptr || client.connection->closing) continue;
        push_recover(client.connection->ref, topic.name, offset, epoch, reason);
    }
}

void Core::State::announce_client(const Client& client) {
    forward_command(NOTIFY_COMMAND_CLIENT_CONNECTED, NOTIFY_TARGET_CLIENT, client.id, {},
                    client.state_since_ms);
}

void Core::State::forward_command(notify_cluster_command_type type, notify_target_kind kind,
                                  std::string_view id, std::string_view topic,
                                  std::int64_t time_ms, std::uint16_t code,
                                  std::string_view reason) {
    ClusterCommand command;
    command.type = type;
    command.target = kind;
    command.id = std::string(id);
    command.topic = std::string(topic);
    command.code = code;
    command.reason = std::string(reason);
    command.time_ms = time_ms;
    env.broker_send_command(command);
}

}  // namespace notify::core
