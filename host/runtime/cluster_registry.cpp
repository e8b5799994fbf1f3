#include "runtime/cluster_registry.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <tuple>

#include <nlohmann/json.hpp>

#include "runtime/random_id.hpp"

namespace notify::runtime {
namespace {

std::string text_of(notify_str text) {
    return text.data == nullptr ? std::string() : std::string(text.data, text.len);
}

notify_str view(const std::string& text) { return notify_str{text.data(), text.size()}; }

std::string join(const std::vector<std::string>& parts) {
    std::string joined;
    for (const std::string& part : parts) {
        if (!joined.empty()) joined += ' ';
        joined += part;
    }
    return joined;
}

std::vector<std::string> split_urls(const std::string& joined) {
    std::vector<std::string> urls;
    std::size_t start = 0;
    while (start < joined.size()) {
        std::size_t end = joined.find(' ', start);
        if (end == std::string::npos) end = joined.size();
        if (end > start) urls.push_back(joined.substr(start, end - start));
        start = end + 1;
    }
    return urls;
}

double process_cpu_seconds() {
    rusage usage{};
    if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
    const auto seconds = [](const timeval& time) {
        return static_cast<double>(time.tv_sec) + static_cast<double>(time.tv_usec) / 1e6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

nlohmann::json to_json(const NodeRecord& node, bool self) {
    return nlohmann::json{{"id", node.id},
                          {"name", node.name},
                          {"urls", node.urls},
                          {"version", node.version},
                          {"connections", node.connections},
                          {"clients", node.clients},
                          {"users", node.users},
                          {"topics", node.topics},
                          {"subscriptions", node.subscriptions},
                          {"cpu", node.cpu},
                          {"uptime_ms", node.uptime_ms},
                          {"self", self}};
}

}  // namespace

ClusterRegistry::ClusterRegistry(std::string app_id, std::string node_name,
                                 std::vector<std::string> urls)
    : self_id_(random_hex(16)),
      app_id_(std::move(app_id)),
      name_(std::move(node_name)),
      urls_(std::move(urls)),
      urls_joined_(join(urls_)),
      version_(NOTIFY_VERSION),
      started_(Clock::now()),
      cpu_sampled_at_(started_),
      cpu_seconds_at_sample_(process_cpu_seconds()) {}

void ClusterRegistry::update_load(const core::CoreStats& stats) {
    const std::lock_guard lock(mutex_);
    load_ = stats;
}

// CPU use since the previous sample, taken when asked at least a second apart.
double ClusterRegistry::sample_cpu_locked() {
    const Clock::time_point now = Clock::now();
    const double elapsed = std::chrono::duration<double>(now - cpu_sampled_at_).count();
    if (elapsed >= 1.0) {
        const double seconds = process_cpu_seconds();
        cpu_ = std::max(0.0, (seconds - cpu_seconds_at_sample_) / elapsed);
        cpu_seconds_at_sample_ = seconds;
        cpu_sampled_at_ = now;
    }
    return cpu_;
}

NodeRecord ClusterRegistry::self_locked() {
    NodeRecord self;
    self.id = self_id_;
    self.name = name_;
    self.urls = urls_;
    self.version = version_;
    self.connections = load_.connections;
    self.clients = load_.clients_active + load_.clients_inactive;
    self.users = load_.users;
    self.topics = load_.topics;
    self.subscriptions = load_.subscriptions;
    self.cpu = sample_cpu_locked();
    self.uptime_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_).count();
    return self;
}

void ClusterRegistry::fill_self(notify_node_info& out) {
    const std::lock_guard lock(mutex_);
    const NodeRecord self = self_locked();
    notify_node_info full{};
    full.size = out.size;
    full.id = view(self_id_);
    full.name = view(name_);
    full.urls = view(urls_joined_);
    full.version = view(version_);
    full.connections = self.connections;
    full.clients = self.clients;
    full.users = self.users;
    full.topics = self.topics;
    full.subscriptions = self.subscriptions;
    full.cpu = self.cpu;
    full.uptime_ms = self.uptime_ms;
    full.app_id = view(app_id_);
    // The caller's struct may be older (smaller) than ours: write only the bytes it has.
    std::memcpy(&out, &full, std::min<std::size_t>(out.size, sizeof full));
}

void ClusterRegistry::node_seen(const notify_node_info& node, std::int64_t ttl_ms) {
    NodeRecord record;
    record.id = text_of(node.id);
    if (record.id.empty() || record.id == self_id_) return;
    record.name = text_of(node.name);
    record.urls = split_urls(text_of(node.urls));
    record.version = text_of(node.version);
    record.connections = node.connections;
    record.clients = node.clients;
    record.users = node.users;
    record.topics = node.topics;
    record.subscriptions = node.subscriptions;
    record.cpu = node.cpu;
    record.uptime_ms = node.uptime_ms;
    const Clock::time_point expires =
        Clock::now() + std::chrono::milliseconds(std::max<std::int64_t>(ttl_ms, 0));
    const std::string id = record.id;
    const std::lock_guard lock(mutex_);
    remotes_.insert_or_assign(id, Remote{std::move(record), expires});
}

std::vector<NodeRecord> ClusterRegistry::live_nodes_locked() {
    const Clock::time_point now = Clock::now();
    std::erase_if(remotes_, [&](const auto& entry) { return entry.second.expires <= now; });
    std::vector<NodeRecord> nodes{self_locked()};
    for (const auto& [id, remote] : remotes_) nodes.push_back(remote.record);
    return nodes;
}

std::string ClusterRegistry::nodes_json() {
    const std::lock_guard lock(mutex_);
    std::vector<NodeRecord> nodes = live_nodes_locked();
    std::sort(nodes.begin(), nodes.end(), [](const NodeRecord& a, const NodeRecord& b) {
        return std::tie(a.name, a.id) < std::tie(b.name, b.id);
    });
    nlohmann::json list = nlohmann::json::array();
    for (const NodeRecord& node : nodes) list.push_back(to_json(node, node.id == self_id_));
    return nlohmann::json{{"nodes", std::move(list)}}.dump();
}

std::string ClusterRegistry::info_json() {
    const std::lock_guard lock(mutex_);
    std::vector<NodeRecord> nodes = live_nodes_locked();
    nlohmann::json self = to_json(nodes.front(), true);
    std::sort(nodes.begin(), nodes.end(), [](const NodeRecord& a, const NodeRecord& b) {
        return std::tie(a.name, a.id) < std::tie(b.name, b.id);
    });
    nlohmann::json list = nlohmann::json::array();
    for (const NodeRecord& node : nodes) list.push_back(to_json(node, node.id == self_id_));
    return nlohmann::json{{"node", std::move(self)}, {"nodes", std::move(list)}}.dump();
}

// Least loaded: fewest connections, then least CPU, then name; only nodes with a client URL
// can be handed out.
std::string ClusterRegistry::handout_json() {
    const std::lock_guard lock(mutex_);
    std::vector<NodeRecord> nodes = live_nodes_locked();
    std::erase_if(nodes, [](const NodeRecord& node) { return node.urls.empty(); });
    std::sort(nodes.begin(), nodes.end(), [](const NodeRecord& a, const NodeRecord& b) {
        return std::tie(a.connections, a.cpu, a.name, a.id) <
               std::tie(b.connections, b.cpu, b.name, b.id);
    });
    nlohmann::json candidates = nlohmann::json::array();
    for (const NodeRecord& node : nodes) {
        candidates.push_back(to_json(node, node.id == self_id_));
    }
    nlohmann::json chosen = candidates.empty() ? nlohmann::json(nullptr) : candidates.front();
    return nlohmann::json{{"node", std::move(chosen)}, {"candidates", std::move(candidates)}}
        .dump();
}

}  // namespace notify::runtime
