#include <algorithm>

#include "core/core_state.hpp"

namespace notify::core {

bool Core::State::is_subscribed(const Client& client, std::string_view topic) const {
    return std::any_of(client.subscriptions.begin(), client.subscriptions.end(),
                       [&](const ClientSubscription& s) { return s.topic->name == topic; });
}

bool Core::State::is_older_change(const Client& client, std::string_view topic,
                                  std::int64_t time_ms) const {
    const std::optional<std::int64_t> changed = client.change_times.find(topic);
    return changed && time_ms < *changed;
}

void Core::State::record_change(Client& client, std::string_view topic, std::int64_t time_ms) {
    client.change_times.record(topic, time_ms);
}

std::int64_t Core::State::client_command_time(const Client& client, std::string_view topic) {
    std::int64_t time_ms = env.now_ms();
    if (const std::optional<std::int64_t> changed = client.change_times.find(topic)) {
        time_ms = std::max(time_ms, *changed);
    }
    return time_ms;
}

std::string Core::State::subscribe_limit_error(const Client& client, std::string_view topic) const {
    if (client.subscriptions.size() >= config.limits.max_subscriptions_per_client) {
        return "subscriptions per client limit (" +
               std::to_string(config.limits.max_subscriptions_per_client) + ") reached";
    }
    auto found = topics.find(std::string(topic));
    if (found == topics.end()) {
        if (topics.size() >= config.limits.max_topics) {
            return "topic limit (" + std::to_string(config.limits.max_topics) + ") reached";
        }
        return {};
    }
    const Topic& existing = *found->second;
    const host::NamespaceSpec& space = *existing.space;
    if (space.max_clients != 0 && existing.subscribers.size() >= space.max_clients) {
        return "topic '" + existing.name + "' has its maximum of " +
               std::to_string(space.max_clients) + " clients";
    }
    if (space.max_users != 0 && client.user != nullptr &&
        !existing.user_subscribers.contains(client.user) &&
        existing.user_subscribers.size() >= space.max_users) {
        return "topic '" + existing.name + "' has its maximum of " +
               std::to_string(space.max_users) + " users";
    }
    return {};
}

SubscribeRefusal Core::State::subscribe_client(Client& client, std::string_view topic,
                                               std::int64_t time_ms) {
    if (is_older_change(client, topic, time_ms)) return SubscribeRefusal::ignored_as_older;
    if (is_subscribed(client, topic)) {
        record_change(client, topic, time_ms);
        return SubscribeRefusal::none;
    }
    if (!subscribe_limit_error(client, topic).empty()) return SubscribeRefusal::limit_exceeded;

    auto found = topics.find(std::string(topic));
    if (found == topics.end()) {
        auto created = std::make_unique<Topic>();
        created->name = std::string(topic);
        created->space = &namespace_of(topic);
        found = topics.emplace(created->name, std::move(created)).first;
        emit_change(NOTIFY_CHANGE_TOPIC, found->second->name, true);
    }
    Topic& target = *found->second;
    client.subscriptions.push_back(ClientSubscription{&target, target.subscribers.size(), nullptr});
    target.subscribers.push_back(TopicSubscriber{&client, client.subscriptions.size() - 1, 0});
    if (client.user != nullptr) ++target.user_subscribers[client.user];
    record_change(client, topic, time_ms);
    if (is_durable(*target.space)) {
        // It starts at the stream's current offset: a durable subscription owes what is
        // published from now on (a client subscribe with a position moves it back).
        if (target.last_offset == 0) {
            target.last_offset = env.read_history(target.name, 0, 0,
                                                  *target.space, HistoryVisitor{})
                                     .offset;
        }
        ClientSubscription& added = client.subscriptions.back();
        added.durable = std::make_unique<DurableCursor>();
        added.durable->acked = target.last_offset;
        added.durable->delivered = target.last_offset;
        save_cursor(client, added);
    }
    emit_topic_event(NOTIFY_EVENT_SUBSCRIBE, client, target.name);
    if (client.connection != nullptr && (target.space->presence || target.space->join_leave)) {
        presence_changed(client, target, true);
    }
    return SubscribeRefusal::none;
}

void Core::State::unsubscribe_client(Client& client, std::string_view topic, std::int64_t time_ms) {
    if (is_older_change(client, topic, time_ms)) return;
    record_change(client, topic, time_ms);
    auto found = std::find_if(client.subscriptions.begin(), client.subscriptions.end(),
                              [&](const ClientSubscription& s) { return s.topic->name == topic; });
    if (found == client.subscriptions.end()) return;
    const std::string name(topic);
    remove_subscription(client, static_cast<std::size_t>(found - client.subscriptions.begin()));
    emit_topic_event(NOTIFY_EVENT_UNSUBSCRIBE, client, name);
}

// Swap-with-last on both sides, fixing the back-index of whichever entry moved.
void Core::State::remove_subscription(Client& client, std::size_t index) {
    ClientSubscription removed = std::move(client.subscriptions[index]);
    Topic& topic = *removed.topic;
    if (client.connection != nullptr && (topic.space->presence || topic.space->join_leave)) {
        presence_changed(client, topic, false);
    }
    if (removed.durable) env.remove_durable_subscription(client.id, topic.name);

    const std::size_t last_subscriber = topic.subscribers.size() - 1;
    if (removed.slot != last_subscriber) {
        topic.subscribers[removed.slot] = topic.subscribers[last_subscriber];
        const TopicSubscriber& moved = topic.subscribers[removed.slot];
        moved.client->subscriptions[moved.slot].slot = removed.slot;
    }
    topic.subscribers.pop_back();

    const std::size_t last_subscription = client.subscriptions.size() - 1;
    if (index != last_subscription) {
        client.subscriptions[index] = std::move(client.subscriptions[last_subscription]);
        const ClientSubscription& moved = client.subscriptions[index];
        moved.topic->subscribers[moved.slot].slot = index;
    }
    client.subscriptions.pop_back();

    if (client.user != nullptr) {
        auto users_found = topic.user_subscribers.find(client.user);
        if (users_found != topic.user_subscribers.end() && --users_found->second == 0) {
            topic.user_subscribers.erase(users_found);
        }
    }
    if (topic.subscribers.empty()) {
        emit_change(NOTIFY_CHANGE_TOPIC, topic.name, false);
        topics.erase(topics.find(topic.name));
    }
}

void Core::State::drop_all_subscriptions(Client& client) {
    while (!client.subscriptions.empty()) {
        remove_subscription(client, client.subscriptions.size() - 1);
    }
}

void Core::State::subscribe(notify_target_kind kind, std::string_view id, std::string_view topic,
                            std::int64_t time_ms) {
    if (!protocol::is_valid_topic(topic)) return;
    if (kind == NOTIFY_TARGET_CLIENT) {
        Client* client = find_client(id);
        if (client != nullptr && client->state != ClientState::invalid) {
            subscribe_client(*client, topic, time_ms);
        }
        return;
    }
    if (kind != NOTIFY_TARGET_USER || id.empty()) return;
    User& user = user_record(std::string(id));
    auto found = user.subscriptions.find(std::string(topic));
    if (found != user.subscriptions.end() && time_ms < found->second.time_ms) return;
    user.subscriptions.insert_or_assign(std::string(topic), UserSubscription{true, time_ms});
    for (Client* client : user.clients) subscribe_client(*client, topic, time_ms);
}

void Core::State::unsubscribe(notify_target_kind kind, std::string_view id, std::string_view topic,
                              std::int64_t time_ms) {
    if (kind == NOTIFY_TARGET_CLIENT) {
        Client* client = find_client(id);
        if (client != nullptr && client->state != ClientState::invalid) {
            unsubscribe_client(*client, topic, time_ms);
        }
        return;
    }
    if (kind != NOTIFY_TARGET_USER) return;
    User* user = find_user(id);
    if (user == nullptr) return;
    auto found = user->subscriptions.find(std::string(topic));
    if (found != user->subscriptions.end() && time_ms < found->second.time_ms) return;
    user->subscriptions.insert_or_assign(std::string(topic), UserSubscription{false, time_ms});
    for (Client* client : user->clients) unsubscribe_client(*client, topic, time_ms);
    release_user_if_unused(*user);
}

}  // namespace notify::core
