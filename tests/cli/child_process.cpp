#include "child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <stdexcept>
#include <system_error>

extern char** environ;

namespace notify::cli::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::array<int, 2> make_pipe() {
    std::array<int, 2> fds{};
    if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
        throw std::system_error(errno, std::generic_category(), "pipe2");
    }
    return fds;
}

// Appends what is available; returns false once the pipe reached end of file.
bool drain(int fd, std::string& into) {
    std::array<char, 4096> buffer{};
    const ssize_t size = ::read(fd, buffer.data(), buffer.size());
    if (size > 0) {
        into.append(buffer.data(), static_cast<std::size_t>(size));
        return true;
    }
    return size < 0 && (errno == EINTR || errno == EAGAIN);
}

}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv) {
    const auto out_pipe = make_pipe();
    const auto err_pipe = make_pipe();
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
    std::vector<char*> arguments;
    for (const auto& argument : argv) arguments.push_back(const_cast<char*>(argument.c_str()));
    arguments.push_back(nullptr);
    const int spawned =
        ::posix_spawn(&pid_, arguments[0], &actions, nullptr, arguments.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    out_fd_ = out_pipe[0];
    err_fd_ = err_pipe[0];
    if (spawned != 0) {
        ::close(out_fd_);
        ::close(err_fd_);
        throw std::system_error(spawned, std::generic_category(), "posix_spawn " + argv[0]);
    }
}

ChildProcess::~ChildProcess() {
    kill_and_reap();
    if (out_fd_ >= 0) ::close(out_fd_);
    if (err_fd_ >= 0) ::close(err_fd_);
}

void ChildProcess::collect(std::chrono::milliseconds timeout) {
    std::array<pollfd, 2> fds{pollfd{out_fd_, POLLIN, 0}, pollfd{err_fd_, POLLIN, 0}};
    const int ready = ::poll(fds.data(), fds.size(), static_cast<int>(timeout.count()));
    if (ready <= 0) return;
    if (fds[0].revents != 0 && !drain(out_fd_, out_)) {
        ::close(out_fd_);
        out_fd_ = -1;
    }
    if (fds[1].revents != 0 && !drain(err_fd_, err_)) {
        ::close(err_fd_);
        err_fd_ = -1;
    }
}

bool ChildProcess::wait_until(const std::function<bool()>& done,
                              std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!done()) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - Clock::now());
        if (left.count() <= 0) return false;
        if (out_fd_ < 0 && err_fd_ < 0) {
            if (has_exited()) return done();
            ::usleep(10'000);
            continue;
        }
        collect(std::min(left, std::chrono::milliseconds(50)));
    }
    return true;
}

bool ChildProcess::wait_for_stderr(std::string_view text, std::chrono::milliseconds timeout) {
    return wait_until([&] { return err_.find(text) != std::string::npos; }, timeout);
}

bool ChildProcess::has_exited() {
    if (status_) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) status_ = status;
    return status_.has_value();
}

std::optional<int> ChildProcess::wait_for_exit(std::chrono::milliseconds timeout) {
    const bool exited = wait_until(
        [&] { return out_fd_ < 0 && err_fd_ < 0 && has_exited(); }, timeout);
    if (!exited) {
        kill_and_reap();
        return std::nullopt;
    }
    if (!WIFEXITED(*status_)) return std::nullopt;
    return WEXITSTATUS(*status_);
}

void ChildProcess::kill_and_reap() {
    if (pid_ <= 0 || status_) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    status_ = status;
}

std::vector<std::string> ChildProcess::out_lines() const {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < out_.size()) {
        const auto end = out_.find('\n', start);
        if (end == std::string::npos) {
            lines.push_back(out_.substr(start));
            break;
        }
        lines.push_back(out_.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

Outcome run_to_exit(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
    ChildProcess child(argv);
    const auto code = child.wait_for_exit(timeout);
    return {code, child.out(), child.err()};
}

}  // namespace notify::cli::testing
