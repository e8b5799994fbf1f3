// A webhook receiver for the tests: a Boost.Beast HTTP/1.1 server on 127.0.0.1 (one thread per
// connection, keep-alive) that records every request with its headers and answers with the
// status its script chooses. It can hold requests (to keep a batch in flight) and be started
// on a port chosen beforehand (to play a backend that comes up late).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace notify::test {

struct WebhookRequest {
    std::string target;
    std::string content_type;
    std::string delivery;   // X-Notify-Delivery
    std::string signature;  // X-Notify-Signature
    std::string extra;      // X-Test-Extra (the plugin's `headers` key)
    std::string body;
};

class WebhookBackend {
  public:
    // The HTTP status for a request; `index` counts requests from 0.
    using Script = std::function<unsigned(const WebhookRequest&, std::size_t index)>;

    // Listens on 127.0.0.1:port (0: a port the OS chooses). Every request answers 200 when
    // `script` is empty. With `tls_cert_pem` and `tls_key_pem` it speaks HTTPS.
    explicit WebhookBackend(Script script = {}, std::uint16_t port = 0,
                            const std::string& tls_cert_pem = {},
                            const std::string& tls_key_pem = {});
    ~WebhookBackend();
    WebhookBackend(const WebhookBackend&) = delete;
    WebhookBackend& operator=(const WebhookBackend&) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept;
    // "http://127.0.0.1:<port><path>" ("https://" with TLS)
    [[nodiscard]] std::string url(const std::string& path = "/hook") const;

    // Every request received so far (answered or not), in arrival order.
    [[nodiscard]] std::vector<WebhookRequest> received() const;
    // Waits until at least `count` requests were received; false at the deadline.
    bool wait_for_requests(std::size_t count, std::chrono::milliseconds timeout) const;
    // Waits until the 2xx-answered requests carry at least `count` events together.
    bool wait_for_delivered_events(std::size_t count, std::chrono::milliseconds timeout) const;
    // The bodies of the requests answered 2xx, in order.
    [[nodiscard]] std::vector<std::string> delivered_bodies() const;

    // While held, requests are received (and recorded) but not answered (at most 10 s).
    void hold();
    void release();

    // Closes the listener and every connection and joins the threads. Idempotent.
    void stop();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace notify::test
