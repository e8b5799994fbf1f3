// A small synchronous WebSocket client for end-to-end tests (Boost.Beast), with deadlines.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace notify::test {

struct WsMessage {
    bool closed = false;        // the server closed the connection
    std::uint16_t close_code = 0;
    bool timed_out = false;
    std::string text;           // a received message (text or binary)
};

class WsClient {
public:
    // Connects to ws://127.0.0.1:port/path with the notify.json.v1 subprotocol; throws on failure.
    WsClient(unsigned short port, const std::string& path);
    // The same, with more headers on the upgrade request.
    WsClient(unsigned short port, const std::string& path,
             const std::vector<std::pair<std::string, std::string>>& headers);
    ~WsClient();
    WsClient(const WsClient&) = delete;
    WsClient& operator=(const WsClient&) = delete;

    void send_text(const std::string& text);
    void send_binary(const std::string& bytes);
    WsMessage read(std::chrono::milliseconds timeout);
    // Reads until a message containing `needle` arrives; nullopt on close or timeout.
    std::optional<std::string> read_until(const std::string& needle,
                                          std::chrono::milliseconds timeout);
    // Drops the TCP connection without a close handshake.
    void vanish();

    // The next message within `timeout`. Unlike read(), whose blocking read cannot time out
    // (Beast applies timeouts to asynchronous operations only), this waits asynchronously, and
    // a wait that times out leaves the read pending for the next call, so the connection stays
    // usable. Use it with write_text(), not with read() or send_text().
    WsMessage next_message(std::chrono::milliseconds timeout);
    // Sends a text message (bounded by 5 s; throws on failure), also while next_message() has
    // a read pending.
    void write_text(const std::string& text);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Sends raw bytes on a fresh TCP connection and returns what the server answers (bounded).
std::string raw_exchange(unsigned short port, const std::string& bytes,
                         std::chrono::milliseconds timeout);

}  // namespace notify::test
