// When each of one client's subscriptions last changed (unsubscribes stay as tombstones), so
// that an older change arriving late is ignored. A sorted vector rather than a hash map: most
// clients have a handful of topics, and an unordered_map costs ~200 bytes per client (bucket
// array and node) from its first entry on, which is most of an idle connection's memory.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace notify::core {

class ChangeTimes {
public:
    std::optional<std::int64_t> find(std::string_view topic) const {
        const auto found = lower_bound(topic);
        if (found == entries_.end() || found->topic != topic) return std::nullopt;
        return found->time_ms;
    }

    void record(std::string_view topic, std::int64_t time_ms) {
        const auto found = lower_bound(topic);
        if (found != entries_.end() && found->topic == topic) {
            entries_[static_cast<std::size_t>(found - entries_.begin())].time_ms = time_ms;
            return;
        }
        entries_.insert(found, Entry{std::string(topic), time_ms});
    }

    void clear() { std::vector<Entry>().swap(entries_); }
    std::size_t size() const { return entries_.size(); }

private:
    struct Entry {
        std::string topic;
        std::int64_t time_ms = 0;
    };

    std::vector<Entry>::const_iterator lower_bound(std::string_view topic) const {
        return std::lower_bound(
            entries_.begin(), entries_.end(), topic,
            [](const Entry& entry, std::string_view key) { return entry.topic < key; });
    }

    std::vector<Entry> entries_;
};

}  // namespace notify::core
