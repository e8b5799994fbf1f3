// Child processes for end-to-end tests: spawned with stdout/stderr captured to files, waited on
// with a deadline, and always stopped by PID.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace notify::test {

// A fresh directory under the system temp dir, removed with its contents on destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

void write_file(const std::filesystem::path& file, const std::string& text);
std::string read_file(const std::filesystem::path& file);

class Process {
public:
    // Starts argv[0] with the given arguments; output goes to files in `output_dir`.
    Process(std::vector<std::string> argv, const std::filesystem::path& output_dir,
            const std::string& label);
    ~Process();  // SIGKILL by PID if still running, then reaped (no zombie is left)
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    pid_t pid() const { return pid_; }
    // The exit code, or 128+signal; nullopt when still running at the deadline.
    std::optional<int> wait_for(std::chrono::milliseconds timeout);
    void signal(int sig) const;
    bool running();
    // SIGTERM, then SIGKILL once `grace` passed without an exit; always reaped. The exit code
    // (or 128+signal) it ended with on its own or on SIGTERM; nullopt when it needed SIGKILL.
    std::optional<int> stop(std::chrono::milliseconds grace);

    std::string stdout_text() const { return read_file(stdout_path_); }
    std::string stderr_text() const { return read_file(stderr_path_); }
    // Waits until stderr (or stdout) contains `needle`; false at the deadline or on exit.
    bool wait_for_stderr(const std::string& needle, std::chrono::milliseconds timeout);
    bool wait_for_stdout(const std::string& needle, std::chrono::milliseconds timeout);

private:
    bool wait_for_text(const std::filesystem::path& file, const std::string& needle,
                       std::chrono::milliseconds timeout);

    pid_t pid_ = -1;
    std::optional<int> exit_code_;
    std::filesystem::path stdout_path_;
    std::filesystem::path stderr_path_;
};

// `program` started with `arguments` after it, its output in files `label`.stdout and
// `label`.stderr in `output_dir`.
std::unique_ptr<Process> start_process(const std::string& program,
                                       std::vector<std::string> arguments,
                                       const std::filesystem::path& output_dir,
                                       const std::string& label);

// True once something accepts TCP connections on 127.0.0.1:port (bounded wait).
bool wait_for_port(unsigned short port, std::chrono::milliseconds timeout);

}  // namespace notify::test
