#include "net_probe.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

namespace notify_test {
namespace {

class Socket {
public:
    Socket() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {}
    ~Socket() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    Socket(const Socket &) = delete;
    Socket &operator=(const Socket &) = delete;
    int fd() const { return fd_; }

    bool connect_to(const std::string &address, uint16_t port) {
        sockaddr_in target{};
        target.sin_family = AF_INET;
        target.sin_port = htons(port);
        if (inet_pton(AF_INET, address.c_str(), &target.sin_addr) != 1) {
            return false;
        }
        return ::connect(fd_, reinterpret_cast<const sockaddr *>(&target), sizeof target) == 0;
    }

private:
    int fd_;
};

std::string ipv4_from_proc(const std::string &hex) {
    const auto value = static_cast<uint32_t>(std::stoul(hex, nullptr, 16));
    in_addr address{};
    address.s_addr = value;  // /proc prints the address in host order of the raw bytes
    std::array<char, INET_ADDRSTRLEN> text{};
    inet_ntop(AF_INET, &address, text.data(), text.size());
    return text.data();
}

// Reads until the peer closes, `timeout` passes or `done(received)` holds.
std::string receive(const Socket &socket, std::chrono::milliseconds timeout,
                    const std::function<bool(const std::string &)> &done) {
    std::string response;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::array<char, 4096> buffer{};
    while (!done(response)) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            break;
        }
        pollfd waiting{socket.fd(), POLLIN, 0};
        if (::poll(&waiting, 1, static_cast<int>(left.count())) <= 0) {
            break;
        }
        const ssize_t n = ::recv(socket.fd(), buffer.data(), buffer.size(), 0);
        if (n <= 0) {
            break;
        }
        response.append(buffer.data(), static_cast<size_t>(n));
    }
    return response;
}

}  // namespace

std::string raw_http(uint16_t port, const std::string &request, std::chrono::milliseconds timeout,
                     bool half_close, std::chrono::milliseconds half_close_pause) {
    Socket socket;
    if (!socket.connect_to("127.0.0.1", port)) {
        return {};
    }
    if (::send(socket.fd(), request.data(), request.size(), MSG_NOSIGNAL) < 0) {
        return {};
    }
    if (half_close) {
        ::shutdown(socket.fd(), SHUT_WR);
        std::this_thread::sleep_for(half_close_pause);
    }
    return receive(socket, timeout, [](const std::string &) { return false; });
}

std::string raw_http_head(uint16_t port, const std::vector<std::string> &request_parts,
                          std::chrono::milliseconds timeout) {
    Socket socket;
    if (!socket.connect_to("127.0.0.1", port)) {
        return {};
    }
    for (size_t i = 0; i < request_parts.size(); ++i) {
        if (i > 0) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        const std::string &part = request_parts[i];
        if (::send(socket.fd(), part.data(), part.size(), MSG_NOSIGNAL) < 0) {
            return {};
        }
    }
    return receive(socket, timeout, [](const std::string &received) {
        return received.find("\r\n\r\n") != std::string::npos;
    });
}

std::vector<std::string> listening_addresses(uint16_t port) {
    constexpr const char *listen_state = "0A";
    std::vector<std::string> addresses;
    for (const char *table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
        std::ifstream file(table);
        std::string line;
        std::getline(file, line);  // header
        while (std::getline(file, line)) {
            std::istringstream fields(line);
            std::string slot;
            std::string local;
            std::string remote;
            std::string state;
            fields >> slot >> local >> remote >> state;
            const size_t colon = local.find(':');
            if (colon == std::string::npos || state != listen_state ||
                std::stoul(local.substr(colon + 1), nullptr, 16) != port) {
                continue;
            }
            const std::string hex = local.substr(0, colon);
            addresses.push_back(hex.size() == 8 ? ipv4_from_proc(hex) : "ipv6:" + hex);
        }
    }
    return addresses;
}

bool can_connect(const std::string &address, uint16_t port) {
    Socket socket;
    return socket.connect_to(address, port);
}

void connect_and_vanish(uint16_t port, const std::string &bytes, bool reset) {
    Socket socket;
    if (!socket.connect_to("127.0.0.1", port)) {
        return;
    }
    if (!bytes.empty()) {
        ::send(socket.fd(), bytes.data(), bytes.size(), MSG_NOSIGNAL);
    }
    if (reset) {
        const linger abort_on_close{1, 0};
        ::setsockopt(socket.fd(), SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close);
    }
}

}  // namespace notify_test
