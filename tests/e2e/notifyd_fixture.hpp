// Starts a real notifyd on a manifest written for the test, and stops it by PID.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

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

std::vector<std::string> split_lines(const std::string& text);

}  // namespace notify::test
