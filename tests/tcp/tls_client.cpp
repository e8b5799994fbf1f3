#include "tls_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

#include <cstdlib>

namespace notify_test {

namespace asio = boost::asio;

std::optional<SelfSignedFiles> make_self_signed(const std::filesystem::path &folder) {
    SelfSignedFiles files{folder / "cert.pem", folder / "key.pem"};
    const std::string command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 "
        "-subj /CN=localhost -keyout '" + files.private_key.string() + "' -out '" +
        files.certificate.string() + "' >/dev/null 2>&1";
    if (std::system(command.c_str()) != 0) {
        return std::nullopt;
    }
    return files;
}

struct TlsClient::State {
    asio::io_context io;
    asio::ssl::context tls{asio::ssl::context::tls_client};
    asio::ssl::stream<asio::ip::tcp::socket> stream{io, tls};

    // Runs the pending operation until it completes or `timeout` passes (then cancels it).
    bool run_for(std::chrono::milliseconds timeout, const bool &done) {
        io.restart();
        io.run_for(timeout);
        if (!done) {
            boost::system::error_code ignored;
            stream.next_layer().cancel(ignored);
            io.restart();
            io.run();
        }
        return done;
    }
};

TlsClient::TlsClient() : state_(std::make_unique<State>()) {
    state_->tls.set_verify_mode(asio::ssl::verify_none);
}

TlsClient::~TlsClient() = default;

std::optional<std::string> TlsClient::connect(uint16_t port, std::chrono::milliseconds timeout) {
    boost::system::error_code ec;
    state_->stream.next_layer().connect(
        asio::ip::tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), port), ec);
    if (ec) {
        return "connect: " + ec.message();
    }
    bool done = false;
    boost::system::error_code handshake_ec;
    state_->stream.async_handshake(asio::ssl::stream_base::client,
                                   [&](const boost::system::error_code &result) {
                                       handshake_ec = result;
                                       done = true;
                                   });
    if (!state_->run_for(timeout, done)) {
        return std::string("handshake timed out");
    }
    if (handshake_ec) {
        return "handshake: " + handshake_ec.message();
    }
    return std::nullopt;
}

uint16_t TlsClient::local_port() const {
    boost::system::error_code ec;
    return state_->stream.next_layer().local_endpoint(ec).port();
}

bool TlsClient::send(const std::string &bytes, std::chrono::milliseconds timeout) {
    bool done = false;
    boost::system::error_code write_ec;
    asio::async_write(state_->stream, asio::buffer(bytes),
                      [&](const boost::system::error_code &result, size_t) {
                          write_ec = result;
                          done = true;
                      });
    return state_->run_for(timeout, done) && !write_ec;
}

std::optional<std::string> TlsClient::read_exact(size_t count, std::chrono::milliseconds timeout) {
    std::string bytes(count, '\0');
    bool done = false;
    boost::system::error_code read_ec;
    asio::async_read(state_->stream, asio::buffer(bytes),
                     [&](const boost::system::error_code &result, size_t) {
                         read_ec = result;
                         done = true;
                     });
    if (!state_->run_for(timeout, done) || read_ec) {
        return std::nullopt;
    }
    return bytes;
}

}  // namespace notify_test
