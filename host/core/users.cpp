#include "core/core_state.hpp"

namespace notify::core {

User* Core::State::find_user(std::string_view user_id) const {
    auto found = users.find(std::string(user_id));
    return found == users.end() ? nullptr : found->second.get();
}

User& Core::State::user_record(const std::string& user_id) {
    auto found = users.find(user_id);
    if (found != users.end()) return *found->second;
    auto owned = std::make_unique<User>();
    owned->id = user_id;
    User& user = *owned;
    users.emplace(user_id, std::move(owned));
    return user;
}

void Core::State::add_client_to_user(Client& client, const std::string& user_id) {
    User& user = user_record(user_id);
    client.user = &user;
    user.clients.push_back(&client);
    if (user.clients.size() == 1) emit_change(NOTIFY_CHANGE_USER, user.id, true);
}

void Core::State::remove_client_from_user(Client& client) {
    User* user = client.user;
    if (user == nullptr) return;
    std::erase(user->clients, &client);
    client.user = nullptr;
    if (user->clients.empty()) {
        emit_change(NOTIFY_CHANGE_USER, user->id, false);
        release_user_if_unused(*user);
    }
}

// Subscriptions remembered for the user's future clients keep the record alive; tombstones
// alone do not.
void Core::State::release_user_if_unused(User& user) {
    if (!user.clients.empty()) return;
    for (const auto& [topic, subscription] : user.subscriptions) {
        if (subscription.subscribed) return;
    }
    auto found = users.find(user.id);
    if (found != users.end()) users.erase(found);
}

void Core::State::apply_user_subscriptions(Client& client) {
    if (client.user == nullptr) return;
    for (const auto& [topic, subscription] : client.user->subscriptions) {
        if (subscription.subscribed) subscribe_client(client, topic, subscription.time_ms);
    }
}

}  // namespace notify::core
