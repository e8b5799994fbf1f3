// Notify's binary protocol (notify.binary.v1, docs/protocol.md §12) on its two stream framings:
//   notify-binary: WebSocket with subprotocol notify.binary.v1, one frame per binary message;
//   notify-tcp:    the TCP transport, each frame behind its 4-byte little-endian length.
// The roles are those of the JSON session: connect (id 1), subscribe (id 2), publishes with ids
// from 3 on; results (0x40) carry the id, errors (0x41) fail the connection, message pushes
// (0x80) carry the payload as raw bytes. With ack_deliveries a subscriber acks (0x07) what it
// received, per message or once per read (acks are cumulative), with ids from 3 on.
#include "binary_codec.hpp"
#include "session_kinds.hpp"
#include "websocket_session.hpp"

#include <algorithm>
#include <cstring>

namespace notify::bench {
namespace {

constexpr std::uint64_t connect_id = 1;
constexpr std::uint64_t subscribe_id = 2;
constexpr std::uint64_t first_publish_id = 3;

// The protocol half, shared by both framings. Frames are encoded into `frame_` and handed to
// `emit`, which frames them for the transport.
class BinaryProtocol {
public:
    using Emit = void (*)(std::string& out, std::string_view frame);

    BinaryProtocol(const SessionSpec& spec, Emit emit) : spec_(spec), emit_(emit) {}

    void open(std::string& out) {
        frame_.clear();
        binary::write_connect(frame_, connect_id, spec_.token);
        emit_(out, frame_);
    }

    void encode_publish(std::string& frame, std::string_view topic, std::string_view payload) {
        binary::write_publish(frame, next_id_++, topic, payload);
    }

    // Returns false once the connection failed (events.failed was called).
    bool on_frame(std::string_view bytes, std::string& out, SessionEvents& events) {
        const binary::ServerFrame frame = binary::read_server_frame(bytes);
        using Kind = binary::ServerFrame::Kind;
        switch (frame.kind) {
        case Kind::message:
            events.delivered(frame.data);
            if (spec_.ack_deliveries) {
                newest_offset_ = std::max(newest_offset_, frame.offset);
                ++unacked_;
                if (spec_.ack_mode == AckMode::each) {
                    send_ack(out, frame.offset, events);
                }
            }
            return true;
        case Kind::result:
            if (frame.id == connect_id) {
                if (spec_.role == SessionRole::publisher) {
                    events.ready();
                } else {
                    frame_.clear();
                    binary::write_subscribe(frame_, subscribe_id, spec_.topic);
                    emit_(out, frame_);
                }
            } else if (frame.id == subscribe_id) {
                events.ready();
            } else if (spec_.role == SessionRole::publisher) {
                events.publish_acknowledged(frame.id - first_publish_id);  // in any order
            } else {
                events.ack_answered();
            }
            return true;
        case Kind::error:
            events.failed("notify refused request " + std::to_string(frame.id) + " (" + what(frame.id) +
                          "): error " + std::to_string(frame.code) + ": " + std::string(frame.text));
            return false;
        case Kind::disconnect:
            events.failed("notify disconnected the client: code " + std::to_string(frame.code) + ": " +
                          std::string(frame.text));
            return false;
        case Kind::other_push:
            return true;  // recover, join, leave: not part of a benchmark run
        case Kind::malformed:
            break;
        }
        events.failed("bad binary frame from the server (type 0x" + hex(frame.type) + ", " +
                      std::to_string(bytes.size()) + " bytes): " + std::string(frame.text));
        return false;
    }

    void on_read_end(std::string& out, SessionEvents& events) {
        if (unacked_ > 0) {
            send_ack(out, newest_offset_, events);
        }
    }

private:
    void send_ack(std::string& out, std::uint64_t offset, SessionEvents& events) {
        frame_.clear();
        binary::write_ack(frame_, next_id_++, spec_.topic, offset);
        emit_(out, frame_);
        events.ack_sent(unacked_);
        unacked_ = 0;
    }

    std::string what(std::uint64_t id) const {
        if (id == connect_id) {
            return "connect";
        }
        if (id == subscribe_id) {
            return "subscribe";
        }
        if (id == 0) {
            return "unreadable command";
        }
        return spec_.role == SessionRole::publisher ? "publish" : "ack";
    }

    static std::string hex(std::uint8_t byte) {
        constexpr char digits[] = "0123456789abcdef";
        return {digits[byte >> 4], digits[byte & 0xF]};
    }

