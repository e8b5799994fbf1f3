#include <gtest/gtest.h>

#include "child_process.hpp"
#include "cli_test_support.hpp"

namespace notify::cli::testing {
namespace {

TEST(NotifyCliArguments, UnsupportedSchemeExitsTwoNamingTheScheme) {
    const auto outcome = run_to_exit(cli({"sub", "mqtt://127.0.0.1:39200", "chat"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_EQ(outcome.err, "notify-cli: unsupported URL scheme 'mqtt' (supported: ws, wss, tcp, "
                           "tcps, http, http+poll, udp)\n");
    EXPECT_EQ(outcome.out, "");
}

TEST(NotifyCliArguments, UrlWithoutSchemeExitsTwo) {
    const auto outcome = run_to_exit(cli({"pub", "127.0.0.1:39200", "chat", "x"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_NE(outcome.err.find("notify-cli: invalid URL '127.0.0.1:39200'"), std::string::npos)
        << outcome.err;
}

TEST(NotifyCliArguments, UrlWithBadPortExitsTwo) {
    const auto outcome = run_to_exit(cli({"send", "ws://127.0.0.1:99999/", "x"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_NE(outcome.err.find("port '99999' is not in 1..65535"), std::string::npos)
        << outcome.err;
}

TEST(NotifyCliArguments, SubWithoutTopicExitsTwoWithUsageOnStderr) {
    const auto outcome = run_to_exit(cli({"sub", "ws://127.0.0.1:39200/"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_NE(outcome.err.find("TOPIC"), std::string::npos) << outcome.err;
    EXPECT_NE(outcome.err.find("Usage"), std::string::npos) << outcome.err;
    EXPECT_EQ(outcome.out, "");
}

TEST(NotifyCliArguments, MissingSubcommandExitsTwo) {
    const auto outcome = run_to_exit(cli({}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_NE(outcome.err.find("Usage"), std::string::npos) << outcome.err;
}

TEST(NotifyCliArguments, UnknownOptionExitsTwo) {
    const auto outcome =
        run_to_exit(cli({"pub", "ws://127.0.0.1:39200/", "chat", "x", "--bogus"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_NE(outcome.err.find("--bogus"), std::string::npos) << outcome.err;
}

TEST(NotifyCliArguments, ZeroCountExitsTwo) {
    const auto outcome =
        run_to_exit(cli({"sub", "ws://127.0.0.1:39200/", "chat", "--count", "0"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_NE(outcome.err.find("--count"), std::string::npos) << outcome.err;
}

TEST(NotifyCliArguments, NonPositiveOrNonNumericTimeoutExitsTwo) {
    for (const char* timeout : {"0", "-1", "soon"}) {
        const auto outcome = run_to_exit(
            cli({"sub", "ws://127.0.0.1:39200/", "chat", "--timeout", timeout}), kExitTimeout);
        EXPECT_EQ(outcome.exit_code, 2) << timeout;
        EXPECT_NE(outcome.err.find("--timeout"), std::string::npos) << outcome.err;
    }
}

TEST(NotifyCliArguments, MalformedSincePositionExitsTwoWithUsage) {
    for (const char* since : {"x", "1:", "-1", ":e1", "1.5", ""}) {
        const auto outcome = run_to_exit(
            cli({"sub", "ws://127.0.0.1:39200/", "chat", "--since", since}), kExitTimeout);
        EXPECT_EQ(outcome.exit_code, 2) << since;
        EXPECT_NE(outcome.err.find("notify-cli: "), std::string::npos) << outcome.err;
        EXPECT_NE(outcome.err.find("--since"), std::string::npos) << outcome.err;
        EXPECT_NE(outcome.err.find("Usage"), std::string::npos) << outcome.err;
        EXPECT_EQ(outcome.out, "");
    }
}

TEST(NotifyCliArguments, ResumeWithoutClientExitsTwo) {
    const auto outcome = run_to_exit(
        cli({"sub", "ws://127.0.0.1:39200/", "chat", "--resume", "r-1"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_NE(outcome.err.find("--client"), std::string::npos) << outcome.err;
}

TEST(NotifyCliArguments, ZeroPubCountExitsTwo) {
    const auto outcome = run_to_exit(
        cli({"pub", "ws://127.0.0.1:39200/", "chat", "x", "--count", "0"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 2);
    EXPECT_NE(outcome.err.find("--count"), std::string::npos) << outcome.err;
}

TEST(NotifyCliArguments, HelpListsSubcommandsOnStdoutAndExitsZero) {
    const auto outcome = run_to_exit(cli({"--help"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 0);
    for (const char* subcommand : {"sub", "pub", "send"}) {
        EXPECT_NE(outcome.out.find(subcommand), std::string::npos) << outcome.out;
    }
}

TEST(NotifyCliArguments, SubcommandHelpDescribesItsOptions) {
    const auto outcome = run_to_exit(cli({"sub", "--help"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 0);
    for (const char* option : {"--count", "--timeout", "--token", "--insecure", "--since",
                               "OFFSET[:EPOCH]", "--ack", "--client", "--resume"}) {
        EXPECT_NE(outcome.out.find(option), std::string::npos) << outcome.out;
    }
    const auto pub = run_to_exit(cli({"pub", "--help"}), kExitTimeout);
    EXPECT_EQ(pub.exit_code, 0);
    EXPECT_NE(pub.out.find("--count"), std::string::npos) << pub.out;
    EXPECT_NE(pub.out.find("DATA-1"), std::string::npos) << pub.out;
}

TEST(NotifyCliArguments, VersionPrintsNameAndVersion) {
    const auto outcome = run_to_exit(cli({"--version"}), kExitTimeout);
    EXPECT_EQ(outcome.exit_code, 0);
    EXPECT_EQ(outcome.out.rfind("notify-cli ", 0), 0u) << outcome.out;
}

}  // namespace
}  // namespace notify::cli::testing
