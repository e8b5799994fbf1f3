// notifyd as a process: command line, exit codes, one-line errors, graceful SIGTERM.
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "child_process.hpp"
#include "engine_harness.hpp"

namespace notify::runtime::test {
namespace {

using namespace std::chrono_literals;

std::size_t line_count(const std::string& text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

std::string with_plugin(std::string manifest, const std::string& path,
                        const std::string& replacement) {
    manifest.replace(manifest.find(path), path.size(), replacement);
    return manifest;
}

TEST(Notifyd, Version_PrintsVersionAndAbi) {
    ScratchDir dir;
    ChildProcess notifyd({NOTIFYD_PATH, "--version"}, dir.path());
    ASSERT_EQ(notifyd.wait_for(5s), 0);
    EXPECT_EQ(notifyd.stdout_text(),
              "notifyd 0.1.0 (ABI 1." + std::to_string(NOTIFY_ABI_MINOR) + ")\n");
}

TEST(Notifyd, Check_ValidManifest_PrintsOkAndCreatesNothing) {
    ScratchDir dir;
    const auto manifest = dir.write("notify.toml", fixture_manifest({}));
    ChildProcess notifyd({NOTIFYD_PATH, "--config", manifest.string(), "--check"}, dir.path());
    ASSERT_EQ(notifyd.wait_for(5s), 0) << notifyd.stderr_text();
    EXPECT_EQ(notifyd.stdout_text(), "ok: " + manifest.string() + " (5 instances)\n");
    EXPECT_EQ(notifyd.stderr_text().find("lifecycle"), std::string::npos);
}

TEST(Notifyd, UnknownPlugin_ExitsTwoWithOneLineNamingKeyAndPlugin) {
    ScratchDir dir;
    const auto manifest = dir.write(
        "notify.toml", with_plugin(fixture_manifest({}), FIXTURE_TRANSPORT_PATH, "nosuch_xyz"));
    ChildProcess notifyd({NOTIFYD_PATH, "--config", manifest.string(), "--check"}, dir.path());
    ASSERT_EQ(notifyd.wait_for(5s), 2);
    const std::string err = notifyd.stderr_text();
    EXPECT_EQ(line_count(err), 1u) << err;
    EXPECT_NE(err.find("key 'transport[0].plugin'"), std::string::npos) << err;
    EXPECT_NE(err.find("nosuch_xyz"), std::string::npos) << err;
}

TEST(Notifyd, WrongAbiMajor_ExitsTwoNamingThePathAndTheReason) {
    ScratchDir dir;
    const auto manifest = dir.write(
        "notify.toml",
        with_plugin(fixture_manifest({}), FIXTURE_NARROW_HANDLER_PATH, FIXTURE_WRONG_MAJOR_PATH));
    ChildProcess notifyd({NOTIFYD_PATH, "--config", manifest.string()}, dir.path());
    ASSERT_EQ(notifyd.wait_for(5s), 2);
    const std::string err = notifyd.stderr_text();
    EXPECT_EQ(line_count(err), 1u) << err;
    EXPECT_NE(err.find(FIXTURE_WRONG_MAJOR_PATH), std::string::npos) << err;
    EXPECT_NE(err.find("ABI major 2"), std::string::npos) << err;
}

TEST(Notifyd, CreateFailure_ExitsTwoNamingThePlugin) {
    ScratchDir dir;
    ManifestParts parts;
    parts.top = "[log]\nlevel = \"warn\"\n";
    parts.observer = "fail_create = true";
    const auto manifest = dir.write("notify.toml", fixture_manifest(parts));
    ChildProcess notifyd({NOTIFYD_PATH, "--config", manifest.string()}, dir.path());
    ASSERT_EQ(notifyd.wait_for(5s), 2);
    EXPECT_EQ(notifyd.stderr_text(),
              "notifyd: plugin 'fixture_rt_plugin' (instance 'observer', " FIXTURE_PLUGIN_PATH
              "): create failed: fixture told to fail\n");
}

TEST(Notifyd, StartFailure_ExitsTwoNamingThePlugin) {
    ScratchDir dir;
    ManifestParts parts;
    parts.top = "[log]\nlevel = \"warn\"\n";
    parts.transport = "fail_start = true";
    const auto manifest = dir.write("notify.toml", fixture_manifest(parts));
    ChildProcess notifyd({NOTIFYD_PATH, "--config", manifest.string()}, dir.path());
    ASSERT_EQ(notifyd.wait_for(5s), 2);
    const std::string err = notifyd.stderr_text();
    EXPECT_EQ(line_count(err), 1u) << err;
    EXPECT_NE(err.find("(instance 'front', " FIXTURE_TRANSPORT_PATH "): start failed"),
              std::string::npos)
        << err;
}

TEST(Notifyd, Sigterm_ShutsDownGracefullyAndExitsZero) {
    ScratchDir dir;
    const auto manifest = dir.write("notify.toml", fixture_manifest({}));
    ChildProcess notifyd({NOTIFYD_PATH, "--config", manifest.string()}, dir.path());
    ASSERT_TRUE(notifyd.wait_for_stderr("listening", 5s)) << notifyd.stderr_text();

    const auto sent = std::chrono::steady_clock::now();
    notifyd.send_signal(SIGTERM);
    ASSERT_EQ(notifyd.wait_for(5s), 0) << notifyd.stderr_text();
    EXPECT_LT(std::chrono::steady_clock::now() - sent, 5s);

    const std::string err = notifyd.stderr_text();
    const auto front_stop = err.find("[front] lifecycle stop");
    const auto broker_destroy = err.find("[broker] lifecycle destroy");
    ASSERT_NE(front_stop, std::string::npos) << err;
    ASSERT_NE(broker_destroy, std::string::npos) << err;
    EXPECT_LT(front_stop, broker_destroy);
}

TEST(Notifyd, Sigint_AlsoShutsDownGracefully) {
    ScratchDir dir;
    const auto manifest = dir.write("notify.toml", fixture_manifest({}));
    ChildProcess notifyd({NOTIFYD_PATH, "--config", manifest.string()}, dir.path());
    ASSERT_TRUE(notifyd.wait_for_stderr("listening", 5s)) << notifyd.stderr_text();
    notifyd.send_signal(SIGINT);
    EXPECT_EQ(notifyd.wait_for(5s), 0) << notifyd.stderr_text();
}

TEST(Notifyd, MissingManifest_ExitsTwoWithOneLine) {
    ScratchDir dir;
    ChildProcess notifyd(
        {NOTIFYD_PATH, "--config", (dir.path() / "absent.toml").string(), "--check"}, dir.path());
    ASSERT_EQ(notifyd.wait_for(5s), 2);
    const std::string err = notifyd.stderr_text();
    EXPECT_EQ(line_count(err), 1u) << err;
    EXPECT_NE(err.find("absent.toml"), std::string::npos) << err;
}

TEST(Notifyd, ListPlugins_ShowsEachPluginOfTheSearchDirs) {
    ScratchDir dir;
    const std::filesystem::path fixtures = std::filesystem::path(FIXTURE_TRANSPORT_PATH).parent_path();
    const auto manifest =
        dir.write("notify.toml", "[plugins]\ndirs = [\"" + fixtures.string() + "\"]\n" +
                                     fixture_manifest({}));
    ChildProcess notifyd({NOTIFYD_PATH, "--config", manifest.string(), "--list-plugins"},
                         dir.path());
    ASSERT_EQ(notifyd.wait_for(5s), 0) << notifyd.stderr_text();
    const std::string out = notifyd.stdout_text();
    EXPECT_NE(out.find("fixture_transport 0.0.1 transport " FIXTURE_TRANSPORT_PATH "\n"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("fixture_rt_plugin 0.0.1 auth,broker,handler " FIXTURE_PLUGIN_PATH "\n"),
              std::string::npos)
        << out;
}

}  // namespace
}  // namespace notify::runtime::test
