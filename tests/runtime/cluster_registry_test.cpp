// The node registry behind host->node_info, cluster_node_seen and cluster_view.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <cstddef>
#include <cstring>
#include <string>
#include <thread>

#include "runtime/cluster_registry.hpp"

namespace notify::runtime {
namespace {

notify_str view(const std::string& text) { return notify_str{text.data(), text.size()}; }

struct Announcement {
    std::string id;
    std::string name;
    std::string urls;
    std::uint64_t connections = 0;

    notify_node_info info() const {
        notify_node_info node{};
        node.size = sizeof node;
        node.id = view(id);
        node.name = view(name);
        node.urls = view(urls);
        node.connections = connections;
        return node;
    }
};

std::vector<std::string> names(const nlohmann::json& nodes) {
    std::vector<std::string> result;
    for (const auto& node : nodes) result.push_back(node["name"].get<std::string>());
    return result;
}

TEST(ClusterRegistryTest, KeepsEveryAnnouncedNodeBesideItself) {
    ClusterRegistry registry("chat", "node1", {"ws://127.0.0.1:3301/pubsub"});
    const Announcement node2{"id-2", "node2", "ws://127.0.0.1:3302/pubsub", 5};
    const Announcement node3{"id-3", "node3", "ws://127.0.0.1:3303/pubsub ws://[::1]:3303/", 1};
    registry.node_seen(node2.info(), 10'000);
    registry.node_seen(node3.info(), 10'000);
    registry.node_seen(node2.info(), 10'000);  // a newer announcement replaces the older

    const nlohmann::json view_json = nlohmann::json::parse(registry.nodes_json());
    ASSERT_EQ(names(view_json["nodes"]), (std::vector<std::string>{"node1", "node2", "node3"}));
    EXPECT_TRUE(view_json["nodes"][0]["self"].get<bool>());
    EXPECT_EQ(view_json["nodes"][0]["id"], registry.node_id());
    EXPECT_FALSE(view_json["nodes"][1]["self"].get<bool>());
    EXPECT_EQ(view_json["nodes"][1]["connections"], 5);
    EXPECT_EQ(view_json["nodes"][2]["urls"].size(), 2U);
}

TEST(ClusterRegistryTest, ForgetsANodeNotHeardFromWithinItsTtl) {
    ClusterRegistry registry("chat", "node1", {});
    registry.node_seen(Announcement{"id-2", "node2", "", 0}.info(), 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const nlohmann::json view_json = nlohmann::json::parse(registry.nodes_json());
    EXPECT_EQ(names(view_json["nodes"]), std::vector<std::string>{"node1"});
}

TEST(ClusterRegistryTest, IgnoresItsOwnAnnouncementAndNodesWithoutId) {
    ClusterRegistry registry("chat", "node1", {});
    registry.node_seen(Announcement{registry.node_id(), "echo", "", 0}.info(), 10'000);
    registry.node_seen(Announcement{"", "anonymous", "", 0}.info(), 10'000);
    const nlohmann::json view_json = nlohmann::json::parse(registry.nodes_json());
    EXPECT_EQ(names(view_json["nodes"]), std::vector<std::string>{"node1"});
}

TEST(ClusterRegistryTest, HandoutChoosesTheLeastLoadedNodeWithAUrl) {
    ClusterRegistry registry("chat", "node1", {"ws://127.0.0.1:3301/pubsub"});
    core::CoreStats busy;
    busy.connections = 10;
    registry.update_load(busy);
    registry.node_seen(Announcement{"id-2", "node2", "ws://127.0.0.1:3302/pubsub", 3}.info(),
                       10'000);
    registry.node_seen(Announcement{"id-3", "node3", "", 0}.info(), 10'000);  // no client URL
    const nlohmann::json handout = nlohmann::json::parse(registry.handout_json());
    EXPECT_EQ(handout["node"]["name"], "node2");
    EXPECT_EQ(names(handout["candidates"]), (std::vector<std::string>{"node2", "node1"}));
}

TEST(ClusterRegistryTest, FillsThisNodeForTheBroker) {
    ClusterRegistry registry("chat", "node1", {"ws://a/", "ws://b/"});
    core::CoreStats stats;
    stats.connections = 4;
    stats.clients_active = 3;
    stats.clients_inactive = 1;
    stats.subscriptions = 7;
    registry.update_load(stats);
    notify_node_info info{};
    info.size = sizeof info;
    registry.fill_self(info);
    EXPECT_EQ(std::string(info.id.data, info.id.len), registry.node_id());
    EXPECT_EQ(std::string(info.urls.data, info.urls.len), "ws://a/ ws://b/");
    EXPECT_EQ(std::string(info.app_id.data, info.app_id.len), "chat");
    EXPECT_EQ(info.connections, 4U);
    EXPECT_EQ(info.clients, 4U);
    EXPECT_EQ(info.subscriptions, 7U);
}

// A plugin built before app_id existed passes a struct that ends at uptime_ms: the host must
// not write past it (the bytes after it are the plugin's).
TEST(ClusterRegistryTest, FillsAnOlderSmallerNodeInfoWithoutWritingPastIt) {
    ClusterRegistry registry("chat", "node1", {"ws://a/"});
    struct {
        notify_node_info info;
        unsigned char after[sizeof(notify_node_info)];
    } buffer;
    std::memset(&buffer, 0xAB, sizeof buffer);
    const std::size_t older_size = offsetof(notify_node_info, app_id);
    buffer.info.size = static_cast<std::uint32_t>(older_size);
    registry.fill_self(buffer.info);
    EXPECT_EQ(buffer.info.size, older_size);
    EXPECT_EQ(std::string(buffer.info.urls.data, buffer.info.urls.len), "ws://a/");
    const auto* bytes = reinterpret_cast<const unsigned char*>(&buffer);
    for (std::size_t i = older_size; i < sizeof buffer; ++i) {
        ASSERT_EQ(bytes[i], 0xAB) << "byte " << i << " past the caller's struct was written";
    }
}

}  // namespace
}  // namespace notify::runtime
