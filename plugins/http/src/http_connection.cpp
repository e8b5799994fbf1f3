#include "http_connection.hpp"

#include "routes.hpp"
#include "wire_format.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <utility>

namespace notify::http {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

// A keep-alive connection with no request under way is closed after this long, and a request
// must arrive whole within it.
constexpr auto request_timeout = std::chrono::seconds(30);
constexpr const char *allowed_headers = "Content-Type, Last-Event-ID";
constexpr const char *preflight_max_age = "600";

bool method_fits(Endpoint endpoint, bhttp::verb method) {
    switch (endpoint) {
    case Endpoint::sessions:
    case Endpoint::commands:
        return method == bhttp::verb::post;
    case Endpoint::session:
        return method == bhttp::verb::delete_;
    case Endpoint::poll:
    case Endpoint::events:
        return method == bhttp::verb::get;
    case Endpoint::not_found:
        break;
    }
    return false;
}

std::string remote_of(const net::ip::tcp::socket &socket) {
    beast::error_code ec;
    const auto endpoint = socket.remote_endpoint(ec);
    if (ec) {
        return "unknown";
    }
    return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

// A copy: request_ belongs to this connection's strand, and the session table reads the headers
// on its own.
HeaderList headers_of(const bhttp::fields &fields) {
    HeaderList headers;
    size_t count = 0;
    size_t text_bytes = 0;
    for (const auto &field : fields) {
        if (count == HeaderList::max_count) {
            break;
        }
        ++count;
        text_bytes += field.name_string().size() + field.value().size();
    }
    headers.reserve(count, text_bytes);
    for (const auto &field : fields) {
        headers.add(field.name_string(), field.value());
    }
    return headers;
}

}  // namespace

HttpConnection::HttpConnection(net::ip::tcp::socket socket, const Settings &settings,
                               SessionTable &table)
    : settings_(settings), table_(table), stream_(std::move(socket)) {}

void HttpConnection::run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_request(); });
}

void HttpConnection::read_request() {
    parser_.emplace();
    parser_->body_limit(settings_.max_frame_size);
    stream_.expires_after(request_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                          self->on_read(ec);
                      });
}

void HttpConnection::on_read(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) {
        request_ = parser_->release();
        refuse(413, "body larger than max_frame_size (" +
                        std::to_string(settings_.max_frame_size) + " bytes)");
        return;
    }
    if (ec == bhttp::error::header_limit) {
        refuse(431, "request header too large");
        return;
    }
    if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset ||
        ec == net::error::eof) {
        beast::error_code ignored;
        stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
        return;
    }
    if (ec) {
        refuse(400, "malformed request: " + ec.message());
        return;
    }
    request_ = parser_->release();
    route();
}

void HttpConnection::refuse(unsigned status, const std::string &message) {
    // The request may be only half read: answer, then close.
    keep_alive_ = false;
    allow_origin_ = allow_origin(request_[bhttp::field::origin], settings_.allowed_origins)
                        .value_or(std::string());
    write_response(make_response(status, error_body(message)));
}

void HttpConnection::route() {
    keep_alive_ = request_.keep_alive();
    const auto allowed = allow_origin(request_[bhttp::field::origin], settings_.allowed_origins);
    if (!allowed) {
        allow_origin_.clear();
        write_response(make_response(403, error_body("origin not allowed")));
        return;
    }
    allow_origin_ = *allowed;
    Route route = parse_route(request_.target(), settings_.path);
    if (route.endpoint == Endpoint::not_found) {
        write_response(make_response(404, error_body("no endpoint at this path")));
        return;
    }
    if (request_.method() == bhttp::verb::options) {
        Response response = make_response(204, {});
        response.set(bhttp::field::access_control_allow_methods, allowed_methods(route.endpoint));
        response.set(bhttp::field::access_control_allow_headers, allowed_headers);
        response.set(bhttp::field::access_control_max_age, preflight_max_age);
        write_response(std::move(response));
        return;
    }
    if (!method_fits(route.endpoint, request_.method())) {
        Response response = make_response(
            405, error_body("method " + std::string(request_.method_string()) +
                            " not allowed here"));
        response.set(bhttp::field::allow, allowed_methods(route.endpoint));
        write_response(std::move(response));
        return;
    }
    std::shared_ptr<HttpConnection> self = shared_from_this();
    switch (route.endpoint) {
    case Endpoint::sessions:
        net::post(table_.strand(), [self, remote = remote_of(stream_.socket()),
                                    headers = headers_of(request_)] {
            self->table_.create_session(remote, headers, self);
        });
        return;
    case Endpoint::commands:
        if (split_commands(request_.body()).empty()) {
            write_response(make_response(400, error_body("no command in the body")));
            return;
        }
        net::post(table_.strand(),
                  [self, token = std::move(route.session), body = std::move(request_.body())] {
                      self->table_.receive_commands(token, body, self);
                  });
        return;
    case Endpoint::session:
        net::post(table_.strand(), [self, token = std::move(route.session)] {
            self->table_.delete_session(token, self);
        });
        return;
    case Endpoint::poll:
        net::post(table_.strand(), [self, token = std::move(route.session)] {
            self->table_.attach_poll(token, self);
        });
        return;
    case Endpoint::events: {
        std::optional<uint64_t> last_event_id;
        const auto header = request_.find("Last-Event-ID");
        const std::optional<std::string> &text =
            header != request_.end() ? std::optional<std::string>(std::string(header->value()))
                                     : route.last_event_id;
        if (text) {
            last_event_id = parse_event_id(*text);
            if (!last_event_id) {
                write_response(make_response(
                    400, error_body("Last-Event-ID '" + *text + "': not a sequence number")));
                return;
            }
        }
        token_ = route.session;
        net::post(table_.strand(), [self, token = std::move(route.session), last_event_id] {
            self->table_.attach_stream(token, last_event_id, self);
        });
        return;
    }
    case Endpoint::not_found:
        break;
    }
}

