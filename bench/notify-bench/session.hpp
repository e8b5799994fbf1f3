// One benchmark connection's protocol: what to send first, how to read what arrives, how to
// publish. The load generator owns the socket; a session only turns bytes into events.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace notify::bench {

class SessionEvents {
public:
    virtual ~SessionEvents() = default;
    virtual void ready() = 0;                              // subscribed (or, for a publisher, connected)
    virtual void delivered(std::string_view payload) = 0;  // one message for a subscriber
    virtual void failed(std::string reason) = 0;           // protocol error or refusal
    // The server confirmed this session's publish number `publish_number` (0 = its first).
    virtual void publish_acknowledged(std::uint64_t publish_number) = 0;
};

enum class SessionRole { subscriber, publisher };

class Session {
public:
    virtual ~Session() = default;
    // Bytes to write once the TCP connection is up.
    virtual void begin(std::string& out) = 0;
    // Reads as many complete protocol units from `in` as there are and returns the number of
    // bytes used; appends any replies it owes the server (pongs, next handshake step) to `out`.
    virtual std::size_t consume(std::string_view in, std::string& out, SessionEvents& events) = 0;
    virtual void publish(std::string& out, std::string_view topic, std::string_view payload) = 0;
    // True when the server answers every publish (then the closed loop also bounds unanswered ones).
    virtual bool acknowledges_publishes() const { return false; }
};

enum class Target { notify, redis, nats, mqtt, ws_broadcast, limit };

struct SessionSpec {
    Target target = Target::limit;
    SessionRole role = SessionRole::subscriber;
    std::string topic;      // a subscriber's topic (publishers name the topic per message)
    std::string host;       // for the HTTP Host header
    std::string path;       // WebSocket path
    std::string client_id;  // unique per connection (MQTT needs one)
};

std::unique_ptr<Session> make_session(const SessionSpec& spec);

// "notify" | "redis" | "nats" | "mqtt" | "ws-broadcast" | "limit"; false when unknown.
bool parse_target(std::string_view name, Target& target);
std::string_view to_string(Target target);

}  // namespace notify::bench
