// The local broker's state: one stream per topic (offset, epoch, kept messages), in memory.
//
// THREAD: not synchronized. The host calls broker vtables on its core thread only, so one thread
// owns a StreamStore; nothing here may be touched from another thread.
#pragma once

#include <notify/notify.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace notify::local {

struct HistoryLimits {
    std::uint64_t max_messages = 0;  // 0 = keep none
    std::uint64_t ttl_ms = 0;        // 0 = no age limit
    std::uint64_t meta_ttl_ms = 0;   // a stream idle this long is forgotten; 0 = no idle limit
};

struct StoredMessage {
    std::uint64_t offset;
    std::int64_t time_ms;
    std::string payload;
};

struct Position {
    std::uint64_t offset = 0;
    std::string_view epoch;  // borrowed from the store: valid until its next mutation
};

class StreamStore {
  public:
    // Makes a fresh epoch; returns an empty string when no randomness is available.
    using EpochSource = std::string (*)();

    StreamStore(std::size_t max_streams, EpochSource make_epoch);

    // Assign the topic's next offset and keep the message per `limits`, measured at `time_ms`.
    // A stream idle (no publish) for its meta TTL is forgotten first, so the publish starts it
    // over at offset 1 with a new epoch; the idlest streams of the whole store are checked too.
    // nullopt when the topic's stream is new and no epoch could be made for it.
    std::optional<Position> append(std::string_view topic, std::string_view payload,
                                   std::int64_t time_ms, const HistoryLimits& limits);

    // Call `visit` for each kept message with offset > since_offset (oldest first, at most
    // `limit` of them, 0 = all) until it returns false. When `limits` is given, messages past it
    // (the age limit only when `now_ms` is known) are dropped first, so a namespace whose limits
    // shrank is honoured; a stream idle past its meta TTL at `now_ms` is forgotten. Returns the
    // stream's position, offset 0 and no epoch for an unknown (or forgotten) topic.
    Position read(std::string_view topic, std::uint64_t since_offset, std::uint64_t limit,
                  const HistoryLimits* limits, std::optional<std::int64_t> now_ms,
                  const std::function<bool(const StoredMessage&)>& visit);

    // Drops the topic's kept messages; its offset and epoch stay, so the next append continues
    // the stream and a reader from before the removal sees that it cannot recover.
    void remove_kept(std::string_view topic);

    [[nodiscard]] std::size_t stream_count() const noexcept { return streams_.size(); }

  private:
    struct Stream {
        std::uint64_t offset = 0;
        std::string epoch;
        std::deque<StoredMessage> kept;
        std::list<std::string>::iterator recency;  // position in idle_order_
        std::int64_t last_publish_ms = 0;
        std::uint64_t meta_ttl_ms = 0;  // of its last publish's namespace
    };

    struct TopicHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view topic) const noexcept {
            return std::hash<std::string_view>{}(topic);
        }
    };

    using Streams = std::unordered_map<std::string, Stream, TopicHash, std::equal_to<>>;

    static void trim(Stream& stream, const HistoryLimits& limits,
                     std::optional<std::int64_t> now_ms);
    static bool idle_past(const Stream& stream, std::uint64_t meta_ttl_ms, std::int64_t now_ms);
    // Forgets the least recently published streams while they are idle past their meta TTL:
    // the store has no timer, so publishes do the periodic part of the cleanup.
    void forget_idle_streams(std::int64_t now_ms);
    void forget(Streams::iterator stream);
    void drop_oldest_idle_stream();

    std::size_t max_streams_;
    EpochSource make_epoch_;
    Streams streams_;
    std::list<std::string> idle_order_;  // least recently published first
};

}  // namespace notify::local
