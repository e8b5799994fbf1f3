// A loopback TCP port that refuses connections for as long as this object lives.
//
// Binding an ephemeral port and closing it again races with every other test running in
// parallel: the kernel may hand the same port to the next client or server. Keeping a socket
// bound but never listening makes every connect() to the port fail with ECONNREFUSED, and no
// other socket can be given it. The socket has SO_REUSEADDR, so a test server that also sets it
// (Asio's acceptors do) can later bind and listen on the same port to bring the "backend" up.
#pragma once

#include <cstdint>

namespace notify::test {

class RefusingPort {
public:
    RefusingPort();  // throws std::system_error when no socket can be bound
    ~RefusingPort();
    RefusingPort(const RefusingPort&) = delete;
    RefusingPort& operator=(const RefusingPort&) = delete;

    std::uint16_t port() const noexcept { return port_; }

private:
    int fd_ = -1;
    std::uint16_t port_ = 0;
};

}  // namespace notify::test
