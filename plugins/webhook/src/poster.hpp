// POSTs one body at a time to the webhook URL over one keep-alive HTTP/1.1 connection (TLS for
// https://), with a deadline covering resolve, connect, handshake, write and read. Runs on the
// io_context it is given (the plugin's own thread); Beast stays inside poster.cpp.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "settings.hpp"

namespace boost::asio {
class io_context;
}

namespace notify::webhook {

// How one POST ended: `status` is the HTTP status (0 when none came), `error` says what went
// wrong when there was no 2xx answer.
struct PostResult {
    unsigned status = 0;
    std::string error;
    [[nodiscard]] bool delivered() const noexcept { return status >= 200 && status < 300; }
};

class Poster {
  public:
    using Headers = std::vector<std::pair<std::string, std::string>>;
    using Done = std::function<void(PostResult)>;

    // Throws boost::system::system_error when tls_ca_file cannot be loaded.
    Poster(boost::asio::io_context& io, const Settings& settings);
    ~Poster();
    Poster(const Poster&) = delete;
    Poster& operator=(const Poster&) = delete;

    // THREAD: the io_context's. One POST at a time: call again only after `done` ran.
    // `done` runs once, on the io_context's thread, never synchronously.
    void post(std::string body, const Headers& headers, Done done);

    // THREAD: the io_context's. Aborts the POST in flight (its `done` then reports an error)
    // and closes the connection.
    void cancel();

  private:
    class Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace notify::webhook
