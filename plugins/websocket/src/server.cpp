#include "server.hpp"

#include <chrono>
#include <cstring>
#include <thread>
#include <utility>

namespace notify::websocket {
namespace {

constexpr auto shutdown_wait = std::chrono::seconds(3);
constexpr auto shutdown_poll = std::chrono::milliseconds(10);

}  // namespace

Server::Server(const notify_host_api &host, notify_host_ctx *ctx, Settings settings)
    : host_(host), ctx_(ctx), settings_(std::move(settings)) {}

Server::~Server() { stop(); }

notify_status Server::start(notify_error *err) {
    const bool share_port = settings_.threads > 1;
    uint16_t port = settings_.port;
    for (unsigned i = 0; i < settings_.threads; ++i) {
        auto loop = std::make_unique<ServiceLoop>(settings_, host_, ctx_, static_cast<uint8_t>(i));
        std::string error;
        if (!loop->listen(port, share_port, error)) {
            loops_.clear();
            std::strncpy(err->message, error.c_str(), sizeof err->message - 1);
            err->message[sizeof err->message - 1] = '\0';
            return NOTIFY_ERR_IO;
        }
        // With port 0 the first loop picks the port and the others share it.
        port = loop->bound_port();
        loops_.push_back(std::move(loop));
    }
    for (auto &loop : loops_) {
        loop->start_thread();
    }
    log(NOTIFY_LOG_INFO, "websocket: listening on " + settings_.host + ":" + std::to_string(port) +
                             settings_.path + " with " + std::to_string(settings_.threads) +
                             " thread(s)");
    return NOTIFY_OK;
}

void Server::stop() {
    if (stopped_) {
        return;
    }
    stopped_ = true;
    for (auto &loop : loops_) {
        loop->post_shutdown();
    }
    const auto deadline = std::chrono::steady_clock::now() + shutdown_wait;
    auto any_open = [this] {
        for (const auto &loop : loops_) {
            if (loop->live_connections() > 0) {
                return true;
            }
        }
        return false;
    };
    while (any_open() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(shutdown_poll);
    }
    uint64_t dropped = 0;
    uint64_t slow_closes = 0;
    for (auto &loop : loops_) {
        loop->finish();
        dropped += loop->dropped_frames();
        slow_closes += loop->slow_consumer_closes();
    }
    if (dropped > 0 || slow_closes > 0) {
        log(NOTIFY_LOG_INFO, "websocket: slow consumers: " + std::to_string(dropped) +
                                 " frame(s) dropped, " + std::to_string(slow_closes) +
                                 " connection(s) closed");
    }
}

void Server::deliver(const notify_frame *frame, const uint64_t *conns, size_t count) {
    for (auto &loop : loops_) {
        loop->post_frame(frame, conns, count);
    }
}

void Server::close(uint64_t conn, uint16_t code, std::string_view reason) {
    const uint64_t index = conn >> loop_index_shift;
    if (index < loops_.size()) {
        loops_[index]->post_close(conn, code, reason);
    }
}

void Server::log(notify_log_level level, const std::string &message) const {
    host_.log(ctx_, level, notify_str{message.data(), message.size()});
}

}  // namespace notify::websocket
