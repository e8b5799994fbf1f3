#include "tls_tunnel.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

namespace notify::redis {
namespace {

using Clock = std::chrono::steady_clock;

// Bytes held per direction before reading stops (back-pressure on the faster side).
constexpr std::size_t kMaxBuffered = 1 << 20;
constexpr std::size_t kChunk = 16 * 1024;

std::string openssl_error(const char* what) {
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) return what;
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    return std::string{what} + ": " + text;
}

bool is_ip_literal(const std::string& name) {
    in6_addr ignored{};
    return inet_pton(AF_INET, name.c_str(), &ignored) == 1 ||
           inet_pton(AF_INET6, name.c_str(), &ignored) == 1;
}

}  // namespace

struct TlsTunnel::Impl {
    struct Pair {
        // draining: Redis closed; what it sent last still goes to hiredis, then hiredis sees
        // the end of the stream (its writes meanwhile are read and dropped, never a SIGPIPE).
        enum class Stage { connecting, handshaking, open, draining };
        int local = -1;   // hiredis's side (Unix socket)
        int remote = -1;  // Redis's side (TCP, TLS)
        SSL* ssl = nullptr;
        Stage stage = Stage::connecting;
        Clock::time_point started{};
        std::string up;          // from hiredis, not yet written to TLS
        std::size_t retry = 0;   // a TLS write to repeat with this length (0: none)
        bool handshake_writes = false;  // the handshake waits to write (else to read)
        bool local_shut = false;        // draining: the end of the stream was sent to hiredis
        std::string down;        // from Redis, not yet written to hiredis
        bool done = false;
    };

    std::string host;
    int port = 0;
    std::string server_name;
    int connect_timeout_ms = 2000;
    SSL_CTX* ctx = nullptr;
    std::string dir;
    std::string path;
    int listener = -1;
    int wake[2] = {-1, -1};
    std::thread thread;
    std::atomic<bool> stopping{false};
    mutable std::mutex error_mutex;
    std::string error;
    std::vector<Pair> pairs;  // tunnel thread only

    ~Impl() {
        if (thread.joinable()) {
            stopping.store(true);
            const char byte = 1;
            ssize_t ignored = write(wake[1], &byte, 1);
            (void)ignored;
            thread.join();
        }
        for (Pair& pair : pairs) close_pair(pair);
        for (int fd : {listener, wake[0], wake[1]}) {
            if (fd >= 0) close(fd);
        }
        if (!path.empty()) unlink(path.c_str());
        if (!dir.empty()) rmdir(dir.c_str());
        if (ctx != nullptr) SSL_CTX_free(ctx);
    }

    void record(std::string why) {
        std::lock_guard lock{error_mutex};
        error = "tls to " + host + ":" + std::to_string(port) + ": " + std::move(why);
    }

    void fail(Pair& pair, std::string why) {
        record(std::move(why));
        close_pair(pair);
    }

    // Redis's side ended: keep hiredis's side until it has read what was left and closed.
    void remote_gone(Pair& pair, std::string why) {
        record(std::move(why));
        if (pair.ssl != nullptr) {
            SSL_free(pair.ssl);
            pair.ssl = nullptr;
        }
        if (pair.remote >= 0) close(pair.remote);
        pair.remote = -1;
        pair.stage = Pair::Stage::draining;
        drain(pair);
    }

    void drain(Pair& pair) {
        while (!pair.down.empty()) {
            const ssize_t wrote = send(pair.local, pair.down.data(), pair.down.size(), MSG_NOSIGNAL);
            if (wrote > 0) {
                pair.down.erase(0, static_cast<std::size_t>(wrote));
                continue;
            }
            if (wrote < 0 && (errno == EAGAIN || errno == EINTR)) return;
            close_pair(pair);
            return;
        }
        if (!pair.local_shut) {
            shutdown(pair.local, SHUT_WR);
            pair.local_shut = true;
        }
        char discard[4096];
        for (;;) {
            const ssize_t got = read(pair.local, discard, sizeof discard);
            if (got > 0) continue;
            if (got < 0 && (errno == EAGAIN || errno == EINTR)) return;
            close_pair(pair);  // hiredis closed its side
            return;
        }
    }

