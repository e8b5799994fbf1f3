// TLS to Redis for a hiredis that has none (Debian 12's 0.14: hiredis_ssl came with 1.0).
//
// A tunnel listens on a Unix socket in a private folder (mode 0700) and relays every connection
// made to it to one Redis server over TLS (OpenSSL, certificate and host name verified). hiredis
// connects to the socket's path, so the async contexts, the blocking history/presence connection
// and every reconnect work unchanged. The tunnel runs its own thread (a poll() loop, non-blocking
// connects and handshakes), so it works before the plugin's thread starts (subscriptions_load).
//
// Failures are the tunnel's to report: a refused connection, a failed handshake or a bad
// certificate closes the hiredis side, and last_error() says why (the plugin shows that instead
// of "connection closed").
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace notify::redis {

struct TlsOptions {
    std::string ca_file;      // empty: the system's trust store
    std::string cert_file;    // client certificate (Redis tls-auth-clients), with key_file
    std::string key_file;
    std::string server_name;  // SNI and the name verified; empty: the address's host
    bool verify = true;       // false: no certificate check at all (tests, never production)
};

class TlsTunnel {
  public:
    // Starts relaying to host:port. nullptr with *error set when the TLS settings are unusable
    // (unreadable files, a key that does not match) or the socket cannot be made.
    static std::unique_ptr<TlsTunnel> open(const std::string& host, int port,
                                           const TlsOptions& options, int connect_timeout_ms,
                                           std::string* error);
    ~TlsTunnel();
    TlsTunnel(const TlsTunnel&) = delete;
    TlsTunnel& operator=(const TlsTunnel&) = delete;

    // The Unix socket hiredis connects to.
    const std::string& path() const { return path_; }
    // Why the last relayed connection failed or closed; empty when none did.
    std::string last_error() const;

    struct Impl;

  private:
    explicit TlsTunnel(std::unique_ptr<Impl> impl);

    std::unique_ptr<Impl> impl_;
    std::string path_;
};

}  // namespace notify::redis
