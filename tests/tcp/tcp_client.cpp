#include "tcp_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>

namespace notify_test {

std::string length_prefix(uint32_t length) {
    std::string header(4, '\0');
    for (size_t i = 0; i < 4; ++i) {
        header[i] = static_cast<char>(length >> (8 * i) & 0xFFu);
    }
    return header;
}

std::string length_prefixed(const std::string &body) {
    return length_prefix(static_cast<uint32_t>(body.size())) + body;
}

TcpClient::TcpClient(uint16_t port, int receive_buffer) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    if (fd_ < 0) {
        return;
    }
    if (receive_buffer > 0) {
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    }
    const int on = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    sockaddr_in target{};
    target.sin_family = AF_INET;
    target.sin_port = htons(port);
    target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ =
        ::connect(fd_, reinterpret_cast<const sockaddr *>(&target), sizeof target) == 0;
    sockaddr_in local{};
    socklen_t length = sizeof local;
    if (connected_ && ::getsockname(fd_, reinterpret_cast<sockaddr *>(&local), &length) == 0) {
        local_port_ = ntohs(local.sin_port);
    }
}

TcpClient::~TcpClient() { close(); }

bool TcpClient::send(const std::string &bytes) {
    size_t sent = 0;
    while (sent < bytes.size()) {
        const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            return false;
        }
        sent += static_cast<size_t>(n);
    }
    return true;
}

bool TcpClient::wait_readable(std::chrono::steady_clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
        return false;
    }
    pollfd entry{fd_, POLLIN, 0};
    return ::poll(&entry, 1, static_cast<int>(left.count())) > 0;
}

std::string TcpClient::read_some(std::chrono::milliseconds timeout) {
    if (!wait_readable(std::chrono::steady_clock::now() + timeout)) {
        return {};
    }
    std::array<char, 256 * 1024> buffer{};
    const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
    return n > 0 ? std::string(buffer.data(), static_cast<size_t>(n)) : std::string();
}

std::optional<std::string> TcpClient::read_exact(size_t count, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string bytes(count, '\0');
    size_t have = 0;
    while (have < count) {
        if (!wait_readable(deadline)) {
            return std::nullopt;
        }
        const ssize_t n = ::recv(fd_, bytes.data() + have, count - have, 0);
        if (n <= 0) {
            return std::nullopt;
        }
        have += static_cast<size_t>(n);
    }
    return bytes;
}

std::vector<std::string> TcpClient::read_frames(size_t count, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<std::string> frames;
    while (frames.size() < count) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        const auto header = read_exact(4, left);
        if (!header) {
            break;
        }
        uint32_t length = 0;
        for (size_t i = 0; i < 4; ++i) {
            length |= uint32_t{static_cast<uint8_t>((*header)[i])} << (8 * i);
        }
        const auto body = read_exact(length, left);
        if (!body) {
            break;
        }
        frames.push_back(*body);
    }
    return frames;
}

bool TcpClient::wait_eof(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::array<char, 64 * 1024> buffer{};
    while (wait_readable(deadline)) {
        const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
        if (n <= 0) {
            return true;
        }
    }
    return false;
}

void TcpClient::close(bool reset) {
    if (fd_ < 0) {
        return;
    }
    if (reset) {
        const linger abort{1, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
    }
    ::close(fd_);
    fd_ = -1;
}

}  // namespace notify_test
