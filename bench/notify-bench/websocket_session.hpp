// Common part of the WebSocket sessions: the upgrade, control frames, and one data message (text,
// or binary with a binary subprotocol) at a time handed to the subclass.
#pragma once

#include "session.hpp"
#include "websocket_codec.hpp"

#include <string>

namespace notify::bench {

class WebSocketSession : public Session {
public:
    // `opcode`: how this session's messages travel (text for JSON, binary for notify.binary.v1).
    WebSocketSession(const SessionSpec& spec, std::string subprotocol, WsOpcode opcode = WsOpcode::text);

    void begin(std::string& out) final;
    std::size_t consume(std::string_view in, std::string& out, SessionEvents& events) final;
    void publish(std::string& out, std::string_view topic, std::string_view payload) final;

protected:
    const SessionSpec& spec() const { return spec_; }
    void send_text(std::string& out, std::string_view text);  // in the session's opcode
    // After events.failed(): ignore everything the server sends from now on.
    void mark_failed() { failed_ = true; }
    // Called once the upgrade succeeded.
    virtual void on_open(std::string& out, SessionEvents& events) = 0;
    virtual void on_text(std::string_view text, std::string& out, SessionEvents& events) = 0;
    // Called at the end of each consume() that handed over at least one message.
    virtual void on_read_end(std::string&, SessionEvents&) {}
    virtual void write_publish(std::string& message, std::string_view topic, std::string_view payload) = 0;

private:
    SessionSpec spec_;
    std::string subprotocol_;
    WsOpcode opcode_;
    bool open_ = false;
    bool failed_ = false;
    std::string message_;  // reused for publishes to avoid an allocation per message
};

}  // namespace notify::bench
