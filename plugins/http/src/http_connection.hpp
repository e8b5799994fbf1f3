// One accepted TCP connection: reads HTTP/1.1 requests with Beast, routes them to the session
// table, and writes the answers it gets back: JSON responses, or an SSE stream of chunks. Its
// socket lives on its own strand; the session table reaches it only through Peer.
#pragma once

#include "peer.hpp"
#include "session_table.hpp"
#include "settings.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <deque>
#include <memory>
#include <optional>
#include <string>

namespace notify::http {

class HttpConnection : public Peer, public std::enable_shared_from_this<HttpConnection> {
public:
    HttpConnection(boost::asio::ip::tcp::socket socket, const Settings &settings,
                   SessionTable &table);

    // Start reading requests (call once, right after construction).
    void run();

    void respond(unsigned status, std::string body) override;
    void open_stream() override;
    void stream_send(std::string text, bool last) override;

private:
    struct StreamItem {
        enum class Kind : uint8_t { header, chunk, end };
        Kind kind;
        std::string text;  // Kind::chunk
        bool report;       // Kind::chunk: tell the table once written
    };
    using Request = boost::beast::http::request<boost::beast::http::string_body>;
    using Response = boost::beast::http::response<boost::beast::http::string_body>;

    void read_request();
    void on_read(boost::beast::error_code ec);
    void route();
    void refuse(unsigned status, const std::string &message);
    void write_response(Response response);
    Response make_response(unsigned status, std::string body) const;
    void write_stream();
    void on_stream_written(const StreamItem &item, boost::beast::error_code ec);
    void watch_hangup();
    void end_stream(bool report_gone);

    const Settings &settings_;
    SessionTable &table_;
    boost::beast::tcp_stream stream_;
    boost::beast::flat_buffer buffer_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
    Request request_;
    // The Access-Control-Allow-Origin of the request being answered ("" = none).
    std::string allow_origin_;
    bool keep_alive_ = false;
    std::shared_ptr<Response> response_;  // alive while it is written

    std::string token_;  // the session of the stream
    std::unique_ptr<boost::beast::http::response<boost::beast::http::empty_body>> stream_header_;
    std::unique_ptr<boost::beast::http::response_serializer<boost::beast::http::empty_body>>
        stream_serializer_;
    std::deque<StreamItem> stream_out_;
    std::optional<StreamItem> stream_writing_;
    bool stream_ended_ = false;
    std::array<char, 256> hangup_buffer_{};
};

}  // namespace notify::http
