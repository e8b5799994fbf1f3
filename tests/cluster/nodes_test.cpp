// The node registry (issue 10, "Node registry and handout"): every node announces itself on the
// bus; `notify-cli nodes URL` (GET /cluster/nodes on the websocket listener) lists the cluster,
// and a node that stops announcing is dropped after about three intervals.
#include <algorithm>
#include <set>
#include <sstream>

#include "cluster_fixture.hpp"

namespace notify::test::cluster {
namespace {

class ClusterNodesTest : public ClusterTest {
  protected:
    // `notify-cli nodes URL --json` as parsed JSON, or null when it failed.
    json nodes_json(int node) {
        auto cli = start_cli("nodes", {"nodes", url(node), "--json", "--timeout", "5"});
        if (cli->wait_for(seconds(6)) != 0) return nullptr;
        const json parsed = json::parse(cli->stdout_text(), nullptr, false);
        return parsed.is_discarded() ? json(nullptr) : parsed;
    }

    std::set<std::string> names_in(const json& view) {
        std::set<std::string> names;
        if (!view.is_object() || !view.contains("nodes") || !view.at("nodes").is_array()) {
            return names;
        }
        for (const json& node : view.at("nodes")) names.insert(node.value("name", ""));
        return names;
    }

    // Polls node `node`'s view until it names exactly `wanted` (announce_interval is 1 s).
    json wait_for_names(int node, const std::set<std::string>& wanted, milliseconds timeout) {
        const auto deadline = Clock::now() + timeout;
        json view;
        while (Clock::now() < deadline) {
            view = nodes_json(node);
            if (names_in(view) == wanted) return view;
            std::this_thread::sleep_for(milliseconds(200));
        }
        ADD_FAILURE() << "node" << node + 1
                      << " never listed exactly the wanted nodes; last view: " << view.dump();
        return view;
    }
};

TEST_F(ClusterNodesTest, NotifyCliNodesListsTheThreeNodes) {
    ASSERT_NO_FATAL_FAILURE(start_cluster(39920));
    const std::set<std::string> all{"node1", "node2", "node3"};
    for (int node = 0; node < kNodes; ++node) {
        const json view = wait_for_names(node, all, seconds(8));
        if (!view.is_object() || !view.contains("nodes")) continue;
        for (const json& entry : view.at("nodes")) {
            const std::string name = entry.value("name", "");
            ASSERT_EQ(name.size(), 5u);
            const int index = name[4] - '1';
            ASSERT_TRUE(entry.contains("urls")) << entry.dump();
            EXPECT_EQ(entry.at("urls"), json::array({url(index)})) << entry.dump();
            EXPECT_FALSE(entry.value("id", "").empty()) << entry.dump();
        }
    }
    // The table: a header and one line per node, with its name and URL.
    auto table = start_cli("nodes-table", {"nodes", url(0), "--timeout", "5"});
    ASSERT_EQ(table->wait_for(seconds(6)), 0) << table->stderr_text();
    const std::vector<std::string> lines = [&] {
        std::vector<std::string> out;
        std::istringstream in(table->stdout_text());
        for (std::string line; std::getline(in, line);) {
            if (!line.empty()) out.push_back(line);
        }
        return out;
    }();
    ASSERT_EQ(lines.size(), 4u) << table->stdout_text();
    for (int node = 0; node < kNodes; ++node) {
        const std::string name = "node" + std::to_string(node + 1);
        EXPECT_EQ(std::count_if(lines.begin(), lines.end(),
                                [&](const std::string& line) {
                                    return line.rfind(name + " ", 0) == 0 &&
                                           line.find(url(node)) != std::string::npos;
                                }),
                  1)
            << name << " in:\n"
            << table->stdout_text();
    }

    // A node killed stops announcing: the others drop it after about three intervals.
    kill_node(2);
    wait_for_names(0, {"node1", "node2"}, seconds(8));
}

}  // namespace
}  // namespace notify::test::cluster
