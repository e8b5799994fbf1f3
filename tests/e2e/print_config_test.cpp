// notifyd --print-config on every shipped manifest: the output passes --check from another
// folder and states every host default.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "process.hpp"

namespace notify::test {
namespace {

using std::chrono::seconds;

std::vector<std::filesystem::path> shipped_manifests() {
    std::vector<std::filesystem::path> files;
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(NOTIFY_SOURCE_DIR "/conf")) {
        if (entry.is_regular_file() && entry.path().extension() == ".toml") {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

TEST(PrintConfig, EveryShippedManifestPrintsAManifestThatPassesCheck) {
    const auto manifests = shipped_manifests();
    ASSERT_GE(manifests.size(), 5u);
    for (const auto& manifest : manifests) {
        SCOPED_TRACE(manifest.string());
        TempDir dir;
        Process print({NOTIFYD_PATH, "--print-config", "--config", manifest.string()}, dir.path(),
                      "print");
        ASSERT_EQ(print.wait_for(seconds(20)), 0) << print.stderr_text();
        const std::string text = print.stdout_text();
        for (const std::string section :
             {"\n[app]\nid = ", "\n[log]\nlevel = ", "format = ", "\n[clients]\nttl = ",
              "\n[limits]\nmax_connections = ", "max_payload_size = ", "\n[topics]\n",
              "delivery = ", "\n[plugins]\ndirs = ", "\n[broker]\nplugin = "}) {
            EXPECT_NE(text.find(section), std::string::npos) << "missing " << section;
        }
        const auto printed = dir.path() / "printed" / "notify.toml";
        std::filesystem::create_directories(printed.parent_path());
        write_file(printed, text);
        Process check({NOTIFYD_PATH, "--check", "--config", printed.string()}, dir.path(), "check");
        EXPECT_EQ(check.wait_for(seconds(20)), 0) << check.stderr_text() << "\n" << text;
    }
}

}  // namespace
}  // namespace notify::test
