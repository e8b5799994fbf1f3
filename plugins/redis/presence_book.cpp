#include "presence_book.hpp"

namespace notify::redis {

PresenceBook::PresenceBook(std::string self, std::chrono::milliseconds node_timeout)
    : self_(std::move(self)), node_timeout_(node_timeout), created_(Clock::now()) {}

void PresenceBook::own(std::string_view topic, std::string_view client, std::string_view user,
                       std::string_view info) {
    std::lock_guard lock{mutex_};
    owned_[std::string{topic}][std::string{client}] =
        PresenceRecord{self_, std::string{user}, std::string{info}};
}

void PresenceBook::disown(std::string_view topic, std::string_view client) {
    std::lock_guard lock{mutex_};
    auto found = owned_.find(std::string{topic});
    if (found == owned_.end()) return;
    found->second.erase(std::string{client});
    if (found->second.empty()) owned_.erase(found);
}

std::vector<std::string> PresenceBook::owned_topics() const {
    std::lock_guard lock{mutex_};
    std::vector<std::string> topics;
    topics.reserve(owned_.size());
    for (const auto& [topic, entries] : owned_) topics.push_back(topic);
    return topics;
}

PresenceBook::Records PresenceBook::owned_records(std::string_view topic) const {
    std::lock_guard lock{mutex_};
    Records records;
    auto found = owned_.find(std::string{topic});
    if (found == owned_.end()) return records;
    records.reserve(found->second.size());
    for (const auto& [client, record] : found->second) records.emplace_back(client, record);
    return records;
}

bool PresenceBook::node_seen(std::string_view node, Clock::time_point now) {
    std::lock_guard lock{mutex_};
    const std::string name{node};
    nodes_[name] = now;
    return purged_.erase(name) > 0;
}

void PresenceBook::replica_load(std::string_view topic, const Records& snapshot) {
    std::lock_guard lock{mutex_};
    Replica& replica = replicas_[std::string{topic}];
    replica.entries.clear();
    for (const auto& [client, record] : snapshot) {
        if (record.node != self_) replica.entries[client] = record;
    }
    replica.current = true;
}

void PresenceBook::replica_apply(const PresenceMessage& change) {
    if (change.node == self_) return;
    std::lock_guard lock{mutex_};
    auto found = replicas_.find(change.topic);
    if (found == replicas_.end()) return;
    auto& entries = found->second.entries;
    if (change.op == '+') {
        entries[change.client] = PresenceRecord{change.node, change.user, change.info};
    } else if (change.op == '-') {
        auto entry = entries.find(change.client);
        // A client that moved to another node meanwhile stays.
        if (entry != entries.end() && entry->second.node == change.node) entries.erase(entry);
    }
}

void PresenceBook::replica_stale(std::string_view topic) {
    std::lock_guard lock{mutex_};
    auto found = replicas_.find(std::string{topic});
    if (found != replicas_.end()) found->second.current = false;
}

void PresenceBook::replica_drop(std::string_view topic) {
    std::lock_guard lock{mutex_};
    replicas_.erase(std::string{topic});
}

void PresenceBook::purge(Clock::time_point now) {
    std::lock_guard lock{mutex_};
    for (auto& [topic, replica] : replicas_) {
        for (auto entry = replica.entries.begin(); entry != replica.entries.end();) {
            if (alive(entry->second.node, now)) {
                ++entry;
                continue;
            }
            purged_.insert(entry->second.node);
            entry = replica.entries.erase(entry);
        }
    }
}

bool PresenceBook::alive(const std::string& node, Clock::time_point now) const {
    if (node == self_) return true;
    auto found = nodes_.find(node);
    if (found != nodes_.end()) return now - found->second <= node_timeout_;
    return now - created_ <= node_timeout_;  // not heard of yet: give it time to announce
}

void PresenceBook::visit_owned(std::string_view topic, const Visit& visit) const {
    auto owned = owned_.find(std::string{topic});
    if (owned == owned_.end()) return;
    for (const auto& [client, record] : owned->second) visit(client, record);
}

bool PresenceBook::read(std::string_view topic, Clock::time_point now, const Visit& visit) const {
    std::lock_guard lock{mutex_};
    auto replica = replicas_.find(std::string{topic});
    if (replica == replicas_.end() || !replica->second.current) return false;
    visit_owned(topic, visit);
    auto owned = owned_.find(std::string{topic});
    for (const auto& [client, record] : replica->second.entries) {
        if (owned != owned_.end() && owned->second.count(client) != 0) continue;
        if (alive(record.node, now)) visit(client, record);
    }
    return true;
}

void PresenceBook::merge(std::string_view topic, const Records& remote, Clock::time_point now,
                         const Visit& visit) const {
    std::lock_guard lock{mutex_};
    visit_owned(topic, visit);
    auto owned = owned_.find(std::string{topic});
    for (const auto& [client, record] : remote) {
        if (record.node == self_) continue;
        if (owned != owned_.end() && owned->second.count(client) != 0) continue;
        if (alive(record.node, now)) visit(client, record);
    }
}

}  // namespace notify::redis
