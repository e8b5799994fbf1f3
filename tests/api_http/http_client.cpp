#include "http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cctype>
#include <optional>
#include <stdexcept>

namespace notify::test {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

std::string HttpReply::header(const std::string& lower_name) const {
    const auto found = headers.find(lower_name);
    return found == headers.end() ? std::string{} : found->second;
}

struct HttpClient::Impl {
    net::io_context io;
    beast::tcp_stream stream{io};
    beast::flat_buffer buffer;

    // Runs the io_context until `done` or the deadline; cancels what is left on timeout.
    bool run_until(const bool& done, std::chrono::milliseconds timeout) {
        io.restart();
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!done && std::chrono::steady_clock::now() < deadline) {
            io.run_for(std::chrono::milliseconds(20));
            if (io.stopped()) io.restart();
        }
        if (!done) {
            stream.cancel();
            io.restart();
            io.run_for(std::chrono::milliseconds(200));
        }
        return done;
    }
};

HttpClient::HttpClient(unsigned short port, const std::string& host) : impl_(std::make_unique<Impl>()) {
    const net::ip::tcp::endpoint endpoint(net::ip::make_address(host), port);
    bool done = false;
    beast::error_code result;
    impl_->stream.async_connect(endpoint, [&](beast::error_code ec) {
        result = ec;
        done = true;
    });
    if (!impl_->run_until(done, std::chrono::seconds(5)) || result) {
        throw std::runtime_error("cannot connect to port " + std::to_string(port) + ": " +
                                 (done ? result.message() : std::string{"timeout"}));
    }
}

HttpClient::~HttpClient() {
    beast::error_code ignored;
    impl_->stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    impl_->stream.close();
}

HttpReply HttpClient::send(const HttpRequest& request, std::chrono::milliseconds timeout) {
    http::request<http::string_body> message{http::string_to_verb(request.method),
                                             request.target, 11};
    message.set(http::field::host, "127.0.0.1");
    if (request.json_content_type) message.set(http::field::content_type, "application/json");
    for (const auto& [name, value] : request.headers) message.set(name, value);
    message.body() = request.body;
    message.prepare_payload();

    bool written = false;
    beast::error_code write_error;
    http::async_write(impl_->stream, message, [&](beast::error_code ec, std::size_t) {
        write_error = ec;
        written = true;
    });
    if (!impl_->run_until(written, timeout)) throw std::runtime_error("write timed out");
    try {
        return read_reply(timeout);
    } catch (const std::runtime_error& error) {
        if (!write_error) throw;
        throw std::runtime_error(std::string{error.what()} + " (write: " + write_error.message() +
                                 ")");
    }
}

HttpReply HttpClient::read_reply(std::chrono::milliseconds timeout) {
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    bool read = false;
    beast::error_code read_error;
    http::async_read(impl_->stream, impl_->buffer, parser, [&](beast::error_code ec, std::size_t) {
        read_error = ec;
        read = true;
    });
    if (!impl_->run_until(read, timeout)) throw std::runtime_error("read timed out");
    if (read_error) {
        throw std::runtime_error("read failed: " + read_error.message());
    }
    const auto& response = parser.get();
    HttpReply reply;
    reply.status = response.result_int();
    reply.body = response.body();
    reply.keep_alive = response.keep_alive();
    for (const auto& field : response) {
        std::string name{field.name_string()};
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        reply.headers[name] = std::string{field.value()};
    }
    return reply;
}

bool HttpClient::closed_by_server(std::chrono::milliseconds timeout) {
    bool done = false;
    beast::error_code result;
    char byte = 0;
    impl_->stream.async_read_some(net::buffer(&byte, 1), [&](beast::error_code ec, std::size_t) {
        result = ec;
        done = true;
    });
    return impl_->run_until(done, timeout) && result;
}

void HttpClient::write_raw(const std::string& bytes, std::chrono::milliseconds timeout) {
    bool done = false;
    beast::error_code result;
    net::async_write(impl_->stream, net::buffer(bytes), [&](beast::error_code ec, std::size_t) {
        result = ec;
        done = true;
    });
    if (!impl_->run_until(done, timeout) || result) throw std::runtime_error("raw write failed");
}

HttpReply call_api(unsigned short port, const std::string& key, const std::string& method,
                   const std::string& body, std::chrono::milliseconds timeout) {
    HttpClient client(port);
    HttpRequest request;
    request.target = "/api/" + method;
    request.body = body;
    if (!key.empty()) request.headers["Authorization"] = "apikey " + key;
    return client.send(request, timeout);
}

}  // namespace notify::test
