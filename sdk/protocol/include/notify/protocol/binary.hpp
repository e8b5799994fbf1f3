// The client protocol v1, binary encoding `notify.binary.v1` (docs/protocol.md, "Binary
// encoding"). It carries the same commands, replies and pushes as the JSON encoding, with the
// same structs and the same validation, but payloads travel as raw bytes.
//
// A frame is one encoded message without any outer length: stream transports put a 4-byte
// little-endian length before each frame (append_length_prefixed, StreamFrameReader), a
// WebSocket carries one frame per binary message.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <notify/protocol/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace notify::protocol {

// Sent in every binary connect command; a server refuses a connect with another version.
inline constexpr std::uint64_t kBinaryProtocolVersion = 1;

// ---- client -> server ---------------------------------------------------------------------

std::variant<Command, DecodeError> decode_command_binary(std::string_view frame);
std::string encode_command_binary(const Command& command);

// ---- server -> client ---------------------------------------------------------------------

std::string encode_connect_reply_binary(std::uint64_t id, std::string_view client,
                                        std::string_view user, std::string_view resume_token,
                                        std::string_view server_version);
std::string encode_connect_reply_binary(std::uint64_t id, std::string_view client,
                                        std::string_view user, std::string_view resume_token,
                                        std::string_view server_version, SessionResume session);
std::string encode_empty_reply_binary(std::uint64_t id);
// An empty result, or one with the flags byte holding ttl_ms (encode_refresh_reply).
std::string encode_refresh_reply_binary(std::uint64_t id, std::optional<std::uint64_t> ttl_ms);
std::string encode_subscribe_reply_binary(std::uint64_t id, const Position& position,
                                          std::optional<bool> recovered);
std::string encode_publish_reply_binary(std::uint64_t id, std::span<const TopicPosition> positions);
std::string encode_error_reply_binary(std::uint64_t id, ErrorCode code, std::string_view message);
// Results with the flags byte (presence 80, history also 20 for its position): flag bit 3 the
// client list, bit 4 the two counts, bit 5 the messages (docs/protocol.md §12).
std::string encode_presence_reply_binary(std::uint64_t id, std::span<const ClientInfo> clients);
std::string encode_presence_stats_reply_binary(std::uint64_t id, std::uint64_t clients,
                                               std::uint64_t users);
std::string encode_history_reply_binary(std::uint64_t id, const Position& position,
                                        std::span<const HistoryMessage> messages);
// The fan-out hot path: computes the exact size first and allocates once.
std::string encode_message_push_binary(std::string_view topic, std::uint64_t offset,
                                       std::string_view epoch, std::string_view payload);
std::string encode_disconnect_push_binary(std::uint16_t code, std::string_view reason);
// Type 0x82: topic string, offset varint, epoch string, reason string (encode_recover_push).
std::string encode_recover_push_binary(std::string_view topic, std::uint64_t offset,
                                       std::string_view epoch, std::string_view reason);
// Types 0x83 and 0x84: topic string, client string, user string, info string (the JSON text).
std::string encode_join_push_binary(std::string_view topic, const ClientInfo& who);
std::string encode_leave_push_binary(std::string_view topic, const ClientInfo& who);
// Any server frame, including a Reply that holds both connect fields and positions (which no
// single reply encoder above writes).
std::string encode_server_frame_binary(const ServerFrame& frame);

std::variant<ServerFrame, DecodeError> decode_server_frame_binary(std::string_view frame);

// ---- stream framing (TCP) -----------------------------------------------------------------

inline constexpr std::size_t kStreamLengthSize = 4;

// Appends the frame's size as 4 bytes little-endian, then the frame. Throws std::length_error
// for a frame of 4 GiB or more, which the prefix cannot express.
void append_length_prefixed(std::string& out, std::string_view frame);

// Cuts a byte stream into frames, each preceded by its 4-byte little-endian length. It holds at
// most one frame and its prefix (max_frame_size + 4 bytes), so `feed` takes bytes only up to
// the end of the next frame; a caller loops:
//
//     while (!bytes.empty() && !reader.failed()) {
//         bytes.remove_prefix(reader.feed(bytes));
//         while (auto frame = reader.pop_frame()) { handle(*frame); }
//     }
class StreamFrameReader {
  public:
    explicit StreamFrameReader(std::size_t max_frame_size);

    // Takes bytes from the front of `bytes`, stopping after the end of the next frame, and
    // returns how many it took: 0 while a complete frame waits for pop_frame or after failure.
    std::size_t feed(std::string_view bytes);
    // The frame completed by feed, if any.
    std::optional<std::string> pop_frame();

    // A declared length exceeded max_frame_size: the stream cannot be resynchronised.
    bool failed() const { return !error_.empty(); }
    const std::string& error() const { return error_; }
    std::size_t buffered_size() const { return prefix_size_ + frame_.size(); }
    std::size_t max_frame_size() const { return max_frame_size_; }

  private:
    std::size_t max_frame_size_;
    std::array<unsigned char, kStreamLengthSize> prefix_{};
    std::size_t prefix_size_ = 0;
    std::size_t frame_size_ = 0;  // declared by the prefix, once prefix_size_ is 4
    std::string frame_;
    bool frame_complete_ = false;
    std::string error_;
};

}  // namespace notify::protocol
