// The byte layout of notify.binary.v1 (docs/protocol.md, "Binary encoding"), shared by its
// encoders and decoders.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace notify::protocol::detail::binary {

// The first byte of every frame. Ranges leave room for later kinds: a command type of
// 0x01..0x3F that is not known here is an unknown command (103), as is such a push type.
enum class FrameType : std::uint8_t {
    connect = 0x01,
    subscribe = 0x02,
    unsubscribe = 0x03,
    publish = 0x04,
    send = 0x05,
    ping = 0x06,
    ack = 0x07,
    refresh = 0x08,
    presence = 0x09,
    presence_stats = 0x0A,
    history = 0x0B,
    result = 0x40,
    error = 0x41,
    message_push = 0x80,
    disconnect_push = 0x81,
    recover_push = 0x82,
    join_push = 0x83,
    leave_push = 0x84,
};
inline constexpr std::uint8_t kFirstCommandType = 0x01;
inline constexpr std::uint8_t kLastCommandType = 0x3F;
inline constexpr std::uint8_t kFirstPushType = 0x80;
inline constexpr std::uint8_t kLastPushType = 0xBF;

// Presence bits: the fields they mark follow in bit order, so a later version appends new
// optional fields after the known ones, where an older decoder ignores them.
inline constexpr std::uint8_t kConnectToken = 0x01;
inline constexpr std::uint8_t kConnectClient = 0x02;
inline constexpr std::uint8_t kConnectResume = 0x04;
inline constexpr std::uint8_t kConnectUser = 0x08;

inline constexpr std::uint8_t kSubscribeSince = 0x01;
inline constexpr std::uint8_t kSubscribeToken = 0x02;  // after since: token string

// history: a flags byte; since is a presence bit (its offset and epoch follow the limit),
// reverse a flag without a field.
inline constexpr std::uint8_t kHistorySince = 0x01;
inline constexpr std::uint8_t kHistoryReverse = 0x02;

inline constexpr std::uint8_t kResultClient = 0x01;
inline constexpr std::uint8_t kResultUser = 0x02;
inline constexpr std::uint8_t kResultResume = 0x04;
inline constexpr std::uint8_t kResultVersion = 0x08;
inline constexpr std::uint8_t kResultPositions = 0x10;
inline constexpr std::uint8_t kResultPosition = 0x20;   // subscribe: offset varint, epoch string
inline constexpr std::uint8_t kResultRecovered = 0x40;  // subscribe: one byte, 0 or 1
// The last bit of the presence byte: a second byte of result flags follows the fields of bits
// 0-6. Flags carry no field; the flags byte's undefined bits are left for later versions (as
// flags, or as presence bits of fields appended after it, bit 7 for a further byte), so an older
// decoder ignores them like any unknown presence bit.
inline constexpr std::uint8_t kResultFlags = 0x80;
inline constexpr std::uint8_t kFlagResumed = 0x01;   // connect: the session was resumed
inline constexpr std::uint8_t kFlagOverflow = 0x02;  // connect: its missed buffer overflowed
// A presence bit of the flags byte: a ttl_ms varint follows the flags byte (connect, refresh).
inline constexpr std::uint8_t kFlagTtl = 0x04;
// Presence bits of the flags byte for fields after ttl_ms, in this order:
// presence: list of {client string, user string, info string}
inline constexpr std::uint8_t kFlagPresence = 0x08;
// presence_stats: clients varint, users varint
inline constexpr std::uint8_t kFlagPresenceStats = 0x10;
// history: list of {offset varint, data bytes} (the position rides on kResultPosition)
inline constexpr std::uint8_t kFlagMessages = 0x20;

inline constexpr std::size_t kMaxVarintSize = 10;

inline constexpr std::size_t varint_size(std::uint64_t value) {
    std::size_t size = 1;
    while (value >= 0x80U) {
        value >>= 7U;
        ++size;
    }
    return size;
}

// Unsigned LEB128: 7 bits per byte, least significant first, high bit set on all but the last.
inline void append_varint(std::string& out, std::uint64_t value) {
    while (value >= 0x80U) {
        out += static_cast<char>((value & 0x7FU) | 0x80U);
        value >>= 7U;
    }
    out += static_cast<char>(value);
}

// A string or byte string: its length as a varint, then its bytes.
inline constexpr std::size_t field_size(std::string_view bytes) {
    return varint_size(bytes.size()) + bytes.size();
}

inline void append_field(std::string& out, std::string_view bytes) {
    append_varint(out, bytes.size());
    out += bytes;
}

inline void append_type(std::string& out, FrameType type) {
    out += static_cast<char>(type);
}

}  // namespace notify::protocol::detail::binary