HttpConnection::Response HttpConnection::make_response(unsigned status, std::string body) const {
    Response response{static_cast<bhttp::status>(status), request_.version()};
    if (status != 204) {
        response.set(bhttp::field::content_type, "application/json");
        response.body() = std::move(body);
    }
    response.set(bhttp::field::cache_control, "no-store");
    if (!allow_origin_.empty()) {
        response.set(bhttp::field::access_control_allow_origin, allow_origin_);
        if (allow_origin_ != "*") {
            response.set(bhttp::field::vary, "Origin");
        }
    }
    response.keep_alive(keep_alive_);
    response.prepare_payload();
    return response;
}

void HttpConnection::respond(unsigned status, std::string body) {
    net::post(stream_.get_executor(),
              [self = shared_from_this(), status, body = std::move(body)]() mutable {
                  self->write_response(self->make_response(status, std::move(body)));
              });
}

void HttpConnection::write_response(Response response) {
    response_ = std::make_shared<Response>(std::move(response));
    stream_.expires_after(settings_.write_timeout);
    bhttp::async_write(stream_, *response_,
                       [self = shared_from_this()](beast::error_code ec, size_t) {
                           self->response_.reset();
                           if (!ec && self->keep_alive_) {
                               self->read_request();
                               return;
                           }
                           beast::error_code ignored;
                           self->stream_.socket().shutdown(
                               net::ip::tcp::socket::shutdown_both, ignored);
                       });
}

void HttpConnection::open_stream() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
        self->stream_header_ = std::make_unique<bhttp::response<bhttp::empty_body>>(
            bhttp::status::ok, self->request_.version());
        auto &header = *self->stream_header_;
        header.set(bhttp::field::content_type, "text/event-stream");
        header.set(bhttp::field::cache_control, "no-store");
        header.set("X-Accel-Buffering", "no");  // proxies must not hold events back
        if (!self->allow_origin_.empty()) {
            header.set(bhttp::field::access_control_allow_origin, self->allow_origin_);
            if (self->allow_origin_ != "*") {
                header.set(bhttp::field::vary, "Origin");
            }
        }
        header.keep_alive(false);
        header.chunked(true);
        self->stream_serializer_ =
            std::make_unique<bhttp::response_serializer<bhttp::empty_body>>(header);
        self->stream_out_.push_back(StreamItem{StreamItem::Kind::header, {}, false});
        self->write_stream();
    });
}

void HttpConnection::stream_send(std::string text, bool last) {
    net::post(stream_.get_executor(),
              [self = shared_from_this(), text = std::move(text), last]() mutable {
                  if (self->stream_ended_) {
                      return;
                  }
                  if (!text.empty()) {
                      self->stream_out_.push_back(
                          StreamItem{StreamItem::Kind::chunk, std::move(text), !last});
                  }
                  if (last) {
                      self->stream_out_.push_back(StreamItem{StreamItem::Kind::end, {}, false});
                  }
                  self->write_stream();
              });
}

void HttpConnection::write_stream() {
    if (stream_writing_ || stream_out_.empty() || stream_ended_) {
        return;
    }
    stream_writing_ = std::move(stream_out_.front());
    stream_out_.pop_front();
    stream_.expires_after(settings_.write_timeout);
    auto done = [self = shared_from_this()](beast::error_code ec, size_t) {
        StreamItem item = std::move(*self->stream_writing_);
        self->stream_writing_.reset();
        self->on_stream_written(item, ec);
    };
    switch (stream_writing_->kind) {
    case StreamItem::Kind::header:
        bhttp::async_write_header(stream_, *stream_serializer_, std::move(done));
        return;
    case StreamItem::Kind::chunk:
        net::async_write(stream_, bhttp::make_chunk(net::buffer(stream_writing_->text)),
                         std::move(done));
        return;
    case StreamItem::Kind::end:
        net::async_write(stream_, bhttp::make_chunk_last(), std::move(done));
        return;
    }
}

void HttpConnection::on_stream_written(const StreamItem &item, beast::error_code ec) {
    if (stream_ended_) {
        return;
    }
    if (ec) {
        // Includes write_timeout: a reader that stopped taking bytes loses its stream.
        end_stream(true);
        return;
    }
    stream_.expires_never();
    switch (item.kind) {
    case StreamItem::Kind::header:
        watch_hangup();
        break;
    case StreamItem::Kind::chunk:
        if (item.report) {
            net::post(table_.strand(), [self = shared_from_this()] {
                self->table_.stream_written(self->token_, self.get());
            });
        }
        break;
    case StreamItem::Kind::end:
        end_stream(false);
        return;
    }
    write_stream();
}

void HttpConnection::watch_hangup() {
    // A stream's client sends nothing more; a read that ends means it went away.
    stream_.socket().async_read_some(
        net::buffer(hangup_buffer_), [self = shared_from_this()](beast::error_code ec, size_t) {
            if (self->stream_ended_) {
                return;
            }
            if (ec) {
                self->end_stream(true);
                return;
            }
            self->watch_hangup();
        });
}

void HttpConnection::end_stream(bool report_gone) {
    stream_ended_ = true;
    stream_out_.clear();
    beast::error_code ignored;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
    if (report_gone) {
        net::post(table_.strand(), [self = shared_from_this()] {
            self->table_.stream_gone(self->token_, self.get());
        });
    }
}

}  // namespace notify::http
