#include "handshake.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

namespace notify::websocket {
namespace {

constexpr std::string_view websocket_guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
constexpr std::string_view json_subprotocol = "notify.json.v1";
constexpr std::string_view binary_subprotocol = "notify.binary.v1";

char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(),
                      [](char x, char y) { return to_lower(x) == to_lower(y); });
}

std::string_view trim(std::string_view text) {
    const size_t first = text.find_first_not_of(" \t");
    if (first == std::string_view::npos) {
        return {};
    }
    const size_t last = text.find_last_not_of(" \t");
    return text.substr(first, last - first + 1);
}

// Calls `visit` with each trimmed, non-empty element of a comma-separated header value until it
// returns true; returns whether it did.
template <class Visit>
bool any_list_element(std::string_view list, Visit visit) {
    while (!list.empty()) {
        const size_t comma = list.find(',');
        const std::string_view element = trim(list.substr(0, comma));
        if (!element.empty() && visit(element)) {
            return true;
        }
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    }
    return false;
}

bool lists_token(std::string_view list, std::string_view token) {
    return any_list_element(
        list, [&](std::string_view element) { return equals_ignoring_case(element, token); });
}

bool is_base64_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/';
}

// 16 bytes encode to 22 base64 characters and "==". The 4 unused bits of the last character
// are not checked: no decoder needs them and a client that sets them means no harm.
bool is_base64_of_16_bytes(std::string_view key) {
    return key.size() == 24 && key.substr(22) == "==" &&
           std::all_of(key.begin(), key.begin() + 22, is_base64_char);
}

// A client-supplied value made safe for one log line: bounded, printable ASCII only, quoted.
std::string quoted(std::string_view value) {
    constexpr size_t max_shown = 80;
    std::string text = "'";
    for (const char c : value.substr(0, max_shown)) {
        text += (c >= 0x20 && c < 0x7f) ? c : '?';
    }
    text += value.size() > max_shown ? "...'" : "'";
    return text;
}

HandshakeDecision refuse(int status, std::string_view reason_phrase, std::string_view body,
                         std::string refusal, std::string_view extra_headers = {}) {
    HandshakeDecision decision;
    decision.refusal = std::move(refusal);
    decision.response = "HTTP/1.1 " + std::to_string(status) + " ";
    decision.response += reason_phrase;
    decision.response +=
        "\r\nContent-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n"
        "Content-Length: " +
        std::to_string(body.size()) + "\r\n";
    decision.response += extra_headers;
    decision.response += "Connection: close\r\n\r\n";
    decision.response += body;
    return decision;
}

}  // namespace

std::string websocket_accept_key(std::string_view client_key) {
    std::string keyed(client_key);
    keyed += websocket_guid;
    std::array<unsigned char, SHA_DIGEST_LENGTH> digest{};
    SHA1(reinterpret_cast<const unsigned char *>(keyed.data()), keyed.size(), digest.data());
    // 4 output characters per 3 input bytes, rounded up, plus the NUL EVP_EncodeBlock writes.
    std::array<unsigned char, (SHA_DIGEST_LENGTH + 2) / 3 * 4 + 1> encoded{};
    const int length = EVP_EncodeBlock(encoded.data(), digest.data(), SHA_DIGEST_LENGTH);
    return std::string(reinterpret_cast<const char *>(encoded.data()),
                       static_cast<size_t>(length));
}

bool is_websocket_upgrade(const HttpRequest &request) {
    return lists_token(request.upgrade, "websocket");
}

HandshakeDecision decide_handshake(const HttpRequest &request, std::string_view path,
                                   const std::vector<std::string> &allowed_origins) {
    if (request.method != "GET" || request.version != "HTTP/1.1") {
        return refuse(400, "Bad Request", "a WebSocket handshake is a GET over HTTP/1.1\n",
                      "handshake with " + quoted(request.method) + " " + quoted(request.version) +
                          ", not GET HTTP/1.1");
    }
    if (!lists_token(request.connection, "upgrade")) {
        return refuse(400, "Bad Request", "a WebSocket handshake needs 'Connection: Upgrade'\n",
                      "Connection header " + quoted(request.connection) + " lacks 'upgrade'");
    }
    if (request.websocket_version != "13") {
        return refuse(426, "Upgrade Required", "only WebSocket version 13 is supported\n",
                      "Sec-WebSocket-Version " + quoted(request.websocket_version) + " is not 13",
                      "Sec-WebSocket-Version: 13\r\n");
    }
    if (!is_base64_of_16_bytes(request.websocket_key)) {
        return refuse(400, "Bad Request", "Sec-WebSocket-Key must be the base64 of 16 bytes\n",
                      "Sec-WebSocket-Key " + quoted(request.websocket_key) +
                          " is not the base64 of 16 bytes");
    }
    if (request.target != path) {
        return refuse(404, "Not Found", "no WebSocket endpoint at this path\n",
                      "path " + quoted(request.target) + " is not the endpoint " + quoted(path));
    }
    if (!request.origin.empty() && !allowed_origins.empty() &&
        std::find(allowed_origins.begin(), allowed_origins.end(), request.origin) ==
            allowed_origins.end()) {
        return refuse(403, "Forbidden", "origin not allowed\n",
                      "origin " + quoted(request.origin) + " not allowed");
    }

    std::string_view chosen;
    if (!request.websocket_protocol.empty() &&
        !any_list_element(request.websocket_protocol, [&](std::string_view offered) {
            if (offered == json_subprotocol || offered == binary_subprotocol) {
                chosen = offered;
                return true;
            }
            return false;
        })) {
        return refuse(400, "Bad Request",
                      "supported subprotocols: notify.json.v1, notify.binary.v1\n",
                      "no supported subprotocol in " + quoted(request.websocket_protocol));
    }

    HandshakeDecision decision;
    decision.accepted = true;
    decision.encoding =
        chosen == binary_subprotocol ? NOTIFY_ENCODING_BINARY : NOTIFY_ENCODING_JSON;
    decision.response =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: " +
        websocket_accept_key(request.websocket_key) + "\r\n";
    if (!chosen.empty()) {
        decision.response += "Sec-WebSocket-Protocol: ";
        decision.response += chosen;
        decision.response += "\r\n";
    }
    decision.response += "\r\n";
    return decision;
}

}  // namespace notify::websocket
