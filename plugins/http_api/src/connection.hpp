// One accepted HTTP/1.1 connection: reads a request (headers first, so a refused request never
// gets its body buffered), checks it, carries it to the host through the HostGate, and writes
// the answer; then the next request (keep-alive). Everything runs on the connection's strand.
#pragma once

#include "api_context.hpp"
#include "host_gate.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace notify::http_api {

class Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(boost::asio::ip::tcp::socket socket, ApiContext& api, std::uint64_t id);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Registers with the registry and starts reading (call once, right after construction).
    void run();
    // Posted by stop(): an idle connection closes now, one awaiting the host answers 503, one
    // writing closes after the write. THREAD: any.
    void shut_down();

private:
    enum class Phase : std::uint8_t { reading, awaiting, writing, closed };
    using Parser = boost::beast::http::request_parser<boost::beast::http::string_body>;
    using Response = boost::beast::http::response<boost::beast::http::string_body>;

    void read_header();
    void on_header(boost::beast::error_code ec);
    void read_body();
    void on_body(boost::beast::error_code ec);
    void call_host(std::string body);
    void on_answer(std::uint64_t call, ApiAnswer&& answer);
    void on_request_timeout(std::uint64_t call);

    // Answers the request under way: a host error, or a refusal of this plugin. Refusals made
    // before the body was read close the connection after the answer.
    void refuse(unsigned status, std::uint32_t code, const std::string& message,
                bool close_after);
    void refuse_too_large();
    void respond(unsigned status, std::string body, bool failed);
    void on_written(boost::beast::error_code ec);
    void linger_close();
    void drain_input();
    void close_now();

    ApiContext& api_;
    std::shared_ptr<const LiveConfig> config_;  // the request's snapshot, taken at its header
    const std::uint64_t id_;
    const std::string peer_;
    boost::beast::tcp_stream stream_;
    boost::beast::flat_buffer buffer_;
    boost::asio::steady_timer request_timer_;
    std::optional<Parser> parser_;
    Phase phase_ = Phase::reading;
    bool keep_alive_ = false;
    bool shutting_down_ = false;
    unsigned version_ = 11;
    std::string request_id_;
    std::string method_;             // the API method of the request under way ("" if none)
    std::uint64_t awaited_call_ = 0;  // the call whose answer is expected (0 = none)
    std::uint64_t next_call_ = 1;
    std::unique_ptr<Response> response_;  // alive while it is written
    std::array<char, 4096> drain_buffer_{};
};

}  // namespace notify::http_api
