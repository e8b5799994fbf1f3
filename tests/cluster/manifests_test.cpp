// conf/cluster/: the example manifests check cleanly, start with their `# url:` line, and
// describe one cluster (one app id, one Redis, a node name and URL per node).
#include <fstream>

#include "cluster_fixture.hpp"

namespace notify::test::cluster {
namespace {

TEST(ClusterManifests, EachNodeManifestChecksCleanlyAndNamesItsUrl) {
    TempDir dir;
    for (int node = 1; node <= kNodes; ++node) {
        const std::string name = "node" + std::to_string(node);
        const std::string file = NOTIFY_SOURCE_DIR "/conf/cluster/" + name + ".toml";
        const std::string url = "ws://127.0.0.1:330" + std::to_string(node) + "/pubsub";
        Process check({NOTIFYD_PATH, "--check", "--config", file}, dir.path(), "check-" + name);
        EXPECT_EQ(check.wait_for(seconds(20)), 0) << check.stderr_text();
        const std::string text = read_file(file);
        EXPECT_EQ(text.rfind("# url: " + url + "\n", 0), 0u) << file;
        for (const std::string& line :
             {std::string("id = \"chat\""), "name = \"" + name + "\"", "urls = [\"" + url + "\"]",
              std::string("plugin = \"redis\""), std::string("addresses = [\"127.0.0.1:6390\"]"),
              "listen = \"127.0.0.1:330" + std::to_string(node) + "\""}) {
            EXPECT_NE(text.find(line), std::string::npos) << file << " lacks " << line;
        }
    }
}

}  // namespace
}  // namespace notify::test::cluster
