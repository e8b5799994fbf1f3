// In-process engines for tests: an Engine built from manifest text with the fixture plugins,
// plus typed access to the fixtures' test controls (fixture_control.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fixture_control.h"
#include "log_capture.hpp"
#include "manifest/manifest.hpp"
#include "manifest/plugin_loader.hpp"
#include "notify/protocol/json.hpp"
#include "runtime/engine.hpp"

namespace notify::runtime::test {

// [broker] "broker", [[auth]] "gate", [[handler]] "observer" (all events) and "narrow" (CONNECT
// and DATA only), [[transport]] "front"; `extra` settings are appended to the named sections.
struct ManifestParts {
    std::string top;              // top-level tables ([limits], [log], ...)
    std::string gate = R"(decision = "allow")";
    std::string second_gate;      // when set, a second [[auth]] "gate2" with these settings
    std::string observer;
    std::string transport;
};
std::string fixture_manifest(const ManifestParts& parts);

// The fixture transport's controls, found with dlsym in the already loaded .so.
class TransportControls {
public:
    TransportControls();
    ~TransportControls();
    TransportControls(const TransportControls&) = delete;
    TransportControls& operator=(const TransportControls&) = delete;

    std::int32_t open(std::uint64_t conn) const;
    void send(std::uint64_t conn, const protocol::Command& command, bool owned = false) const;
    std::int32_t peer_close(std::uint64_t conn, std::uint16_t code) const;
    // The decoded frames of conn once it has at least `count` (fewer at the 5 s deadline).
    std::vector<protocol::ServerFrame> frames(std::uint64_t conn, std::size_t count) const;
    std::int32_t wait_close(std::uint64_t conn) const;

    // open + connect; returns the reply.
    protocol::Reply connect(std::uint64_t conn, std::string user = {}) const;

private:
    void* library_ = nullptr;
    fixture_transport_open_fn open_ = nullptr;
    fixture_transport_receive_fn receive_ = nullptr;
    fixture_transport_peer_close_fn peer_close_ = nullptr;
    fixture_transport_wait_frames_fn wait_frames_ = nullptr;
    fixture_transport_frame_fn frame_ = nullptr;
    fixture_transport_wait_close_fn wait_close_ = nullptr;
};

class PluginControls {
public:
    PluginControls();
    ~PluginControls();
    PluginControls(const PluginControls&) = delete;
    PluginControls& operator=(const PluginControls&) = delete;

    bool wait_pending(const std::string& label) const;
    std::int32_t complete_auth(const std::string& label, notify_auth_decision decision,
                               const std::string& user) const;
    std::int32_t publish(const std::string& label, std::string_view topic,
                         std::string_view data) const;
    // The instance's host table and ctx ({nullptr, nullptr} for an unknown label).
    std::pair<const notify_host_api*, notify_host_ctx*> host(const std::string& label) const;

private:
    void* library_ = nullptr;
    fixture_plugin_wait_pending_fn wait_pending_ = nullptr;
    fixture_plugin_complete_auth_fn complete_auth_ = nullptr;
    fixture_plugin_publish_fn publish_ = nullptr;
    fixture_plugin_host_fn host_ = nullptr;
};

// A created and started engine, its plugins found as notifyd finds them (manifest dirs first);
// destroyed (stopped and torn down) before the log capture ends.
class EngineHarness {
public:
    explicit EngineHarness(const std::string& manifest_text, EngineOptions options = {});
    ~EngineHarness();

    Engine& engine() { return *engine_; }
    LogCapture& logs() { return logs_; }
    void destroy() { engine_.reset(); }
    // "[name] lifecycle X" lines, in order, as "name X".
    std::vector<std::string> lifecycle() const;

private:
    LogCapture logs_;
    std::unique_ptr<host::PluginCatalog> catalog_;
    std::unique_ptr<Engine> engine_;
};

protocol::Command connect_command(std::uint64_t id, std::string user = {});

}  // namespace notify::runtime::test
