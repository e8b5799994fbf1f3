#include "http_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <string_view>
#include <utility>

#include "http_listener.hpp"
#include "routes.hpp"

namespace notify::admin {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

namespace {

constexpr std::uint32_t max_header_size = 8 * 1024;

// Ends of a connection that need no answer.
bool quiet_end(const beast::error_code& ec) {
    return ec == http::error::end_of_stream || ec == beast::error::timeout ||
           ec == net::error::operation_aborted || ec == net::error::connection_reset ||
           ec == net::error::eof || ec == http::error::partial_message;
}

std::string_view view_of(beast::string_view text) {
    return {text.data(), text.size()};
}

}  // namespace

HttpSession::HttpSession(net::ip::tcp::socket socket, HttpListener& listener, std::uint64_t id)
    : listener_(listener), id_(id), stream_(std::move(socket)) {}

HttpSession::~HttpSession() {
    listener_.forget(id_);
}

void HttpSession::run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); });
}

void HttpSession::close() {
    beast::error_code ignored;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    stream_.close();
}

void HttpSession::read() {
    parser_.emplace();
    parser_->header_limit(max_header_size);
    stream_.expires_after(listener_.idle_timeout());
    // Headers only: the endpoints take no body, and one announced is refused unread.
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
}

void HttpSession::on_read(beast::error_code ec) {
    if (ec == http::error::header_limit) {
        response_ = Response{};
        response_.body() = "{\"error\":\"the request header is larger than 8 KiB\"}";
        respond(431, false, false);
        return;
    }
    if (ec) {
        if (quiet_end(ec)) {
            close();
            return;
        }
        // A malformed request line or header.
        response_ = Response{};
        response_.body() = "{\"error\":\"malformed request: " + ec.message() + "\"}";
        respond(400, false, false);
        return;
    }
    const auto& request = parser_->get();
    const bool read_only =
        request.method() == http::verb::get || request.method() == http::verb::head;
    if (read_only && !parser_->is_done()) {
        response_ = Response{};
        response_.body() = "{\"error\":\"a request with a body: the admin endpoints take none\"}";
        respond(400, false, false);
        return;
    }
    const AdminRequest admin_request{view_of(request.method_string()), view_of(request.target()),
                                     view_of(request[http::field::authorization])};
    AdminResponse answer = listener_.routes().answer(admin_request);
    response_ = Response{};
    response_.version(request.version());
    response_.set(http::field::content_type, answer.content_type);
    for (const auto& [name, value] : answer.headers) response_.set(name, value);
    response_.body() = std::move(answer.body);
    // A refused method may have left a body unread: the connection cannot go on.
    respond(answer.status, read_only && request.keep_alive(), request.method() == http::verb::head);
}

void HttpSession::respond(unsigned status, bool keep_alive, bool head) {
    response_.result(status);
    if (response_.find(http::field::content_type) == response_.end()) {
        response_.set(http::field::content_type, "application/json");
    }
    response_.set(http::field::cache_control, "no-store");
    response_.set("X-Content-Type-Options", "nosniff");
    response_.keep_alive(keep_alive);
    if (head) {
        // The length of what GET would send, without sending it.
        response_.content_length(response_.body().size());
        response_.body().clear();
    } else {
        response_.prepare_payload();
    }
    write();
}

void HttpSession::write() {
    stream_.expires_after(listener_.idle_timeout());
    http::async_write(stream_, response_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                          if (ec || !self->response_.keep_alive()) {
                              self->close();
                          } else {
                              self->read();
                          }
                      });
}

}  // namespace notify::admin
