#include "stream_store.hpp"

#include <utility>

namespace notify::local {

StreamStore::StreamStore(std::size_t max_streams, EpochSource make_epoch)
    : max_streams_(max_streams), make_epoch_(make_epoch) {}

std::optional<Position> StreamStore::append(std::string_view topic, std::string_view payload,
                                            std::int64_t time_ms, const HistoryLimits& limits) {
    forget_idle_streams(time_ms);
    auto found = streams_.find(topic);
    if (found != streams_.end() && idle_past(found->second, limits.meta_ttl_ms, time_ms)) {
        forget(found);
        found = streams_.end();
    }
    if (found == streams_.end()) {
        std::string epoch = make_epoch_();
        if (epoch.empty()) {
            return std::nullopt;
        }
        // Make room before inserting so the stream being published to is never the one dropped.
        while (!streams_.empty() && streams_.size() >= max_streams_) {
            drop_oldest_idle_stream();
        }
        std::string key{topic};
        idle_order_.push_back(key);
        Stream fresh;
        fresh.epoch = std::move(epoch);
        fresh.recency = std::prev(idle_order_.end());
        found = streams_.emplace(std::move(key), std::move(fresh)).first;
    } else {
        idle_order_.splice(idle_order_.end(), idle_order_, found->second.recency);
    }

    Stream& stream = found->second;
    ++stream.offset;
    stream.last_publish_ms = time_ms;
    stream.meta_ttl_ms = limits.meta_ttl_ms;
    if (limits.max_messages > 0) {
        stream.kept.push_back(StoredMessage{stream.offset, time_ms, std::string{payload}});
    }
    trim(stream, limits, time_ms);
    return Position{stream.offset, stream.epoch};
}

Position StreamStore::read(std::string_view topic, std::uint64_t since_offset, std::uint64_t limit,
                           const HistoryLimits* limits, std::optional<std::int64_t> now_ms,
                           const std::function<bool(const StoredMessage&)>& visit) {
    const auto found = streams_.find(topic);
    if (found == streams_.end()) {
        return Position{};
    }
    Stream& stream = found->second;
    if (now_ms &&
        idle_past(stream, limits != nullptr ? limits->meta_ttl_ms : stream.meta_ttl_ms, *now_ms)) {
        forget(found);
        return Position{};
    }
    if (limits != nullptr) {
        trim(stream, *limits, now_ms);
    }
    std::uint64_t fed = 0;
    for (const StoredMessage& message : stream.kept) {
        if (message.offset <= since_offset) {
            continue;
        }
        if ((limit != 0 && fed == limit) || !visit(message)) {
            break;
        }
        ++fed;
    }
    return Position{stream.offset, stream.epoch};
}

void StreamStore::remove_kept(std::string_view topic) {
    auto found = streams_.find(topic);
    if (found != streams_.end()) std::deque<StoredMessage>().swap(found->second.kept);
}

void StreamStore::trim(Stream& stream, const HistoryLimits& limits,
                       std::optional<std::int64_t> now_ms) {
    while (stream.kept.size() > limits.max_messages) {
        stream.kept.pop_front();
    }
    if (limits.ttl_ms == 0 || !now_ms) {
        return;
    }
    const auto expired = [&](const StoredMessage& message) {
        if (*now_ms <= message.time_ms) {
            return false;
        }
        // The difference of two int64 values with now > time always fits in uint64.
        const std::uint64_t age =
            static_cast<std::uint64_t>(*now_ms) - static_cast<std::uint64_t>(message.time_ms);
        return age >= limits.ttl_ms;
    };
    while (!stream.kept.empty() && expired(stream.kept.front())) {
        stream.kept.pop_front();
    }
}

bool StreamStore::idle_past(const Stream& stream, std::uint64_t meta_ttl_ms,
                            std::int64_t now_ms) {
    if (meta_ttl_ms == 0 || now_ms <= stream.last_publish_ms) {
        return false;
    }
    const std::uint64_t idle =
        static_cast<std::uint64_t>(now_ms) - static_cast<std::uint64_t>(stream.last_publish_ms);
    return idle >= meta_ttl_ms;
}

void StreamStore::forget_idle_streams(std::int64_t now_ms) {
    while (!idle_order_.empty()) {
        const auto idlest = streams_.find(idle_order_.front());
        if (!idle_past(idlest->second, idlest->second.meta_ttl_ms, now_ms)) {
            return;
        }
        forget(idlest);
    }
}

void StreamStore::forget(Streams::iterator stream) {
    idle_order_.erase(stream->second.recency);
    streams_.erase(stream);
}

void StreamStore::drop_oldest_idle_stream() {
    streams_.erase(idle_order_.front());
    idle_order_.pop_front();
}

}  // namespace notify::local
