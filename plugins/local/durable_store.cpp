#include "durable_store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <sys/stat.h>

namespace notify::local {
namespace {

constexpr const char* kFileName = "local-broker.db";
constexpr int kBusyTimeoutMs = 5000;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS topics (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    epoch       TEXT    NOT NULL,
    last_offset INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    topic_id INTEGER NOT NULL,
    offset   INTEGER NOT NULL,
    time_ms  INTEGER NOT NULL,
    payload  BLOB    NOT NULL,
    PRIMARY KEY (topic_id, offset)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS messages_by_time ON messages (time_ms);
CREATE TABLE IF NOT EXISTS subscriptions (
    client_id    TEXT    NOT NULL,
    topic        TEXT    NOT NULL,
    user_id      TEXT    NOT NULL,
    resume_token TEXT    NOT NULL,
    acked_offset INTEGER NOT NULL,
    PRIMARY KEY (client_id, topic)
) WITHOUT ROWID;
)sql";

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
    throw StoreError("durable store: " + what + ": " +
                     (db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
}

// Offsets are uint64 in the ABI and INTEGER (int64) in SQLite; both sides stay below 2^63.
sqlite3_int64 as_sql(std::uint64_t value) {
    return value > static_cast<std::uint64_t>(std::numeric_limits<sqlite3_int64>::max())
               ? std::numeric_limits<sqlite3_int64>::max()
               : static_cast<sqlite3_int64>(value);
}

class Statement {
  public:
    Statement(sqlite3* db, const char* sql) : db_(db) {
        if (sqlite3_prepare_v2(db, sql, -1, &statement_, nullptr) != SQLITE_OK) {
            fail(db, std::string{"cannot prepare '"} + sql + "'");
        }
    }
    ~Statement() { sqlite3_finalize(statement_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int index, sqlite3_int64 value) {
        check(sqlite3_bind_int64(statement_, index, value));
        return *this;
    }
    Statement& bind(int index, std::string_view text) {
        // Empty text bound from a null pointer would be stored as NULL.
        check(sqlite3_bind_text(statement_, index, text.empty() ? "" : text.data(),
                                static_cast<int>(text.size()), SQLITE_STATIC));
        return *this;
    }
    Statement& bind_blob(int index, std::string_view bytes) {
        // A zero-length blob bound from a null pointer would be stored as NULL.
        check(sqlite3_bind_blob(statement_, index, bytes.empty() ? "" : bytes.data(),
                                static_cast<int>(bytes.size()), SQLITE_STATIC));
        return *this;
    }

    // True while a row is available.
    bool step() {
        const int result = sqlite3_step(statement_);
        if (result == SQLITE_ROW) {
            return true;
        }
        if (result != SQLITE_DONE) {
            fail(db_, "statement failed");
        }
        return false;
    }
    void run() {
        step();
        sqlite3_reset(statement_);
    }
    void reset() { sqlite3_reset(statement_); }

    sqlite3_int64 integer(int column) { return sqlite3_column_int64(statement_, column); }
    std::string_view text(int column) {
        const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(statement_, column));
        return data == nullptr ? std::string_view{}
                               : std::string_view{data, static_cast<std::size_t>(
                                                            sqlite3_column_bytes(statement_, column))};
    }
    std::string_view blob(int column) {
        const auto* data = static_cast<const char*>(sqlite3_column_blob(statement_, column));
        return data == nullptr ? std::string_view{}
                               : std::string_view{data, static_cast<std::size_t>(
                                                            sqlite3_column_bytes(statement_, column))};
    }
    std::uint64_t changes() { return static_cast<std::uint64_t>(sqlite3_changes(db_)); }

  private:
    void check(int result) {
        if (result != SQLITE_OK) {
            fail(db_, "cannot bind a parameter");
        }
    }

    sqlite3* db_;
    sqlite3_stmt* statement_ = nullptr;
};

void make_directory(const std::string& directory) {
    std::string partial;
    for (std::size_t slash = 0; slash != std::string::npos;) {
        slash = directory.find('/', slash + 1);
        partial = directory.substr(0, slash);
        if (partial.empty() || ::mkdir(partial.c_str(), 0750) == 0 || errno == EEXIST) {
            continue;
        }
        throw StoreError("durable store: cannot create the folder '" + partial +
                         "': " + std::strerror(errno));
    }
}

}  // namespace

std::string DurableStore::file_in(const std::string& directory) {
    return directory + "/" + kFileName;
}

DurableStore::DurableStore(const std::string& directory, SyncPolicy policy) {
    make_directory(directory);
    const std::string file = file_in(directory);
    if (sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                                SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
        const std::string message =
            "cannot open '" + file + "': " + (db_ != nullptr ? sqlite3_errmsg(db_) : "no memory");
        sqlite3_close(db_);
        db_ = nullptr;
        throw StoreError("durable store: " + message);
    }
    sqlite3_busy_timeout(db_, kBusyTimeoutMs);
    try {
        execute("PRAGMA journal_mode=WAL", "cannot switch to WAL mode");
        // In WAL mode FULL syncs the log at every commit, NORMAL only at checkpoints; OFF never.
        execute(policy == SyncPolicy::os ? "PRAGMA synchronous=OFF" : "PRAGMA synchronous=FULL",
                "cannot set the sync policy");
        execute(kSchema, "cannot create the schema");
    } catch (...) {
        sqlite3_close(db_);
        throw;
    }
}

DurableStore::~DurableStore() {
    sqlite3_close(db_);
}

void DurableStore::execute(const char* sql, const char* what) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
        fail(db_, what);
    }
}

