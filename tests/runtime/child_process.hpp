// A notifyd child process for tests: output captured to files, bounded waits, stopped by PID.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace notify::runtime::test {

class ChildProcess {
public:
    ChildProcess(std::vector<std::string> argv, const std::filesystem::path& output_dir);
    ~ChildProcess();  // SIGKILL by PID if still running, then reaped

    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    // The exit status (128 + signal when killed), or nullopt while still running at the deadline.
    std::optional<int> wait_for(std::chrono::milliseconds timeout);
    void send_signal(int signal_number) const;
    bool wait_for_stderr(const std::string& needle, std::chrono::milliseconds timeout);

    std::string stdout_text() const;
    std::string stderr_text() const;

private:
    pid_t pid_ = -1;
    std::optional<int> status_;
    std::filesystem::path stdout_path_;
    std::filesystem::path stderr_path_;
};

// A fresh directory, removed with its contents on destruction.
class ScratchDir {
public:
    ScratchDir();
    ~ScratchDir();
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path write(const std::string& name, const std::string& text) const;

private:
    std::filesystem::path path_;
};

}  // namespace notify::runtime::test