    const SessionSpec& spec_;
    Emit emit_;
    std::string frame_;  // reused for connect, subscribe and acks
    std::uint64_t next_id_ = first_publish_id;  // publishes (publisher) or acks (subscriber)
    std::uint64_t newest_offset_ = 0;
    std::uint64_t unacked_ = 0;
};

void emit_ws_binary(std::string& out, std::string_view frame) {
    write_client_frame(out, WsOpcode::binary, frame);
}

void append_length_prefixed(std::string& out, std::string_view frame) {
    const auto size = static_cast<std::uint32_t>(frame.size());
    const char prefix[4] = {static_cast<char>(size & 0xFF), static_cast<char>((size >> 8) & 0xFF),
                            static_cast<char>((size >> 16) & 0xFF), static_cast<char>(size >> 24)};
    out.append(prefix, 4);
    out.append(frame);
}

class NotifyBinaryWsSession final : public WebSocketSession {
public:
    explicit NotifyBinaryWsSession(const SessionSpec& spec)
        : WebSocketSession(spec, "notify.binary.v1", WsOpcode::binary), protocol_(this->spec(), emit_ws_binary) {}

private:
    void on_open(std::string& out, SessionEvents&) override { protocol_.open(out); }

    void on_text(std::string_view frame, std::string& out, SessionEvents& events) override {
        if (!protocol_.on_frame(frame, out, events)) {
            mark_failed();
        }
    }

    void on_read_end(std::string& out, SessionEvents& events) override { protocol_.on_read_end(out, events); }

    bool acknowledges_publishes() const override { return true; }

    void write_publish(std::string& message, std::string_view topic, std::string_view payload) override {
        protocol_.encode_publish(message, topic, payload);
    }

    BinaryProtocol protocol_;
};

// The TCP transport: no handshake beyond the protocol's connect; a frame larger than this is
// not something notifyd sends a benchmark client (its frames are a few hundred bytes).
constexpr std::uint32_t max_tcp_frame = 16 * 1024 * 1024;

class NotifyTcpSession final : public Session {
public:
    explicit NotifyTcpSession(const SessionSpec& spec) : spec_(spec), protocol_(spec_, append_length_prefixed) {}

    void begin(std::string& out) override { protocol_.open(out); }

    std::size_t consume(std::string_view in, std::string& out, SessionEvents& events) override {
        if (failed_) {
            return in.size();
        }
        std::size_t used = 0;
        bool handed_over = false;
        while (in.size() - used >= 4) {
            const auto* prefix = reinterpret_cast<const std::uint8_t*>(in.data() + used);
            const std::uint32_t size = static_cast<std::uint32_t>(prefix[0]) | (static_cast<std::uint32_t>(prefix[1]) << 8) |
                                       (static_cast<std::uint32_t>(prefix[2]) << 16) |
                                       (static_cast<std::uint32_t>(prefix[3]) << 24);
            if (size > max_tcp_frame) {
                failed_ = true;
                events.failed("the server announced a " + std::to_string(size) + "-byte frame (not a notify TCP server?)");
                return in.size();
            }
            if (in.size() - used - 4 < size) {
                break;
            }
            handed_over = true;
            if (!protocol_.on_frame(in.substr(used + 4, size), out, events)) {
                failed_ = true;
                return in.size();
            }
            used += 4 + size;
        }
        if (handed_over) {
            protocol_.on_read_end(out, events);
        }
        return used;
    }

    bool acknowledges_publishes() const override { return true; }

    void publish(std::string& out, std::string_view topic, std::string_view payload) override {
        // Encoded in place behind a length prefix that is filled in afterwards: no copy.
        const std::size_t prefix_at = out.size();
        out.append(4, '\0');
        protocol_.encode_publish(out, topic, payload);
        const auto size = static_cast<std::uint32_t>(out.size() - prefix_at - 4);
        const char prefix[4] = {static_cast<char>(size & 0xFF), static_cast<char>((size >> 8) & 0xFF),
                                static_cast<char>((size >> 16) & 0xFF), static_cast<char>(size >> 24)};
        std::memcpy(out.data() + prefix_at, prefix, 4);
    }

private:
    SessionSpec spec_;
    BinaryProtocol protocol_;
    bool failed_ = false;
};

}  // namespace

std::unique_ptr<Session> make_notify_binary_ws_session(const SessionSpec& spec) {
    return std::make_unique<NotifyBinaryWsSession>(spec);
}

std::unique_ptr<Session> make_notify_tcp_session(const SessionSpec& spec) {
    return std::make_unique<NotifyTcpSession>(spec);
}

}  // namespace notify::bench
