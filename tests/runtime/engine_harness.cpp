#include "engine_harness.hpp"

#include <dlfcn.h>

#include <cstdint>
#include <stdexcept>
#include <variant>

namespace notify::runtime::test {
namespace {

constexpr int kWaitMs = 5'000;

void* loaded(const char* path) {
    void* library = ::dlopen(path, RTLD_NOW | RTLD_NOLOAD);
    if (library == nullptr) throw std::runtime_error(std::string(path) + " is not loaded");
    return library;
}

template <typename Fn>
Fn symbol(void* library, const char* name) {
    void* address = ::dlsym(library, name);
    if (address == nullptr) throw std::runtime_error(std::string("no symbol ") + name);
    return reinterpret_cast<Fn>(address);
}

constexpr char kLabel[] = "front";

}  // namespace

std::string fixture_manifest(const ManifestParts& parts) {
    const std::string plugin = FIXTURE_PLUGIN_PATH;
    std::string text = parts.top + "\n";
    text += "[broker]\nplugin = \"" + plugin + "\"\nname = \"broker\"\nlabel = \"broker\"\n\n";
    text += "[[auth]]\nplugin = \"" + plugin + "\"\nname = \"gate\"\nlabel = \"gate\"\n" +
            parts.gate + "\n\n";
    if (!parts.second_gate.empty()) {
        text += "[[auth]]\nplugin = \"" + plugin + "\"\nname = \"gate2\"\nlabel = \"gate2\"\n" +
                parts.second_gate + "\n\n";
    }
    text += "[[handler]]\nplugin = \"" + plugin +
            "\"\nname = \"observer\"\nlabel = \"observer\"\n" + parts.observer + "\n\n";
    text += "[[handler]]\nplugin = \"" FIXTURE_NARROW_HANDLER_PATH
            "\"\nname = \"narrow\"\nlabel = \"narrow\"\n\n";
    text += "[[transport]]\nplugin = \"" FIXTURE_TRANSPORT_PATH
            "\"\nname = \"front\"\nlabel = \"front\"\n" + parts.transport + "\n";
    return text;
}

protocol::Command connect_command(std::uint64_t id, std::string user) {
    protocol::ConnectCommand connect;
    connect.user = std::move(user);
    return protocol::Command{id, connect};
}

// ---- TransportControls -----------------------------------------------------------------------

TransportControls::TransportControls() : library_(loaded(FIXTURE_TRANSPORT_PATH)) {
    open_ = symbol<fixture_transport_open_fn>(library_, "fixture_transport_open");
    receive_ = symbol<fixture_transport_receive_fn>(library_, "fixture_transport_receive");
    peer_close_ = symbol<fixture_transport_peer_close_fn>(library_, "fixture_transport_peer_close");
    wait_frames_ = symbol<fixture_transport_wait_frames_fn>(library_, "fixture_transport_wait_frames");
    frame_ = symbol<fixture_transport_frame_fn>(library_, "fixture_transport_frame");
    wait_close_ = symbol<fixture_transport_wait_close_fn>(library_, "fixture_transport_wait_close");
}

TransportControls::~TransportControls() { ::dlclose(library_); }

std::int32_t TransportControls::open(std::uint64_t conn) const { return open_(kLabel, conn); }

void TransportControls::send(std::uint64_t conn, const protocol::Command& command,
                             bool owned) const {
    const std::string json = protocol::encode_command(command);
    receive_(kLabel, conn, json.data(), json.size(), owned ? 1 : 0);
}

std::int32_t TransportControls::peer_close(std::uint64_t conn, std::uint16_t code) const {
    return peer_close_(kLabel, conn, code);
}

std::vector<protocol::ServerFrame> TransportControls::frames(std::uint64_t conn,
                                                             std::size_t count) const {
    const std::size_t have = wait_frames_(kLabel, conn, count, kWaitMs);
    std::vector<protocol::ServerFrame> out;
    for (std::size_t i = 0; i < have; ++i) {
        const std::size_t length = frame_(kLabel, conn, i, nullptr, 0);
        std::string json(length + 1, '\0');
        frame_(kLabel, conn, i, json.data(), json.size());
        json.resize(length);
        auto decoded = protocol::decode_server_frame(json);
        if (auto* frame = std::get_if<protocol::ServerFrame>(&decoded)) {
            out.push_back(std::move(*frame));
        } else {
            throw std::runtime_error("undecodable frame: " + json);
        }
    }
    return out;
}

std::int32_t TransportControls::wait_close(std::uint64_t conn) const {
    return wait_close_(kLabel, conn, kWaitMs);
}

protocol::Reply TransportControls::connect(std::uint64_t conn, std::string user) const {
    if (open(conn) != NOTIFY_OK) throw std::runtime_error("conn_open refused");
    send(conn, connect_command(1, std::move(user)));
    const auto got = frames(conn, 1);
    if (got.empty() || !std::holds_alternative<protocol::Reply>(got[0])) {
        throw std::runtime_error("no connect reply");
    }
    return std::get<protocol::Reply>(got[0]);
}

// ---- PluginControls --------------------------------------------------------------------------

PluginControls::PluginControls() : library_(loaded(FIXTURE_PLUGIN_PATH)) {
    wait_pending_ = symbol<fixture_plugin_wait_pending_fn>(library_, "fixture_plugin_wait_pending");
    complete_auth_ =
        symbol<fixture_plugin_complete_auth_fn>(library_, "fixture_plugin_complete_auth");
    publish_ = symbol<fixture_plugin_publish_fn>(library_, "fixture_plugin_publish");
    host_ = symbol<fixture_plugin_host_fn>(library_, "fixture_plugin_host");
}

PluginControls::~PluginControls() { ::dlclose(library_); }

bool PluginControls::wait_pending(const std::string& label) const {
    return wait_pending_(label.c_str(), kWaitMs) == 1;
}

std::int32_t PluginControls::complete_auth(const std::string& label,
                                           notify_auth_decision decision,
                                           const std::string& user) const {
    return complete_auth_(label.c_str(), decision, user.c_str());
}

std::int32_t PluginControls::publish(const std::string& label, std::string_view topic,
                                     std::string_view data) const {
    return publish_(label.c_str(), topic.data(), topic.size(), data.data(), data.size());
}

std::pair<const notify_host_api*, notify_host_ctx*> PluginControls::host(
    const std::string& label) const {
    const notify_host_api* api = nullptr;
    notify_host_ctx* ctx = nullptr;
    host_(label.c_str(), &api, &ctx);
    return {api, ctx};
}

// ---- EngineHarness ---------------------------------------------------------------------------

EngineHarness::EngineHarness(const std::string& manifest_text, EngineOptions options) {
    host::Manifest manifest =
        host::parse_manifest(manifest_text, std::filesystem::temp_directory_path() / "rt.toml");
    catalog_ = std::make_unique<host::PluginCatalog>(
        host::PluginCatalog::default_search_dirs(&manifest));
    engine_ = std::make_unique<Engine>(std::move(manifest), *catalog_, std::move(options));
    engine_->create();
    engine_->start();
}

EngineHarness::~EngineHarness() { engine_.reset(); }

std::vector<std::string> EngineHarness::lifecycle() const {
    std::vector<std::string> out;
    for (const std::string& line : logs_.matching(" lifecycle ")) {
        const auto close = line.find("] lifecycle ");
        if (line.empty() || line[0] != '[' || close == std::string::npos) continue;
        out.push_back(line.substr(1, close - 1) + " " +
                      line.substr(close + std::string("] lifecycle ").size()));
    }
    return out;
}

}  // namespace notify::runtime::test
