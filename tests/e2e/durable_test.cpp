// At-least-once delivery end to end: conf/durable.toml served by a real notifyd that is killed
// with SIGKILL and started again on the same store, driven by notify-cli.
#include <gtest/gtest.h>
#include <signal.h>

#include "cli_lines.hpp"
#include "notify_cli.hpp"
#include "notifyd_fixture.hpp"

namespace notify::test {
namespace {

using std::chrono::seconds;

// One port per test: CTest runs the tests of this file in parallel.
constexpr unsigned short kPublishPort = 39431;
constexpr unsigned short kSubscriberPort = 39432;

// conf/durable.toml itself, moved to the test's port and a store in the test's folder, so the
// example manifest is what is tested.
std::string durable_manifest(const std::filesystem::path& data_dir, unsigned short port) {
    std::string text = read_file(NOTIFY_SOURCE_DIR "/conf/durable.toml");
    const auto replace = [&](const std::string& from, const std::string& to) {
        const auto at = text.find(from);
        EXPECT_NE(at, std::string::npos) << "conf/durable.toml has no " << from;
        if (at != std::string::npos) text.replace(at, from.size(), to);
    };
    replace("listen = \"127.0.0.1:3200\"", "listen = \"127.0.0.1:" + std::to_string(port) + "\"");
    replace("data_dir = \"data/durable\"", "data_dir = \"" + data_dir.string() + "\"");
    return text;
}

class DurableTest : public NotifydTest {
  protected:
    void start(unsigned short port) {
        start_notifyd(port, durable_manifest(dir_.path() / "store", port));
    }

    void kill_notifyd() {
        notifyd_->signal(SIGKILL);
        ASSERT_EQ(notifyd_->wait_for(seconds(10)), 128 + SIGKILL);
        notifyd_.reset();
    }

    void publish(const std::string& topic, const std::string& data, int count) {
        auto pub = start_cli(dir_.path(), "pub-" + topic,
                             {"pub", url(), topic, data, "--count", std::to_string(count),
                              "--timeout", "60"});
        ASSERT_EQ(pub->wait_for(seconds(60)), 0) << pub->stderr_text();
    }
};

TEST_F(DurableTest, AcknowledgedPublishesSurviveKillNine) {
    start(kPublishPort);
    publish("orders:1", "x", 1000);
    kill_notifyd();
    start(kPublishPort);
    auto sub = start_cli(dir_.path(), "sub", {"sub", url(), "orders:1", "--since", "0", "--count",
                                              "1000", "--timeout", "60"});
    ASSERT_EQ(sub->wait_for(seconds(60)), 0) << sub->stderr_text();
    const std::vector<MessageLine> lines = message_lines(sub->stdout_text());
    ASSERT_EQ(lines.size(), 1000U);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        EXPECT_EQ(lines[i].offset, i + 1);
        EXPECT_EQ(lines[i].data, "x-" + std::to_string(i + 1));
        EXPECT_EQ(lines[i].epoch, lines[0].epoch);
    }
}

TEST_F(DurableTest, DurableSubscriberResumesAfterKillNineWithoutWhatItAcked) {
    start(kSubscriberPort);
    auto first = start_cli(dir_.path(), "first", {"sub", url(), "orders:7", "--ack", "--count",
                                                  "300", "--timeout", "60"});
    ASSERT_TRUE(first->wait_for_stderr("ready", seconds(10))) << first->stderr_text();
    const std::string announced = first->stderr_text();
    const auto session = client_line(announced);
    ASSERT_TRUE(session.has_value()) << announced;
    const std::string client = session->client;
    const std::string token = session->resume;

    publish("orders:7", "m", 1000);
    ASSERT_EQ(first->wait_for(seconds(60)), 0) << first->stderr_text();
    const std::vector<MessageLine> acked = message_lines(first->stdout_text());
    ASSERT_EQ(acked.size(), 300U);
    // Acks are saved in order with publishes: one more acknowledged publish proves them stored.
    publish("orders:fence", "f", 1);
    kill_notifyd();

    start(kSubscriberPort);
    auto second = start_cli(dir_.path(), "second",
                            {"sub", url(), "orders:7", "--client", client, "--resume", token,
                             "--ack", "--count", "700", "--timeout", "60"});
    ASSERT_EQ(second->wait_for(seconds(60)), 0) << second->stderr_text();
    const std::vector<MessageLine> rest = message_lines(second->stdout_text());
    ASSERT_EQ(rest.size(), 700U);
    for (std::size_t i = 0; i < rest.size(); ++i) {
        EXPECT_EQ(rest[i].offset, 301 + i);
        EXPECT_EQ(rest[i].data, "m-" + std::to_string(301 + i));
        EXPECT_EQ(rest[i].epoch, acked[0].epoch);  // the stream kept its epoch
    }
}

}  // namespace
}  // namespace notify::test
