#include "http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <cctype>
#include <functional>
#include <limits>
#include <optional>

namespace notify_test {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

template <typename Fields>
std::map<std::string, std::string> header_map(const Fields &fields) {
    std::map<std::string, std::string> out;
    for (const auto &field : fields) {
        out[lower(std::string(field.name_string()))] = std::string(field.value());
    }
    return out;
}

bhttp::request<bhttp::string_body> make_request(const std::string &method,
                                                const std::string &target,
                                                const std::string &body, const Headers &headers) {
    bhttp::request<bhttp::string_body> request;
    request.method_string(method);
    request.target(target);
    request.version(11);
    request.set(bhttp::field::host, "127.0.0.1");
    for (const auto &[name, value] : headers) {
        request.set(name, value);
    }
    if (!body.empty() || method == "POST") {
        request.body() = body;
        request.prepare_payload();
    }
    return request;
}

const net::ip::tcp::endpoint loopback(uint16_t port) {
    return {net::ip::make_address_v4("127.0.0.1"), port};
}

}  // namespace

HttpReply http_request(uint16_t port, const std::string &method, const std::string &target,
                       const std::string &body, const Headers &headers,
                       std::chrono::milliseconds timeout) {
    net::io_context io;
    beast::tcp_stream stream(io);
    beast::flat_buffer buffer;
    auto request = make_request(method, target, body, headers);
    bhttp::response<bhttp::string_body> response;
    HttpReply reply;
    stream.expires_after(timeout);
    stream.async_connect(loopback(port), [&](beast::error_code ec) {
        if (ec) {
            reply.error = "connect: " + ec.message();
            return;
        }
        bhttp::async_write(stream, request, [&](beast::error_code write_ec, size_t) {
            if (write_ec) {
                reply.error = "write: " + write_ec.message();
            }
            // Read even after a failed write: the server may answer (413) before it took all.
            bhttp::async_read(stream, buffer, response, [&](beast::error_code read_ec, size_t) {
                if (read_ec) {
                    reply.error = "read: " + read_ec.message();
                    return;
                }
                reply.status = response.result_int();
                reply.headers = header_map(response);
                reply.body = response.body();
            });
        });
    });
    io.run();
    return reply;
}

struct SseClient::Impl {
    net::io_context io;
    beast::tcp_stream stream{io};
    beast::flat_buffer buffer;
    std::optional<bhttp::response_parser<bhttp::empty_body>> parser;
    // The parser keeps a reference to its chunk callback.
    std::function<size_t(uint64_t, beast::string_view, beast::error_code &)> on_chunk;
};

SseClient::SseClient() : impl_(std::make_unique<Impl>()) {}
SseClient::~SseClient() = default;

unsigned SseClient::open(uint16_t port, const std::string &target, const Headers &headers,
                         int receive_buffer) {
    beast::error_code ec;
    net::ip::tcp::socket &socket = impl_->stream.socket();
    socket.open(net::ip::tcp::v4(), ec);
    if (receive_buffer > 0) {
        socket.set_option(net::socket_base::receive_buffer_size(receive_buffer), ec);
    }
    socket.connect(loopback(port), ec);
    if (ec) {
        return 0;
    }
    auto request = make_request("GET", target, {}, headers);
    bhttp::write(impl_->stream, request, ec);
    if (ec) {
        return 0;
    }
    impl_->parser.emplace();
    impl_->parser->body_limit(std::numeric_limits<uint64_t>::max());
    impl_->on_chunk = [this](uint64_t, beast::string_view body, beast::error_code &) {
        text_.append(body.data(), body.size());
        return body.size();
    };
    impl_->parser->on_chunk_body(impl_->on_chunk);
    unsigned status = 0;
    impl_->stream.expires_after(std::chrono::seconds(5));
    bhttp::async_read_header(impl_->stream, impl_->buffer, *impl_->parser,
                             [&](beast::error_code read_ec, size_t) {
                                 if (!read_ec) {
                                     status = impl_->parser->get().result_int();
                                     headers_ = header_map(impl_->parser->get());
                                 }
                             });
    impl_->io.run();
    impl_->io.restart();
    return status;
}

bool SseClient::read_some(std::chrono::milliseconds timeout) {
    if (ended_ || !impl_->parser) {
        return false;
    }
    bool ok = false;
    impl_->stream.expires_after(timeout);
    bhttp::async_read_some(impl_->stream, impl_->buffer, *impl_->parser,
                           [&](beast::error_code ec, size_t) {
                               ok = !ec;
                               if (ec && ec != beast::error::timeout) {
                                   ended_ = true;
                               }
                           });
    impl_->io.run();
    impl_->io.restart();
    if (ok && impl_->parser->is_done()) {
        ended_ = true;
    }
    parse();
    return ok;
}

void SseClient::parse() {
    for (;;) {
        const size_t end = text_.find("\n\n", parsed_);
        if (end == std::string::npos) {
            return;
        }
        const std::string block = text_.substr(parsed_, end - parsed_);
        parsed_ = end + 2;
        SseEvent event;
        bool comment_only = true;
        size_t start = 0;
        while (start <= block.size()) {
            size_t stop = block.find('\n', start);
            if (stop == std::string::npos) {
                stop = block.size();
            }
            const std::string line = block.substr(start, stop - start);
            start = stop + 1;
            if (line.rfind(':', 0) == 0) {
                ++comments_;
                continue;
            }
            comment_only = false;
            if (line.rfind("id: ", 0) == 0) {
                event.id = line.substr(4);
            } else if (line.rfind("event: ", 0) == 0) {
                event.event = line.substr(7);
            } else if (line.rfind("data: ", 0) == 0) {
                event.data += (event.data.empty() ? "" : "\n") + line.substr(6);
            }
        }
        if (!comment_only) {
            events_.push_back(std::move(event));
        }
    }
}

std::vector<SseEvent> SseClient::wait_events(size_t count, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (events_.size() < count && !ended_) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            break;
        }
        read_some(left);
    }
    return events_;
}

bool SseClient::wait_end(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!ended_) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return false;
        }
        read_some(left);
    }
    return true;
}

void SseClient::close() {
    beast::error_code ec;
    impl_->stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
    impl_->stream.socket().close(ec);
    ended_ = true;
}

}  // namespace notify_test
