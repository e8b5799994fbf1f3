#include <gtest/gtest.h>

#include "child_process.hpp"
#include "cli_test_support.hpp"
#include "fake_server.hpp"

namespace notify::cli::testing {
namespace {

void accept_one_publish(FakeConnection& connection) {
    accept_connect(connection);
    const auto [id, publish] = expect_command<protocol::PublishCommand>(connection);
    connection.write(protocol::encode_empty_reply(id));
    connection.wait_until_closed();
}

FakeServerOptions with_tls() {
    FakeServerOptions options;
    options.tls = true;
    return options;
}

TEST(NotifyCliWss, InsecurePublishesToAServerWithASelfSignedCertificate) {
    FakeServer server(accept_one_publish, with_tls());
    const auto outcome =
        run_to_exit(cli({"pub", server.url(), "chat", "x", "--insecure"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
    EXPECT_TRUE(server.wait_for_finished_connections(1, kScriptTimeout));
    EXPECT_TRUE(server.failures().empty()) << server.failures().front();
}

TEST(NotifyCliWss, RefusesAnUntrustedCertificateByDefault) {
    FakeServer server(accept_one_publish, with_tls());
    const auto outcome = run_to_exit(cli({"pub", server.url(), "chat", "x"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_NE(outcome.err.find("certificate verify failed"), std::string::npos) << outcome.err;
    EXPECT_NE(outcome.err.find("--insecure"), std::string::npos) << outcome.err;
}

}  // namespace
}  // namespace notify::cli::testing
