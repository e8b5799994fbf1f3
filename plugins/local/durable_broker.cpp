#include "durable_broker.hpp"

#include <algorithm>
#include <limits>
#include <utility>

namespace notify::local {

DurableBroker::DurableBroker(const WriterOptions& options, EpochSource make_epoch,
                             DurableWriter::Completion complete, DurableWriter::Logger log,
                             DurableWriter::Clock now_ms)
    : options_(options),
      make_epoch_(make_epoch),
      reader_(options.directory, options.policy) {
    reload();
    writer_ = std::make_unique<DurableWriter>(options, std::move(complete), std::move(log),
                                              std::move(now_ms));
}

void DurableBroker::reload() {
    topics_.clear();
    next_topic_id_ = 1;
    for (DurableTopic& topic : reader_.load_topics()) {
        next_topic_id_ = std::max(next_topic_id_, topic.id + 1);
        std::string name = topic.name;
        topics_.emplace(std::move(name), std::move(topic));
    }
}

DurablePosition DurableBroker::publish(std::uint64_t request_id, std::string_view topic,
                                       std::string_view payload, std::int64_t time_ms) {
    if (writer_->failures() != seen_failures_) {
        seen_failures_ = writer_->failures();
        reload();
    }
    if (!submit(request_id, topic, payload, time_ms)) {
        // A commit failed after this thread's last look: offsets are ahead of the store.
        seen_failures_ = writer_->failures();
        reload();
        if (!submit(request_id, topic, payload, time_ms)) {
            throw StoreError(writer_->last_error());
        }
    }
    return last_published_;
}

bool DurableBroker::submit(std::uint64_t request_id, std::string_view topic,
                           std::string_view payload, std::int64_t time_ms) {
    auto found = topics_.find(topic);
    if (found == topics_.end()) {
        std::string epoch = make_epoch_();
        if (epoch.empty()) {
            throw StoreError("cannot make an epoch for topic '" + std::string{topic} +
                             "' (getrandom failed)");
        }
        DurableTopic fresh{next_topic_id_++, std::string{topic}, std::move(epoch), 0};
        found = topics_.emplace(std::string{topic}, std::move(fresh)).first;
    }
    DurableTopic& stream = found->second;
    DurableMessage message{stream.id,        stream.name,  stream.epoch,
                           stream.last_offset + 1, time_ms, std::string{payload}};
    if (!writer_->submit(request_id, std::move(message), seen_failures_)) {
        return false;
    }
    ++stream.last_offset;
    last_published_ = DurablePosition{stream.last_offset, stream.epoch};
    return true;
}

DurablePosition DurableBroker::read(std::string_view topic, std::uint64_t since_offset,
                                    std::uint64_t limit, std::int64_t now_ms,
                                    const DurableStore::Visitor& visit) {
    const auto found = topics_.find(topic);
    if (found == topics_.end()) {
        return DurablePosition{};
    }
    const std::int64_t oldest_time_ms = now_ms > std::numeric_limits<std::int64_t>::min() +
                                                     options_.retention_age_ms
                                            ? now_ms - options_.retention_age_ms
                                            : std::numeric_limits<std::int64_t>::min();
    const std::uint64_t stored = reader_.read(found->second.id, since_offset, limit,
                                              options_.retention_messages, oldest_time_ms, visit);
    return DurablePosition{stored, found->second.epoch};
}

void DurableBroker::save_subscription(SubscriptionKey key, SubscriptionRecord record) {
    writer_->save_subscription(std::move(key), std::move(record));
}

void DurableBroker::remove_subscription(SubscriptionKey key) {
    writer_->remove_subscription(std::move(key));
}

void DurableBroker::load_subscriptions(const DurableStore::SubscriptionVisitor& visit) {
    writer_->wait_until_written();
    reader_.load_subscriptions(visit);
}

}  // namespace notify::local
