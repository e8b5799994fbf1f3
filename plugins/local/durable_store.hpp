// The on-disk store of at-least-once topics: one SQLite database in WAL mode (docs/durability.md).
//
// THREAD: a DurableStore is one SQLite connection and is used by one thread at a time. The
// local broker opens two on the same file: the writer thread's (appends, retention) and the
// core thread's (startup load, history reads); WAL lets the reader see every committed
// transaction without blocking the writer.
#pragma once

#include <cstdint>
#include <functional>
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

    // One transaction: every message and its topic's last offset. Durable per the policy once
    // it returns. Throws StoreError (the transaction is rolled back).
    void append(const std::vector<DurableMessage>& messages);

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

    sqlite3* db_ = nullptr;
};

}  // namespace notify::local
