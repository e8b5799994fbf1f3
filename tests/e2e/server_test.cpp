// notifyd as a process: where it listens, the demo page, and a graceful shutdown.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "notifyd_fixture.hpp"
#include "ws_client.hpp"

namespace notify::test {
namespace {

using std::chrono::seconds;

class ServerTest : public NotifydTest {};

// Local addresses (hex, as in /proc/net/tcp*) of sockets listening on `port`.
std::vector<std::string> listening_addresses(const std::string& table, unsigned short port) {
    std::vector<std::string> found;
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);
    char port_hex[8];
    std::snprintf(port_hex, sizeof port_hex, "%04X", port);
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string slot, local, remote, state;
        fields >> slot >> local >> remote >> state;
        const auto colon = local.rfind(':');
        if (state == "0A" && local.substr(colon + 1) == port_hex) {
            found.push_back(local.substr(0, colon));
        }
    }
    return found;
}

TEST_F(ServerTest, ListensOnLoopbackOnly) {
    start_notifyd(39421, chat_manifest(39421));
    const auto ipv4 = listening_addresses("/proc/net/tcp", 39421);
    ASSERT_FALSE(ipv4.empty());
    for (const auto& address : ipv4) EXPECT_EQ(address, "0100007F");
    EXPECT_TRUE(listening_addresses("/proc/net/tcp6", 39421).empty());
}

TEST_F(ServerTest, ServesTheDemoPage) {
    start_notifyd(39422, chat_manifest(39422));
    const auto response = raw_exchange(
        port_, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", seconds(5));
    EXPECT_EQ(response.rfind("HTTP/1.1 200", 0), 0u) << response.substr(0, 200);
    EXPECT_NE(response.find("<html"), std::string::npos);
    const auto script = raw_exchange(
        port_, "GET /app.js HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        seconds(5));
    EXPECT_EQ(script.rfind("HTTP/1.1 200", 0), 0u) << script.substr(0, 200);
    EXPECT_NE(script.find("/pubsub"), std::string::npos);
}

TEST_F(ServerTest, SigtermClosesClientsWithGoingAwayAndExitsZero) {
    start_notifyd(39423, chat_manifest(39423));
    WsClient client(port_, "/pubsub");
    client.send_text(R"({"id":1,"connect":{}})");
    ASSERT_TRUE(client.read_until("\"result\"", seconds(5)).has_value());
    notifyd_->signal(SIGTERM);
    WsMessage message;
    for (int reads = 0; reads < 10; ++reads) {
        message = client.read(seconds(5));
        if (message.closed || message.timed_out) break;
    }
    ASSERT_TRUE(message.closed);
    EXPECT_EQ(message.close_code, 1001);
    EXPECT_EQ(notifyd_->wait_for(seconds(10)), 0) << notifyd_->stderr_text();
}

TEST(DefaultManifest, ChecksCleanly) {
    TempDir dir;
    Process check({NOTIFYD_PATH, "--check", "--config", NOTIFY_SOURCE_DIR "/conf/notify.toml"},
                  dir.path(), "check");
    EXPECT_EQ(check.wait_for(seconds(20)), 0) << check.stderr_text();
    EXPECT_NE(check.stdout_text().find("ok: "), std::string::npos) << check.stdout_text();
}

TEST(DefaultManifest, EveryExampleManifestStartsWithUrlLines) {
    for (const auto& entry : std::filesystem::directory_iterator(NOTIFY_SOURCE_DIR "/conf")) {
        if (entry.path().extension() != ".toml") continue;
        std::ifstream in(entry.path());
        std::string first;
        std::getline(in, first);
        EXPECT_EQ(first.rfind("# url: ", 0), 0u) << entry.path() << " starts with: " << first;
    }
}

}  // namespace
}  // namespace notify::test