std::vector<DurableTopic> DurableStore::load_topics() {
    Statement select{db_, "SELECT id, name, epoch, last_offset FROM topics"};
    std::vector<DurableTopic> topics;
    while (select.step()) {
        topics.push_back(DurableTopic{select.integer(0), std::string{select.text(1)},
                                      std::string{select.text(2)},
                                      static_cast<std::uint64_t>(select.integer(3))});
    }
    return topics;
}

void DurableStore::load_subscriptions(const SubscriptionVisitor& visit) {
    Statement select{db_,
                     "SELECT client_id, topic, user_id, resume_token, acked_offset "
                     "FROM subscriptions ORDER BY client_id, topic"};
    while (select.step()) {
        const SubscriptionKey key{std::string{select.text(0)}, std::string{select.text(1)}};
        const SubscriptionRecord record{std::string{select.text(2)}, std::string{select.text(3)},
                                        static_cast<std::uint64_t>(select.integer(4))};
        if (!visit(key, record)) {
            break;
        }
    }
}

void DurableStore::write(const std::vector<DurableMessage>& messages,
                         const SubscriptionChanges& subscriptions) {
    execute("BEGIN IMMEDIATE", "cannot begin a transaction");
    try {
        Statement insert_message{
            db_, "INSERT INTO messages (topic_id, offset, time_ms, payload) VALUES (?, ?, ?, ?)"};
        Statement upsert_topic{db_,
                               "INSERT INTO topics (id, name, epoch, last_offset) "
                               "VALUES (?, ?, ?, ?) "
                               "ON CONFLICT (id) DO UPDATE SET last_offset = excluded.last_offset"};
        for (const DurableMessage& message : messages) {
            insert_message.bind(1, message.topic_id)
                .bind(2, as_sql(message.offset))
                .bind(3, message.time_ms)
                .bind_blob(4, message.payload)
                .run();
            upsert_topic.bind(1, message.topic_id)
                .bind(2, message.topic)
                .bind(3, message.epoch)
                .bind(4, as_sql(message.offset))
                .run();
        }
        if (!subscriptions.empty()) {
            write_subscriptions(subscriptions);
        }
        execute("COMMIT", "cannot commit");
    } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

void DurableStore::write_subscriptions(const SubscriptionChanges& subscriptions) {
    Statement upsert{db_,
                     "INSERT OR REPLACE INTO subscriptions "
                     "(client_id, topic, user_id, resume_token, acked_offset) "
                     "VALUES (?, ?, ?, ?, ?)"};
    Statement remove{db_, "DELETE FROM subscriptions WHERE client_id = ? AND topic = ?"};
    for (const auto& [key, record] : subscriptions) {
        if (record) {
            upsert.bind(1, key.client_id)
                .bind(2, key.topic)
                .bind(3, record->user_id)
                .bind(4, record->resume_token)
                .bind(5, as_sql(record->acked_offset))
                .run();
        } else {
            remove.bind(1, key.client_id).bind(2, key.topic).run();
        }
    }
}

RetentionResult DurableStore::apply_retention(std::uint64_t max_messages,
                                              std::int64_t oldest_time_ms) {
    RetentionResult result;
    execute("BEGIN IMMEDIATE", "cannot begin a transaction");
    try {
        if (max_messages > 0) {
            Statement by_count{db_,
                               "DELETE FROM messages WHERE topic_id = ?1 AND offset <= ?2"};
            Statement topics{db_, "SELECT id, last_offset FROM topics WHERE last_offset > ?"};
            topics.bind(1, as_sql(max_messages));
            while (topics.step()) {
                const auto last = static_cast<std::uint64_t>(topics.integer(1));
                by_count.bind(1, topics.integer(0)).bind(2, as_sql(last - max_messages)).run();
                result.deleted_by_count += by_count.changes();
            }
        }
        Statement by_age{db_, "DELETE FROM messages WHERE time_ms < ?"};
        by_age.bind(1, oldest_time_ms).run();
        result.deleted_by_age = by_age.changes();
        execute("COMMIT", "cannot commit");
    } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
    return result;
}

std::uint64_t DurableStore::read(std::int64_t topic_id, std::uint64_t since_offset,
                                 std::uint64_t limit, std::uint64_t max_messages,
                                 std::int64_t oldest_time_ms, const Visitor& visit) {
    // One read transaction: the messages and the last offset come from the same snapshot.
    execute("BEGIN", "cannot begin a read");
    try {
        Statement last{db_, "SELECT last_offset FROM topics WHERE id = ?"};
        last.bind(1, topic_id);
        const std::uint64_t last_offset =
            last.step() ? static_cast<std::uint64_t>(last.integer(0)) : 0;
        last.reset();
        if (max_messages > 0 && last_offset > max_messages) {
            since_offset = std::max(since_offset, last_offset - max_messages);
        }
        Statement select{db_,
                         "SELECT offset, time_ms, payload FROM messages "
                         "WHERE topic_id = ? AND offset > ? AND time_ms >= ? "
                         "ORDER BY offset LIMIT ?"};
        select.bind(1, topic_id)
            .bind(2, as_sql(since_offset))
            .bind(3, oldest_time_ms)
            .bind(4, limit == 0 ? -1 : as_sql(limit));
        while (select.step()) {
            if (!visit(static_cast<std::uint64_t>(select.integer(0)), select.integer(1),
                       select.blob(2))) {
                break;
            }
        }
        select.reset();
        execute("COMMIT", "cannot end a read");
        return last_offset;
    } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

}  // namespace notify::local