    static void close_pair(Pair& pair) {
        if (pair.ssl != nullptr) {
            SSL_free(pair.ssl);
            pair.ssl = nullptr;
        }
        for (int* fd : {&pair.local, &pair.remote}) {
            if (*fd >= 0) close(*fd);
            *fd = -1;
        }
        pair.done = true;
    }

    void accept_one() {
        const int local = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (local < 0) return;
        Pair pair;
        pair.local = local;
        pair.started = Clock::now();
        addrinfo hints{};
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* found = nullptr;
        const int resolved =
            getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
        if (resolved != 0 || found == nullptr) {
            pairs.push_back(pair);
            fail(pairs.back(), std::string{"cannot resolve the host: "} + gai_strerror(resolved));
            return;
        }
        pair.remote = socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        const int connected =
            pair.remote < 0 ? -1 : connect(pair.remote, found->ai_addr, found->ai_addrlen);
        const int connect_errno = errno;
        freeaddrinfo(found);
        pairs.push_back(pair);
        if (connected != 0 && connect_errno != EINPROGRESS) {
            fail(pairs.back(), std::strerror(connect_errno));
        }
    }

    void start_handshake(Pair& pair) {
        int so_error = 0;
        socklen_t length = sizeof so_error;
        getsockopt(pair.remote, SOL_SOCKET, SO_ERROR, &so_error, &length);
        if (so_error != 0) {
            fail(pair, std::strerror(so_error));
            return;
        }
        const int one = 1;
        setsockopt(pair.remote, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        pair.ssl = SSL_new(ctx);
        if (pair.ssl == nullptr) {
            fail(pair, openssl_error("SSL_new"));
            return;
        }
        SSL_set_mode(pair.ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
        SSL_set_fd(pair.ssl, pair.remote);
        if (is_ip_literal(server_name)) {
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(pair.ssl), server_name.c_str());
        } else {
            // SSL_set_tlsext_host_name, without the macro's C cast.
            SSL_ctrl(pair.ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                     const_cast<char*>(server_name.c_str()));
            SSL_set1_host(pair.ssl, server_name.c_str());
        }
        pair.stage = Pair::Stage::handshaking;
        handshake(pair);
    }

    void handshake(Pair& pair) {
        ERR_clear_error();
        const int result = SSL_connect(pair.ssl);
        if (result == 1) {
            pair.stage = Pair::Stage::open;
            std::lock_guard lock{error_mutex};
            error.clear();  // what went wrong before is over
            return;
        }
        const int code = SSL_get_error(pair.ssl, result);
        if (code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE) {
            pair.handshake_writes = code == SSL_ERROR_WANT_WRITE;
            return;
        }
        const long verified = SSL_get_verify_result(pair.ssl);
        if (verified != X509_V_OK) {
            fail(pair, std::string{"certificate verify failed: "} +
                           X509_verify_cert_error_string(verified));
        } else if (code == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
            fail(pair, "the server closed the connection during the TLS handshake (is its port "
                       "a TLS port?)");
        } else {
            fail(pair, openssl_error("TLS handshake failed"));
        }
    }

    // Moves what can move without blocking, both ways.
    void relay(Pair& pair) {
        char buffer[kChunk];
        while (pair.up.size() < kMaxBuffered) {
            const ssize_t got = read(pair.local, buffer, sizeof buffer);
            if (got > 0) {
                pair.up.append(buffer, static_cast<std::size_t>(got));
                continue;
            }
            if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
                close_pair(pair);  // hiredis closed its connection
                return;
            }
            break;
        }
        while (!pair.up.empty()) {
            ERR_clear_error();
            const std::size_t length =
                pair.retry != 0 ? pair.retry : std::min(pair.up.size(), kChunk);
            const int wrote = SSL_write(pair.ssl, pair.up.data(), static_cast<int>(length));
            if (wrote > 0) {
                pair.up.erase(0, static_cast<std::size_t>(wrote));
                pair.retry = 0;
                continue;
            }
            const int code = SSL_get_error(pair.ssl, wrote);
            if (code == SSL_ERROR_WANT_WRITE || code == SSL_ERROR_WANT_READ) {
                pair.retry = length;
                break;
            }
            fail(pair, openssl_error("write failed"));
            return;
        }
        while (pair.down.size() < kMaxBuffered) {
            ERR_clear_error();
            const int got = SSL_read(pair.ssl, buffer, sizeof buffer);
            if (got > 0) {
                pair.down.append(buffer, static_cast<std::size_t>(got));
                continue;
            }
            const int code = SSL_get_error(pair.ssl, got);
            if (code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE) break;
            if (code == SSL_ERROR_ZERO_RETURN) {
                remote_gone(pair, "the server closed the connection");
            } else if (code == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
                remote_gone(pair, "connection lost");
            } else {
                remote_gone(pair, openssl_error("read failed"));
            }
            return;
        }
        while (!pair.down.empty()) {
            const ssize_t wrote = send(pair.local, pair.down.data(), pair.down.size(), MSG_NOSIGNAL);
            if (wrote > 0) {
                pair.down.erase(0, static_cast<std::size_t>(wrote));
                continue;
            }
            if (wrote < 0 && (errno == EAGAIN || errno == EINTR)) break;
            close_pair(pair);
            return;
        }
    }

