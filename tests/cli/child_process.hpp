// Runs a program with captured stdout and stderr, with bounded waits; the destructor kills a
// child that is still running (by its PID) and reaps it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace notify::cli::testing {

class ChildProcess {
public:
    explicit ChildProcess(const std::vector<std::string>& argv);
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    // Collects output until `done()` holds or the timeout passes; returns whether it held.
    bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout);
    bool wait_for_stderr(std::string_view text, std::chrono::milliseconds timeout);
    // The exit code once the child exited by itself; nullopt (after killing it) on timeout or
    // when a signal ended it.
    std::optional<int> wait_for_exit(std::chrono::milliseconds timeout);
    bool has_exited();

    const std::string& out() const { return out_; }
    const std::string& err() const { return err_; }
    std::vector<std::string> out_lines() const;

private:
    void collect(std::chrono::milliseconds timeout);
    void kill_and_reap();

    pid_t pid_ = -1;
    int out_fd_ = -1;
    int err_fd_ = -1;
    std::optional<int> status_;
    std::string out_;
    std::string err_;
};

struct Outcome {
    std::optional<int> exit_code;
    std::string out;
    std::string err;
};

// Runs the program to completion (killed after `timeout`).
Outcome run_to_exit(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

}  // namespace notify::cli::testing
