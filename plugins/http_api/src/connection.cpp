#include "connection.hpp"

#include "api_errors.hpp"
#include "connection_registry.hpp"
#include "request_id.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <cstdint>
#include <string_view>
#include <utility>

namespace notify::http_api {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

namespace {

constexpr std::uint32_t max_header_size = 8 * 1024;
constexpr std::size_t max_method_name = 64;
// After the last answer of a closing connection, what the client still sends is read and
// dropped this long, so that closing with unread input does not reset the connection (a reset
// can destroy our answer before the client read it).
constexpr auto linger_time = std::chrono::seconds(1);
constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";

std::string peer_of(const net::ip::tcp::socket& socket) {
    beast::error_code ec;
    const auto endpoint = socket.remote_endpoint(ec);
    if (ec) return "unknown";
    const auto address = endpoint.address();
    const std::string host =
        address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
    return host + ":" + std::to_string(endpoint.port());
}

bool quiet_end(const beast::error_code& ec) {
    return ec == http::error::end_of_stream || ec == beast::error::timeout ||
           ec == net::error::operation_aborted || ec == net::error::connection_reset ||
           ec == net::error::eof || ec == http::error::partial_message;
}

bool valid_method_name(std::string_view name) {
    if (name.empty() || name.size() > max_method_name) return false;
    for (const char c : name) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    }
    return true;
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }

// Lenient: a missing Content-Type is fine; else application/json or any +json type.
bool json_content_type(std::string_view header) {
    if (header.empty()) return true;
    std::string media;
    for (const char c : header.substr(0, header.find(';'))) {
        if (c != ' ' && c != '\t') media += lower(c);
    }
    return media == "application/json" || (media.starts_with("application/") &&
                                            media.ends_with("+json"));
}

bool expects_continue(std::string_view header) {
    constexpr std::string_view expected = "100-continue";
    if (header.size() != expected.size()) return false;
    for (std::size_t i = 0; i < header.size(); ++i) {
        if (lower(header[i]) != expected[i]) return false;
    }
    return true;
}

}  // namespace

Connection::Connection(net::ip::tcp::socket socket, ApiContext& api, std::uint64_t id)
    : api_(api), config_(api.config.load()), id_(id), peer_(peer_of(socket)),
      stream_(std::move(socket)),
      request_timer_(stream_.get_executor()) {}

Connection::~Connection() { api_.registry.remove(id_); }

void Connection::run() {
    api_.registry.attach(id_, weak_from_this());
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_header(); });
}

void Connection::shut_down() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
        self->shutting_down_ = true;
        switch (self->phase_) {
        case Phase::reading:
            self->close_now();
            return;
        case Phase::awaiting:
            self->awaited_call_ = 0;
            self->request_timer_.cancel();
            self->refuse(503, error_internal, "the server is shutting down", true);
            return;
        case Phase::writing:  // on_written closes
        case Phase::closed:
            return;
        }
    });
}

void Connection::read_header() {
    if (shutting_down_) {
        close_now();
        return;
    }
    phase_ = Phase::reading;
    config_ = api_.config.load();
    request_id_.clear();
    method_.clear();
    parser_.emplace();
    parser_->header_limit(max_header_size);
    parser_->body_limit(config_->settings.max_body_size);
    stream_.expires_after(std::chrono::milliseconds(config_->settings.idle_timeout_ms));
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                self->on_header(ec);
                            });
}

void Connection::on_header(beast::error_code ec) {
    if (phase_ == Phase::closed) return;
    // The request is checked and served with the configuration of the moment its header
    // arrived: a reload while the connection waited applies to it.
    config_ = api_.config.load();
    parser_->body_limit(config_->settings.max_body_size);
    const auto& request = parser_->get();
    request_id_ = request_id_from(request["X-Request-Id"]);
    version_ = request.version() == 10 ? 10 : 11;
    // Against this snapshot's limit: the parser checked a Content-Length against the one of
    // read_header(), which a reload may have lowered since.
    // content_length() is only defined once the header is complete (Beast asserts it).
    const auto length =
        parser_->is_header_done() ? parser_->content_length() : boost::optional<std::uint64_t>{};
    if (ec == http::error::body_limit ||
        (!ec && length && *length > config_->settings.max_body_size)) {
        refuse_too_large();
        return;
    }
    if (ec == http::error::header_limit) {
        refuse(431, error_bad_request, "the request header is larger than 8 KiB", true);
        return;
    }
    if (ec) {
        if (quiet_end(ec)) {
            close_now();
        } else {
            refuse(400, error_bad_request, "malformed HTTP request: " + ec.message(), true);
        }
        return;
    }
    keep_alive_ = request.keep_alive();
    const std::string_view target = request.target();
    const std::string_view path = target.substr(0, target.find('?'));
    constexpr std::string_view prefix = "/api/";
    if (!path.starts_with(prefix)) {
        refuse(404, error_not_found, "no such path: the API is POST /api/<method>", true);
        return;
    }
    const std::string_view name = path.substr(prefix.size());
    const bool valid_name = valid_method_name(name);
    if (valid_name) method_ = std::string{name};
    if (!config_->keys.open()) {
        const auto header = request.find(http::field::authorization);
        if (header == request.end()) {
            refuse(401, error_unauthorized, "no API key: send 'Authorization: apikey KEY'",
                   true);
            return;
        }
        if (!config_->keys.accepts(plugin_common::key_of_authorization(header->value()))) {
            refuse(401, error_unauthorized, "wrong API key", true);
            return;
        }
    }
    if (request.method() != http::verb::post) {
        refuse(405, error_bad_request,
               "method " + std::string{request.method_string()} + " not allowed: use POST",
               true);
        return;
    }
    if (!json_content_type(request[http::field::content_type])) {
        refuse(415, error_bad_request,
               "Content-Type '" + std::string{request[http::field::content_type]} +
                   "' is not JSON: send application/json",
               true);
        return;
    }
    if (!valid_name) {
        refuse(404, error_unknown_command, "no such method (names are [a-z0-9_]{1,64})", true);
        return;
    }
    if (expects_continue(request[http::field::expect])) {
        net::async_write(stream_, net::buffer(continue_line.data(), continue_line.size()),
                         [self = shared_from_this()](beast::error_code write_ec, std::size_t) {
                             if (write_ec) {
                                 self->close_now();
                             } else {
                                 self->read_body();
                             }
                         });
        return;
    }
    read_body();
}

