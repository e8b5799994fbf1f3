// One websocket transport instance: its settings and its service loops (one per thread, all
// listening on the same port). The plugin entry points forward here.
#pragma once

#include "service_loop.hpp"
#include "settings.hpp"

#include <notify/notify.h>

#include <memory>
#include <string_view>
#include <vector>

namespace notify::websocket {

class Server {
public:
    Server(const notify_host_api &host, notify_host_ctx *ctx, Settings settings);
    ~Server();
    Server(const Server &) = delete;
    Server &operator=(const Server &) = delete;

    // Main thread: bind and start the service threads.
    notify_status start(notify_error *err);
    // Main thread: stop accepting, close every connection with 1001 after its queue, wait for
    // the closes up to a bound, then end the threads.
    void stop();

    // Core thread.
    void deliver(const notify_frame *frame, const uint64_t *conns, size_t count);
    void close(uint64_t conn, uint16_t code, std::string_view reason);

private:
    void log(notify_log_level level, const std::string &message) const;

    const notify_host_api &host_;
    notify_host_ctx *const ctx_;
    const Settings settings_;
    std::vector<std::unique_ptr<ServiceLoop>> loops_;
    bool stopped_ = false;
};

}  // namespace notify::websocket
