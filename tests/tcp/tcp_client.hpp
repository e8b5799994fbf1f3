// A blocking loopback TCP client with timeouts, speaking the transport's framing: a 4-byte
// little-endian length, then the frame's bytes.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace notify_test {

// `body` behind its 4-byte little-endian length.
std::string length_prefixed(const std::string &body);
// A 4-byte little-endian length alone (for declaring lengths that never follow).
std::string length_prefix(uint32_t length);

class TcpClient {
public:
    // Connects to 127.0.0.1:port; `receive_buffer` > 0 shrinks SO_RCVBUF before connecting.
    explicit TcpClient(uint16_t port, int receive_buffer = 0);
    ~TcpClient();
    TcpClient(const TcpClient &) = delete;
    TcpClient &operator=(const TcpClient &) = delete;

    bool connected() const { return connected_; }
    uint16_t local_port() const { return local_port_; }

    bool send(const std::string &bytes);
    // What one recv() returns within `timeout` (empty on timeout, EOF or error).
    std::string read_some(std::chrono::milliseconds timeout = std::chrono::seconds(5));
    // Exactly `count` bytes, or nullopt on timeout, EOF or error.
    std::optional<std::string> read_exact(size_t count,
                                          std::chrono::milliseconds timeout = std::chrono::seconds(5));
    // `count` frames (their bodies), or as many as arrived before a timeout, EOF or error.
    std::vector<std::string> read_frames(size_t count,
                                         std::chrono::milliseconds timeout = std::chrono::seconds(5));
    // True when the server closes the connection within `timeout` (bytes before are discarded).
    bool wait_eof(std::chrono::milliseconds timeout = std::chrono::seconds(5));
    // Closes; `reset` sends RST instead of FIN.
    void close(bool reset = false);

private:
    bool wait_readable(std::chrono::steady_clock::time_point deadline);

    int fd_ = -1;
    bool connected_ = false;
    uint16_t local_port_ = 0;
};

}  // namespace notify_test
