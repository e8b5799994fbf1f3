#include "redis_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace notify::test {

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::string find_on_path(const std::string& name) {
    std::vector<std::string> dirs;
    if (const char* path = std::getenv("PATH")) {
        std::istringstream in(path);
        for (std::string dir; std::getline(in, dir, ':');) {
            if (!dir.empty()) dirs.push_back(dir);
        }
    }
    dirs.push_back("/usr/bin");
    dirs.push_back("/usr/local/bin");
    for (const std::string& dir : dirs) {
        const std::filesystem::path candidate = std::filesystem::path(dir) / name;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    }
    return {};
}

std::string trim_trailing_newlines(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
}

}  // namespace

unsigned short free_tcp_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error("socket() failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = 0;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot find a free port");
    }
    ::close(fd);
    return ntohs(address.sin_port);
}

std::string RedisServer::server_path() {
    static const std::string path = find_on_path("redis-server");
    return path;
}

std::string RedisServer::cli_path() {
    static const std::string path = find_on_path("redis-cli");
    return path;
}

RedisServer::RedisServer(unsigned short port, std::vector<std::string> extra_args)
    : port_(port), chosen_port_(port == 0), extra_args_(std::move(extra_args)) {
    if (server_path().empty() || cli_path().empty()) {
        throw std::runtime_error(
            "redis-server / redis-cli not found (Debian package redis-server; scripts/deps "
            "installs it)");
    }
    // A port picked by the kernel may be taken again before redis binds it: try a few.
    for (int attempt = 0;; ++attempt) {
        if (chosen_port_) port_ = free_tcp_port();
        try {
            start();
            return;
        } catch (const std::exception&) {
            if (!chosen_port_ || attempt == 4) throw;
        }
    }
}

RedisServer::~RedisServer() {
    if (process_ && process_->running()) {
        process_->signal(SIGCONT);
        process_->signal(SIGKILL);
        process_->wait_for(seconds(5));
    }
}

pid_t RedisServer::pid() const {
    return process_ ? process_->pid() : -1;
}

bool RedisServer::running() {
    return process_ && process_->running();
}

void RedisServer::start() {
    ++starts_;
    std::vector<std::string> argv{server_path(),
                                  "--port",
                                  std::to_string(port_),
                                  "--bind",
                                  "127.0.0.1",
                                  "--save",
                                  "",
                                  "--appendonly",
                                  "no",
                                  "--dir",
                                  dir_.path().string(),
                                  "--daemonize",
                                  "no",
                                  "--logfile",
                                  ""};
    argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
    process_ = std::make_unique<Process>(argv, dir_.path(), "redis-" + std::to_string(starts_));
    const auto deadline = std::chrono::steady_clock::now() + seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        if (!process_->running()) break;
        if (wait_for_port(port_, milliseconds(100))) {
            try {
                if (cli("PING") == "PONG") return;
            } catch (const std::exception&) {
                // still loading; try again
            }
        }
        std::this_thread::sleep_for(milliseconds(20));
    }
    const std::string output = process_->stdout_text() + process_->stderr_text();
    process_.reset();
    throw std::runtime_error("redis-server on port " + std::to_string(port_) +
                             " did not answer PING; its output:\n" + output);
}

void RedisServer::kill9() {
    if (!process_) return;
    process_->signal(SIGKILL);
    if (!process_->wait_for(seconds(10))) throw std::runtime_error("redis-server survived SIGKILL");
}

void RedisServer::stop_signal() {
    if (process_) process_->signal(SIGSTOP);
}

void RedisServer::cont() {
    if (process_) process_->signal(SIGCONT);
}

void RedisServer::restart() {
    if (process_ && process_->running()) {
        process_->signal(SIGCONT);
        kill9();
    }
    start();
}

std::string RedisServer::cli(const std::vector<std::string>& args) const {
    static std::atomic<int> calls{0};
    std::vector<std::string> argv{cli_path(), "-h", "127.0.0.1", "-p", std::to_string(port_)};
    argv.insert(argv.end(), args.begin(), args.end());
    const std::string label = "cli-" + std::to_string(++calls);
    Process process(argv, dir_.path(), label);
    const auto code = process.wait_for(seconds(10));
    const std::string out = process.stdout_text();
    const std::string err = process.stderr_text();
    std::error_code ignored;
    std::filesystem::remove(dir_.path() / (label + ".stdout"), ignored);
    std::filesystem::remove(dir_.path() / (label + ".stderr"), ignored);
    if (!code) throw std::runtime_error("redis-cli did not finish within 10 s");
    if (*code != 0) {
        throw std::runtime_error("redis-cli exited with " + std::to_string(*code) + ": " + err +
                                 out);
    }
    // redis-cli exits 0 on a connection failure too, with the error on stderr.
    if (out.empty() && err.find("Could not connect") != std::string::npos) {
        throw std::runtime_error("redis-cli: " + err);
    }
    return trim_trailing_newlines(out);
}

std::vector<std::string> RedisServer::keys(const std::string& pattern) const {
    // --scan walks the whole keyspace with SCAN and prints one key per line.
    const std::string out = cli("--scan", "--pattern", pattern);
    std::vector<std::string> keys;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) keys.push_back(line);
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    return keys;
}

std::string RedisServer::log() const {
    std::string text;
    for (int start = 1; start <= starts_; ++start) {
        text += read_file(dir_.path() / ("redis-" + std::to_string(start) + ".stdout"));
    }
    return text;
}

}  // namespace notify::test
