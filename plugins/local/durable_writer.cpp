#include "durable_writer.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

#include <sys/prctl.h>

namespace notify::local {
namespace {

constexpr std::int64_t kCleanupIntervalMs = 1000;
// After a failed commit that put subscription changes back in the queue, the wait before the
// next commit: a lasting failure (disk full) must not spin.
constexpr std::int64_t kRetryDelayMs = 1000;
// With the batch policy, a group commit starts once the queue has not grown for this long
// (or sync_interval after its first message, whichever comes first). Publishes that arrive
// together (a pipelining client, several clients answered by the same commit) come within a
// few microseconds of each other; a lone publish then waits only this gap, not the interval.
constexpr std::chrono::microseconds kQuietGap{100};

// The writer thread's timer slack: Linux's default (50 µs) would stretch every quiet gap by half.
constexpr unsigned long kTimerSlackNs = 1000;

}  // namespace

DurableWriter::DurableWriter(const WriterOptions& options, Completion complete, Logger log,
                             Clock now_ms)
    : options_(options),
      complete_(std::move(complete)),
      log_(std::move(log)),
      now_ms_(std::move(now_ms)),
      store_(options.directory, options.policy),
      thread_([this] { run(); }) {}

DurableWriter::~DurableWriter() {
    {
        const std::lock_guard lock{mutex_};
        stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

bool DurableWriter::submit(std::uint64_t request_id, DurableMessage message,
                           std::uint64_t seen_failures) {
    bool wake_writer = false;
    {
        const std::lock_guard lock{mutex_};
        if (seen_failures != failures_) {
            return false;
        }
        wake_writer = note_first_queued();
        queue_.request_ids.push_back(request_id);
        queue_.messages.push_back(std::move(message));
        ++queued_count_;
    }
    if (wake_writer) {
        wake_.notify_one();
    }
    return true;
}

void DurableWriter::save_subscription(SubscriptionKey key, SubscriptionRecord record) {
    queue_subscription_change(std::move(key), std::move(record));
}

void DurableWriter::remove_subscription(SubscriptionKey key) {
    queue_subscription_change(std::move(key), std::nullopt);
}

void DurableWriter::queue_subscription_change(SubscriptionKey key,
                                              std::optional<SubscriptionRecord> change) {
    bool wake_writer = false;
    {
        const std::lock_guard lock{mutex_};
        wake_writer = note_first_queued();
        queue_.subscriptions.insert_or_assign(std::move(key), std::move(change));
        ++queued_count_;
    }
    if (wake_writer) {
        wake_.notify_one();
    }
}

bool DurableWriter::note_first_queued() {
    if (!queue_.empty()) {
        return false;
    }
    first_queued_at_ = std::chrono::steady_clock::now();
    return true;
}

void DurableWriter::wait_until_written() {
    std::unique_lock lock{mutex_};
    const std::uint64_t target = queued_count_;
    written_.wait(lock, [&] { return written_count_ >= target; });
}

std::uint64_t DurableWriter::failures() const {
    const std::lock_guard lock{mutex_};
    return failures_;
}

std::string DurableWriter::last_error() const {
    const std::lock_guard lock{mutex_};
    return last_error_;
}

void DurableWriter::run() {
    ::prctl(PR_SET_TIMERSLACK, kTimerSlackNs);
    bool retrying = false;
    for (;;) {
        Batch batch;
        bool stop = false;
        std::uint64_t taken_count = 0;
        {
            std::unique_lock lock{mutex_};
            if (retrying) {
                wake_.wait_for(lock, std::chrono::milliseconds{kRetryDelayMs},
                               [&] { return stopping_; });
            }
            wake_.wait_for(lock, std::chrono::milliseconds{kCleanupIntervalMs},
                           [&] { return stopping_ || !queue_.empty(); });
            if (options_.policy == SyncPolicy::batch && !queue_.empty()) {
                gather(lock);
            }
            std::swap(batch, queue_);
            taken_count = queued_count_;
            stop = stopping_;
        }
        if (!batch.empty()) {
            retrying = !commit(batch);
        }
        {
            const std::lock_guard lock{mutex_};
            written_count_ = taken_count;
        }
        written_.notify_all();
        const std::int64_t now = now_ms_();
        if (stop || now >= next_cleanup_ms_) {
            clean(now);
        }
        if (stop) {
            return;
        }
    }
}

void DurableWriter::gather(std::unique_lock<std::mutex>& lock) {
    // Submissions into a non-empty queue do not notify, so each wait below sleeps its whole
    // gap (only shutdown ends it early) instead of waking once per publish.
    const auto deadline = first_queued_at_ + std::chrono::milliseconds{options_.sync_interval_ms};
    for (;;) {
        const std::uint64_t seen = queued_count_;
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) {
            return;
        }
        const bool stopping =
            wake_.wait_until(lock, std::min(now + kQuietGap, deadline), [&] { return stopping_; });
        if (stopping || queued_count_ == seen) {
            return;
        }
    }
}

bool DurableWriter::commit(Batch& batch) {
    const auto started = std::chrono::steady_clock::now();
    const auto observe = [&] {
        if (options_.commit_observer) {
            options_.commit_observer(
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        }
    };
    try {
        store_.write(batch.messages, batch.subscriptions);
        observe();
    } catch (const StoreError& failure) {
        observe();
        // Everything queued behind the failed batch carries offsets that now follow a gap:
        // refuse it too, and make the core thread reload its offsets from the store.
        // Subscription changes carry no offset: they stay queued, and the failed ones go back
        // (behind any newer change of the same record), so that no publish acknowledged later
        // is durable before them.
        Batch refused;
        const std::size_t retried = batch.subscriptions.size();
        {
            const std::lock_guard lock{mutex_};
            ++failures_;
            last_error_ = failure.what();
            std::swap(refused.request_ids, queue_.request_ids);
            std::swap(refused.messages, queue_.messages);
            for (auto& [key, change] : batch.subscriptions) {
                queue_.subscriptions.try_emplace(key, std::move(change));
            }
        }
        log_(NOTIFY_LOG_ERROR,
             std::string{"local broker: "} + failure.what() +
                 (retried > 0 ? " (" + std::to_string(retried) +
                                    " durable subscription changes will be retried)"
                              : std::string{}));
        complete_all(batch, failure.what());
        complete_all(refused, failure.what());
        return retried == 0;
    }
    complete_all(batch, {});
    return true;
}

void DurableWriter::complete_all(const Batch& batch, const std::string& error) {
    for (std::size_t i = 0; i < batch.messages.size(); ++i) {
        complete_(batch.request_ids[i], batch.messages[i], error);
    }
}

void DurableWriter::clean(std::int64_t now) {
    next_cleanup_ms_ = now + kCleanupIntervalMs;
    try {
        const RetentionResult deleted =
            store_.apply_retention(options_.retention_messages, now - options_.retention_age_ms);
        if (deleted.deleted_by_count + deleted.deleted_by_age > 0) {
            log_(NOTIFY_LOG_INFO, "local broker: retention deleted " +
                 std::to_string(deleted.deleted_by_count + deleted.deleted_by_age) +
                 " durable messages (" + std::to_string(deleted.deleted_by_count) +
                 " past retention_messages, " + std::to_string(deleted.deleted_by_age) +
                 " past retention_age)");
        }
    } catch (const StoreError& failure) {
        log_(NOTIFY_LOG_ERROR, std::string{"local broker: retention failed: "} + failure.what());
    }
}

}  // namespace notify::local
