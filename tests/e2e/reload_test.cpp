// SIGHUP on a running notifyd: a live change takes effect for clients, a change that needs a
// restart is refused with the old listener still serving.
#include <gtest/gtest.h>
#include <signal.h>

#include <optional>
#include <string>

#include "notify_cli.hpp"
#include "notifyd_fixture.hpp"

namespace notify::test {
namespace {

using std::chrono::seconds;

constexpr unsigned short kPort = 39890;
constexpr unsigned short kOtherPort = 39891;

std::string manifest(unsigned short port, unsigned max_payload_size) {
    return "[limits]\nmax_payload_size = " + std::to_string(max_payload_size) +
           "\n[[auth]]\nplugin = \"anonymous\"\n"
           "[[transport]]\nplugin = \"websocket\"\nname = \"ws\"\n"
           "listen = \"127.0.0.1:" +
           std::to_string(port) + "\"\npath = \"/pubsub\"\n";
}

class ReloadTest : public NotifydTest {
protected:
    // notify-cli pub of `size` bytes; its exit code, and its stderr in `error`.
    std::optional<int> publish(unsigned short port, std::size_t size, std::string& error) {
        const std::string label = "pub" + std::to_string(++publishes_);
        auto cli = start_cli(dir_.path(), label,
                             {"pub", "ws://127.0.0.1:" + std::to_string(port) + "/pubsub", "news",
                              std::string(size, 'x')});
        const auto code = cli->wait_for(seconds(10));
        error = cli->stderr_text();
        return code;
    }

    void rewrite_and_reload(const std::string& text) {
        write_file(dir_.path() / "notify.toml", text);
        notifyd_->signal(SIGHUP);
    }

    int publishes_ = 0;
};

TEST_F(ReloadTest, SighupAppliesANewPayloadLimitAndRefusesANewListener) {
    start_notifyd(kPort, manifest(kPort, 65'536));
    std::string error;
    ASSERT_EQ(publish(kPort, 2'000, error), 0) << error;

    rewrite_and_reload(manifest(kPort, 1'024));
    ASSERT_TRUE(
        notifyd_->wait_for_stderr("reload: limits.max_payload_size 65536 -> 1024", seconds(10)))
        << notifyd_->stderr_text();
    EXPECT_NE(publish(kPort, 2'000, error), 0);
    EXPECT_NE(error.find("exceeds the limit of 1024"), std::string::npos) << error;
    EXPECT_EQ(publish(kPort, 1'000, error), 0) << error;

    rewrite_and_reload(manifest(kOtherPort, 1'024));
    ASSERT_TRUE(notifyd_->wait_for_stderr(
        "reload refused: changing the table of transport 'ws' (plugin websocket) needs a restart",
        seconds(10)))
        << notifyd_->stderr_text();
    EXPECT_EQ(publish(kPort, 1'000, error), 0) << error;
    EXPECT_FALSE(wait_for_port(kOtherPort, std::chrono::milliseconds(200)));
}

TEST_F(ReloadTest, SighupWithAnInvalidManifestKeepsServing) {
    start_notifyd(kPort + 2, manifest(kPort + 2, 1'024));
    rewrite_and_reload(manifest(kPort + 2, 0));
    ASSERT_TRUE(notifyd_->wait_for_stderr("reload refused:", seconds(10)))
        << notifyd_->stderr_text();
    EXPECT_NE(notifyd_->stderr_text().find("key 'limits.max_payload_size': must be between 1"),
              std::string::npos)
        << notifyd_->stderr_text();
    std::string error;
    EXPECT_EQ(publish(kPort + 2, 1'000, error), 0) << error;
    EXPECT_NE(publish(kPort + 2, 2'000, error), 0);
}

}  // namespace
}  // namespace notify::test
