// The Node `ws` broadcast peer (bench/peers/ws-broadcast.js): {"sub":topic} is answered with
// {"subscribed":topic}; {"pub":topic,"data":payload} sends the bare payload to each subscriber.
#include "session_kinds.hpp"
#include "websocket_session.hpp"

namespace notify::bench {
namespace {

class WsBroadcastSession final : public WebSocketSession {
public:
    explicit WsBroadcastSession(const SessionSpec& spec) : WebSocketSession(spec, "") {}

private:
    void on_open(std::string& out, SessionEvents& events) override {
        if (spec().role == SessionRole::publisher) {
            events.ready();
        } else {
            send_text(out, R"({"sub":")" + spec().topic + R"("})");
        }
    }

    void on_text(std::string_view text, std::string&, SessionEvents& events) override {
        if (subscribed_) {
            events.delivered(text);
        } else if (text.starts_with(R"({"subscribed")")) {
            subscribed_ = true;
            events.ready();
        } else {
            events.failed("ws-broadcast: unexpected message before the subscription: " + std::string(text));
        }
    }

    void write_publish(std::string& message, std::string_view topic, std::string_view payload) override {
        message.append(R"({"pub":")").append(topic).append(R"(","data":")");
        message.append(payload).append(R"("})");
    }

    bool subscribed_ = false;
};

}  // namespace

std::unique_ptr<Session> make_ws_broadcast_session(const SessionSpec& spec) {
    return std::make_unique<WsBroadcastSession>(spec);
}

}  // namespace notify::bench
