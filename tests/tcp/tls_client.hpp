// A TLS client over loopback (Boost.Asio + OpenSSL) that trusts any certificate, and a
// self-signed certificate made with the `openssl` tool for the server side.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

namespace notify_test {

struct SelfSignedFiles {
    std::filesystem::path certificate;
    std::filesystem::path private_key;
};

// Writes a fresh self-signed P-256 certificate for "localhost" and its key into `folder`.
std::optional<SelfSignedFiles> make_self_signed(const std::filesystem::path &folder);

class TlsClient {
public:
    TlsClient();
    ~TlsClient();
    TlsClient(const TlsClient &) = delete;
    TlsClient &operator=(const TlsClient &) = delete;

    // Connects to 127.0.0.1:port and completes the handshake; the error text on failure.
    std::optional<std::string> connect(uint16_t port,
                                       std::chrono::milliseconds timeout = std::chrono::seconds(5));
    uint16_t local_port() const;
    bool send(const std::string &bytes,
              std::chrono::milliseconds timeout = std::chrono::seconds(5));
    std::optional<std::string> read_exact(size_t count,
                                          std::chrono::milliseconds timeout = std::chrono::seconds(5));

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace notify_test
