#include "listener.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace notify::websocket {
namespace {

constexpr int listen_backlog = 1024;

}  // namespace

int open_listener(const std::string &host, uint16_t port, bool share_port, std::string &error) {
    const std::string where = "websocket: cannot listen on " + host + ":" + std::to_string(port);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) {
        error = where + ": not an IPv4 address";
        return -1;
    }
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        error = where + ": socket: " + std::strerror(errno);
        return -1;
    }
    const int on = 1;
    // SO_REUSEADDR: restart while old connections linger in TIME_WAIT.
    if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
        (share_port && ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) != 0)) {
        error = where + ": setsockopt: " + std::strerror(errno);
        ::close(fd);
        return -1;
    }
    if (::bind(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0 ||
        ::listen(fd, listen_backlog) != 0) {
        error = where + ": " + std::strerror(errno);
        ::close(fd);
        return -1;
    }
    return fd;
}

uint16_t listener_port(int fd) {
    sockaddr_in address{};
    socklen_t length = sizeof address;
    if (::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length) != 0) {
        return 0;
    }
    return ntohs(address.sin_port);
}

}  // namespace notify::websocket
