// This node's identity and load, and the other nodes of the cluster as their announcements
// describe them (notify_node_info): the node registry behind host->node_info,
// host->cluster_node_seen and host->cluster_view (docs/cluster.md has the JSON shapes).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/core.hpp"
#include "notify/notify.h"

namespace notify::runtime {

struct NodeRecord {
    std::string id;
    std::string name;
    std::vector<std::string> urls;
    std::string version;
    std::uint64_t connections = 0;
    std::uint64_t clients = 0;
    std::uint64_t users = 0;
    std::uint64_t topics = 0;
    std::uint64_t subscriptions = 0;
    double cpu = 0;
    std::int64_t uptime_ms = 0;
};

class ClusterRegistry {
public:
    ClusterRegistry(std::string app_id, std::string node_name, std::vector<std::string> urls);

    const std::string& node_id() const { return self_id_; }

    // Core thread: the counts this node announces.
    void update_load(const core::CoreStats& stats);

    // Any thread. Strings of *out stay valid until the registry is destroyed.
    void fill_self(notify_node_info& out);
    void node_seen(const notify_node_info& node, std::int64_t ttl_ms);
    // {"nodes":[...]} sorted by name, this node included with "self":true.
    std::string nodes_json();
    // {"node":least loaded,"candidates":[all, least loaded first]}.
    std::string handout_json();
    // {"node":this node,"nodes":[...]} for the server API's info.
    std::string info_json();

private:
    using Clock = std::chrono::steady_clock;
    struct Remote {
        NodeRecord record;
        Clock::time_point expires;
    };

    NodeRecord self_locked();
    std::vector<NodeRecord> live_nodes_locked();
    double sample_cpu_locked();

    const std::string self_id_;
    const std::string app_id_;
    const std::string name_;
    const std::vector<std::string> urls_;
    const std::string urls_joined_;
    const std::string version_;
    const Clock::time_point started_;

    std::mutex mutex_;
    core::CoreStats load_;
    double cpu_ = 0;
    Clock::time_point cpu_sampled_at_;
    double cpu_seconds_at_sample_ = 0;
    std::map<std::string, Remote> remotes_;  // by node id
};

}  // namespace notify::runtime
