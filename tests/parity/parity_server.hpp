// notifyd serving conf/transports.toml with its ports moved to 39701-39704, started per test,
// and notify-cli runs against it.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "cli_lines.hpp"
#include "process.hpp"

namespace notify::test {

inline constexpr unsigned short kWsPort = 39701;
inline constexpr unsigned short kTcpPort = 39702;
inline constexpr unsigned short kHttpPort = 39703;
inline constexpr unsigned short kUdpPort = 39704;
// Nothing listens here during the tests.
inline constexpr unsigned short kClosedPort = 39799;

struct TransportUrl {
    std::string name;  // test name suffix: ws, tcp, sse, poll, udp
    std::string url;   // notify-cli URL on the test ports
};

inline void PrintTo(const TransportUrl& transport, std::ostream* out) { *out << transport.url; }

// The transports of conf/transports.toml, on the test ports.
const std::vector<TransportUrl>& transport_urls();

// conf/transports.toml with its listen ports (and `# url:` lines) moved to the test ports.
std::string parity_manifest();
// The `# url: ...` lines at the top of a manifest, in order.
std::vector<std::string> manifest_urls(const std::string& manifest);

class ParityServerTest : public ::testing::Test {
protected:
    void SetUp() override;
    void TearDown() override;

    // The manifest notifyd serves: parity_manifest() unless a test needs other settings.
    virtual std::string manifest() const { return parity_manifest(); }

    // Starts notify-cli with `arguments`; its output lands in the test's temp dir.
    std::unique_ptr<Process> start_cli(const std::string& label, std::vector<std::string> arguments);
    // Runs notify-cli to its end (bounded); returns the exit code, nullopt on timeout.
    std::optional<int> run_cli(const std::string& label, std::vector<std::string> arguments,
                               std::string* error_text = nullptr);

    TempDir dir_;
    std::unique_ptr<Process> notifyd_;
};

}  // namespace notify::test
