// A small blocking WebSocket client over Boost.Beast where every operation has a timeout.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace notify_test {

struct HandshakeOptions {
    std::string target = "/pubsub";
    std::string subprotocol = "notify.json.v1";  // empty = none requested
    std::string origin;                           // empty = no Origin header
};

struct ReadResult {
    boost::system::error_code error;
    std::string text;
    bool binary = false;
};

class WsClient {
public:
    using Timeout = std::chrono::milliseconds;
    static constexpr Timeout default_timeout{5000};

    WsClient();

    // Connects to 127.0.0.1:port and upgrades. On a refused upgrade, http_status() tells why.
    boost::system::error_code connect(uint16_t port, const HandshakeOptions &options = {},
                                      Timeout timeout = default_timeout);
    unsigned http_status() const { return http_status_; }
    std::string negotiated_subprotocol() const { return subprotocol_; }
    uint16_t local_port() const;

    boost::system::error_code send_text(std::string_view text, Timeout timeout = default_timeout);
    boost::system::error_code send_binary(std::string_view bytes,
                                          Timeout timeout = default_timeout);
    // One message as several frames (continuations).
    boost::system::error_code send_fragments(const std::vector<std::string> &parts,
                                             Timeout timeout = default_timeout);
    ReadResult read(Timeout timeout = default_timeout);
    // Reads messages until the connection ends; returns the code of the close frame received
    // (0 if it ended without one or the wait timed out).
    uint16_t read_until_close(Timeout timeout = default_timeout,
                              std::vector<std::string> *messages = nullptr);
    std::string close_reason() const;
    boost::system::error_code close(uint16_t code, Timeout timeout = default_timeout);
    // Drops the TCP connection without a close frame.
    void abort();

private:
    template <class Start>
    boost::system::error_code run(Start start, Timeout timeout);

    boost::asio::io_context io_;
    boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
    unsigned http_status_ = 0;
    std::string subprotocol_;
};

}  // namespace notify_test
