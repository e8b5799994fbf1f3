#include "websocket_session.hpp"

#include "websocket_codec.hpp"

#include <cstdint>

namespace notify::bench {

WebSocketSession::WebSocketSession(const SessionSpec& spec, std::string subprotocol)
    : spec_(spec), subprotocol_(std::move(subprotocol)) {}

void WebSocketSession::begin(std::string& out) {
    write_upgrade_request(out, spec_.host, spec_.path, subprotocol_);
}

void WebSocketSession::send_text(std::string& out, std::string_view text) {
    write_client_frame(out, WsOpcode::text, text);
}

void WebSocketSession::publish(std::string& out, std::string_view topic, std::string_view payload) {
    message_.clear();
    write_publish(message_, topic, payload);
    send_text(out, message_);
}

std::size_t WebSocketSession::consume(std::string_view in, std::string& out, SessionEvents& events) {
    if (failed_) {
        return in.size();
    }
    std::size_t used = 0;
    if (!open_) {
        const std::size_t head = upgrade_response_size(in);
        if (head == 0) {
            return 0;
        }
        if (!upgrade_accepted(in.substr(0, head))) {
            failed_ = true;
            const auto line_end = in.find("\r\n");
            events.failed("WebSocket upgrade refused: " + std::string(in.substr(0, line_end)));
            return in.size();
        }
        open_ = true;
        used = head;
        on_open(out, events);
    }
    while (auto frame = read_server_frame(in.substr(used))) {
        used += frame->size;
        if (frame->masked || !frame->final) {
            failed_ = true;
            events.failed(frame->masked ? "server sent a masked WebSocket frame"
                                        : "server sent a fragmented WebSocket message");
            return in.size();
        }
        switch (frame->opcode) {
        case WsOpcode::text:
        case WsOpcode::binary:
            on_text(frame->payload, out, events);
            break;
        case WsOpcode::ping:
            write_client_frame(out, WsOpcode::pong, frame->payload);
            break;
        case WsOpcode::close: {
            failed_ = true;
            std::string reason = "server closed the WebSocket";
            if (frame->payload.size() >= 2) {
                const unsigned code = (static_cast<unsigned>(static_cast<std::uint8_t>(frame->payload[0])) << 8) |
                                      static_cast<std::uint8_t>(frame->payload[1]);
                reason += " with code " + std::to_string(code);
                if (frame->payload.size() > 2) {
                    reason += ": " + std::string(frame->payload.substr(2));
                }
            }
            events.failed(std::move(reason));
            return in.size();
        }
        default:
            break;
        }
    }
    return used;
}

}  // namespace notify::bench
