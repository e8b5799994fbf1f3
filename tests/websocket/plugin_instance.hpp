// Loads notify_websocket.so the way notifyd does (dlopen + the entry symbol) and runs one
// instance of it against a FakeHost, acting as the host's main and core threads.
#pragma once

#include "fake_host.hpp"

#include <notify/notify.h>

#include <optional>
#include <string>
#include <vector>

namespace notify_test {

const notify_plugin_descriptor &websocket_descriptor();

class PluginInstance {
public:
    explicit PluginInstance(Config config);
    ~PluginInstance();
    PluginInstance(const PluginInstance &) = delete;
    PluginInstance &operator=(const PluginInstance &) = delete;

    notify_status create_status() const { return create_status_; }
    notify_status start();
    std::string error() const { return error_.message; }

    // As the core thread: one frame with `json` for every id in `conns`.
    // `binary`: the frame's binary encoding (empty = the host has none); without it the same
    // bytes answer both encodings, as opaque test frames for binary-only transports.
    void deliver(const std::string &json, const std::vector<uint64_t> &conns,
                 const std::optional<std::string> &binary = std::nullopt);
    void close(uint64_t conn, uint16_t code, const std::string &reason);
    void stop();

    FakeHost host;

private:
    const notify_plugin_descriptor &descriptor_;
    void *instance_ = nullptr;
    notify_status create_status_ = NOTIFY_ERR_INTERNAL;
    notify_error error_{};
    bool started_ = false;
};

}  // namespace notify_test