    void run() {
        // A write to a socket the peer closed must fail with EPIPE, not kill the process.
        sigset_t pipe_signal;
        sigemptyset(&pipe_signal);
        sigaddset(&pipe_signal, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);
        while (!stopping.load()) {
            std::vector<pollfd> fds{{wake[0], POLLIN, 0}, {listener, POLLIN, 0}};
            for (const Pair& pair : pairs) {
                short local_events = 0;
                short remote_events = 0;
                if (pair.stage == Pair::Stage::connecting) {
                    remote_events = POLLOUT;
                } else if (pair.stage == Pair::Stage::draining) {
                    local_events = pair.down.empty() ? POLLIN : static_cast<short>(POLLIN | POLLOUT);
                } else {
                    // Reading Redis waits while hiredis has a full buffer to take.
                    remote_events = pair.down.size() < kMaxBuffered ? POLLIN : 0;
                    if (pair.stage == Pair::Stage::handshaking ? pair.handshake_writes
                                                               : pair.retry != 0 || !pair.up.empty()) {
                        remote_events = static_cast<short>(remote_events | POLLOUT);
                    }
                    if (pair.stage == Pair::Stage::open) {
                        if (pair.up.size() < kMaxBuffered) local_events = POLLIN;
                        if (!pair.down.empty()) {
                            local_events = static_cast<short>(local_events | POLLOUT);
                        }
                    }
                }
                // A side with nothing to wait for is left out (-1): a hang-up there would
                // otherwise wake the loop on every turn.
                fds.push_back(pollfd{local_events != 0 ? pair.local : -1, local_events, 0});
                fds.push_back(pollfd{remote_events != 0 ? pair.remote : -1, remote_events, 0});
            }
            ::poll(fds.data(), static_cast<nfds_t>(fds.size()), 100);
            if ((fds[0].revents & POLLIN) != 0) {
                char drain[64];
                ssize_t ignored = read(wake[0], drain, sizeof drain);
                (void)ignored;
            }
            const auto now = Clock::now();
            const std::size_t existing = pairs.size();
            for (std::size_t i = 0; i < existing; ++i) {
                Pair& pair = pairs[i];
                if (pair.done) continue;
                const short remote_revents = fds[2 + 2 * i + 1].revents;
                if (pair.stage == Pair::Stage::draining) {
                    drain(pair);
                    continue;
                }
                if (pair.stage != Pair::Stage::open &&
                    now - pair.started > std::chrono::milliseconds{connect_timeout_ms}) {
                    fail(pair, pair.stage == Pair::Stage::connecting ? "connect timeout"
                                                                     : "TLS handshake timeout");
                    continue;
                }
                if (pair.stage == Pair::Stage::connecting) {
                    if (remote_revents != 0) start_handshake(pair);
                } else if (pair.stage == Pair::Stage::handshaking) {
                    if (remote_revents != 0) handshake(pair);
                }
                if (!pair.done && pair.stage == Pair::Stage::open) relay(pair);
            }
            if ((fds[1].revents & POLLIN) != 0) accept_one();
            std::erase_if(pairs, [](const Pair& pair) { return pair.done; });
        }
    }
};

