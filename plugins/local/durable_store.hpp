// The on-disk store of at-least-once topics and durable subscriptions: one SQLite database in WAL
// mode (docs/durability.md).
//
// THREAD: a DurableStore is one SQLite connection and is used by one thread at a time. The
// local broker opens two on the same file: the writer thread's (appends, retention) and the
// core thread's (startup load, history reads); WAL lets the reader see every committed
// transaction without blocking the writer.
#pragma once

#include <cstdint>
#include <compare>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;

namespace notify::local {

// Every SQLite or file-system failure, with the operation and SQLite's message.
class StoreError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

enum class SyncPolicy {
    always,  // fsync each group commit before acknowledging it
    batch,   // same, but a group commit waits up to the sync interval for more messages
    os,      // no fsync: survives a process kill, not a power loss
};

struct DurableTopic {
    std::int64_t id = 0;
    std::string name;
    std::string epoch;
    std::uint64_t last_offset = 0;
};

struct DurableMessage {
    std::int64_t topic_id = 0;
    std::string topic;  // with epoch: inserts the topic's row the first time it is seen
    std::string epoch;
    std::uint64_t offset = 0;
    std::int64_t time_ms = 0;
    std::string payload;
};

// A durable subscription is one record per (client_id, topic).
struct SubscriptionKey {
    std::string client_id;
    std::string topic;

    auto operator<=>(const SubscriptionKey&) const = default;
};

struct SubscriptionRecord {
    std::string user_id;       // empty: no user
    std::string resume_token;
    std::uint64_t acked_offset = 0;
};

// The newest change of each record since the last commit: the record to store, or nullopt to
// delete it. Keyed so that a later save or remove of the same record replaces an earlier one.
using SubscriptionChanges = std::map<SubscriptionKey, std::optional<SubscriptionRecord>>;

struct RetentionResult {
    std::uint64_t deleted_by_count = 0;
    std::uint64_t deleted_by_age = 0;
};

class DurableStore {
  public:
    // Opens (creating when missing) `directory`/local-broker.db. Throws StoreError.
    DurableStore(const std::string& directory, SyncPolicy policy);
    ~DurableStore();
    DurableStore(const DurableStore&) = delete;
    DurableStore& operator=(const DurableStore&) = delete;

    static std::string file_in(const std::string& directory);

    std::vector<DurableTopic> load_topics();

    // Feeds every stored subscription record, from one snapshot, until `visit` returns false.
    using SubscriptionVisitor =
        std::function<bool(const SubscriptionKey& key, const SubscriptionRecord& record)>;
    void load_subscriptions(const SubscriptionVisitor& visit);

    // One transaction: every message with its topic's last offset, and every subscription
    // change. Durable per the policy once it returns. Throws StoreError (the transaction is
    // rolled back).
    void write(const std::vector<DurableMessage>& messages,
               const SubscriptionChanges& subscriptions);

    // Deletes, per topic, messages older than the newest `max_messages`, then every message
    // stamped before `oldest_time_ms`.
    RetentionResult apply_retention(std::uint64_t max_messages, std::int64_t oldest_time_ms);

    // Feeds messages of `topic_id` with offset > since_offset (and, when max_messages > 0, within
    // the newest max_messages; time_ms >= oldest_time_ms), oldest first, at most `limit` (0 =
    // all), until `visit` returns false. Returns the topic's last offset from the same snapshot.
    using Visitor = std::function<bool(std::uint64_t offset, std::int64_t time_ms,
                                       std::string_view payload)>;
    std::uint64_t read(std::int64_t topic_id, std::uint64_t since_offset, std::uint64_t limit,
                       std::uint64_t max_messages, std::int64_t oldest_time_ms,
                       const Visitor& visit);

  private:
    void execute(const char* sql, const char* what);
    void write_subscriptions(const SubscriptionChanges& subscriptions);

    sqlite3* db_ = nullptr;
};

}  // namespace notify::local
