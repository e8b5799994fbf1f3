// The open connections of one instance: counted for max_connections and reached at stop().
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace notify::http_api {

class Connection;

class ConnectionRegistry {
public:
    // A new id, or 0 when `limit` connections are open already. THREAD: any.
    std::uint64_t add(std::size_t limit);
    // The connection registers itself once it is owned by a shared_ptr. THREAD: any.
    void attach(std::uint64_t id, const std::weak_ptr<Connection>& connection);
    void remove(std::uint64_t id);
    std::size_t size() const;
    // Calls `action` on every live connection (outside the lock). THREAD: any.
    void for_each(const std::function<void(const std::shared_ptr<Connection>&)>& action) const;

private:
    mutable std::mutex mutex_;
    std::uint64_t next_id_ = 1;
    std::unordered_map<std::uint64_t, std::weak_ptr<Connection>> connections_;
};

}  // namespace notify::http_api
