// A real notifyd with the http_api plugin (key from an environment variable the child
// inherits), the websocket transport and optionally tcp and http, plus WebSocket clients that
// connect as a user and wait for frames with deadlines.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "http_client.hpp"
#include "notifyd_fixture.hpp"
#include "ws_client.hpp"

namespace notify::test {

inline constexpr const char* api_key_variable = "NOTIFY_API_HTTP_E2E_KEY";
inline constexpr const char* api_key = "e2e-api-key-0123456789";

struct Ports {
    unsigned short websocket = 0;
    unsigned short tcp = 0;   // 0: no tcp transport
    unsigned short http = 0;  // 0: no http transport
};

class ApiHttpTest : public NotifydTest {
protected:
    void SetUp() override;
    void TearDown() override;

    // history_size 10 everywhere; namespace "room" has presence.
    static std::string api_manifest(const Ports& ports, const std::string& api_settings);
    // Starts notifyd and learns the API's (ephemeral) port from its log.
    void start(const Ports& ports);

    HttpReply api(const std::string& method, const std::string& body,
                  const std::string& key = api_key) const;
    // The answer of a call that must succeed, parsed.
    nlohmann::json api_ok(const std::string& method, const std::string& body) const;

    unsigned short api_port_ = 0;
};

// A WebSocket client connected as `user` (anonymous auth), its client id from the reply.
class WsPeer {
public:
    WsPeer(unsigned short port, const std::string& user);
    const std::string& client_id() const { return client_id_; }
    // Sends a command with the next id and returns its reply (throws when none comes).
    nlohmann::json command(const std::string& name, const nlohmann::json& body);
    // The first frame that `match` accepts within `timeout`; nullopt on timeout or close.
    std::optional<nlohmann::json> wait_for(const std::function<bool(const nlohmann::json&)>& match,
                                           std::chrono::milliseconds timeout);
    // Reads until the server closes; the close code, or nullopt on timeout.
    std::optional<std::uint16_t> wait_for_close(std::chrono::milliseconds timeout,
                                                nlohmann::json* last_push = nullptr);

private:
    WsClient ws_;
    std::string client_id_;
    int next_id_ = 1;
};

// A message push of `topic`, else null.
const nlohmann::json* message_of(const nlohmann::json& frame, const std::string& topic);

}  // namespace notify::test
