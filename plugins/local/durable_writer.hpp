// The writer thread of at-least-once topics: group commit into the DurableStore, then an
// acknowledgement per message, and periodic retention. Durable subscription changes share the
// queue, so they are committed in the same transactions as the messages submitted around them:
// a change is durable no later than any message submitted after it.
//
// THREAD: submit(), save_subscription(), remove_subscription() and wait_until_written() are
// called on the host's core thread; everything else of the writer runs on its own thread. The
// only state they share is the queue below (pending messages and subscription changes, when
// the oldest of them was queued, the failure count, the write counters and the stop flag),
// guarded by one mutex. Completions are called on the writer thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <notify/notify.h>

#include "durable_store.hpp"

namespace notify::local {

struct WriterOptions {
    std::string directory;
    SyncPolicy policy = SyncPolicy::always;
    std::int64_t sync_interval_ms = 2;
    std::uint64_t retention_messages = 1'000'000;
    std::int64_t retention_age_ms = 7LL * 24 * 3600 * 1000;
    // Told each group commit's duration in seconds, failed ones too (writer thread); may be empty.
    std::function<void(double seconds)> commit_observer;
};

class DurableWriter {
  public:
    // Called once per submitted message, on the writer thread: `error` empty when durable.
    using Completion = std::function<void(std::uint64_t request_id, const DurableMessage& message,
                                          const std::string& error)>;
    using Logger = std::function<void(notify_log_level level, const std::string& line)>;
    using Clock = std::function<std::int64_t()>;  // milliseconds since the Unix epoch

    // Opens the writer's own connection (throws StoreError) and starts the thread.
    DurableWriter(const WriterOptions& options, Completion complete, Logger log, Clock now_ms);
    // Commits what is queued, runs a last retention pass, and joins the thread.
    ~DurableWriter();
    DurableWriter(const DurableWriter&) = delete;
    DurableWriter& operator=(const DurableWriter&) = delete;

    // Queues a message whose offset was assigned against failure count `seen_failures`. Refused
    // (false) when a commit failed since: the caller's offsets may then be ahead of the store and
    // must be reloaded from it first.
    bool submit(std::uint64_t request_id, DurableMessage message, std::uint64_t seen_failures);

    // Queue an insert-or-replace / a delete of one subscription record. A later change of the
    // same record, queued before the writer takes the batch, replaces this one (acks are
    // frequent: one write per record per group commit). A change whose commit failed is retried
    // with the next batch unless a newer change of the record replaced it.
    void save_subscription(SubscriptionKey key, SubscriptionRecord record);
    void remove_subscription(SubscriptionKey key);

    // Blocks until everything queued before the call was written (or its commit failed).
    void wait_until_written();

    [[nodiscard]] std::uint64_t failures() const;
    [[nodiscard]] std::string last_error() const;

  private:
    struct Batch {
        std::vector<std::uint64_t> request_ids;
        std::vector<DurableMessage> messages;  // messages[i] answers request_ids[i]
        SubscriptionChanges subscriptions;

        [[nodiscard]] bool empty() const { return messages.empty() && subscriptions.empty(); }
    };

    void queue_subscription_change(SubscriptionKey key, std::optional<SubscriptionRecord> change);
    // Called with mutex_ held before queueing: true when the queue was empty, i.e. the writer
    // may be asleep waiting for work and must be woken (it starts the batch's clock too).
    bool note_first_queued();
    void run();
    // Batch policy, with mutex_ held and the queue not empty: returns once the queue stopped
    // growing for a quiet gap, sync_interval after its first message, or at shutdown.
    void gather(std::unique_lock<std::mutex>& lock);
    // False when the commit failed and put subscription changes back to retry.
    bool commit(Batch& batch);
    void complete_all(const Batch& batch, const std::string& error);
    void clean(std::int64_t now);

    WriterOptions options_;
    Completion complete_;
    Logger log_;
    Clock now_ms_;
    DurableStore store_;  // the writer thread's connection
    std::int64_t next_cleanup_ms_ = 0;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable written_;
    Batch queue_;                        // guarded by mutex_
    // Guarded by mutex_: when queue_ last went from empty to not empty (its oldest entry).
    std::chrono::steady_clock::time_point first_queued_at_;
    std::uint64_t queued_count_ = 0;     // guarded by mutex_: changes and messages ever queued
    std::uint64_t written_count_ = 0;    // guarded by mutex_: of those, how many were written
    std::uint64_t failures_ = 0;         // guarded by mutex_
    std::string last_error_;             // guarded by mutex_
    bool stopping_ = false;              // guarded by mutex_
    std::thread thread_;                 // last: starts once every member above exists
};

}  // namespace notify::local
