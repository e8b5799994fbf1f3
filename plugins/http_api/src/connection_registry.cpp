#include "connection_registry.hpp"

#include <vector>

namespace notify::http_api {

std::uint64_t ConnectionRegistry::add(std::size_t limit) {
    const std::lock_guard lock{mutex_};
    if (connections_.size() >= limit) return 0;
    const std::uint64_t id = next_id_++;
    connections_.emplace(id, std::weak_ptr<Connection>{});
    return id;
}

void ConnectionRegistry::attach(std::uint64_t id, const std::weak_ptr<Connection>& connection) {
    const std::lock_guard lock{mutex_};
    const auto found = connections_.find(id);
    if (found != connections_.end()) found->second = connection;
}

void ConnectionRegistry::remove(std::uint64_t id) {
    const std::lock_guard lock{mutex_};
    connections_.erase(id);
}

std::size_t ConnectionRegistry::size() const {
    const std::lock_guard lock{mutex_};
    return connections_.size();
}

void ConnectionRegistry::for_each(
    const std::function<void(const std::shared_ptr<Connection>&)>& action) const {
    std::vector<std::shared_ptr<Connection>> live;
    {
        const std::lock_guard lock{mutex_};
        live.reserve(connections_.size());
        for (const auto& [id, weak] : connections_) {
            if (auto connection = weak.lock()) live.push_back(std::move(connection));
        }
    }
    for (const auto& connection : live) action(connection);
}

}  // namespace notify::http_api
