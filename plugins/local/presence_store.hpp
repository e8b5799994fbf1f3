// Who is subscribed to the topics of presence namespaces, in memory (one node). Stats are kept
// as counts so that presence_stats of a big topic does not walk its entries.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace notify::local {

struct PresenceEntry {
    std::string user_id;
    std::string info;
};

struct PresenceCounts {
    std::uint64_t clients = 0;
    std::uint64_t users = 0;  // distinct non-empty user ids
};

class PresenceStore {
public:
    // Adds or replaces the client's entry.
    void add(std::string_view topic, std::string_view client_id, std::string_view user_id,
             std::string_view info);
    void remove(std::string_view topic, std::string_view client_id);
    // Calls visit(client_id, entry) until it returns false.
    void for_each(std::string_view topic,
                  const std::function<bool(const std::string&, const PresenceEntry&)>& visit) const;
    PresenceCounts counts(std::string_view topic) const;
    std::size_t topic_count() const { return topics_.size(); }

private:
    struct Topic {
        std::unordered_map<std::string, PresenceEntry> clients;
        std::unordered_map<std::string, std::uint64_t> users;  // user id -> its entries
    };

    void count_user(Topic& topic, const std::string& user_id, bool added);

    std::unordered_map<std::string, Topic> topics_;
};

}  // namespace notify::local
