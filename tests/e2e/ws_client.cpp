#include "ws_client.hpp"

#include <array>
#include <memory>
#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

namespace notify::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

struct WsClient::Impl {
    asio::io_context io;
    websocket::stream<beast::tcp_stream> ws{io};
    // The read of next_message(), which outlives the call that timed out.
    beast::flat_buffer pending_buffer;
    bool read_pending = false;
    bool read_finished = false;
    beast::error_code read_error;
    // The write of write_text(), in here so that a write that timed out has nothing to dangle.
    bool write_finished = false;
    beast::error_code write_error;
};

WsClient::WsClient(unsigned short port, const std::string& path) : WsClient(port, path, {}) {}

WsClient::WsClient(unsigned short port, const std::string& path,
                   const std::vector<std::pair<std::string, std::string>>& headers)
    : impl_(std::make_unique<Impl>()) {
    auto& stream = beast::get_lowest_layer(impl_->ws);
    stream.expires_after(std::chrono::seconds(5));
    stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    impl_->ws.set_option(
        websocket::stream_base::decorator([headers](websocket::request_type& request) {
            request.set(beast::http::field::sec_websocket_protocol, "notify.json.v1");
            for (const auto& [name, value] : headers) request.insert(name, value);
        }));
    impl_->ws.read_message_max(64 * 1024 * 1024);
    impl_->ws.handshake("127.0.0.1:" + std::to_string(port), path);
    stream.expires_never();
}

WsClient::~WsClient() = default;

void WsClient::send_text(const std::string& text) {
    beast::get_lowest_layer(impl_->ws).expires_after(std::chrono::seconds(5));
    impl_->ws.text(true);
    impl_->ws.write(asio::buffer(text));
}

void WsClient::send_binary(const std::string& bytes) {
    beast::get_lowest_layer(impl_->ws).expires_after(std::chrono::seconds(5));
    impl_->ws.binary(true);
    impl_->ws.write(asio::buffer(bytes));
}

WsMessage WsClient::read(std::chrono::milliseconds timeout) {
    WsMessage message;
    beast::flat_buffer buffer;
    beast::get_lowest_layer(impl_->ws).expires_after(timeout);
    beast::error_code error;
    impl_->ws.read(buffer, error);
    if (error == beast::error::timeout) {
        message.timed_out = true;
    } else if (error) {
        message.closed = true;
        message.close_code = static_cast<std::uint16_t>(impl_->ws.reason().code);
    } else {
        message.text = beast::buffers_to_string(buffer.data());
    }
    return message;
}

std::optional<std::string> WsClient::read_until(const std::string& needle,
                                                std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        auto message = read(std::max(left, std::chrono::milliseconds(1)));
        if (message.closed || message.timed_out) return std::nullopt;
        if (message.text.find(needle) != std::string::npos) return message.text;
    }
    return std::nullopt;
}

void WsClient::vanish() {
    beast::error_code ignored;
    beast::get_lowest_layer(impl_->ws).socket().close(ignored);
}

WsMessage WsClient::next_message(std::chrono::milliseconds timeout) {
    Impl& impl = *impl_;
    if (!impl.read_pending) {
        impl.read_pending = true;
        impl.read_finished = false;
        impl.pending_buffer.clear();
        impl.ws.async_read(impl.pending_buffer, [&impl](beast::error_code error, std::size_t) {
            impl.read_error = error;
            impl.read_finished = true;
        });
    }
    // run_for returns once the read completed (nothing else is pending) or at the timeout.
    impl.io.restart();
    impl.io.run_for(timeout);
    WsMessage message;
    if (!impl.read_finished) {
        message.timed_out = true;
        return message;
    }
    impl.read_pending = false;
    if (impl.read_error) {
        message.closed = true;
        message.close_code = static_cast<std::uint16_t>(impl.ws.reason().code);
    } else {
        message.text = beast::buffers_to_string(impl.pending_buffer.data());
    }
    return message;
}

void WsClient::write_text(const std::string& text) {
    Impl& impl = *impl_;
    auto message = std::make_shared<std::string>(text);  // alive until the write completes
    impl.write_finished = false;
    impl.ws.text(true);
    impl.ws.async_write(asio::buffer(*message),
                        [&impl, message](beast::error_code error, std::size_t) {
                            impl.write_error = error;
                            impl.write_finished = true;
                        });
    // A pending read may complete meanwhile: its result waits for next_message().
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!impl.write_finished && std::chrono::steady_clock::now() < deadline) {
        impl.io.restart();
        impl.io.run_one_until(deadline);
    }
    if (!impl.write_finished) throw std::runtime_error("websocket write timed out");
    if (impl.write_error) throw beast::system_error(impl.write_error);
}

std::string raw_exchange(unsigned short port, const std::string& bytes,
                         std::chrono::milliseconds timeout) {
    asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(timeout);
    stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    stream.expires_after(timeout);
    asio::write(stream.socket(), asio::buffer(bytes));
    std::string answer;
    std::array<char, 4096> chunk{};
    beast::error_code error;
    while (answer.size() < 65536) {
        stream.expires_after(timeout);
        const auto read = stream.read_some(asio::buffer(chunk), error);
        if (error) break;
        answer.append(chunk.data(), read);
    }
    return answer;
}

}  // namespace notify::test
