#include "websocket_session.hpp"

#include <cstdint>

namespace notify::bench {

WebSocketSession::WebSocketSession(const SessionSpec& spec, std::string subprotocol, WsOpcode opcode)
    : spec_(spec), subprotocol_(std::move(subprotocol)), opcode_(opcode) {}

void WebSocketSession::begin(std::string& out) {
    write_upgrade_request(out, spec_.host, spec_.path, subprotocol_);
}

void WebSocketSession::send_text(std::string& out, std::string_view text) {
    write_client_frame(out, opcode_, text);
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
            std::string reason = "WebSocket upgrade refused: " + std::string(in.substr(0, line_end));
            // The body, when it came with the head, says why (notifyd sends a one-line reason).
            const std::string_view body = in.substr(head, 160);
            if (!body.empty()) {
                reason += ": " + std::string(body.substr(0, body.find_first_of("\r\n")));
            }
            events.failed(std::move(reason));
            return in.size();
        }
        if (!subprotocol_.empty() && accepted_subprotocol(in.substr(0, head)) != subprotocol_) {
            failed_ = true;
            events.failed("WebSocket upgrade: the server did not select subprotocol " + subprotocol_);
            return in.size();
        }
        open_ = true;
        used = head;
        on_open(out, events);
    }
    bool handed_over = false;
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
            if (frame->opcode != opcode_ && !subprotocol_.empty()) {
                failed_ = true;
                events.failed(opcode_ == WsOpcode::text ? "server sent a binary message on a text subprotocol"
                                                        : "server sent a text message on a binary subprotocol");
                return in.size();
            }
            on_text(frame->payload, out, events);
            if (failed_) {
                return in.size();
            }
            handed_over = true;
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
    if (handed_over) {
        on_read_end(out, events);
    }
    return used;
}

}  // namespace notify::bench
