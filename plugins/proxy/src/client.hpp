// The HTTP/1.1 client of the proxy plugin: one Asio thread of its own, a keep-alive connection
// pool per endpoint, at most max_concurrency requests in flight (the rest wait in FIFO order),
// and a deadline per request covering resolve, connect, write and read.
// Beast and Asio stay in client.cpp.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "settings.hpp"

namespace notify::proxy {

// How one request ended. Exactly one of: stopped, error non-empty, or a response.
struct Outcome {
    bool stopped = false;   // cancelled by stop() before an answer came
    std::string error;      // could not get a response: timeout, refused, HTTP status, size...
    std::string body;       // the body of a 200 response
};

class Client {
  public:
    // Runs `done` once per request, on the client's thread.
    using Done = std::function<void(Outcome&&)>;

    explicit Client(const Settings& settings);
    ~Client();  // shutdown()
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // THREAD: any. `url` must outlive the client. Never runs `done` synchronously.
    void submit(const Url& url, std::string body, Done done);

    // THREAD: any. Every queued and in-flight request ends with Outcome{stopped = true} (soon,
    // on the client's thread); later submits end the same way.
    void cancel_all();

    // THREAD: not the client's own. Stops the thread and joins it; callbacks not yet run never
    // run. Idempotent.
    void shutdown();

  private:
    class Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace notify::proxy
