// A Core driven through the FakeEnvironment, with helpers that speak the client protocol.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/core.hpp"
#include "fake_environment.hpp"
#include "notify/protocol/json.hpp"

namespace notify::core::testing {

struct ConnectedClient {
    ConnectionRef conn;
    std::string client;
    std::string resume;
};

class CoreTest : public ::testing::Test {
  protected:
    // Tokens script the default authenticator: "user:U" allows as user U, "client:C" allows
    // with client id C, "deny:R" denies with reason R; anything else allows anonymously.
    CoreTest();

    // Built on first use so that a test can adjust `config` first.
    Core& core();

    ConnectionRef open(std::uint64_t conn, std::uint32_t transport = 0,
                       notify_encoding encoding = NOTIFY_ENCODING_JSON);
    // Sends one command with a fresh id, in the connection's encoding; returns that id.
    std::uint64_t send(ConnectionRef conn, protocol::CommandBody body);
    // Sends a command and returns the last frame the connection got, parsed.
    nlohmann::json request(ConnectionRef conn, protocol::CommandBody body);
    nlohmann::json connect(ConnectionRef conn, protocol::ConnectCommand command = {});
    // Opens the connection and connects it; the client id and resume token come from the reply.
    ConnectedClient open_client(std::uint64_t conn, std::string token = {},
                                std::uint32_t transport = 0);
    nlohmann::json subscribe(ConnectionRef conn, std::string topic);
    nlohmann::json unsubscribe(ConnectionRef conn, std::string topic);
    nlohmann::json publish(ConnectionRef conn, std::vector<std::string> topics, std::string payload,
                           std::vector<std::string> clients = {},
                           std::vector<std::string> users = {});

    // Subscribe with a position; returns the subscribe reply (recovered messages follow it).
    nlohmann::json subscribe_since(ConnectionRef conn, std::string topic, std::uint64_t offset,
                                   std::string epoch = {});
    nlohmann::json ack(ConnectionRef conn, std::string topic, std::uint64_t offset);
    // The reply to command `id` the connection got, or null.
    nlohmann::json reply_to(ConnectionRef conn, std::uint64_t id) const;

    nlohmann::json last_frame(ConnectionRef conn) const;
    // The message pushes the connection got, in order.
    std::vector<nlohmann::json> messages_to(ConnectionRef conn) const;

    FakeEnvironment env;
    CoreConfig config;

  private:
    std::unique_ptr<Core> core_;
    std::uint64_t next_command_id_ = 1;
};

// The error code of a reply, or 0 when it is not an error.
std::uint32_t error_code(const nlohmann::json& reply);

}  // namespace notify::core::testing
