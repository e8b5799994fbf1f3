#include "webhook_backend.hpp"

#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <condition_variable>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

namespace notify::test {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;

struct WebhookBackend::Impl {
    Script script;
    std::unique_ptr<ssl::context> tls;
    asio::io_context io;
    tcp::acceptor acceptor{io};
    std::uint16_t port = 0;
    std::thread accept_thread;

    mutable std::mutex mutex;  // guards everything below
    mutable std::condition_variable changed;
    bool stopping = false;
    bool held = false;
    std::vector<std::shared_ptr<tcp::socket>> sockets;
    std::vector<std::thread> threads;
    std::vector<WebhookRequest> received;
    std::vector<std::string> delivered;
    std::size_t delivered_events = 0;

    void accept_loop() {
        for (;;) {
            auto socket = std::make_shared<tcp::socket>(io);
            boost::system::error_code ec;
            acceptor.accept(*socket, ec);
            const std::lock_guard lock{mutex};
            if (ec || stopping) return;
            sockets.push_back(socket);
            threads.emplace_back([this, socket] {
                if (!tls) return serve(*socket);
                ssl::stream<tcp::socket&> stream{*socket, *tls};
                boost::system::error_code handshake_error;
                stream.handshake(ssl::stream_base::server, handshake_error);
                if (!handshake_error) serve(stream);
            });
        }
    }

    template <typename Stream>
    void serve(Stream& socket) {
        boost::beast::flat_buffer buffer;
        for (;;) {
            http::request<http::string_body> request;
            boost::system::error_code ec;
            http::read(socket, buffer, request, ec);
            if (ec) return;
            WebhookRequest seen;
            seen.target = std::string{request.target()};
            seen.content_type = std::string{request[http::field::content_type]};
            seen.delivery = std::string{request["X-Notify-Delivery"]};
            seen.signature = std::string{request["X-Notify-Signature"]};
            seen.extra = std::string{request["X-Test-Extra"]};
            seen.body = request.body();
            std::size_t index = 0;
            {
                std::unique_lock lock{mutex};
                index = received.size();
                received.push_back(seen);
                changed.notify_all();
                changed.wait_for(lock, std::chrono::seconds{10},
                                 [this] { return stopping || !held; });
                if (stopping) return;
            }
            const unsigned status = script ? script(seen, index) : 200;
            if (status >= 200 && status < 300) {
                const auto body = nlohmann::json::parse(seen.body, nullptr, false);
                const std::lock_guard lock{mutex};
                delivered.push_back(seen.body);
                if (body.is_object() && body.contains("events")) {
                    delivered_events += body["events"].size();
                }
                changed.notify_all();
            }
            http::response<http::string_body> response{static_cast<http::status>(status), 11};
            response.keep_alive(request.keep_alive());
            response.body() = status < 300 ? "" : "try later";
            response.prepare_payload();
            http::write(socket, response, ec);
            if (ec || !response.keep_alive()) return;
        }
    }
};

WebhookBackend::WebhookBackend(Script script, std::uint16_t port, const std::string& tls_cert_pem,
                               const std::string& tls_key_pem)
    : impl_(std::make_unique<Impl>()) {
    impl_->script = std::move(script);
    if (!tls_cert_pem.empty()) {
        impl_->tls = std::make_unique<ssl::context>(ssl::context::tls_server);
        impl_->tls->use_certificate_chain(asio::buffer(tls_cert_pem));
        impl_->tls->use_private_key(asio::buffer(tls_key_pem), ssl::context::pem);
    }
    const tcp::endpoint local{asio::ip::make_address("127.0.0.1"), port};
    impl_->acceptor.open(local.protocol());
    impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
    impl_->acceptor.bind(local);
    impl_->acceptor.listen();
    impl_->port = impl_->acceptor.local_endpoint().port();
    impl_->accept_thread = std::thread{[this] { impl_->accept_loop(); }};
}

WebhookBackend::~WebhookBackend() {
    stop();
}

std::uint16_t WebhookBackend::port() const noexcept {
    return impl_->port;
}

std::string WebhookBackend::url(const std::string& path) const {
    return std::string{impl_->tls ? "https" : "http"} +
           "://127.0.0.1:" + std::to_string(impl_->port) + path;
}

std::vector<WebhookRequest> WebhookBackend::received() const {
    const std::lock_guard lock{impl_->mutex};
    return impl_->received;
}

std::vector<std::string> WebhookBackend::delivered_bodies() const {
    const std::lock_guard lock{impl_->mutex};
    return impl_->delivered;
}

bool WebhookBackend::wait_for_requests(std::size_t count, std::chrono::milliseconds timeout) const {
    std::unique_lock lock{impl_->mutex};
    return impl_->changed.wait_for(lock, timeout, [&] { return impl_->received.size() >= count; });
}

bool WebhookBackend::wait_for_delivered_events(std::size_t count,
                                               std::chrono::milliseconds timeout) const {
    std::unique_lock lock{impl_->mutex};
    return impl_->changed.wait_for(lock, timeout, [&] { return impl_->delivered_events >= count; });
}

void WebhookBackend::hold() {
    const std::lock_guard lock{impl_->mutex};
    impl_->held = true;
}

void WebhookBackend::release() {
    const std::lock_guard lock{impl_->mutex};
    impl_->held = false;
    impl_->changed.notify_all();
}

void WebhookBackend::stop() {
    {
        const std::lock_guard lock{impl_->mutex};
        if (impl_->stopping) return;
        impl_->stopping = true;
        // shutdown(2) wakes a thread blocked in accept/read on the same descriptor.
        ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
        for (const auto& socket : impl_->sockets) ::shutdown(socket->native_handle(), SHUT_RDWR);
        impl_->changed.notify_all();
    }
    impl_->accept_thread.join();
    std::vector<std::thread> threads;
    {
        const std::lock_guard lock{impl_->mutex};
        threads = std::move(impl_->threads);
    }
    for (std::thread& thread : threads) thread.join();
}

}  // namespace notify::test
