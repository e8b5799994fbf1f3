#include "proxy_backend.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <stdexcept>

namespace notify::test {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

std::string pem_of(const std::function<int(BIO*)>& write) {
    const std::unique_ptr<BIO, decltype(&BIO_free)> bio{BIO_new(BIO_s_mem()), &BIO_free};
    if (!bio || write(bio.get()) != 1) throw std::runtime_error{"PEM write failed"};
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);
    return std::string{data, static_cast<std::size_t>(len)};
}

}  // namespace

TlsIdentity TlsIdentity::self_signed() {
    const std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{
        EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), &EVP_PKEY_free};
    const std::unique_ptr<X509, decltype(&X509_free)> cert{X509_new(), &X509_free};
    if (!key || !cert) throw std::runtime_error{"key or certificate allocation failed"};
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("notify test backend"), -1,
                               -1, 0);
    X509_set_issuer_name(cert.get(), name);
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    X509_EXTENSION* san =
        X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "IP:127.0.0.1");
    if (san == nullptr) throw std::runtime_error{"subjectAltName failed"};
    X509_add_ext(cert.get(), san, -1);
    X509_EXTENSION_free(san);
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
        throw std::runtime_error{"certificate signing failed"};
    }
    TlsIdentity identity;
    identity.cert_pem = pem_of([&](BIO* bio) { return PEM_write_bio_X509(bio, cert.get()); });
    identity.key_pem = pem_of([&](BIO* bio) {
        return PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    });
    return identity;
}

struct ProxyBackend::Impl {
    explicit Impl(ProxyBackend& owner, Script s)
        : self(owner), script(std::move(s)), acceptor(io) {}

    ProxyBackend& self;
    Script script;
    std::unique_ptr<ssl::context> tls;
    asio::io_context io;
    tcp::acceptor acceptor;
    std::thread accept_thread;

    mutable std::mutex mutex;  // guards everything below
    std::condition_variable wake;
    bool stopping = false;
    bool released = false;
    std::vector<std::shared_ptr<tcp::socket>> sockets;
    std::vector<std::thread> threads;
    std::vector<BackendRequest> received;

    void accept_loop() {
        for (;;) {
            auto socket = std::make_shared<tcp::socket>(io);
            boost::system::error_code ec;
            acceptor.accept(*socket, ec);
            const std::lock_guard lock{mutex};
            if (ec || stopping) return;
            ++self.connections_;
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
            BackendRequest seen;
            seen.target = std::string{request.target()};
            seen.content_type = std::string{request[http::field::content_type]};
            seen.body = request.body();
            const std::size_t now = ++self.concurrent_;
            std::size_t seen_max = self.max_concurrent_.load();
            while (now > seen_max && !self.max_concurrent_.compare_exchange_weak(seen_max, now)) {
            }
            ++self.requests_;
            const BackendReply reply = script(seen);
            {
                std::unique_lock lock{mutex};
                received.push_back(seen);
                wake.wait_for(lock, reply.delay, [this] { return stopping || released; });
            }
            --self.concurrent_;
            http::response<http::string_body> response{static_cast<http::status>(reply.status),
                                                       11};
            response.set(http::field::content_type, "application/json");
            response.keep_alive(request.keep_alive());
            response.body() = reply.body;
            response.prepare_payload();
            http::write(socket, response, ec);
            if (ec || !response.keep_alive()) return;
            if (reply.close_after) {
                boost::beast::get_lowest_layer(socket).shutdown(tcp::socket::shutdown_both, ec);
                return;
            }
        }
    }
};

ProxyBackend::ProxyBackend(Script script, const TlsIdentity* tls)
    : impl_(std::make_unique<Impl>(*this, std::move(script))) {
    if (tls != nullptr) {
        impl_->tls = std::make_unique<ssl::context>(ssl::context::tls_server);
        impl_->tls->use_certificate_chain(asio::buffer(tls->cert_pem));
        impl_->tls->use_private_key(asio::buffer(tls->key_pem), ssl::context::pem);
    }
    const tcp::endpoint local{asio::ip::make_address("127.0.0.1"), 0};
    impl_->acceptor.open(local.protocol());
    impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
    impl_->acceptor.bind(local);
    impl_->acceptor.listen();
    port_ = impl_->acceptor.local_endpoint().port();
    impl_->accept_thread = std::thread{[this] { impl_->accept_loop(); }};
}

ProxyBackend::~ProxyBackend() { stop(); }

std::string ProxyBackend::url(const std::string& path) const {
    return std::string{impl_->tls ? "https" : "http"} + "://127.0.0.1:" + std::to_string(port_) +
           path;
}

std::vector<BackendRequest> ProxyBackend::received() const {
    const std::lock_guard lock{impl_->mutex};
    return impl_->received;
}

void ProxyBackend::release() {
    {
        const std::lock_guard lock{impl_->mutex};
        impl_->released = true;
    }
    impl_->wake.notify_all();
}

void ProxyBackend::stop() {
    std::vector<std::thread> threads;
    {
        const std::lock_guard lock{impl_->mutex};
        if (impl_->stopping) return;
        impl_->stopping = true;
        // shutdown(2) wakes a thread blocked in accept/read on the same descriptor.
        ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
        for (const auto& socket : impl_->sockets) ::shutdown(socket->native_handle(), SHUT_RDWR);
    }
    impl_->wake.notify_all();
    impl_->accept_thread.join();
    {
        const std::lock_guard lock{impl_->mutex};
        threads = std::move(impl_->threads);
    }
    for (std::thread& thread : threads) thread.join();
}

}  // namespace notify::test
