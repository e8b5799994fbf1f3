// A scripted HTTP/1.1 backend for the proxy plugin's tests: listens on 127.0.0.1 (port chosen by
// the OS), one thread per connection, keep-alive, and counts what it sees (connections,
// requests, the most requests it was handling at once).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace notify::test {

struct BackendRequest {
    std::string target;
    std::string content_type;
    std::string body;
};

struct BackendReply {
    unsigned status = 200;
    std::string body = "{}";
    // Waited before answering; cut short by release() or stop().
    std::chrono::milliseconds delay{0};
    // Close the connection right after this answer although it said keep-alive (what a server
    // does when its idle timeout strikes).
    bool close_after = false;
};

// A self-signed certificate (EC P-256, SAN IP:127.0.0.1) and its key, PEM.
struct TlsIdentity {
    std::string cert_pem;
    std::string key_pem;
    static TlsIdentity self_signed();
};

class ProxyBackend {
  public:
    using Script = std::function<BackendReply(const BackendRequest&)>;

    // Plain HTTP, or HTTPS with `tls`'s certificate.
    explicit ProxyBackend(Script script, const TlsIdentity* tls = nullptr);
    ~ProxyBackend();
    ProxyBackend(const ProxyBackend&) = delete;
    ProxyBackend& operator=(const ProxyBackend&) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    // "http://127.0.0.1:<port><path>" ("https://" with TLS)
    [[nodiscard]] std::string url(const std::string& path) const;

    [[nodiscard]] std::size_t connections() const noexcept { return connections_.load(); }
    [[nodiscard]] std::size_t requests() const noexcept { return requests_.load(); }
    [[nodiscard]] std::size_t max_concurrent() const noexcept { return max_concurrent_.load(); }
    [[nodiscard]] std::vector<BackendRequest> received() const;

    // Ends every pending and future delay at once.
    void release();
    // Closes the listener and every connection, joins the threads. Idempotent.
    void stop();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::uint16_t port_ = 0;
    std::atomic<std::size_t> connections_{0};
    std::atomic<std::size_t> requests_{0};
    std::atomic<std::size_t> concurrent_{0};
    std::atomic<std::size_t> max_concurrent_{0};
    friend struct Impl;
};

}  // namespace notify::test
