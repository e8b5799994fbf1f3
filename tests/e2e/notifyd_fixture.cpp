#include "notifyd_fixture.hpp"

namespace notify::test {

std::string NotifydTest::chat_manifest(unsigned short port) {
    return "[app]\nid = \"e2e\"\n"
           "[topics]\nhistory_size = 10\n"
           "[[auth]]\nplugin = \"anonymous\"\n"
           "[[handler]]\nplugin = \"chat\"\n"
           "[[transport]]\nplugin = \"websocket\"\n"
           "listen = \"127.0.0.1:" + std::to_string(port) + "\"\n"
           "path = \"/pubsub\"\nmax_frame_size = 4096\n"
           "static_root = \"" NOTIFY_SOURCE_DIR "/conf/www\"\n";
}

void NotifydTest::start_notifyd(unsigned short port, const std::string& manifest) {
    port_ = port;
    const auto file = dir_.path() / "notify.toml";
    write_file(file, manifest);
    notifyd_ = std::make_unique<Process>(
        std::vector<std::string>{NOTIFYD_PATH, "--config", file.string()}, dir_.path(), "notifyd");
    ASSERT_TRUE(wait_for_port(port, std::chrono::seconds(10)))
        << "notifyd did not listen; stderr:\n" << notifyd_->stderr_text();
}

std::string NotifydTest::url() const {
    return "ws://127.0.0.1:" + std::to_string(port_) + "/pubsub";
}

void NotifydTest::TearDown() {
    if (!notifyd_) return;
    EXPECT_EQ(notifyd_->stop(std::chrono::seconds(10)), 0)
        << "notifyd did not exit cleanly on SIGTERM; stderr:\n" << notifyd_->stderr_text();
}

}  // namespace notify::test
