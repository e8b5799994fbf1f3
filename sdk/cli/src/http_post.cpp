#include "http_post.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "asio_runner.hpp"
#include "cli_error.hpp"
#include "url.hpp"

namespace notify::cli {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

// A history or batch answer can be large, but not this large.
constexpr std::uint64_t kMaxBodySize = 64u << 20;

std::string host_header(const Url& url) {
    const bool ipv6 = url.host.find(':') != std::string::npos;
    return (ipv6 ? "[" + url.host + "]" : url.host) + ":" + url.port;
}

}  // namespace

HttpPostResult http_post(const Url& url, const std::string& target,
                         const std::string& authorization, const std::string& body,
                         Deadline deadline) {
    const std::string where = "http://" + host_header(url) + target;
    AsioRunner runner;
    tcp::resolver resolver(runner.io());
    tcp::socket socket(runner.io());
    boost::beast::flat_buffer buffer;
    http::request<http::string_body> request{http::verb::post, target, 11};
    request.set(http::field::host, host_header(url));
    request.set(http::field::user_agent, "notify-cli/" NOTIFY_CLI_VERSION);
    request.set(http::field::accept, "application/json");
    request.set(http::field::content_type, "application/json");
    if (!authorization.empty()) request.set(http::field::authorization, authorization);
    request.keep_alive(false);
    request.body() = body;
    request.prepare_payload();
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxBodySize);

    bool finished = false;
    error_code result;
    const char* stage = "resolving";
    auto finish = [&](error_code ec) {
        finished = true;
        result = ec;
    };
    resolver.async_resolve(url.host, url.port, [&](error_code ec,
                                                   const tcp::resolver::results_type& results) {
        if (ec) return finish(ec);
        stage = "connecting to";
        asio::async_connect(socket, results, [&](error_code connect_ec, const tcp::endpoint&) {
            if (connect_ec) return finish(connect_ec);
            stage = "sending to";
            http::async_write(socket, request, [&](error_code write_ec, std::size_t) {
                if (write_ec) return finish(write_ec);
                stage = "receiving from";
                http::async_read(socket, buffer, parser,
                                 [&](error_code read_ec, std::size_t) { finish(read_ec); });
            });
        });
    });
    const bool done = runner.run_until([&finished] { return finished; }, deadline);
    error_code ignored;
    resolver.cancel();
    socket.close(ignored);
    runner.drain();
    const std::string stage_name(stage);
    if (!done) {
        throw CliError(ExitCode::timeout, stage_name == "receiving from"
                                              ? "timed out waiting for the server at " + where
                                              : "timed out " + stage_name + " " + where);
    }
    if (result) {
        if (stage_name == "resolving") {
            throw CliError(ExitCode::failure,
                           "cannot resolve host '" + url.host + "': " + result.message());
        }
        if (stage_name == "connecting to") {
            throw CliError(ExitCode::failure,
                           "cannot connect to " + where + ": " + result.message());
        }
        throw CliError(ExitCode::failure, "connection lost while " + stage_name + " " + where +
                                              ": " + result.message());
    }
    auto& response = parser.get();
    HttpPostResult out;
    out.status = static_cast<int>(response.result_int());
    out.reason = std::string(response.reason());
    out.body = std::move(response.body());
    return out;
}

}  // namespace notify::cli
