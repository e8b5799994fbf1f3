#include "fake_server.hpp"

#include <sys/socket.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <atomic>
#include <thread>

#include "self_signed_certificate.hpp"

namespace notify::cli::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

template <class NextLayer>
class BeastConnection final : public FakeConnection {
public:
    explicit BeastConnection(NextLayer&& next_layer) : stream_(std::move(next_layer)) {}

    void accept(bool choose_subprotocol) {
        if (choose_subprotocol) {
            stream_.set_option(
                websocket::stream_base::decorator([](websocket::response_type& response) {
                    response.set(http::field::sec_websocket_protocol,
                                 protocol::kJsonSubprotocol);
                }));
        }
        stream_.accept();
        stream_.text(true);
    }

    protocol::Command read_command() override {
        beast::flat_buffer buffer;
        stream_.read(buffer);
        auto decoded = protocol::decode_command(beast::buffers_to_string(buffer.data()));
        if (auto* error = std::get_if<protocol::DecodeError>(&decoded)) {
            throw std::runtime_error("client sent an undecodable command: " + error->message);
        }
        return std::move(std::get<protocol::Command>(decoded));
    }

    void write(const std::string& frame) override { stream_.write(asio::buffer(frame)); }

    void close(std::uint16_t code, std::string_view reason) override {
        stream_.close(websocket::close_reason(static_cast<websocket::close_code>(code), reason));
        wait_until_closed();
    }

    void wait_until_closed() override {
        beast::flat_buffer buffer;
        beast::error_code ec;
        while (!ec) {
            buffer.clear();
            stream_.read(buffer, ec);
        }
    }

private:
    websocket::stream<NextLayer> stream_;
};

}  // namespace

struct FakeServer::State {
    ConnectionScript script;
    FakeServerOptions options;
    asio::io_context io;
    ssl::context tls{ssl::context::tls_server};
    tcp::acceptor acceptor{io};
    std::atomic<bool> stopping{false};
    std::atomic<int> active_socket{-1};
    mutable std::mutex mutex;
    std::condition_variable finished_changed;
    std::size_t finished = 0;
    std::vector<std::string> failures;
    std::thread thread;

    void record_failure(const std::string& what) {
        std::lock_guard lock(mutex);
        failures.push_back(what);
    }

    void serve(tcp::socket socket) {
        active_socket = socket.native_handle();
        try {
            if (options.tls) {
                ssl::stream<tcp::socket> tls_stream(std::move(socket), tls);
                tls_stream.handshake(ssl::stream_base::server);
                BeastConnection<ssl::stream<tcp::socket>> connection(std::move(tls_stream));
                connection.accept(options.choose_subprotocol);
                script(connection);
            } else {
                BeastConnection<tcp::socket> connection(std::move(socket));
                connection.accept(options.choose_subprotocol);
                script(connection);
            }
        } catch (const std::exception& error) {
            if (!stopping) record_failure(error.what());
        }
        active_socket = -1;
        std::lock_guard lock(mutex);
        ++finished;
        finished_changed.notify_all();
    }

    void accept_loop() {
        while (!stopping) {
            beast::error_code ec;
            tcp::socket socket(io);
            acceptor.accept(socket, ec);
            if (ec) return;
            serve(std::move(socket));
        }
    }
};

FakeServer::FakeServer(ConnectionScript script, FakeServerOptions options)
    : state_(std::make_unique<State>()) {
    state_->script = std::move(script);
    state_->options = options;
    if (options.tls) {
        const auto certificate = make_self_signed_certificate("localhost");
        state_->tls.use_certificate_chain(asio::buffer(certificate.certificate_pem));
        state_->tls.use_private_key(asio::buffer(certificate.private_key_pem),
                                    ssl::context::pem);
    }
    const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    state_->acceptor.open(endpoint.protocol());
    state_->acceptor.bind(endpoint);
    state_->acceptor.listen();
    state_->thread = std::thread([state = state_.get()] { state->accept_loop(); });
}

FakeServer::~FakeServer() {
    state_->stopping = true;
    // shutdown() wakes a thread blocked in accept() or read() on Linux; close() would not.
    ::shutdown(state_->acceptor.native_handle(), SHUT_RDWR);
    if (const int socket = state_->active_socket; socket >= 0) ::shutdown(socket, SHUT_RDWR);
    state_->thread.join();
}

std::uint16_t FakeServer::port() const { return state_->acceptor.local_endpoint().port(); }

std::string FakeServer::url(std::string_view path) const {
    return std::string(state_->options.tls ? "wss" : "ws") + "://127.0.0.1:" +
           std::to_string(port()) + std::string(path);
}

bool FakeServer::wait_for_finished_connections(std::size_t count,
                                               std::chrono::milliseconds timeout) {
    std::unique_lock lock(state_->mutex);
    return state_->finished_changed.wait_for(lock, timeout,
                                             [&] { return state_->finished >= count; });
}

std::vector<std::string> FakeServer::failures() const {
    std::lock_guard lock(state_->mutex);
    return state_->failures;
}

void accept_connect(FakeConnection& connection) {
    const auto [id, connect] = expect_command<protocol::ConnectCommand>(connection);
    connection.write(protocol::encode_connect_reply(id, "client-1", "", "resume-1", "test"));
}

void Gate::open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
}

bool Gate::wait(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [this] { return open_; });
}

}  // namespace notify::cli::testing
