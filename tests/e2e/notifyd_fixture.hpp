// Starts a real notifyd on a manifest written for the test, and stops it by PID.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "cli_lines.hpp"
#include "process.hpp"

namespace notify::test {

class NotifydTest : public ::testing::Test {
protected:
    // A chat manifest like conf/notify.toml, on `port`, with a 4 KiB frame limit.
    static std::string chat_manifest(unsigned short port);

    void start_notifyd(unsigned short port, const std::string& manifest);
    std::string url() const;
    void TearDown() override;

    TempDir dir_;
    unsigned short port_ = 0;
    std::unique_ptr<Process> notifyd_;
};

// The chat scenario (tests/e2e/chat_test.cpp) against a notifyd at `url` running a chat
// handler (plugins/chat, plugins/chat_rs): two subscribers see every join and a sent line, in
// order, with the same offsets. `dir` is where the notify-cli processes run.
void expect_chat_scenario(const std::filesystem::path& dir, const std::string& url);

}  // namespace notify::test
