// The server side of the WebSocket opening handshake (RFC 6455 §4.2): accept or refuse a parsed
// upgrade request and write the HTTP response that says so.
#pragma once

#include "http_request.hpp"

#include <notify/notify.h>

#include <string>
#include <string_view>
#include <vector>

namespace notify::websocket {

// The Sec-WebSocket-Accept value for a client's Sec-WebSocket-Key:
// base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")).
std::string websocket_accept_key(std::string_view client_key);

// True when the Upgrade header lists the token "websocket" (any case): the request is meant as a
// handshake, and decide_handshake answers it instead of the static files.
bool is_websocket_upgrade(const HttpRequest &request);

struct HandshakeDecision {
    bool accepted = false;
    notify_encoding encoding = NOTIFY_ENCODING_JSON;  // accepted: from the subprotocol
    // accepted: the complete "HTTP/1.1 101 Switching Protocols" response. refused: a complete
    // HTTP error response (text/plain body naming the reason, Connection: close).
    std::string response;
    std::string refusal;  // refused: one line for the log, e.g. "origin 'http://evil' not allowed"
};

// Only called when is_websocket_upgrade(request). `path` is the endpoint's URL path;
// `allowed_origins` empty = any Origin (a request without Origin is accepted either way).
// Checks, first failure wins: GET and HTTP/1.1 (400); Connection lists "upgrade" (400);
// Sec-WebSocket-Version 13 (426); Sec-WebSocket-Key is base64 of 16 bytes (400); target equals
// `path` (404); Origin allowed (403); a subprotocol of ours when the client offers any (400).
// The client's first offered subprotocol among notify.json.v1 / notify.binary.v1 is chosen and
// echoed; no Sec-WebSocket-Protocol header means JSON and no echo.
HandshakeDecision decide_handshake(const HttpRequest &request, std::string_view path,
                                   const std::vector<std::string> &allowed_origins);

}  // namespace notify::websocket
