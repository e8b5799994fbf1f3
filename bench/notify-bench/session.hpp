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
    // At-least-once subscribers (SessionSpec::ack_deliveries): an ack was written, covering
    // `messages` deliveries; the server answered one ack.
    virtual void ack_sent(std::uint64_t messages) { (void)messages; }
    virtual void ack_answered() {}
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

enum class Target { notify, notify_binary, notify_tcp, redis, nats, mqtt, ws_broadcast, limit };

// Which protocol ack an at-least-once subscriber sends: one per delivered message, or one per
// read (the newest offset of everything a recv() brought; acks are cumulative).
enum class AckMode { each, cumulative };

// What a Redis publisher sends: PUBLISH (pub/sub) or XADD <topic> * d <payload> (a stream entry;
// with appendonly it is on disk, per appendfsync, before the reply).
enum class RedisCommand { publish, xadd };

struct SessionSpec {
    Target target = Target::limit;
    SessionRole role = SessionRole::subscriber;
    std::string topic;      // a subscriber's topic (publishers name the topic per message)
    std::string host;       // for the HTTP Host header
    std::string path;       // WebSocket path
    std::string client_id;  // unique per connection (MQTT needs one)
    bool ack_deliveries = false;  // notify targets: a subscriber acks what it receives
    AckMode ack_mode = AckMode::cumulative;
    RedisCommand redis_command = RedisCommand::publish;
    std::string token;  // notify targets: the connect command's token (empty: none)
};

std::unique_ptr<Session> make_session(const SessionSpec& spec);

// "notify" | "notify-binary" | "notify-tcp" | "redis" | "nats" | "mqtt" | "ws-broadcast" |
// "limit"; false when unknown.
bool parse_target(std::string_view name, Target& target);
std::string_view to_string(Target target);
// notify, notify-binary, notify-tcp: the targets that speak Notify's client protocol.
inline bool is_notify(Target target) {
    return target == Target::notify || target == Target::notify_binary || target == Target::notify_tcp;
}

}  // namespace notify::bench