std::unique_ptr<TlsTunnel> TlsTunnel::open(const std::string& host, int port,
                                           const TlsOptions& options, int connect_timeout_ms,
                                           std::string* error) {
    auto impl = std::make_unique<Impl>();
    impl->host = host;
    impl->port = port;
    impl->server_name = options.server_name.empty() ? host : options.server_name;
    impl->connect_timeout_ms = connect_timeout_ms;
    impl->ctx = SSL_CTX_new(TLS_client_method());
    if (impl->ctx == nullptr) {
        *error = openssl_error("SSL_CTX_new");
        return nullptr;
    }
    SSL_CTX_set_min_proto_version(impl->ctx, TLS1_2_VERSION);
    if (options.verify) {
        SSL_CTX_set_verify(impl->ctx, SSL_VERIFY_PEER, nullptr);
        const bool loaded =
            options.ca_file.empty()
                ? SSL_CTX_set_default_verify_paths(impl->ctx) == 1
                : SSL_CTX_load_verify_locations(impl->ctx, options.ca_file.c_str(), nullptr) == 1;
        if (!loaded) {
            *error = openssl_error(options.ca_file.empty()
                                       ? "cannot load the system's trusted certificates"
                                       : ("config key 'tls_ca_file': cannot load '" +
                                          options.ca_file + "'")
                                             .c_str());
            return nullptr;
        }
    } else {
        SSL_CTX_set_verify(impl->ctx, SSL_VERIFY_NONE, nullptr);
    }
    if (!options.cert_file.empty()) {
        if (SSL_CTX_use_certificate_chain_file(impl->ctx, options.cert_file.c_str()) != 1) {
            *error = openssl_error(
                ("config key 'tls_cert_file': cannot load '" + options.cert_file + "'").c_str());
            return nullptr;
        }
        if (SSL_CTX_use_PrivateKey_file(impl->ctx, options.key_file.c_str(), SSL_FILETYPE_PEM) !=
            1) {
            *error = openssl_error(
                ("config key 'tls_key_file': cannot load '" + options.key_file + "'").c_str());
            return nullptr;
        }
        if (SSL_CTX_check_private_key(impl->ctx) != 1) {
            *error = openssl_error(
                "config keys 'tls_cert_file' and 'tls_key_file': the key does not match the "
                "certificate");
            return nullptr;
        }
    }

    std::string base = std::filesystem::temp_directory_path().string() + "/notify-redis-tls-XXXXXX";
    if (mkdtemp(base.data()) == nullptr) {
        *error = std::string{"cannot make the TLS tunnel's folder: "} + std::strerror(errno);
        return nullptr;
    }
    impl->dir = base;
    impl->path = base + "/redis.sock";
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (impl->path.size() >= sizeof address.sun_path) {
        *error = "the TLS tunnel's socket path is too long (set TMPDIR to a shorter folder)";
        return nullptr;
    }
    std::memcpy(address.sun_path, impl->path.c_str(), impl->path.size() + 1);
    impl->listener = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (impl->listener < 0 ||
        bind(impl->listener, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
        listen(impl->listener, 64) != 0 || pipe2(impl->wake, O_NONBLOCK | O_CLOEXEC) != 0) {
        *error = std::string{"cannot make the TLS tunnel's socket: "} + std::strerror(errno);
        impl->path.clear();  // nothing to unlink, or a half-made socket the folder removal fails on
        unlink((base + "/redis.sock").c_str());
        return nullptr;
    }
    Impl* running = impl.get();
    impl->thread = std::thread{[running] { running->run(); }};
    return std::unique_ptr<TlsTunnel>{new TlsTunnel{std::move(impl)}};
}

TlsTunnel::TlsTunnel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)), path_(impl_->path) {}

TlsTunnel::~TlsTunnel() = default;

std::string TlsTunnel::last_error() const {
    std::lock_guard lock{impl_->error_mutex};
    return impl_->error;
}

}  // namespace notify::redis
