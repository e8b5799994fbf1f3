#include "durable_writer.hpp"

#include <chrono>
#include <utility>

namespace notify::local {
namespace {

constexpr std::int64_t kCleanupIntervalMs = 1000;

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
    {
        const std::lock_guard lock{mutex_};
        if (seen_failures != failures_) {
            return false;
        }
        queue_.request_ids.push_back(request_id);
        queue_.messages.push_back(std::move(message));
    }
    wake_.notify_one();
    return true;
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
    for (;;) {
        Batch batch;
        bool stop = false;
        {
            std::unique_lock lock{mutex_};
            wake_.wait_for(lock, std::chrono::milliseconds{kCleanupIntervalMs},
                           [&] { return stopping_ || !queue_.messages.empty(); });
            if (options_.policy == SyncPolicy::batch && !queue_.messages.empty()) {
                // Group commit: let more publishes join this transaction, but not past the
                // interval (nor past shutdown).
                wake_.wait_for(lock, std::chrono::milliseconds{options_.sync_interval_ms},
                               [&] { return stopping_; });
            }
            std::swap(batch, queue_);
            stop = stopping_;
        }
        if (!batch.messages.empty()) {
            commit(batch);
        }
        const std::int64_t now = now_ms_();
        if (stop || now >= next_cleanup_ms_) {
            clean(now);
        }
        if (stop) {
            return;
        }
    }
}

void DurableWriter::commit(const Batch& batch) {
    try {
        store_.append(batch.messages);
    } catch (const StoreError& failure) {
        // Everything queued behind the failed batch carries offsets that now follow a gap:
        // refuse it too, and make the core thread reload its offsets from the store.
        Batch refused;
        {
            const std::lock_guard lock{mutex_};
            ++failures_;
            last_error_ = failure.what();
            std::swap(refused, queue_);
        }
        log_(NOTIFY_LOG_ERROR, std::string{"local broker: "} + failure.what());
        complete_all(batch, failure.what());
        complete_all(refused, failure.what());
        return;
    }
    complete_all(batch, {});
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
