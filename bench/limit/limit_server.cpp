// notify-limit-server: the floor for any pub/sub server on this machine. It accepts TCP
// connections, greets each with an empty frame, and copies every length-prefixed frame
// (4-byte big-endian length + bytes) that a connection sends to every other connection.
// No topics, no parsing beyond the length, one thread, epoll.
#include <arpa/inet.h>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string>
#include <string_view>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <unordered_map>
#include <vector>

namespace {

constexpr std::size_t max_frame_size = 16 * 1024 * 1024;
constexpr std::size_t max_pending_output = 64 * 1024 * 1024;

struct Client {
    std::string input;
    std::string output;
    std::size_t output_sent = 0;
    bool wants_write = false;
};

class LimitServer {
public:
    explicit LimitServer(int listen_fd) : listen_fd_(listen_fd), buffer_(256 * 1024) {
        epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
        add(listen_fd_, EPOLLIN);
    }

    void run() {
        std::vector<epoll_event> events(1024);
        while (true) {
            const int count = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), -1);
            if (count < 0 && errno != EINTR) {
                std::perror("notify-limit-server: epoll_wait");
                return;
            }
            for (int i = 0; i < count; ++i) {
                const int fd = events[i].data.fd;
                if (fd == listen_fd_) {
                    accept_all();
                    continue;
                }
                if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                    read_from(fd);
                }
                if ((events[i].events & EPOLLOUT) && clients_.count(fd) != 0) {
                    write_to(fd, clients_[fd]);
                }
            }
        }
    }

private:
    void add(int fd, std::uint32_t events) {
        epoll_event event{};
        event.events = events;
        event.data.fd = fd;
        epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event);
    }

    void accept_all() {
        while (true) {
            const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (fd < 0) {
                if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
                    std::perror("notify-limit-server: accept");
                }
                return;
            }
            const int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            add(fd, EPOLLIN);
            Client& client = clients_[fd];
            client.output.assign(4, '\0');
            write_to(fd, client);
        }
    }

    void drop(int fd) {
        epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
        close(fd);
        clients_.erase(fd);
    }

    void read_from(int fd) {
        const ssize_t got = recv(fd, buffer_.data(), buffer_.size(), 0);
        if (got <= 0) {
            if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
                drop(fd);
            }
            return;
        }
        Client& sender = clients_[fd];
        sender.input.append(buffer_.data(), static_cast<std::size_t>(got));
        // Forward every complete frame in one copy per receiver.
        std::size_t complete = 0;
        while (sender.input.size() - complete >= 4) {
            std::size_t length = 0;
            for (std::size_t i = 0; i < 4; ++i) {
                length = (length << 8) | static_cast<std::uint8_t>(sender.input[complete + i]);
            }
            if (length > max_frame_size) {
                std::fprintf(stderr, "notify-limit-server: frame of %zu bytes from fd %d, closing it\n", length, fd);
                drop(fd);
                return;
            }
            if (sender.input.size() - complete - 4 < length) {
                break;
            }
            complete += 4 + length;
        }
        if (complete == 0) {
            return;
        }
        const std::string frames = sender.input.substr(0, complete);
        sender.input.erase(0, complete);
        std::vector<int> overloaded;
        for (auto& [other_fd, receiver] : clients_) {
            if (other_fd == fd) {
                continue;
            }
            if (receiver.output.size() - receiver.output_sent + frames.size() > max_pending_output) {
                overloaded.push_back(other_fd);
                continue;
            }
            receiver.output.append(frames);
            write_to(other_fd, receiver);
        }
        for (const int slow : overloaded) {
            std::fprintf(stderr, "notify-limit-server: fd %d is not reading, closing it\n", slow);
            drop(slow);
        }
    }

    void write_to(int fd, Client& client) {
        while (client.output_sent < client.output.size()) {
            const ssize_t sent = send(fd, client.output.data() + client.output_sent,
                                      client.output.size() - client.output_sent, MSG_NOSIGNAL);
            if (sent < 0) {
                if (errno == EINTR) {
                    continue;
                }
                break;
            }
            client.output_sent += static_cast<std::size_t>(sent);
        }
        if (client.output_sent == client.output.size()) {
            client.output.clear();
            client.output_sent = 0;
        }
        const bool wants_write = !client.output.empty();
        if (wants_write != client.wants_write) {
            client.wants_write = wants_write;
            epoll_event event{};
            event.events = EPOLLIN | (wants_write ? EPOLLOUT : 0u);
            event.data.fd = fd;
            epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &event);
        }
    }

    int listen_fd_;
    int epoll_fd_ = -1;
    std::vector<char> buffer_;
    std::unordered_map<int, Client> clients_;
};

int listen_on(const char* host, std::uint16_t port) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    if (inet_pton(AF_INET, host, &address.sin_addr) != 1) {
        std::fprintf(stderr, "notify-limit-server: --host must be an IPv4 address, got '%s'\n", host);
        return -1;
    }
    if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || listen(fd, 4096) != 0) {
        std::fprintf(stderr, "notify-limit-server: cannot listen on %s:%u: %s\n", host, port, std::strerror(errno));
        return -1;
    }
    return fd;
}

}  // namespace

int main(int argc, char** argv) {
    const char* host = "127.0.0.1";
    std::uint16_t port = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string_view flag = argv[i];
        const std::string_view value = argv[i + 1];
        if (flag == "--port") {
            const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), port);
            if (error != std::errc{} || end != value.data() + value.size()) {
                port = 0;
            }
        } else if (flag == "--host") {
            host = argv[i + 1];
        }
    }
    if (port == 0 || argc % 2 == 0) {
        std::fprintf(stderr, "usage: notify-limit-server --port N [--host 127.0.0.1]\n");
        return 2;
    }
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    const int listen_fd = listen_on(host, port);
    if (listen_fd < 0) {
        return 1;
    }
    LimitServer server(listen_fd);
    server.run();
    return 1;
}
