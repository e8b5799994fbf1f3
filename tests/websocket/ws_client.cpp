#include "ws_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

namespace notify_test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using boost::system::error_code;

WsClient::WsClient() : ws_(io_) {}

template <class Start>
error_code WsClient::run(Start start, Timeout timeout) {
    error_code result = asio::error::would_block;
    start([&result](error_code ec, auto &&...) { result = ec; });
    io_.restart();
    io_.run_for(timeout);
    if (result == asio::error::would_block) {
        // Closing (not just cancelling) also fails any operation Beast starts from a handler,
        // e.g. a pong; the stream is unusable after a timeout either way.
        error_code ignored;
        beast::get_lowest_layer(ws_).socket().close(ignored);
        io_.restart();
        io_.run_for(timeout);
        return asio::error::timed_out;
    }
    return result;
}

error_code WsClient::connect(uint16_t port, const HandshakeOptions &options, Timeout timeout) {
    const asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
    error_code ec = run(
        [&](auto handler) { beast::get_lowest_layer(ws_).async_connect(endpoint, handler); },
        timeout);
    if (ec) {
        return ec;
    }
    ws_.set_option(websocket::stream_base::decorator([options](websocket::request_type &request) {
        if (!options.subprotocol.empty()) {
            request.set(beast::http::field::sec_websocket_protocol, options.subprotocol);
        }
        if (!options.origin.empty()) {
            request.set(beast::http::field::origin, options.origin);
        }
    }));
    ws_.read_message_max(64 * 1024 * 1024);
    websocket::response_type response;
    ec = run(
        [&](auto handler) {
            ws_.async_handshake(response, "127.0.0.1:" + std::to_string(port), options.target,
                                handler);
        },
        timeout);
    http_status_ = response.result_int();
    subprotocol_ = std::string(response[beast::http::field::sec_websocket_protocol]);
    return ec;
}

uint16_t WsClient::local_port() const {
    return beast::get_lowest_layer(ws_).socket().local_endpoint().port();
}

error_code WsClient::send_text(std::string_view text, Timeout timeout) {
    ws_.text(true);
    return run([&](auto handler) { ws_.async_write(asio::buffer(text), handler); }, timeout);
}

error_code WsClient::send_binary(std::string_view bytes, Timeout timeout) {
    ws_.binary(true);
    return run([&](auto handler) { ws_.async_write(asio::buffer(bytes), handler); }, timeout);
}

error_code WsClient::send_fragments(const std::vector<std::string> &parts, Timeout timeout) {
    ws_.text(true);
    for (size_t i = 0; i < parts.size(); ++i) {
        const bool last = i + 1 == parts.size();
        if (error_code ec = run(
                [&](auto handler) { ws_.async_write_some(last, asio::buffer(parts[i]), handler); },
                timeout)) {
            return ec;
        }
    }
    return {};
}

ReadResult WsClient::read(Timeout timeout) {
    beast::flat_buffer buffer;
    ReadResult result;
    result.error = run([&](auto handler) { ws_.async_read(buffer, handler); }, timeout);
    result.text = beast::buffers_to_string(buffer.data());
    result.binary = ws_.got_binary();
    return result;
}

uint16_t WsClient::read_until_close(Timeout timeout, std::vector<std::string> *messages) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<Timeout>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return 0;
        }
        ReadResult result = read(left);
        if (result.error) {
            // Set only when a close frame arrived, even if the TCP teardown then failed.
            return ws_.reason().code;
        }
        if (messages != nullptr) {
            messages->push_back(std::move(result.text));
        }
    }
}

std::string WsClient::close_reason() const { return std::string(ws_.reason().reason.c_str()); }

error_code WsClient::close(uint16_t code, Timeout timeout) {
    return run([&](auto handler) { ws_.async_close(websocket::close_reason(code), handler); },
               timeout);
}

void WsClient::abort() {
    error_code ignored;
    auto &socket = beast::get_lowest_layer(ws_).socket();
    socket.set_option(asio::socket_base::linger(true, 0), ignored);
    socket.close(ignored);
}

}  // namespace notify_test
