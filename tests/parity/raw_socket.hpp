// A blocking loopback TCP client with bounded waits, for hostile bytes the real clients never
// send.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace notify::test {

class RawSocket {
public:
    explicit RawSocket(unsigned short port);  // throws std::runtime_error when it cannot connect
    ~RawSocket();
    RawSocket(const RawSocket&) = delete;
    RawSocket& operator=(const RawSocket&) = delete;

    void send(std::string_view bytes);
    // Exactly `size` bytes; nullopt when the peer closed first or the timeout passed.
    std::optional<std::string> read_exact(std::size_t size, std::chrono::milliseconds timeout);
    // True once the peer closed (or reset) the connection, reading and discarding what comes.
    bool wait_closed(std::chrono::milliseconds timeout);
    // Everything until the peer closes (bounded).
    std::string read_all(std::chrono::milliseconds timeout);
    void close();

private:
    // Bytes available within the timeout: some bytes; empty at end of stream; nullopt on timeout.
    std::optional<std::string> read_some(std::chrono::steady_clock::time_point deadline);

    int fd_ = -1;
};

// A binary-encoding client of the tcp transport: 4-byte little-endian length + frame.
class BinaryTcpClient {
public:
    explicit BinaryTcpClient(unsigned short port) : socket_(port) {}
    void send_frame(std::string_view frame);
    // The next frame, nullopt on close or timeout.
    std::optional<std::string> read_frame(std::chrono::milliseconds timeout);
    RawSocket& socket() { return socket_; }

private:
    RawSocket socket_;
};

}  // namespace notify::test
