// A real redis-server for tests: started on loopback with a scratch folder and no persistence,
// waited for (TCP accept + a PING answered), stopped by PID. Faults on demand: kill -9, SIGSTOP /
// SIGCONT (a server that accepts but never answers), restart on the same port.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "process.hpp"

namespace notify::test {

class RedisServer {
  public:
    // Starts redis-server on 127.0.0.1:port; port 0 picks a free ephemeral port (outside the
    // reserved 39000-39999 range of fixed test ports inside the test namespace). `extra_args`
    // are appended to the command line (e.g. {"--appendonly", "yes"}). Throws when the server
    // does not answer PING within 10 s.
    explicit RedisServer(unsigned short port = 0, std::vector<std::string> extra_args = {});
    ~RedisServer();  // SIGKILL (continues a stopped server first)
    RedisServer(const RedisServer&) = delete;
    RedisServer& operator=(const RedisServer&) = delete;

    unsigned short port() const { return port_; }
    std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
    pid_t pid() const;
    bool running();

    // SIGKILL, waited for. Everything in memory is gone (no persistence).
    void kill9();
    // SIGSTOP: connections stay up, nothing is answered (a "deaf" server). cont() resumes it.
    void stop_signal();
    void cont();
    // Starts the server again on the same port (after kill9(); a running one is killed first),
    // and waits for it like the constructor does.
    void restart();

    // Runs `redis-cli -h 127.0.0.1 -p PORT args...` and returns its stdout (raw replies, one per
    // line, the trailing newline removed). Throws when redis-cli fails or takes over 10 s.
    std::string cli(const std::vector<std::string>& args) const;
    template <typename... Args>
    std::string cli(const std::string& first, const Args&... rest) const {
        return cli(std::vector<std::string>{first, std::string(rest)...});
    }
    // Every key (SCAN, so a busy server is not blocked), sorted.
    std::vector<std::string> keys(const std::string& pattern = "*") const;

    // The server's log (stdout of every start so far, oldest first).
    std::string log() const;

    // The absolute paths of redis-server and redis-cli found on PATH (or /usr/bin), empty when
    // missing.
    static std::string server_path();
    static std::string cli_path();

  private:
    void start();

    TempDir dir_;
    unsigned short port_ = 0;
    bool chosen_port_ = false;
    std::vector<std::string> extra_args_;
    int starts_ = 0;
    std::unique_ptr<Process> process_;
};

// A TCP port nobody listens on right now, from the kernel's ephemeral range.
unsigned short free_tcp_port();

}  // namespace notify::test
