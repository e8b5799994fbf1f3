// A broker plugin built for ABI 1.2 (tests/loader/fixtures/fixture_broker_1_2.c, compiled against
// the frozen 1.2 header) still serves a current notifyd: publishes get its offsets and epoch,
// subscribers recover from its history and then get live messages (issue 10: "an old broker
// plugin still loads").
#include "cluster_fixture.hpp"
#include "notifyd_fixture.hpp"

namespace notify::test {
namespace {

constexpr unsigned short kPort = 39930;

class OldBrokerTest : public NotifydTest {};

TEST_F(OldBrokerTest, NotifydRunsOnABrokerBuiltAgainstAbi12) {
    std::string manifest = chat_manifest(kPort);
    manifest.replace(manifest.find("[topics]\nhistory_size = 10\n"),
                     std::string("[topics]\nhistory_size = 10\n").size(),
                     "[topics]\nhistory_size = 1000\n[broker]\nplugin = \"" FIXTURE_BROKER_1_2_PATH
                     "\"\n");
    start_notifyd(kPort, manifest);
    const auto cli = [&](const std::string& label, std::vector<std::string> args) {
        args.insert(args.begin(), NOTIFY_CLI_PATH);
        return std::make_unique<Process>(std::move(args), dir_.path(), label);
    };
    auto pub = cli("pub", {"pub", url(), "old", "m", "--count", "20", "--timeout", "10"});
    ASSERT_EQ(pub->wait_for(std::chrono::seconds(10)), 0) << pub->stderr_text();

    auto sub =
        cli("sub", {"sub", url(), "old", "--since", "10:fx12", "--count", "15", "--timeout", "10"});
    ASSERT_TRUE(sub->wait_for_stderr("ready", std::chrono::seconds(10))) << sub->stderr_text();
    auto live = cli("live", {"pub", url(), "old", "live", "--count", "5", "--timeout", "10"});
    ASSERT_EQ(live->wait_for(std::chrono::seconds(10)), 0) << live->stderr_text();
    ASSERT_EQ(sub->wait_for(std::chrono::seconds(10)), 0) << sub->stderr_text();
    const auto lines = cluster::parse_cli_lines(sub->stdout_text());
    ASSERT_EQ(lines.size(), 15u);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        EXPECT_EQ(lines[i].offset, 11 + i);
        EXPECT_EQ(lines[i].epoch, "fx12");
        EXPECT_EQ(lines[i].data,
                  i < 10 ? "m-" + std::to_string(11 + i) : "live-" + std::to_string(i - 9));
    }
}

}  // namespace
}  // namespace notify::test
