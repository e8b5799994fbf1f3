#include "websocket_codec.hpp"

#include <cstring>

namespace notify::bench {
namespace {

// Masking is mandatory for clients but its key need not be secret for a load generator.
constexpr std::uint8_t mask_key[4] = {0x37, 0xfa, 0x21, 0x3d};

}  // namespace

void write_upgrade_request(std::string& out, std::string_view host, std::string_view path,
                           std::string_view subprotocol) {
    out.append("GET ").append(path).append(" HTTP/1.1\r\nHost: ").append(host);
    out.append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n");
    if (!subprotocol.empty()) {
        out.append("Sec-WebSocket-Protocol: ").append(subprotocol).append("\r\n");
    }
    out.append("\r\n");
}

std::size_t upgrade_response_size(std::string_view in) {
    const auto end = in.find("\r\n\r\n");
    return end == std::string_view::npos ? 0 : end + 4;
}

bool upgrade_accepted(std::string_view response_head) {
    return response_head.starts_with("HTTP/1.1 101");
}

std::string_view accepted_subprotocol(std::string_view response_head) {
    constexpr std::string_view name = "sec-websocket-protocol:";
    for (std::size_t line = response_head.find("\r\n"); line != std::string_view::npos;
         line = response_head.find("\r\n", line + 2)) {
        const std::string_view rest = response_head.substr(line + 2);
        if (rest.size() < name.size()) {
            break;
        }
        bool match = true;
        for (std::size_t i = 0; i < name.size() && match; ++i) {
            const char c = rest[i];
            match = (c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) == name[i];
        }
        if (match) {
            std::string_view value = rest.substr(name.size(), rest.find("\r\n") - name.size());
            while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
                value.remove_prefix(1);
            }
            while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
                value.remove_suffix(1);
            }
            return value;
        }
    }
    return {};
}

void write_client_frame(std::string& out, WsOpcode opcode, std::string_view payload) {
    out.push_back(static_cast<char>(0x80 | static_cast<std::uint8_t>(opcode)));
    const std::size_t size = payload.size();
    if (size < 126) {
        out.push_back(static_cast<char>(0x80 | size));
    } else if (size <= 0xFFFF) {
        out.push_back(static_cast<char>(0x80 | 126));
        out.push_back(static_cast<char>(size >> 8));
        out.push_back(static_cast<char>(size & 0xFF));
    } else {
        out.push_back(static_cast<char>(0x80 | 127));
        for (int shift = 56; shift >= 0; shift -= 8) {
            out.push_back(static_cast<char>((size >> shift) & 0xFF));
        }
    }
    out.append(reinterpret_cast<const char*>(mask_key), 4);
    const std::size_t start = out.size();
    out.append(payload);
    // Eight bytes at a time: the key repeats every 4 bytes, so a doubled key masks a word.
    std::uint64_t key8 = 0;
    std::memcpy(&key8, mask_key, 4);
    std::memcpy(reinterpret_cast<char*>(&key8) + 4, mask_key, 4);
    char* bytes = out.data() + start;
    std::size_t i = 0;
    for (; i + 8 <= size; i += 8) {
        std::uint64_t word = 0;
        std::memcpy(&word, bytes + i, 8);
        word ^= key8;
        std::memcpy(bytes + i, &word, 8);
    }
    for (; i < size; ++i) {
        bytes[i] = static_cast<char>(static_cast<std::uint8_t>(bytes[i]) ^ mask_key[i % 4]);
    }
}

std::optional<WsFrame> read_server_frame(std::string_view in) {
    if (in.size() < 2) {
        return std::nullopt;
    }
    const auto first = static_cast<std::uint8_t>(in[0]);
    const auto second = static_cast<std::uint8_t>(in[1]);
    std::size_t header = 2;
    std::uint64_t length = second & 0x7F;
    if (length == 126) {
        if (in.size() < 4) {
            return std::nullopt;
        }
        length = (static_cast<std::uint64_t>(static_cast<std::uint8_t>(in[2])) << 8) |
                 static_cast<std::uint8_t>(in[3]);
        header = 4;
    } else if (length == 127) {
        if (in.size() < 10) {
            return std::nullopt;
        }
        length = 0;
        for (std::size_t i = 2; i < 10; ++i) {
            length = (length << 8) | static_cast<std::uint8_t>(in[i]);
        }
        header = 10;
    }
    const bool masked = (second & 0x80) != 0;
    if (masked) {
        header += 4;
    }
    if (in.size() < header || in.size() - header < length) {
        return std::nullopt;
    }
    WsFrame frame;
    frame.opcode = static_cast<WsOpcode>(first & 0x0F);
    frame.final = (first & 0x80) != 0;
    frame.masked = masked;
    frame.payload = in.substr(header, static_cast<std::size_t>(length));
    frame.size = header + static_cast<std::size_t>(length);
    return frame;
}

}  // namespace notify::bench
