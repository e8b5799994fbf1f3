// An in-process stand-in for notifyd's WebSocket transport: it accepts connections on
// 127.0.0.1 (ephemeral port) in a thread and runs a test's script against each, one at a time.
// Beast stays inside fake_server.cpp.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <notify/protocol/json.hpp>

namespace notify::cli::testing {

// One accepted client, from the script's side. Every call throws std::runtime_error when the
// connection ends or misbehaves.
class FakeConnection {
public:
    virtual ~FakeConnection() = default;
    virtual protocol::Command read_command() = 0;
    virtual void write(const std::string& frame) = 0;
    // Sends a WebSocket close frame and waits for the client's answer.
    virtual void close(std::uint16_t code, std::string_view reason) = 0;
    // Reads until the client closes the connection (or drops it).
    virtual void wait_until_closed() = 0;
};

using ConnectionScript = std::function<void(FakeConnection&)>;

struct FakeServerOptions {
    bool tls = false;                // wss with a fresh self-signed certificate for localhost
    bool choose_subprotocol = true;  // answer the handshake with notify.json.v1
};

class FakeServer {
public:
    explicit FakeServer(ConnectionScript script, FakeServerOptions options = {});
    ~FakeServer();
    FakeServer(const FakeServer&) = delete;
    FakeServer& operator=(const FakeServer&) = delete;

    std::uint16_t port() const;
    std::string url(std::string_view path = "/") const;  // ws://127.0.0.1:PORT/path (or wss)
    // Waits until `count` connections have finished their script.
    bool wait_for_finished_connections(std::size_t count, std::chrono::milliseconds timeout);
    // What went wrong in scripts (exceptions they threw), one entry per failure.
    std::vector<std::string> failures() const;

private:
    struct State;
    std::unique_ptr<State> state_;
};

// Reads the next command and checks its kind; returns its id and body.
template <class Body>
std::pair<std::uint64_t, Body> expect_command(FakeConnection& connection) {
    auto command = connection.read_command();
    auto* body = std::get_if<Body>(&command.body);
    if (body == nullptr) {
        throw std::runtime_error("unexpected command kind (index " +
                                 std::to_string(command.body.index()) + ")");
    }
    return {command.id, std::move(*body)};
}

// Reads connect and accepts it as client "client-1" with resume token "resume-1".
void accept_connect(FakeConnection& connection);
// The line `notify-cli sub` prints on stderr for the reply of accept_connect.
inline constexpr std::string_view kAcceptedClientLine = "client client-1 resume-1\n";

// A one-shot signal between the test thread and a script, with bounded waits.
class Gate {
public:
    void open();
    bool wait(std::chrono::milliseconds timeout);

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    bool open_ = false;
};

}  // namespace notify::cli::testing
