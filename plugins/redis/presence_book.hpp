// What this node knows of presence in the cluster, shared by the core thread (presence_add,
// _remove, _read, _stats) and the plugin thread (bus changes, snapshots, refreshes), under one
// mutex. Two parts:
// - owned: this node's own entries, written by the core thread. They are the truth for this
//   node's clients (a read sees a subscribe at once, before its change came back over the bus).
// - replicas: the other nodes' entries of the topics this node has interest in, loaded from
//   Redis and kept current by the change messages on the topic's channel.
// Entries of a node that stopped announcing itself are hidden (it died: Redis drops them when
// their expiry passes, which may be later).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "wire.hpp"

namespace notify::redis {

class PresenceBook {
  public:
    using Clock = std::chrono::steady_clock;
    using Records = std::vector<std::pair<std::string, PresenceRecord>>;  // client -> record
    // (client, user, info) of one visible entry.
    using Visit = std::function<void(const std::string& client, const PresenceRecord& record)>;

    // A node not heard of for node_timeout is taken for dead; so is one never heard of once
    // this book is older than that.
    PresenceBook(std::string self, std::chrono::milliseconds node_timeout);

    // ---- core thread: this node's entries ----
    void own(std::string_view topic, std::string_view client, std::string_view user,
             std::string_view info);
    void disown(std::string_view topic, std::string_view client);

    // ---- plugin thread ----
    // This node's entries of every topic (refreshes copy them so as not to hold the lock).
    std::vector<std::string> owned_topics() const;
    Records owned_records(std::string_view topic) const;
    // Records an announcement; true when entries of that node were purged from the replicas
    // while it was taken for dead (it was only unheard of, e.g. behind a lost connection): the
    // caller loads the replicas again.
    bool node_seen(std::string_view node, Clock::time_point now);
    // Replaces the topic's replica with a snapshot read from Redis (this node's entries in it
    // are ignored: `owned` is their truth) and marks it current.
    void replica_load(std::string_view topic, const Records& snapshot);
    // Applies a change message to the topic's replica (no-op without one).
    void replica_apply(const PresenceMessage& change);
    // The replica is no longer current (its bus connection was lost): reads go to Redis.
    void replica_stale(std::string_view topic);
    void replica_drop(std::string_view topic);
    // Frees the entries of dead nodes.
    void purge(Clock::time_point now);

    // ---- any thread ----
    // Visits the topic's visible entries from the replica; false (and no visit) when there is
    // no current replica: the caller then reads Redis and calls merge().
    bool read(std::string_view topic, Clock::time_point now, const Visit& visit) const;
    // Visits this node's entries and the live other nodes' entries of `remote` (read from
    // Redis).
    void merge(std::string_view topic, const Records& remote, Clock::time_point now,
               const Visit& visit) const;

  private:
    struct Replica {
        bool current = false;
        std::unordered_map<std::string, PresenceRecord> entries;
    };
    using Owned = std::unordered_map<std::string, PresenceRecord>;

    bool alive(const std::string& node, Clock::time_point now) const;
    void visit_owned(std::string_view topic, const Visit& visit) const;

    const std::string self_;
    const std::chrono::milliseconds node_timeout_;
    const Clock::time_point created_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Owned> owned_;
    std::unordered_map<std::string, Replica> replicas_;
    std::unordered_map<std::string, Clock::time_point> nodes_;  // last announcement heard
    std::unordered_set<std::string> purged_;  // nodes whose entries purge() dropped
};

}  // namespace notify::redis
