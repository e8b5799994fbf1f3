// One accepted connection: reads a request (headers only: the admin endpoints take no body),
// answers it through Routes, and reads the next one (keep-alive) until the client closes, the
// idle timeout passes, or the listener stops. Runs on the listener's I/O thread.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <memory>
#include <optional>

namespace notify::admin {

class HttpListener;

class HttpSession : public std::enable_shared_from_this<HttpSession> {
  public:
    HttpSession(boost::asio::ip::tcp::socket socket, HttpListener& listener, std::uint64_t id);
    ~HttpSession();
    HttpSession(const HttpSession&) = delete;
    HttpSession& operator=(const HttpSession&) = delete;

    void run();
    void close();

  private:
    using Parser = boost::beast::http::request_parser<boost::beast::http::empty_body>;
    using Response = boost::beast::http::response<boost::beast::http::string_body>;

    void read();
    void on_read(boost::beast::error_code ec);
    // `head`: a HEAD request, answered with the headers only.
    void respond(unsigned status, bool keep_alive, bool head);
    void write();

    HttpListener& listener_;
    const std::uint64_t id_;
    boost::beast::tcp_stream stream_;
    boost::beast::flat_buffer buffer_;
    std::optional<Parser> parser_;
    Response response_;
};

}  // namespace notify::admin
