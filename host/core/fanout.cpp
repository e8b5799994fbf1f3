#include "core/core_state.hpp"

namespace notify::core {

// One frame per topic, shared by every recipient. The named clients and users ride in the
// first delivered topic's batch (or get a topic-less frame when there is none), and the
// publish stamp keeps every connection to one delivery whatever the overlap.
void Core::State::fan_out(const PublishJob& job) {
    ++publish_generation;
    const bool has_direct_targets = !job.targets.clients.empty() || !job.targets.users.empty();
    bool direct_targets_added = false;
    const auto add_direct_targets = [&](const FrameRef& frame) {
        for (const std::string& client_id : job.targets.clients) {
            if (Client* client = find_client(client_id)) add_recipient(*client, frame);
        }
        for (const std::string& user_id : job.targets.users) {
            if (User* user = find_user(user_id)) {
                for (Client* client : user->clients) add_recipient(*client, frame);
            }
        }
        direct_targets_added = true;
    };

    for (std::size_t index = 0; index < job.targets.topics.size(); ++index) {
        if (!job.position_known[index]) continue;
        const protocol::TopicPosition& position = job.positions[index];
        const auto found = topics.find(position.topic);
        // Nobody to deliver to: no frame is built (publishing to topics nobody listens to is
        // common, e.g. a backend notifying users who are offline).
        if (found == topics.end() && (!has_direct_targets || direct_targets_added)) continue;
        const FrameRef frame =
            FrameRef::make_message(position.topic, position.offset, position.epoch, job.payload);
        if (found != topics.end()) add_topic_recipients(*found->second, position.offset, frame);
        if (has_direct_targets && !direct_targets_added) add_direct_targets(frame);
        flush_batches(frame);
    }
    if (has_direct_targets && !direct_targets_added) {
        const FrameRef frame = FrameRef::make_message("", 0, "", job.payload);
        add_direct_targets(frame);
        flush_batches(frame);
    }
}

void Core::State::add_topic_recipients(Topic& topic, std::uint64_t offset,
                                       const FrameRef& frame) {
    if (offset > topic.last_offset) topic.last_offset = offset;
    ++topic.publishes;
    if (is_durable(*topic.space)) {
        // Inactive subscribers are skipped: their cursors pull from the store on resume.
        for (TopicSubscriber& subscriber : topic.subscribers) {
            Client& client = *subscriber.client;
            if (client.publish_stamp == publish_generation) continue;
            if (take_live(client, subscriber, offset)) add_recipient(client, frame);
        }
        return;
    }
    for (const TopicSubscriber& subscriber : topic.subscribers) {
        if (offset <= subscriber.skip_through) continue;
        add_recipient(*subscriber.client, frame);
    }
}

void Core::State::add_recipient(Client& client, const FrameRef& frame) {
    if (client.publish_stamp == publish_generation) return;
    client.publish_stamp = publish_generation;
    // A part of a publish whose other part (another topic, or the client's user) came first.
    if (reached != nullptr && !reached->insert(client.id).second) return;
    const Connection* connection = client.connection;
    if (client.state != ClientState::active || connection == nullptr || connection->closing) {
        if (client.state == ClientState::inactive) keep_missed(client, frame);
        return;
    }
    const std::uint32_t transport = connection->ref.transport;
    if (transport >= batches.size()) batches.resize(std::size_t{transport} + 1);
    std::vector<std::uint64_t>& batch = batches[transport];
    if (batch.empty()) batched_transports.push_back(transport);
    batch.push_back(connection->ref.conn);
}

void Core::State::flush_batches(const FrameRef& frame) {
    for (const std::uint32_t transport : batched_transports) {
        std::vector<std::uint64_t>& batch = batches[transport];
        env.deliver(transport, frame, batch);
        delivery_count += batch.size();
        batch.clear();
    }
    batched_transports.clear();
}

}  // namespace notify::core
