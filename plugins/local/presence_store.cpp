#include "presence_store.hpp"

namespace notify::local {

void PresenceStore::count_user(Topic& topic, const std::string& user_id, bool added) {
    if (user_id.empty()) return;
    if (added) {
        ++topic.users[user_id];
        return;
    }
    auto found = topic.users.find(user_id);
    if (found != topic.users.end() && --found->second == 0) topic.users.erase(found);
}

void PresenceStore::add(std::string_view topic_name, std::string_view client_id,
                        std::string_view user_id, std::string_view info) {
    Topic& topic = topics_[std::string(topic_name)];
    auto [entry, inserted] = topic.clients.try_emplace(std::string(client_id));
    if (!inserted) count_user(topic, entry->second.user_id, false);
    entry->second.user_id = std::string(user_id);
    entry->second.info = std::string(info);
    count_user(topic, entry->second.user_id, true);
}

void PresenceStore::remove(std::string_view topic_name, std::string_view client_id) {
    auto topic = topics_.find(std::string(topic_name));
    if (topic == topics_.end()) return;
    auto entry = topic->second.clients.find(std::string(client_id));
    if (entry == topic->second.clients.end()) return;
    count_user(topic->second, entry->second.user_id, false);
    topic->second.clients.erase(entry);
    if (topic->second.clients.empty()) topics_.erase(topic);
}

void PresenceStore::for_each(
    std::string_view topic_name,
    const std::function<bool(const std::string&, const PresenceEntry&)>& visit) const {
    auto topic = topics_.find(std::string(topic_name));
    if (topic == topics_.end()) return;
    for (const auto& [client_id, entry] : topic->second.clients) {
        if (!visit(client_id, entry)) return;
    }
}

PresenceCounts PresenceStore::counts(std::string_view topic_name) const {
    auto topic = topics_.find(std::string(topic_name));
    if (topic == topics_.end()) return {};
    return PresenceCounts{topic->second.clients.size(), topic->second.users.size()};
}

}  // namespace notify::local
