#include "parity_server.hpp"

#include <sstream>

namespace notify::test {
namespace {

void replace_all(std::string& text, const std::string& from, const std::string& to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
}

}  // namespace

const std::vector<TransportUrl>& transport_urls() {
    static const std::vector<TransportUrl> urls{
        {"ws", "ws://127.0.0.1:" + std::to_string(kWsPort) + "/pubsub"},
        {"tcp", "tcp://127.0.0.1:" + std::to_string(kTcpPort)},
        {"sse", "http://127.0.0.1:" + std::to_string(kHttpPort) + "/http"},
        {"poll", "http+poll://127.0.0.1:" + std::to_string(kHttpPort) + "/http"},
        {"udp", "udp://127.0.0.1:" + std::to_string(kUdpPort)},
    };
    return urls;
}

std::string parity_manifest() {
    std::string manifest = read_file(NOTIFY_SOURCE_DIR "/conf/transports.toml");
    replace_all(manifest, "127.0.0.1:3100", "127.0.0.1:" + std::to_string(kWsPort));
    replace_all(manifest, "127.0.0.1:3101", "127.0.0.1:" + std::to_string(kTcpPort));
    replace_all(manifest, "127.0.0.1:3102", "127.0.0.1:" + std::to_string(kHttpPort));
    replace_all(manifest, "127.0.0.1:3103", "127.0.0.1:" + std::to_string(kUdpPort));
    replace_all(manifest, "level = \"info\"", "level = \"warn\"");
    return manifest;
}

std::vector<std::string> manifest_urls(const std::string& manifest) {
    std::vector<std::string> urls;
    std::istringstream in(manifest);
    const std::string prefix = "# url: ";
    for (std::string line; std::getline(in, line);) {
        if (line.rfind(prefix, 0) == 0) urls.push_back(line.substr(prefix.size()));
    }
    return urls;
}

void ParityServerTest::SetUp() {
    const auto file = dir_.path() / "transports.toml";
    write_file(file, manifest());
    notifyd_ = std::make_unique<Process>(
        std::vector<std::string>{NOTIFYD_PATH, "--config", file.string()}, dir_.path(), "notifyd");
    for (const unsigned short port : {kWsPort, kTcpPort, kHttpPort}) {
        ASSERT_TRUE(wait_for_port(port, std::chrono::seconds(10)))
            << "notifyd did not listen on " << port << "; stderr:\n" << notifyd_->stderr_text();
    }
}

void ParityServerTest::TearDown() {
    if (!notifyd_) return;
    EXPECT_EQ(notifyd_->stop(std::chrono::seconds(10)), 0)
        << "notifyd did not exit cleanly on SIGTERM; stderr:\n" << notifyd_->stderr_text();
}

std::unique_ptr<Process> ParityServerTest::start_cli(const std::string& label,
                                                     std::vector<std::string> arguments) {
    return start_process(NOTIFY_CLI_PATH, std::move(arguments), dir_.path(), label);
}

std::optional<int> ParityServerTest::run_cli(const std::string& label,
                                             std::vector<std::string> arguments,
                                             std::string* error_text) {
    auto process = start_cli(label, std::move(arguments));
    const auto code = process->wait_for(std::chrono::seconds(10));
    if (error_text != nullptr) *error_text = process->stderr_text();
    return code;
}

}  // namespace notify::test
