// Common part of the WebSocket sessions: the upgrade, control frames, and one text message at a
// time handed to the subclass.
#pragma once

#include "session.hpp"

#include <string>

namespace notify::bench {

class WebSocketSession : public Session {
public:
    WebSocketSession(const SessionSpec& spec, std::string subprotocol);

    void begin(std::string& out) final;
    std::size_t consume(std::string_view in, std::string& out, SessionEvents& events) final;
    void publish(std::string& out, std::string_view topic, std::string_view payload) final;

protected:
    const SessionSpec& spec() const { return spec_; }
    void send_text(std::string& out, std::string_view text);
    // Called once the upgrade succeeded.
    virtual void on_open(std::string& out, SessionEvents& events) = 0;
    virtual void on_text(std::string_view text, std::string& out, SessionEvents& events) = 0;
    virtual void write_publish(std::string& message, std::string_view topic, std::string_view payload) = 0;

private:
    SessionSpec spec_;
    std::string subprotocol_;
    bool open_ = false;
    bool failed_ = false;
    std::string message_;  // reused for publishes to avoid an allocation per message
};

}  // namespace notify::bench