void Connection::read_body() {
    if (phase_ == Phase::closed) return;
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                         self->on_body(ec);
                     });
}

void Connection::on_body(beast::error_code ec) {
    if (phase_ == Phase::closed) return;
    if (ec == http::error::body_limit) {
        refuse_too_large();
        return;
    }
    if (ec) {
        if (quiet_end(ec)) {
            close_now();
        } else {
            refuse(400, error_bad_request, "malformed HTTP request: " + ec.message(), true);
        }
        return;
    }
    call_host(std::move(parser_->get().body()));
}

void Connection::call_host(std::string body) {
    phase_ = Phase::awaiting;
    stream_.expires_never();
    const std::uint64_t call = next_call_++;
    awaited_call_ = call;
    std::weak_ptr<Connection> weak = weak_from_this();
    const notify_status status = api_.gate->call(
        method_, body, request_id_, [weak, call](ApiAnswer&& answer) {
            if (const auto self = weak.lock()) {
                net::post(self->stream_.get_executor(),
                          [self, call, answer = std::move(answer)]() mutable {
                              self->on_answer(call, std::move(answer));
                          });
            }
        });
    if (status != NOTIFY_OK) {
        awaited_call_ = 0;
        if (status == NOTIFY_ERR_CLOSED) {
            refuse(503, error_internal, "the server is shutting down", true);
        } else {
            refuse(500, error_internal,
                   "the host refused the request (status " + std::to_string(status) + ")",
                   false);
        }
        return;
    }
    request_timer_.expires_after(std::chrono::milliseconds(config_->settings.request_timeout_ms));
    request_timer_.async_wait([self = shared_from_this(), call](beast::error_code ec) {
        if (!ec) self->on_request_timeout(call);
    });
}

void Connection::on_answer(std::uint64_t call, ApiAnswer&& answer) {
    if (call != awaited_call_ || phase_ != Phase::awaiting) return;  // too late: already 504
    awaited_call_ = 0;
    request_timer_.cancel();
    if (answer.ok) {
        respond(200, std::move(answer.result), false);
    } else {
        refuse(http_status_of(answer.error_code), answer.error_code, answer.error_message,
               false);
    }
}

void Connection::on_request_timeout(std::uint64_t call) {
    if (call != awaited_call_ || phase_ != Phase::awaiting) return;
    awaited_call_ = 0;
    refuse(504, error_internal,
           "the host did not answer within request_timeout (" +
               std::to_string(config_->settings.request_timeout_ms) + " ms)",
           false);
}

void Connection::refuse_too_large() {
    refuse(413, error_too_large,
           "the body is larger than max_body_size (" +
               std::to_string(config_->settings.max_body_size) + " bytes)",
           true);
}

void Connection::refuse(unsigned status, std::uint32_t code, const std::string& message,
                        bool close_after) {
    if (close_after) keep_alive_ = false;
    api_.failures.warn("http_api: request " + request_id_ + " " +
                       (method_.empty() ? std::string{"-"} : method_) + " from " + peer_ +
                       " failed: " + std::to_string(status) + " " +
                       std::string{error_name(code)} + " (" + std::to_string(code) +
                       "): " + message);
    respond(status, error_body(code, message), true);
}

void Connection::respond(unsigned status, std::string body, bool failed) {
    if (!method_.empty()) api_.counters.count(method_, failed);
    response_ = std::make_unique<Response>(static_cast<http::status>(status), version_);
    Response& response = *response_;
    response.set(http::field::content_type, "application/json");
    response.set(http::field::cache_control, "no-store");
    if (!request_id_.empty()) response.set("X-Request-Id", request_id_);
    if (status == 405) response.set(http::field::allow, "POST");
    if (status == 401) response.set(http::field::www_authenticate, "apikey");
    response.keep_alive(keep_alive_ && !shutting_down_);
    response.body() = std::move(body);
    response.prepare_payload();
    phase_ = Phase::writing;
    stream_.expires_after(std::chrono::milliseconds(config_->settings.idle_timeout_ms));
    http::async_write(stream_, response,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                          self->on_written(ec);
                      });
}

void Connection::on_written(beast::error_code ec) {
    const bool keep = response_ && response_->keep_alive();
    response_.reset();
    if (ec) {
        close_now();
    } else if (!keep || shutting_down_) {
        linger_close();
    } else {
        read_header();
    }
}

void Connection::linger_close() {
    phase_ = Phase::closed;
    beast::error_code ignored;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
    stream_.expires_after(linger_time);
    drain_input();
}

void Connection::drain_input() {
    stream_.async_read_some(net::buffer(drain_buffer_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                if (ec) {
                                    self->close_now();
                                } else {
                                    self->drain_input();
                                }
                            });
}

void Connection::close_now() {
    phase_ = Phase::closed;
    request_timer_.cancel();
    beast::error_code ignored;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    stream_.close();
}

}  // namespace notify::http_api
