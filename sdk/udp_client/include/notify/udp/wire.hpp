// The datagrams of Notify's UDP session layer (plugins/udp/README.md), shared by the udp
// transport and its client. All integers are little-endian. Header-only and dependency-free.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace notify::udp::wire {

enum class Type : uint8_t {
    hello = 0x01,     // client: version, then zero padding up to at least min_hello_size
    cookie = 0x02,    // server: the stateless cookie for the sender's address
    connect = 0x03,   // client: echoes the cookie
    accept = 0x04,    // server: the new session id
    data = 0x05,      // both: session, sequence, length-prefixed protocol frames
    nack = 0x06,      // client: resend server datagrams [from, to]
    gap_lost = 0x07,  // server: datagrams [from, to] are gone from the replay ring
    ping = 0x08,      // client: session, highest server sequence seen in order
    pong = 0x09,      // server: session, last server sequence sent
    close = 0x0a,     // both: session, close code
};

constexpr uint8_t version = 1;
constexpr size_t min_hello_size = 64;
constexpr size_t cookie_mac_size = 32;                         // HMAC-SHA256
constexpr size_t cookie_size = 4 + cookie_mac_size;            // u32 timestamp + mac
constexpr size_t cookie_datagram_size = 1 + cookie_size;       // 37
constexpr size_t connect_datagram_size = 1 + cookie_size;      // 37
constexpr size_t accept_datagram_size = 1 + 8;                 // 9
constexpr size_t data_header_size = 1 + 8 + 8;                 // 17
constexpr size_t frame_prefix_size = 2;
constexpr size_t range_datagram_size = 1 + 8 + 8 + 8;          // nack, gap_lost: 25
constexpr size_t ping_datagram_size = 1 + 8 + 8;               // ping, pong: 17
constexpr size_t close_datagram_size = 1 + 8 + 2;              // 11
constexpr size_t max_udp_payload = 65507;

using Bytes = std::vector<uint8_t>;
using View = std::span<const uint8_t>;

inline void put_u16(Bytes &out, uint16_t value) {
    out.push_back(static_cast<uint8_t>(value));
    out.push_back(static_cast<uint8_t>(value >> 8));
}

inline void put_u32(Bytes &out, uint32_t value) {
    for (int shift = 0; shift < 32; shift += 8) {
        out.push_back(static_cast<uint8_t>(value >> shift));
    }
}

inline void put_u64(Bytes &out, uint64_t value) {
    for (int shift = 0; shift < 64; shift += 8) {
        out.push_back(static_cast<uint8_t>(value >> shift));
    }
}

inline uint16_t get_u16(View in, size_t at) {
    return static_cast<uint16_t>(in[at] | (in[at + 1] << 8));
}

inline uint32_t get_u32(View in, size_t at) {
    uint32_t value = 0;
    for (size_t i = 0; i < 4; ++i) {
        value |= uint32_t{in[at + i]} << (8 * i);
    }
    return value;
}

inline uint64_t get_u64(View in, size_t at) {
    uint64_t value = 0;
    for (size_t i = 0; i < 8; ++i) {
        value |= uint64_t{in[at + i]} << (8 * i);
    }
    return value;
}

inline std::optional<Type> type_of(View datagram) {
    if (datagram.empty() || datagram[0] < 0x01 || datagram[0] > 0x0a) {
        return std::nullopt;
    }
    return static_cast<Type>(datagram[0]);
}

inline Bytes hello(size_t size = min_hello_size) {
    Bytes out(size < min_hello_size ? min_hello_size : size, 0);
    out[0] = static_cast<uint8_t>(Type::hello);
    out[1] = version;
    return out;
}

// A type byte followed by the session id: the first 9 bytes of every session datagram.
inline Bytes session_header(Type type, uint64_t session) {
    Bytes out;
    out.push_back(static_cast<uint8_t>(type));
    put_u64(out, session);
    return out;
}

inline Bytes data_header(uint64_t session, uint64_t sequence) {
    Bytes out = session_header(Type::data, session);
    put_u64(out, sequence);
    return out;
}

// Appends one frame behind its 2-byte length; the caller checks it fits (<= 65535).
inline void append_frame(Bytes &datagram, View frame) {
    put_u16(datagram, static_cast<uint16_t>(frame.size()));
    datagram.insert(datagram.end(), frame.begin(), frame.end());
}

inline Bytes range(Type type, uint64_t session, uint64_t from, uint64_t to) {
    Bytes out = session_header(type, session);
    put_u64(out, from);
    put_u64(out, to);
    return out;
}

inline Bytes ping(Type type, uint64_t session, uint64_t sequence) {
    Bytes out = session_header(type, session);
    put_u64(out, sequence);
    return out;
}

inline Bytes close(uint64_t session, uint16_t code) {
    Bytes out = session_header(Type::close, session);
    put_u16(out, code);
    return out;
}

// Splits the frames after a DATA header. False when the lengths do not add up to the datagram
// exactly (then `frames` is left empty).
inline bool split_frames(View datagram, std::vector<View> &frames) {
    frames.clear();
    size_t at = data_header_size;
    while (at < datagram.size()) {
        if (datagram.size() - at < frame_prefix_size) {
            frames.clear();
            return false;
        }
        const size_t length = get_u16(datagram, at);
        at += frame_prefix_size;
        if (datagram.size() - at < length) {
            frames.clear();
            return false;
        }
        frames.push_back(datagram.subspan(at, length));
        at += length;
    }
    return datagram.size() >= data_header_size;
}

}  // namespace notify::udp::wire
