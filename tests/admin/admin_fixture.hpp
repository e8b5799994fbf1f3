// A real notifyd with the admin plugin (on an ephemeral port, learnt from its log line), the
// websocket transport and the chat handler, and requests to the admin listener.
#pragma once

#include <string>

#include "http_client.hpp"
#include "notifyd_fixture.hpp"

namespace notify::test {

inline constexpr const char* admin_token_variable = "NOTIFY_ADMIN_TEST_TOKEN";
inline constexpr const char* admin_token = "admin-test-token-0123456789";

class AdminTest : public NotifydTest {
  protected:
    void SetUp() override;
    void TearDown() override;

    // The chat manifest on `websocket_port` with an [[handler]] admin table holding
    // `admin_settings` (listen = "127.0.0.1:0" and sample_interval = "200ms" unless given).
    static std::string admin_manifest(unsigned short websocket_port,
                                      const std::string& admin_settings);
    void start(unsigned short websocket_port, const std::string& admin_settings = "");

    // GET `target` on a fresh connection; `authorization` empty = no header.
    HttpReply get(const std::string& target, const std::string& authorization = "") const;
    // Publishes `count` messages to `topic` with notify-cli and waits for their acks.
    void publish(const std::string& topic, int count);

    unsigned short admin_port_ = 0;
};

}  // namespace notify::test
