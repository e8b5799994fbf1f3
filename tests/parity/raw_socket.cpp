#include "raw_socket.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <notify/protocol/binary.hpp>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace notify::test {

using Clock = std::chrono::steady_clock;

RawSocket::RawSocket(unsigned short port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        const std::string why = std::strerror(errno);
        ::close(fd_);
        fd_ = -1;
        throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(port) + ": " + why);
    }
}

RawSocket::~RawSocket() { close(); }

void RawSocket::close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

void RawSocket::send(std::string_view bytes) {
    while (!bytes.empty()) {
        const auto sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (sent <= 0) return;  // the peer closed: what it does about it is the test's question
        bytes.remove_prefix(static_cast<std::size_t>(sent));
    }
}

std::optional<std::string> RawSocket::read_some(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd waiting{fd_, POLLIN, 0};
    if (::poll(&waiting, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
    char buffer[16384];
    const auto received = ::recv(fd_, buffer, sizeof buffer, 0);
    if (received <= 0) return std::string();
    return std::string(buffer, static_cast<std::size_t>(received));
}

std::optional<std::string> RawSocket::read_exact(std::size_t size,
                                                 std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    std::string bytes;
    while (bytes.size() < size) {
        pollfd waiting{fd_, POLLIN, 0};
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0 || ::poll(&waiting, 1, static_cast<int>(left.count())) <= 0) {
            return std::nullopt;
        }
        char buffer[16384];
        const auto wanted = std::min(sizeof buffer, size - bytes.size());
        const auto received = ::recv(fd_, buffer, wanted, 0);
        if (received <= 0) return std::nullopt;
        bytes.append(buffer, static_cast<std::size_t>(received));
    }
    return bytes;
}

bool RawSocket::wait_closed(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        const auto bytes = read_some(deadline);
        if (!bytes) return false;
        if (bytes->empty()) return true;
    }
}

std::string RawSocket::read_all(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    std::string all;
    for (;;) {
        const auto bytes = read_some(deadline);
        if (!bytes || bytes->empty()) return all;
        all += *bytes;
    }
}

void BinaryTcpClient::send_frame(std::string_view frame) {
    std::string bytes;
    protocol::append_length_prefixed(bytes, frame);
    socket_.send(bytes);
}

std::optional<std::string> BinaryTcpClient::read_frame(std::chrono::milliseconds timeout) {
    const auto prefix = socket_.read_exact(protocol::kStreamLengthSize, timeout);
    if (!prefix) return std::nullopt;
    std::size_t size = 0;
    for (std::size_t i = protocol::kStreamLengthSize; i-- > 0;) {
        size = (size << 8) | static_cast<unsigned char>((*prefix)[i]);
    }
    if (size == 0) return std::string();
    return socket_.read_exact(size, timeout);
}

}  // namespace notify::test
