#include "binary_codec.hpp"

namespace notify::bench::binary {
namespace {

struct Reader {
    const std::uint8_t* at;
    const std::uint8_t* end;
    bool ok = true;

    std::uint8_t u8() {
        if (at == end) {
            ok = false;
            return 0;
        }
        return *at++;
    }

    // LEB128 as the protocol defines it (at most 10 bytes, fits 64 bits); minimality is the
    // server's duty and not checked here.
    std::uint64_t varint() {
        std::uint64_t value = 0;
        for (unsigned shift = 0; shift < 70; shift += 7) {
            if (at == end) {
                ok = false;
                return 0;
            }
            const std::uint8_t byte = *at++;
            if (shift == 63 && byte > 1) {
                ok = false;
                return 0;
            }
            value |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
            if ((byte & 0x80) == 0) {
                return value;
            }
        }
        ok = false;
        return 0;
    }

    std::string_view bytes() {
        const std::uint64_t size = varint();
        if (!ok || size > static_cast<std::uint64_t>(end - at)) {
            ok = false;
            return {};
        }
        const std::string_view view(reinterpret_cast<const char*>(at), static_cast<std::size_t>(size));
        at += size;
        return view;
    }
};

ServerFrame malformed(std::uint8_t type, std::string_view what) {
    ServerFrame frame;
    frame.kind = ServerFrame::Kind::malformed;
    frame.type = type;
    frame.text = what;
    return frame;
}

}  // namespace

void write_connect(std::string& out, std::uint64_t id, std::string_view token) {
    out.push_back(static_cast<char>(connect));
    put_varint(out, id);
    out.push_back(1);  // version
    if (token.empty()) {
        out.push_back(0);  // presence: no token, client, resume, user
        return;
    }
    out.push_back(1);  // presence: the token only
    put_bytes(out, token);
}

void write_subscribe(std::string& out, std::uint64_t id, std::string_view topic) {
    out.push_back(static_cast<char>(subscribe));
    put_varint(out, id);
    out.push_back(0);  // presence: no since, no token
    put_bytes(out, topic);
}

void write_publish(std::string& out, std::uint64_t id, std::string_view topic, std::string_view payload) {
    out.push_back(static_cast<char>(publish));
    put_varint(out, id);
    out.push_back(1);  // one topic
    put_bytes(out, topic);
    out.push_back(0);  // no clients
    out.push_back(0);  // no users
    put_bytes(out, payload);
}

void write_ack(std::string& out, std::uint64_t id, std::string_view topic, std::uint64_t offset) {
    out.push_back(static_cast<char>(ack));
    put_varint(out, id);
    put_bytes(out, topic);
    put_varint(out, offset);
}

ServerFrame read_server_frame(std::string_view bytes) {
    if (bytes.empty()) {
        return malformed(0, "empty frame");
    }
    Reader in{reinterpret_cast<const std::uint8_t*>(bytes.data()),
              reinterpret_cast<const std::uint8_t*>(bytes.data()) + bytes.size()};
    ServerFrame frame;
    frame.type = in.u8();
    switch (frame.type) {
    case result:
        frame.kind = ServerFrame::Kind::result;
        frame.id = in.varint();
        if (!in.ok || frame.id == 0) {
            return malformed(frame.type, "result: bad id");
        }
        return frame;
    case error:
        frame.kind = ServerFrame::Kind::error;
        frame.id = in.varint();
        frame.code = in.varint();
        frame.text = in.bytes();
        return in.ok ? frame : malformed(frame.type, "error: truncated");
    case message_push:
        frame.kind = ServerFrame::Kind::message;
        frame.topic = in.bytes();
        frame.offset = in.varint();
        in.bytes();  // epoch
        frame.data = in.bytes();
        return in.ok ? frame : malformed(frame.type, "message push: truncated");
    case disconnect_push:
        frame.kind = ServerFrame::Kind::disconnect;
        frame.code = in.varint();
        frame.text = in.bytes();
        return in.ok ? frame : malformed(frame.type, "disconnect push: truncated");
    default:
        if (frame.type >= 0x80 && frame.type <= 0xBF) {
            frame.kind = ServerFrame::Kind::other_push;  // recover, join, leave, or a later kind
            return frame;
        }
        return malformed(frame.type, "unexpected frame type");
    }
}

}  // namespace notify::bench::binary
