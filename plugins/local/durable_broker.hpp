// The at-least-once half of the local broker: offsets and epochs of durable topics, handed to
// the DurableWriter for group commit with the durable subscription changes, and history and
// subscriptions read back from the store.
//
// THREAD: every member function runs on the host's core thread (broker vtable calls) and owns the
// topic table and the reading connection alone; the writer thread shares only the DurableWriter's
// locked queue, and answers publishes through the completion given here.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "durable_store.hpp"
#include "durable_writer.hpp"

namespace notify::local {

struct DurablePosition {
    std::uint64_t offset = 0;
    std::string_view epoch;  // borrowed from the broker: valid until its next publish
};

class DurableBroker {
  public:
    using EpochSource = std::string (*)();

    // Opens the store in options.directory (creating it), loads each topic's offset and epoch,
    // and starts the writer thread. Throws StoreError.
    DurableBroker(const WriterOptions& options, EpochSource make_epoch,
                  DurableWriter::Completion complete, DurableWriter::Logger log,
                  DurableWriter::Clock now_ms);

    // Assigns the topic's next offset and queues the message; `complete` answers it once
    // durable. Throws StoreError when the store cannot take it (see DurableWriter::submit).
    DurablePosition publish(std::uint64_t request_id, std::string_view topic,
                            std::string_view payload, std::int64_t time_ms);

    // Messages after since_offset that are stored and within retention (ages measured at
    // now_ms), and the last stored offset. Offset 0 and no epoch for an unknown topic.
    DurablePosition read(std::string_view topic, std::uint64_t since_offset, std::uint64_t limit,
                         std::int64_t now_ms, const DurableStore::Visitor& visit);

    // Queue an insert-or-replace / a delete of one subscription record, in order with publishes
    // (see DurableWriter).
    void save_subscription(SubscriptionKey key, SubscriptionRecord record);
    void remove_subscription(SubscriptionKey key);

    // Feeds every stored record, once everything queued before the call is written. Throws
    // StoreError.
    void load_subscriptions(const DurableStore::SubscriptionVisitor& visit);

  private:
    struct TopicHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view topic) const noexcept {
            return std::hash<std::string_view>{}(topic);
        }
    };

    void reload();
    bool submit(std::uint64_t request_id, std::string_view topic, std::string_view payload,
                std::int64_t time_ms);

    WriterOptions options_;
    EpochSource make_epoch_;
    DurableStore reader_;
    std::unordered_map<std::string, DurableTopic, TopicHash, std::equal_to<>> topics_;
    std::int64_t next_topic_id_ = 1;
    std::uint64_t seen_failures_ = 0;
    DurablePosition last_published_;
    std::unique_ptr<DurableWriter> writer_;  // last: its thread stops before the rest goes
};

}  // namespace notify::local
