// The `redis` broker: a cluster bus and history store over one or more Redis servers.
//
// Threads: the core thread calls the vtable; it never waits on Redis except in history_read
// (synchronous in the ABI; a separate blocking connection per server). Everything else is handed
// to the plugin's own thread through a mutex-protected queue and an eventfd wakeup. That thread
// runs a poll() loop that drives every hiredis async context (a tiny custom adapter: the
// addRead/delRead/addWrite/delWrite hooks only set flags that the loop turns into pollfds), the
// timers (reconnect backoff, connect/command timeouts, liveness probes, announcements, delayed
// unsubscribes) and all per-topic loss-detection state. See README.md.
#include <notify/notify.h>
#include <notify/sdk.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

#include "presence_book.hpp"
#include "sha1.hpp"
#include "tls_tunnel.hpp"
#include "wire.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
namespace wire = notify::redis;

constexpr std::int64_t kDefaultConnectTimeoutMs = 2000;
constexpr std::int64_t kDefaultCommandTimeoutMs = 5000;
constexpr std::int64_t kDefaultUnsubscribeDelayMs = 120000;
constexpr std::int64_t kDefaultProbeIntervalMs = 10000;
constexpr std::int64_t kDefaultAnnounceIntervalMs = 3000;
constexpr std::int64_t kDefaultShards = 64;
constexpr std::int64_t kDefaultMaxPending = 10000;
constexpr std::int64_t kDefaultMetaTtlMs = 30LL * 24 * 3600 * 1000;
constexpr std::size_t kSubscribeBatch = 512;
constexpr std::uint64_t kMaxFill = 10000;          // messages one gap fill may fetch
constexpr std::size_t kMaxQueuedPerTopic = 100000;  // bus messages held behind a gap fill
constexpr int kBackoffFirstMs = 100;
constexpr int kBackoffCapMs = 3000;
constexpr std::int64_t kMalformedLogEveryMs = 10000;
constexpr std::int64_t kDefaultPresenceTtlMs = 60000;
constexpr std::int64_t kMinPresenceTtlMs = 3000;
constexpr std::size_t kPresenceRefreshBatch = 200;  // clients per refresh script call

// KEYS[1] meta hash, KEYS[2] stream. ARGV: history_size, history_ttl_ms, meta_ttl_ms, channel,
// tail (wire-encoded topic, publish_key, time, payload), epoch to use when the stream is new.
// Returns {offset, epoch}. The message it PUBLISHes is wire format v1 type 'T'.
constexpr const char* kPublishScript = R"lua(
local function field(s)
  local n = #s
  return string.char(math.floor(n / 16777216) % 256, math.floor(n / 65536) % 256,
                     math.floor(n / 256) % 256, n % 256) .. s
end
local epoch = redis.call('hget', KEYS[1], 'e')
if not epoch then
  epoch = ARGV[6]
  redis.call('hset', KEYS[1], 'e', epoch)
end
local offset = redis.call('hincrby', KEYS[1], 's', 1)
local meta_ttl = tonumber(ARGV[3])
redis.call('pexpire', KEYS[1], meta_ttl)
if offset == 1 then
  redis.call('del', KEYS[2])
end
local off = string.format('%d', offset)
local size = tonumber(ARGV[1])
if size > 0 then
  redis.call('xadd', KEYS[2], 'MAXLEN', size, off .. '-0', 'm', ARGV[5])
  local ttl = tonumber(ARGV[2])
  if ttl <= 0 then ttl = meta_ttl end
  redis.call('pexpire', KEYS[2], ttl)
end
redis.call('publish', ARGV[4], 'NB\1T' .. field(off) .. field(epoch) .. ARGV[5])
return {off, epoch}
)lua";

// KEYS[1] meta hash, KEYS[2] stream. ARGV: first offset wanted, limit (0 = all, -1 = position
// only). Returns {epoch or nil, offset, entries}.
constexpr const char* kHistoryScript = R"lua(
local meta = redis.call('hmget', KEYS[1], 'e', 's')
if not meta[1] then
  return {false, '0', {}}
end
local limit = tonumber(ARGV[2])
local entries = {}
if limit > 0 then
  entries = redis.call('xrange', KEYS[2], ARGV[1], '+', 'COUNT', limit)
elseif limit == 0 then
  entries = redis.call('xrange', KEYS[2], ARGV[1], '+')
end
return {meta[1], meta[2] or '0', entries}
)lua";

// Presence (README "Presence"). KEYS[1] the hash client -> record, KEYS[2] the sorted set
// client -> expiry in Redis's clock (ms): every script uses TIME, so node clocks do not matter.

// ARGV: client, record, ttl_ms, channel, change message. Adds or replaces the client's entry.
constexpr const char* kPresenceAddScript = R"lua(
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
redis.call('hset', KEYS[1], ARGV[1], ARGV[2])
redis.call('zadd', KEYS[2], now + ttl, ARGV[1])
redis.call('pexpire', KEYS[1], ttl)
redis.call('pexpire', KEYS[2], ttl)
redis.call('publish', ARGV[4], ARGV[5])
return 1
)lua";

// ARGV: client, owner prefix, channel, change message. Removes the entry only while this node
// owns it (a client that moved to another node keeps the newer node's entry).
constexpr const char* kPresenceRemoveScript = R"lua(
local current = redis.call('hget', KEYS[1], ARGV[1])
if current and string.sub(current, 1, #ARGV[2]) == ARGV[2] then
  redis.call('hdel', KEYS[1], ARGV[1])
  redis.call('zrem', KEYS[2], ARGV[1])
end
redis.call('publish', ARGV[3], ARGV[4])
return 1
)lua";

// The start of the refresh and read scripts: `now` in Redis's clock, and the expired entries
// gone (a dead node's: nobody refreshes them, and the live nodes' refreshes keep the keys alive).
constexpr const char* kPresenceNowAndPrune = R"lua(
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expired = redis.call('zrangebyscore', KEYS[2], '-inf', now)
for i = 1, #expired, 500 do
  redis.call('hdel', KEYS[1], unpack(expired, i, math.min(i + 499, #expired)))
end
if #expired > 0 then
  redis.call('zremrangebyscore', KEYS[2], '-inf', now)
end
)lua";

// ARGV: ttl_ms, owner prefix, channel, reload message ('' = none), then client, record pairs.
// After the prune, rewrites this node's entries with a new expiry (again after Redis lost
// them), never over an entry another node owns now.
const std::string kPresenceRefreshText = std::string{kPresenceNowAndPrune} + R"lua(
local ttl = tonumber(ARGV[1])
for i = 5, #ARGV, 2 do
  local current = redis.call('hget', KEYS[1], ARGV[i])
  if (not current) or string.sub(current, 1, #ARGV[2]) == ARGV[2] then
    redis.call('hset', KEYS[1], ARGV[i], ARGV[i + 1])
    redis.call('zadd', KEYS[2], now + ttl, ARGV[i])
  end
end
redis.call('pexpire', KEYS[1], ttl)
redis.call('pexpire', KEYS[2], ttl)
if ARGV[4] ~= '' then
  redis.call('publish', ARGV[3], ARGV[4])
end
return 1
)lua";
const char* const kPresenceRefreshScript = kPresenceRefreshText.c_str();

// No ARGV. After the prune, returns the entries (HGETALL: client, record, ...).
const std::string kPresenceReadText =
    std::string{kPresenceNowAndPrune} + "return redis.call('hgetall', KEYS[1])\n";
const char* const kPresenceReadScript = kPresenceReadText.c_str();

const char* const kScripts[] = {kPublishScript, kHistoryScript, kPresenceAddScript,
                                    kPresenceRemoveScript, kPresenceRefreshScript,
                                    kPresenceReadScript};

std::string_view view_of(notify_str text) noexcept {
    return text.len == 0 ? std::string_view{} : std::string_view{text.data, text.len};
}
notify_str str_of(std::string_view text) noexcept { return notify_str{text.data(), text.size()}; }
notify_bytes bytes_of(std::string_view text) noexcept {
    return notify_bytes{reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}
std::int64_t ms_between(Clock::time_point from, Clock::time_point to) {
    return std::chrono::duration_cast<milliseconds>(to - from).count();
}

struct Address {
    std::string host;
    int port = 6379;
    std::string text;
};

struct Config {
    std::vector<Address> addresses;
    std::string user;
    std::string password;
    std::int64_t db = 0;
    std::string prefix = "notify";
    std::int64_t connect_timeout_ms = kDefaultConnectTimeoutMs;
    std::int64_t command_timeout_ms = kDefaultCommandTimeoutMs;
    std::int64_t unsubscribe_delay_ms = kDefaultUnsubscribeDelayMs;
    std::int64_t probe_interval_ms = kDefaultProbeIntervalMs;
    std::int64_t announce_interval_ms = kDefaultAnnounceIntervalMs;
    std::uint32_t shards = static_cast<std::uint32_t>(kDefaultShards);
    std::int64_t max_pending = kDefaultMaxPending;
    std::int64_t presence_ttl_ms = kDefaultPresenceTtlMs;
    // Not a key: the node's [node] name, which scopes its durable subscriptions in Redis (a
    // node restarted with the same name restores them).
    std::string node_name;
    bool tls = false;
    wire::TlsOptions tls_options;
};

// ---- jobs from the core thread ---------------------------------------------------------------

struct PublishJob {
    std::uint64_t request_id = 0;
    std::string topic;
    std::string tail;
    std::uint64_t history_size = 0;
    std::uint64_t history_ttl_ms = 0;
    std::uint64_t meta_ttl_ms = 0;
};
struct InterestJob {
    std::uint32_t kind = 0;
    std::string name;
    bool up = false;
};
struct RawPublishJob {
    std::size_t server = 0;
    std::string channel;
    std::string message;
};
struct ObserveJob {  // a position history_read returned
    std::string topic;
    std::uint64_t offset = 0;
    std::string epoch;
};
struct PresenceJob {  // this node's client joined ('+') or left ('-') a topic
    char op = '+';
    std::string topic;
    std::string client;
    std::string record;   // '+': the hash value
    std::string message;  // the change for the topic's channel
};
struct TrackPresenceJob {  // a read found no current replica: keep one if there is interest
    std::string topic;
};
struct CommandJob {  // one command whose reply only matters when it is an error
    std::size_t server = 0;
    std::vector<std::string> args;
};
struct SubscriptionJob {  // save (value) or remove (no value) one durable subscription
    std::string topic;
    std::string field;
    std::optional<std::string> value;
};
struct CheckPersistenceJob {};  // an at-least-once namespace is in use: check Redis's settings
using Job = std::variant<PublishJob, InterestJob, RawPublishJob, ObserveJob, PresenceJob,
                         TrackPresenceJob, CommandJob, SubscriptionJob, CheckPersistenceJob>;

class Broker;
struct Server;
using PresenceBookRecords = notify::redis::PresenceBook::Records;

struct Conn {
    enum class State { down, connecting, ready };
    Broker* broker = nullptr;
    Server* server = nullptr;
    std::size_t index = 0;  // the server's index
    bool pubsub = false;
    redisAsyncContext* ac = nullptr;
    bool want_read = false;
    bool want_write = false;
    State state = State::down;
    bool drop = false;              // close at the next loop turn (never inside a callback)
    std::string drop_reason;
    Clock::time_point started{};
    Clock::time_point next_attempt{};
    int backoff_ms = 0;
    bool ever_connected = false;
    bool warned = false;
    std::deque<Clock::time_point> sent;  // command connection: replies outstanding, in order
    Clock::time_point last_heard{};      // pub/sub connection
    bool probe_out = false;
    Clock::time_point probe_sent{};
    bool awaiting_answer = false;  // through a TLS tunnel: connected once Redis first answers
    std::vector<std::string> to_subscribe;
    std::vector<std::string> to_unsubscribe;
};

struct Server {
    Address address;
    // With `tls = true`: hiredis connects to this tunnel's Unix socket, which relays over TLS.
    std::unique_ptr<wire::TlsTunnel> tunnel;
    Conn cmd;
    Conn sub;
    std::atomic<bool> up{false};
    std::atomic<std::int64_t> inflight{0};
    std::mutex error_mutex;
    std::string error = "not connected yet";
    std::mutex sync_mutex;  // the blocking connection of history and presence reads
    redisContext* sync = nullptr;
    Clock::time_point sync_retry{};
    // plugin thread: the command connection came (back): write this node's presence again.
    bool presence_rewrite = false;
    // plugin thread: presence removals Redis has not confirmed yet, (topic, client) -> the
    // change message and its sequence; sent again after a reconnect (before the rewrite) or an
    // error reply, so that no entry of a client that left stays behind.
    struct PresenceRemoval {
        std::string message;
        std::uint64_t sequence = 0;
    };
    std::map<std::pair<std::string, std::string>, PresenceRemoval> presence_removals;
    // plugin thread: an error reply refused some writes above or below: send them all again then.
    std::optional<Clock::time_point> writes_retry_at;
    // plugin thread: durable subscription writes not yet confirmed by this server, (topic,
    // field) -> the latest value (none = remove) and its sequence. Sent again, latest only,
    // when the command connection comes back: a write is never lost to a dropped connection.
    struct SubscriptionWrite {
        std::optional<std::string> value;
        std::uint64_t sequence = 0;
    };
    std::map<std::pair<std::string, std::string>, SubscriptionWrite> subscription_writes;
    bool persistence_check_wanted = false;  // plugin thread
    int persistence_settings_good = 0;      // plugin thread: of the two, during a check

    void set_error(std::string text) {
        std::lock_guard lock{error_mutex};
        error = std::move(text);
    }
    std::string get_error() {
        std::lock_guard lock{error_mutex};
        return error;
    }
};

enum class ReqKind {
    setup,
    publish,
    position,
    fill,
    raw,
    presence_write,
    presence_remove,
    presence_load,
    subscription_write,
    persistence
};

struct Request {
    ReqKind kind = ReqKind::setup;
    Conn* conn = nullptr;
    std::uint64_t request_id = 0;
    std::string topic;
    std::vector<std::string> args;  // publish: kept for the EVAL fallback on NOSCRIPT
    std::uint64_t base = 0;         // fill: the offset it fills after
    std::uint64_t generation = 0;   // position/fill/presence_load: the TopicState it was made for
    std::uint64_t load = 0;         // presence_load: which load of that state
    const char* script = nullptr;   // EVALSHA requests: the script, for the EVAL fallback
    bool retried = false;
};

struct QueuedMessage {
    wire::TopicMessage message;
};

struct TopicState {
    std::size_t server = 0;
    std::uint64_t generation = 0;  // a fresh state (after an unsubscribe) ignores older replies
    bool interested = false;
    Clock::time_point down_since{};
    bool subscribed = false;  // SUBSCRIBE sent on the current pub/sub connection
    std::uint64_t delivered = 0;  // delivered_through: highest offset handed to the host
    // While delivered == 0: the earliest position a local subscriber started from (a history
    // read on this node); everything after it must reach the host.
    std::uint64_t floor = 0;
    bool floor_known = false;
    std::string epoch;
    // The epoch this node last reported lost: a message of it that still comes is dropped (the
    // host told its subscribers to recover past it).
    std::string lost_epoch;
    std::uint64_t known_top = 0;  // highest offset seen in publish completions / reads
    Clock::time_point known_since{};
    bool filling = false;         // a gap fill is outstanding
    bool resync_needed = false;   // a fill failed (connection): retry when the server is back
    std::deque<wire::TopicMessage> queued;
    bool confirmed = false;       // Redis confirmed the SUBSCRIBE on the current connection
    // Presence replica (a topic of a presence namespace): loaded once the channel is confirmed,
    // so that every change after the snapshot arrives; changes during a load wait in order.
    bool presence = false;
    bool presence_current = false;
    std::uint64_t presence_load = 0;  // the load outstanding (0 = none)
    bool presence_reload = false;     // another load once this one is done
    std::vector<wire::PresenceMessage> presence_waiting;
};

struct IdShard {
    std::unordered_set<std::string> ids;
    bool subscribed = false;
    Clock::time_point empty_since{};
};

// ---- history reply parsing (shared by the async and blocking paths) ---------------------------

struct HistoryEntry {
    std::uint64_t offset = 0;
    wire::TopicTail tail;
};
struct HistoryReply {
    std::string epoch;
    std::uint64_t offset = 0;
    std::vector<HistoryEntry> entries;
};

std::string_view reply_text(const redisReply* reply) {
    if (reply == nullptr ||
        (reply->type != REDIS_REPLY_STRING && reply->type != REDIS_REPLY_STATUS &&
         reply->type != REDIS_REPLY_ERROR)) {
        return {};
    }
    return std::string_view{reply->str, reply->len};
}

bool parse_entry_id(std::string_view id, std::uint64_t* offset) {
    const auto dash = id.find('-');
    const auto value = wire::parse_u64(id.substr(0, dash));
    if (!value) {
        return false;
    }
    *offset = *value;
    return true;
}

// false when the reply does not have the script's shape.
bool parse_history(const redisReply* reply, HistoryReply* out, std::string* error) {
    if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY || reply->elements < 3) {
        *error = "unexpected reply to the history script";
        return false;
    }
    const redisReply* epoch = reply->element[0];
    if (epoch->type == REDIS_REPLY_STRING) {
        out->epoch.assign(epoch->str, epoch->len);
    }
    const redisReply* offset = reply->element[1];
    if (offset->type == REDIS_REPLY_INTEGER) {
        out->offset = static_cast<std::uint64_t>(offset->integer);
    } else {
        const auto parsed = wire::parse_u64(reply_text(offset));
        if (!parsed) {
            *error = "bad offset in the stream's meta hash";
            return false;
        }
        out->offset = *parsed;
    }
    if (out->epoch.empty()) {
        out->offset = 0;
    }
    const redisReply* entries = reply->element[2];
    if (entries->type != REDIS_REPLY_ARRAY) {
        return true;
    }
    for (std::size_t i = 0; i < entries->elements; ++i) {
        const redisReply* entry = entries->element[i];
        if (entry->type != REDIS_REPLY_ARRAY || entry->elements < 2 ||
            entry->element[1]->type != REDIS_REPLY_ARRAY) {
            continue;
        }
        HistoryEntry item;
        if (!parse_entry_id(reply_text(entry->element[0]), &item.offset)) {
            continue;
        }
        const redisReply* fields = entry->element[1];
        for (std::size_t f = 0; f + 1 < fields->elements; f += 2) {
            if (reply_text(fields->element[f]) == "m") {
                auto tail = wire::decode_topic_tail(reply_text(fields->element[f + 1]));
                if (tail) {
                    item.tail = std::move(*tail);
                    out->entries.push_back(std::move(item));
                }
                break;
            }
        }
    }
    return true;
}

// Blocks SIGPIPE on the calling thread for its lifetime and takes back one raised meanwhile:
// the blocking connection runs on the host's core thread, and hiredis write()s to a socket that
// the server (or the TLS tunnel) may have closed, which must fail with EPIPE, not end notifyd.
class SigpipeBlocked {
  public:
    SigpipeBlocked() {
        sigemptyset(&pipe_);
        sigaddset(&pipe_, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe_, &previous_);
        sigset_t pending;
        sigpending(&pending);
        was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    }
    ~SigpipeBlocked() {
        sigset_t pending;
        sigpending(&pending);
        if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
            const timespec now{0, 0};
            sigtimedwait(&pipe_, nullptr, &now);
        }
        pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
    }
    SigpipeBlocked(const SigpipeBlocked&) = delete;
    SigpipeBlocked& operator=(const SigpipeBlocked&) = delete;

  private:
    sigset_t pipe_{};
    sigset_t previous_{};
    bool was_pending_ = false;
};

std::string lower_first(std::string text) {
    if (!text.empty() && text[0] >= 'A' && text[0] <= 'Z') {
        text[0] = static_cast<char>(text[0] - 'A' + 'a');
    }
    return text;
}

// ---- the broker ----------------------------------------------------------------------------

class Broker {
  public:
    Broker(const notify_host_api* host, notify_host_ctx* ctx, Config config)
        : host_(host), ctx_(ctx), config_(std::move(config)), publish_sha_(wire::sha1_hex(kPublishScript)),
          history_sha_(wire::sha1_hex(kHistoryScript)),
          presence_add_sha_(wire::sha1_hex(kPresenceAddScript)),
          presence_remove_sha_(wire::sha1_hex(kPresenceRemoveScript)),
          presence_refresh_sha_(wire::sha1_hex(kPresenceRefreshScript)),
          presence_read_sha_(wire::sha1_hex(kPresenceReadScript)), random_(std::random_device{}()) {
        names_.prefix = config_.prefix;
        for (std::size_t i = 0; i < config_.addresses.size(); ++i) {
            auto server = std::make_unique<Server>();
            server->address = config_.addresses[i];
            for (Conn* conn : {&server->cmd, &server->sub}) {
                conn->broker = this;
                conn->server = server.get();
                conn->index = i;
            }
            server->sub.pubsub = true;
            servers_.push_back(std::move(server));
        }
        wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    }

    ~Broker() {
        stop();
        for (auto& server : servers_) {
            if (server->sync != nullptr) {
                redisFree(server->sync);
            }
        }
        if (wake_fd_ >= 0) {
            close(wake_fd_);
        }
    }

    bool valid() const { return wake_fd_ >= 0; }
    // With `tls`: one tunnel per server. Empty on success, else why not.
    std::string open_tunnels() {
        if (!config_.tls) {
            return {};
        }
        for (auto& server : servers_) {
            std::string error;
            server->tunnel = wire::TlsTunnel::open(server->address.host, server->address.port,
                                                   config_.tls_options,
                                                   static_cast<int>(config_.connect_timeout_ms),
                                                   &error);
            if (server->tunnel == nullptr) {
                return "redis " + server->address.text + ": " + error;
            }
        }
        return {};
    }

    notify_status start(notify_error* err);
    void stop();

    // core thread
    notify_status publish(const notify_broker_publish* publish, notify_error* err);
    notify_status history_read(const notify_history_request* request, notify_history_sink sink,
                               void* sink_ctx, notify_stream_position* current,
                               notify_error* err);
    notify_status interest(std::uint32_t kind, notify_str name, bool up, notify_error* err);
    notify_status publish_direct(const notify_broker_direct* direct, notify_error* err);
    notify_status send_command(const notify_cluster_command* command, notify_error* err);
    notify_status presence_add(notify_str topic, const notify_presence_entry* entry,
                               notify_error* err);
    notify_status presence_remove(notify_str topic, notify_str client_id, notify_error* err);
    notify_status presence_read(notify_str topic, notify_presence_sink sink, void* sink_ctx,
                                notify_error* err);
    notify_status presence_stats(notify_str topic, notify_presence_stats* stats,
                                 notify_error* err);
    notify_status history_remove(notify_str topic, notify_error* err);
    notify_status subscription_save(const notify_durable_subscription* subscription,
                                    notify_error* err);
    notify_status subscription_remove(notify_str client_id, notify_str topic, notify_error* err);
    // Before start(): blocking reads on each server.
    notify_status subscriptions_load(notify_subscription_sink sink, void* sink_ctx,
                                     notify_error* err);

    // plugin thread (hiredis callbacks)
    void on_connected(Conn* conn, bool ok);
    void established(Conn* conn);
    // Tells the host whether every server's command connection is up (ABI 1.6 set_ready).
    void report_readiness();
    void on_disconnected(Conn* conn, bool error);
    void on_gone(Conn* conn);
    void on_reply(Request* request, redisReply* reply);
    void on_sub_reply(Conn* conn, redisReply* reply);

  private:
    void log(notify_log_level level, const std::string& line) {
        host_->log(ctx_, level, str_of(line));
    }
    // false once the plugin thread has finished (stop): nothing would run the job.
    bool push(Job job) {
        {
            std::lock_guard lock{queue_mutex_};
            if (queue_closed_) {
                return false;
            }
            jobs_.push_back(std::move(job));
        }
        wake();
        return true;
    }
    void wake() {
        const std::uint64_t one = 1;
        ssize_t ignored = write(wake_fd_, &one, sizeof one);
        (void)ignored;
    }
    notify_status io_error(std::size_t server, notify_error* err) {
        notify_error_setf(err, "redis %s: %s", servers_[server]->address.text.c_str(),
                          servers_[server]->get_error().c_str());
        return NOTIFY_ERR_IO;
    }

    // Runs one command on the server's blocking connection (made on first use; a kept one that
    // the server closed is replaced once); EVALSHA falls back to EVAL of `script`. Returns the
    // reply (the caller frees it) or nullptr with *error set. THREAD: any (core thread).
    redisReply* sync_call(std::size_t index, std::vector<std::string> args, const char* script,
                          std::string* error);
    // The entries of topic: from the replica, else from Redis. Calls visit after unlocking.
    notify_status collect_presence(std::string_view topic, PresenceBookRecords* out,
                                   notify_error* err);

    void run();
    void drain_jobs();
    void tick(Clock::time_point now);
    void sweep(Clock::time_point now);
    void connect(Conn* conn, Clock::time_point now);
    void drop_now(Conn* conn);
    void poll_once();
    bool send(Conn* conn, Request* request, const std::vector<std::string>& args);
    void flush_subscriptions(Conn* conn);
    void resubscribe(Conn* conn);
    std::string epoch_candidate();

    void do_publish(PublishJob& job);
    void do_interest(InterestJob& job);
    void do_raw(RawPublishJob& job);
    void do_observe(ObserveJob& job);
    void do_presence(PresenceJob& job);
    void do_track_presence(TrackPresenceJob& job);
    void do_command(CommandJob& job);
    bool send_script(Conn* conn, ReqKind kind, const char* script, const std::string& sha,
                     std::vector<std::string> keys_and_args, const std::string& topic = {},
                     std::uint64_t generation = 0, std::uint64_t load = 0);
    void on_presence_change(const std::string& topic, TopicState& state,
                            wire::PresenceMessage change);
    void start_presence_load(const std::string& topic, TopicState& state);
    void on_presence_load(Request* request, const redisReply* reply);
    void refresh_presence(std::size_t only_server, bool announce);
    void write_failed(const std::string& what);
    void send_presence_removal(Server& server, const std::pair<std::string, std::string>& key,
                               const Server::PresenceRemoval& removal);
    void on_presence_removed(Request* request, const redisReply* reply);
    void do_subscription(SubscriptionJob& job);
    void send_subscription_write(Server& server, const std::pair<std::string, std::string>& key,
                                 const Server::SubscriptionWrite& write);
    void on_subscription_written(Request* request, const redisReply* reply);
    void check_persistence(Server& server);
    void on_persistence(Request* request, const redisReply* reply);
    // Asks for the persistence check once, on the first at-least-once use. THREAD: core.
    void want_persistence_check() {
        if (!persistence_check_requested_.exchange(true)) {
            push(CheckPersistenceJob{});
        }
    }
    void complete_publish(Request* request, notify_status status, std::uint64_t offset,
                          const std::string& epoch, const std::string& error);

    void on_bus(Conn* conn, std::string_view channel, std::string_view payload);
    void on_topic_message(const std::string& topic, TopicState& state,
                          wire::TopicMessage message);
    void deliver(const std::string& topic, TopicState& state, const wire::TopicMessage& message);
    void lost(const std::string& topic, std::uint64_t offset, const std::string& epoch,
              const std::string& reason);
    void start_fill(const std::string& topic, TopicState& state, std::uint64_t limit);
    void start_position_read(const std::string& topic, TopicState& state);
    void on_fill(Request* request, const redisReply* reply);
    void drain_topic(const std::string& topic, TopicState& state);
    void malformed(std::string_view channel, std::string_view why);
    void announce();
    void probe(Server& server, Clock::time_point now);

    IdShard& id_shard(std::uint32_t kind, std::uint32_t shard) {
        return kind == NOTIFY_INTEREST_CLIENT ? client_shards_[shard] : user_shards_[shard];
    }
    std::string id_channel(std::uint32_t kind, std::uint32_t shard) const {
        return kind == NOTIFY_INTEREST_CLIENT ? names_.client_channel(shard)
                                              : names_.user_channel(shard);
    }

    const notify_host_api* host_;
    notify_host_ctx* ctx_;
    const Config config_;
    wire::Names names_;
    const std::string publish_sha_;
    const std::string history_sha_;
    const std::string presence_add_sha_;
    const std::string presence_remove_sha_;
    const std::string presence_refresh_sha_;
    const std::string presence_read_sha_;
    // Made at start (it needs the node id), before the thread runs.
    std::unique_ptr<wire::PresenceBook> book_;
    std::string node_id_;  // set at start, before the thread runs; read-only afterwards
    std::vector<std::unique_ptr<Server>> servers_;

    int wake_fd_ = -1;
    std::mutex queue_mutex_;
    std::vector<Job> jobs_;
    bool queue_closed_ = false;  // guarded by queue_mutex_
    std::thread thread_;
    std::atomic<bool> stopping_{false};
    bool started_ = false;

    // plugin thread only
    std::mt19937_64 random_;
    std::unordered_map<std::string, TopicState> topics_;
    std::map<std::uint32_t, IdShard> client_shards_;
    std::map<std::uint32_t, IdShard> user_shards_;
    Clock::time_point next_announce_{};
    Clock::time_point next_sweep_{};
    std::uint64_t malformed_count_ = 0;
    std::uint64_t malformed_logged_ = 0;
    Clock::time_point malformed_log_at_{};
    std::uint64_t probe_nonce_ = 0;
    std::uint64_t generations_ = 0;
    std::uint64_t presence_loads_ = 0;
    Clock::time_point next_presence_refresh_{};
    Clock::time_point next_presence_purge_{};
    Clock::time_point presence_failure_logged_{};
    std::uint64_t presence_failures_ = 0;
    std::uint64_t subscription_sequence_ = 0;
    Clock::time_point name_clash_logged_{};
    std::atomic<bool> persistence_check_requested_{false};
};

// ---- hiredis adapter and callbacks (C function pointers) -----------------------------------

void ev_add_read(void* data) { static_cast<Conn*>(data)->want_read = true; }
void ev_del_read(void* data) { static_cast<Conn*>(data)->want_read = false; }
void ev_add_write(void* data) { static_cast<Conn*>(data)->want_write = true; }
void ev_del_write(void* data) { static_cast<Conn*>(data)->want_write = false; }
void ev_cleanup(void* data) {
    auto* conn = static_cast<Conn*>(data);
    conn->broker->on_gone(conn);
}

void on_connect_cb(const redisAsyncContext* ac, int status) {
    auto* conn = static_cast<Conn*>(ac->data);
    if (status != REDIS_OK) {
        conn->server->set_error(lower_first(ac->errstr));
    }
    conn->broker->on_connected(conn, status == REDIS_OK);
}

void on_disconnect_cb(const redisAsyncContext* ac, int status) {
    auto* conn = static_cast<Conn*>(ac->data);
    if (status != REDIS_OK && ac->errstr[0] != '\0') {
        conn->drop_reason = lower_first(ac->errstr);
    }
    conn->broker->on_disconnected(conn, status != REDIS_OK);
}

void on_reply_cb(redisAsyncContext*, void* reply, void* privdata) {
    auto* request = static_cast<Request*>(privdata);
    request->conn->broker->on_reply(request, static_cast<redisReply*>(reply));
}

void on_sub_cb(redisAsyncContext*, void* reply, void* privdata) {
    auto* conn = static_cast<Conn*>(privdata);
    conn->broker->on_sub_reply(conn, static_cast<redisReply*>(reply));
}

// ---- lifecycle -------------------------------------------------------------------------------

notify_status Broker::start(notify_error*) {
    if (NOTIFY_HOST_HAS(host_, node_info)) {
        notify_node_info info{};
        info.size = sizeof info;
        host_->node_info(ctx_, &info);
        node_id_.assign(view_of(info.id));
    }
    if (node_id_.empty()) {
        char hex[17];
        notify_error ignored;
        if (notify_random_hex(hex, 16, &ignored) == NOTIFY_OK) {
            node_id_ = hex;
        } else {
            node_id_ = std::to_string(random_());
        }
    }
    book_ = std::make_unique<wire::PresenceBook>(node_id_,
                                                 milliseconds{3 * config_.announce_interval_ms});
    report_readiness();  // not ready until the connections are up
    thread_ = std::thread{[this] { run(); }};
    started_ = true;
    // Give the connections up to connect_timeout, so that the first publishes find Redis; an
    // unreachable Redis is not fatal: the thread keeps retrying, publishes fail meanwhile.
    const auto deadline = Clock::now() + milliseconds{config_.connect_timeout_ms};
    for (;;) {
        bool all_up = true;
        for (auto& server : servers_) {
            all_up = all_up && server->up.load();
        }
        if (all_up) {
            return NOTIFY_OK;
        }
        if (Clock::now() >= deadline) {
            break;
        }
        std::this_thread::sleep_for(milliseconds{10});
    }
    for (auto& server : servers_) {
        if (!server->up.load()) {
            log(NOTIFY_LOG_WARN, "redis " + server->address.text + ": " + server->get_error() +
                                     "; retrying in the background (publishes fail until "
                                     "it is reachable)");
        }
    }
    return NOTIFY_OK;
}

void Broker::stop() {
    if (!started_) {
        return;
    }
    started_ = false;
    stopping_.store(true);
    wake();
    thread_.join();
}

std::string Broker::epoch_candidate() {
    static const char digits[] = "0123456789abcdef";
    std::string epoch(16, '0');
    std::uint64_t bits = random_();
    for (char& c : epoch) {
        c = digits[bits & 0xfu];
        bits >>= 4;
    }
    return epoch;
}

void Broker::run() {
    // hiredis write()s to its sockets: a server that went away must give EPIPE, not end the
    // process with SIGPIPE.
    sigset_t pipe_signal;
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);
    const auto now = Clock::now();
    next_announce_ = now;
    for (auto& server : servers_) {
        connect(&server->cmd, now);
        connect(&server->sub, now);
    }
    while (!stopping_.load()) {
        drain_jobs();
        tick(Clock::now());
        for (auto& server : servers_) {
            flush_subscriptions(&server->sub);
        }
        poll_once();
    }
    // Shutdown: what is still queued fails, then every connection is closed (hiredis calls the
    // outstanding callbacks with no reply: those publishes complete with an error).
    std::vector<Job> left;
    {
        std::lock_guard lock{queue_mutex_};
        left.swap(jobs_);
        queue_closed_ = true;
    }
    for (auto& job : left) {
        if (auto* publish = std::get_if<PublishJob>(&job)) {
            const std::string message = "redis broker: stopping";
            host_->broker_publish_complete(ctx_, publish->request_id, NOTIFY_ERR_CLOSED, nullptr,
                                           str_of(message));
        }
    }
    for (auto& server : servers_) {
        for (Conn* conn : {&server->cmd, &server->sub}) {
            conn->drop_reason = "broker stopping";
            drop_now(conn);
        }
    }
}

void Broker::poll_once() {
    std::vector<pollfd> fds;
    std::vector<Conn*> owners;
    fds.push_back(pollfd{wake_fd_, POLLIN, 0});
    owners.push_back(nullptr);
    for (auto& server : servers_) {
        for (Conn* conn : {&server->cmd, &server->sub}) {
            if (conn->ac == nullptr || (!conn->want_read && !conn->want_write)) {
                continue;
            }
            short events = 0;
            if (conn->want_read) {
                events = static_cast<short>(events | POLLIN);
            }
            if (conn->want_write) {
                events = static_cast<short>(events | POLLOUT);
            }
            fds.push_back(pollfd{conn->ac->c.fd, events, 0});
            owners.push_back(conn);
        }
    }
    const int ready = ::poll(fds.data(), static_cast<nfds_t>(fds.size()), 50);
    if (ready <= 0) {
        return;
    }
    if ((fds[0].revents & POLLIN) != 0) {
        std::uint64_t count = 0;
        ssize_t ignored = read(wake_fd_, &count, sizeof count);
        (void)ignored;
    }
    for (std::size_t i = 1; i < fds.size(); ++i) {
        Conn* conn = owners[i];
        const short revents = fds[i].revents;
        if (revents == 0 || conn->ac == nullptr) {
            continue;
        }
        if ((revents & (POLLIN | POLLERR | POLLHUP)) != 0 && conn->want_read) {
            redisAsyncHandleRead(conn->ac);
        }
        if (conn->ac != nullptr && (revents & (POLLOUT | POLLERR | POLLHUP)) != 0 &&
            conn->want_write) {
            redisAsyncHandleWrite(conn->ac);
        }
    }
}

void Broker::connect(Conn* conn, Clock::time_point now) {
    Server& server = *conn->server;
    redisAsyncContext* ac =
        server.tunnel != nullptr
            ? redisAsyncConnectUnix(server.tunnel->path().c_str())
            : redisAsyncConnect(server.address.host.c_str(), server.address.port);
    conn->started = now;
    if (ac == nullptr || ac->err != 0) {
        server.set_error(ac != nullptr ? lower_first(ac->errstr) : "out of memory");
        if (ac != nullptr) {
            redisAsyncFree(ac);
        }
        conn->state = Conn::State::down;
        conn->backoff_ms = std::min(std::max(conn->backoff_ms * 2, kBackoffFirstMs), kBackoffCapMs);
        conn->next_attempt = now + milliseconds{conn->backoff_ms};
        return;
    }
    conn->ac = ac;
    conn->state = Conn::State::connecting;
    conn->drop = false;
    conn->drop_reason.clear();
    conn->sent.clear();
    conn->want_read = conn->want_write = false;
    ac->data = conn;
    ac->ev.data = conn;
    ac->ev.addRead = ev_add_read;
    ac->ev.delRead = ev_del_read;
    ac->ev.addWrite = ev_add_write;
    ac->ev.delWrite = ev_del_write;
    ac->ev.cleanup = ev_cleanup;
    redisAsyncSetConnectCallback(ac, on_connect_cb);
    redisAsyncSetDisconnectCallback(ac, on_disconnect_cb);

    // hiredis queues commands until the socket connects: AUTH/SELECT go first.
    std::vector<std::vector<std::string>> setup;
    if (!config_.password.empty()) {
        if (config_.user.empty()) {
            setup.push_back({"AUTH", config_.password});
        } else {
            setup.push_back({"AUTH", config_.user, config_.password});
        }
    }
    if (!conn->pubsub && config_.db != 0) {
        setup.push_back({"SELECT", std::to_string(config_.db)});
    }
    if (!conn->pubsub) {
        for (const char* script : kScripts) {
            setup.push_back({"SCRIPT", "LOAD", script});
        }
    }
    for (const auto& args : setup) {
        auto* request = new Request{};
        request->kind = ReqKind::setup;
        request->conn = conn;
        if (!send(conn, request, args)) {
            delete request;
        }
    }
    if (conn->pubsub) {
        conn->last_heard = now;
        conn->probe_out = false;
        resubscribe(conn);
        flush_subscriptions(conn);
    }
}

// Closes the connection now (never from inside one of its callbacks).
void Broker::drop_now(Conn* conn) {
    if (conn->ac == nullptr) {
        return;
    }
    const std::string reason = conn->drop_reason.empty() ? "connection closed" : conn->drop_reason;
    conn->server->set_error(reason);
    if (conn->ever_connected && !stopping_.load()) {
        log(NOTIFY_LOG_WARN, "redis " + conn->server->address.text + " (" +
                                 (conn->pubsub ? "pub/sub" : "commands") +
                                 " connection): " + reason + "; reconnecting");
    }
    redisAsyncFree(conn->ac);  // calls on_gone through the adapter's cleanup
}

void Broker::on_connected(Conn* conn, bool ok) {
    if (!ok) {
        return;  // hiredis frees the context next: on_gone schedules the retry
    }
    if (conn->server->tunnel != nullptr) {
        // The tunnel's Unix socket accepts at once; the TLS connection behind it is up only
        // once Redis answers (until then the connect timeout applies and failures back off).
        conn->awaiting_answer = true;
        return;
    }
    established(conn);
}

void Broker::established(Conn* conn) {
    conn->awaiting_answer = false;
    conn->state = Conn::State::ready;
    conn->ever_connected = true;
    conn->backoff_ms = 0;
    if (conn->warned) {
        log(NOTIFY_LOG_INFO, "redis " + conn->server->address.text + ": connected again");
        conn->warned = false;
    }
    if (!conn->pubsub) {
        Server& server = *conn->server;
        // Before anything else is sent on the new connection: saves stay ordered before the
        // publishes that follow them.
        for (const auto& [key, write] : server.subscription_writes) {
            send_subscription_write(server, key, write);
        }
        server.up.store(true);
        server.presence_rewrite = true;
        report_readiness();
    }
}

void Broker::report_readiness() {
    if (!NOTIFY_HOST_HAS(host_, set_ready)) {
        return;
    }
    std::string problem;
    for (auto& server : servers_) {
        if (!server->up.load()) {
            problem += (problem.empty() ? "redis " : "; redis ") + server->address.text + ": " +
                       server->get_error();
        }
    }
    host_->set_ready(ctx_, problem.empty(), notify_str{problem.data(), problem.size()});
}

void Broker::on_disconnected(Conn* conn, bool error) {
    if (!stopping_.load()) {
        if (conn->server->tunnel != nullptr && conn->state != Conn::State::ready &&
            !conn->server->tunnel->last_error().empty()) {
            // Never up: "server closed the connection" says less than why the tunnel closed it.
            conn->drop_reason = conn->server->tunnel->last_error();
        }
        if (conn->drop_reason.empty()) {
            conn->drop_reason = error ? "connection lost" : "connection closed";
        }
        conn->server->set_error(conn->drop_reason);
        if (conn->state != Conn::State::ready && conn->warned) {
            return;  // a reconnect that failed again: said already
        }
        log(NOTIFY_LOG_WARN, "redis " + conn->server->address.text + " (" +
                                 (conn->pubsub ? "pub/sub" : "commands") +
                                 " connection): " + conn->drop_reason + "; reconnecting");
        conn->warned = true;
    }
}

// The context is being freed (any reason): forget it and schedule a reconnect.
void Broker::on_gone(Conn* conn) {
    const auto now = Clock::now();
    if (!conn->pubsub) {
        conn->server->up.store(false);
        if (!stopping_.load()) {
            report_readiness();
        }
    }
    if (conn->state == Conn::State::connecting && !conn->warned && !stopping_.load()) {
        conn->warned = true;
        if (conn->ever_connected) {
            log(NOTIFY_LOG_WARN, "redis " + conn->server->address.text + ": " +
                                     conn->server->get_error() + "; retrying");
        }
    }
    conn->ac = nullptr;
    conn->want_read = conn->want_write = false;
    conn->state = Conn::State::down;
    conn->sent.clear();
    conn->to_subscribe.clear();
    conn->to_unsubscribe.clear();
    conn->backoff_ms = std::min(std::max(conn->backoff_ms * 2, kBackoffFirstMs), kBackoffCapMs);
    conn->next_attempt = now + milliseconds{conn->backoff_ms};
    if (conn->pubsub) {
        const std::size_t index = conn->index;
        for (auto& [topic, state] : topics_) {
            if (state.server == index) {
                state.subscribed = false;
                state.confirmed = false;
                if (state.presence) {
                    // Changes may be lost until the channel is back: reads go to Redis.
                    book_->replica_stale(topic);
                    state.presence_current = false;
                    state.presence_load = 0;
                    state.presence_reload = false;
                    state.presence_waiting.clear();
                }
            }
        }
        for (auto* shards : {&client_shards_, &user_shards_}) {
            for (auto& [shard, entry] : *shards) {
                if (wire::shard_server(shard, servers_.size()) == index) {
                    entry.subscribed = false;
                }
            }
        }
    }
}

bool Broker::send(Conn* conn, Request* request, const std::vector<std::string>& args) {
    if (conn->ac == nullptr) {
        return false;
    }
    std::vector<const char*> argv;
    std::vector<std::size_t> lens;
    argv.reserve(args.size());
    lens.reserve(args.size());
    for (const auto& arg : args) {
        argv.push_back(arg.data());
        lens.push_back(arg.size());
    }
    const int status = redisAsyncCommandArgv(conn->ac, on_reply_cb, request,
                                             static_cast<int>(argv.size()), argv.data(),
                                             lens.data());
    if (status != REDIS_OK) {
        return false;
    }
    conn->sent.push_back(Clock::now());
    return true;
}

// ---- the loop's periodic work ----------------------------------------------------------------

void Broker::drain_jobs() {
    std::vector<Job> jobs;
    {
        std::lock_guard lock{queue_mutex_};
        jobs.swap(jobs_);
    }
    for (auto& job : jobs) {
        std::visit(
            [this](auto& item) {
                using T = std::decay_t<decltype(item)>;
                if constexpr (std::is_same_v<T, PublishJob>) {
                    do_publish(item);
                } else if constexpr (std::is_same_v<T, InterestJob>) {
                    do_interest(item);
                } else if constexpr (std::is_same_v<T, RawPublishJob>) {
                    do_raw(item);
                } else if constexpr (std::is_same_v<T, ObserveJob>) {
                    do_observe(item);
                } else if constexpr (std::is_same_v<T, PresenceJob>) {
                    do_presence(item);
                } else if constexpr (std::is_same_v<T, TrackPresenceJob>) {
                    do_track_presence(item);
                } else if constexpr (std::is_same_v<T, CommandJob>) {
                    do_command(item);
                } else if constexpr (std::is_same_v<T, SubscriptionJob>) {
                    do_subscription(item);
                } else {
                    for (auto& server : servers_) {
                        server->persistence_check_wanted = true;
                    }
                }
            },
            job);
    }
}

void Broker::tick(Clock::time_point now) {
    for (auto& server : servers_) {
        for (Conn* conn : {&server->cmd, &server->sub}) {
            if (conn->ac != nullptr && conn->drop) {
                drop_now(conn);
            }
            if (conn->ac == nullptr) {
                if (now >= conn->next_attempt) {
                    connect(conn, now);
                }
                continue;
            }
            if (conn->state == Conn::State::connecting &&
                ms_between(conn->started, now) > config_.connect_timeout_ms) {
                conn->drop_reason = "connect timeout";
                drop_now(conn);
                continue;
            }
            if (!conn->sent.empty() &&
                ms_between(conn->sent.front(), now) > config_.command_timeout_ms) {
                conn->drop_reason = "command timeout (no reply in " +
                                    std::to_string(config_.command_timeout_ms) + " ms)";
                drop_now(conn);
                continue;
            }
        }
        probe(*server, now);
    }
    if (now >= next_announce_) {
        next_announce_ = now + milliseconds{config_.announce_interval_ms};
        announce();
    }
    if (now >= next_sweep_) {
        next_sweep_ = now + milliseconds{100};
        sweep(now);
    }
    for (std::size_t index = 0; index < servers_.size(); ++index) {
        Server& server = *servers_[index];
        if (server.presence_rewrite && server.cmd.state == Conn::State::ready) {
            server.presence_rewrite = false;
            for (const auto& [key, removal] : server.presence_removals) {
                send_presence_removal(server, key, removal);
            }
            refresh_presence(index, true);
        }
        if (server.writes_retry_at && now >= *server.writes_retry_at &&
            server.cmd.state == Conn::State::ready) {
            server.writes_retry_at.reset();
            for (const auto& [key, write] : server.subscription_writes) {
                send_subscription_write(server, key, write);
            }
            for (const auto& [key, removal] : server.presence_removals) {
                send_presence_removal(server, key, removal);
            }
        }
    }
    for (auto& server : servers_) {
        if (server->persistence_check_wanted && server->cmd.state == Conn::State::ready) {
            server->persistence_check_wanted = false;
            check_persistence(*server);
        }
    }
    if (now >= next_presence_refresh_) {
        next_presence_refresh_ = now + milliseconds{config_.presence_ttl_ms / 3};
        refresh_presence(servers_.size(), false);
    }
    if (now >= next_presence_purge_) {
        next_presence_purge_ = now + milliseconds{1000};
        book_->purge(now);
    }
}

void Broker::probe(Server& server, Clock::time_point now) {
    Conn& sub = server.sub;
    if (sub.state != Conn::State::ready) {
        return;
    }
    if (sub.probe_out) {
        if (ms_between(sub.probe_sent, now) > config_.probe_interval_ms) {
            sub.drop_reason = "pub/sub connection deaf: its liveness probe did not come back";
            sub.probe_out = false;
            drop_now(&sub);
        }
        return;
    }
    if (ms_between(sub.last_heard, now) <= config_.probe_interval_ms) {
        return;
    }
    sub.probe_out = true;
    sub.probe_sent = now;
    if (server.cmd.state != Conn::State::ready) {
        return;  // no way to send it: the silence counts against the connection anyway
    }
    auto* request = new Request{};
    request->kind = ReqKind::raw;
    request->conn = &server.cmd;
    const std::string message = wire::encode_probe(wire::ProbeMessage{node_id_, ++probe_nonce_});
    if (!send(&server.cmd, request, {"PUBLISH", names_.node_channel(node_id_), message})) {
        delete request;
    }
}

void Broker::announce() {
    Server& server = *servers_[0];
    if (server.cmd.state != Conn::State::ready || !NOTIFY_HOST_HAS(host_, node_info)) {
        return;
    }
    notify_node_info info{};
    info.size = sizeof info;
    host_->node_info(ctx_, &info);
    wire::NodeMessage node;
    node.id = node_id_;
    node.name.assign(view_of(info.name));
    node.urls.assign(view_of(info.urls));
    node.version.assign(view_of(info.version));
    node.connections = info.connections;
    node.clients = info.clients;
    node.users = info.users;
    node.topics = info.topics;
    node.subscriptions = info.subscriptions;
    node.cpu = info.cpu;
    node.uptime_ms = info.uptime_ms;
    if (NOTIFY_HAS_FIELD(&info, notify_node_info, app_id)) {
        node.app_id.assign(view_of(info.app_id));
    }
    auto* request = new Request{};
    request->kind = ReqKind::raw;
    request->conn = &server.cmd;
    if (!send(&server.cmd, request,
              {"PUBLISH", names_.control_channel(), wire::encode_node(node)})) {
        delete request;
    }
}

void Broker::sweep(Clock::time_point now) {
    for (auto it = topics_.begin(); it != topics_.end();) {
        TopicState& state = it->second;
        const std::string& topic = it->first;
        if (!state.interested && ms_between(state.down_since, now) >= config_.unsubscribe_delay_ms) {
            Conn& sub = servers_[state.server]->sub;
            if (state.subscribed && sub.state != Conn::State::down) {
                sub.to_unsubscribe.push_back(names_.topic_channel(topic));
            }
            if (state.presence) {
                book_->replica_drop(topic);
            }
            it = topics_.erase(it);
            continue;
        }
        Conn& cmd = servers_[state.server]->cmd;
        if (state.presence && state.confirmed && !state.presence_current &&
            state.presence_load == 0 && cmd.state == Conn::State::ready) {
            start_presence_load(topic, state);
        }
        if (state.resync_needed && !state.filling && cmd.state == Conn::State::ready) {
            start_fill(topic, state, kMaxFill);
        } else if (state.interested && !state.filling && !state.resync_needed &&
                   state.known_top > std::max(state.delivered, state.floor) &&
                   ms_between(state.known_since, now) > config_.probe_interval_ms &&
                   cmd.state == Conn::State::ready) {
            // A publish this node saw acknowledged (or a read saw) never came over the bus.
            start_fill(topic, state, kMaxFill);
        }
        ++it;
    }
    for (std::uint32_t kind : {std::uint32_t{NOTIFY_INTEREST_CLIENT}, std::uint32_t{NOTIFY_INTEREST_USER}}) {
        auto& shards = kind == NOTIFY_INTEREST_CLIENT ? client_shards_ : user_shards_;
        for (auto it = shards.begin(); it != shards.end();) {
            IdShard& entry = it->second;
            if (entry.ids.empty() &&
                ms_between(entry.empty_since, now) >= config_.unsubscribe_delay_ms) {
                Conn& sub = servers_[wire::shard_server(it->first, servers_.size())]->sub;
                if (entry.subscribed && sub.state != Conn::State::down) {
                    sub.to_unsubscribe.push_back(id_channel(kind, it->first));
                }
                it = shards.erase(it);
                continue;
            }
            ++it;
        }
    }
    if (malformed_count_ > malformed_logged_ &&
        ms_between(malformed_log_at_, now) >= kMalformedLogEveryMs) {
        malformed_log_at_ = now;
        log(NOTIFY_LOG_WARN, "redis broker: " + std::to_string(malformed_count_ - malformed_logged_) +
                                 " more malformed bus message(s) dropped (" +
                                 std::to_string(malformed_count_) + " in all)");
        malformed_logged_ = malformed_count_;
    }
}

// ---- subscriptions -------------------------------------------------------------------------

void Broker::resubscribe(Conn* conn) {
    const std::size_t index = conn->index;
    conn->to_subscribe.clear();
    conn->to_unsubscribe.clear();
    conn->to_subscribe.push_back(names_.node_channel(node_id_));
    if (index == 0) {
        conn->to_subscribe.push_back(names_.control_channel());
    }
    for (auto& [topic, state] : topics_) {
        if (state.server == index) {
            conn->to_subscribe.push_back(names_.topic_channel(topic));
            state.subscribed = true;
        }
    }
    for (std::uint32_t kind : {std::uint32_t{NOTIFY_INTEREST_CLIENT}, std::uint32_t{NOTIFY_INTEREST_USER}}) {
        auto& shards = kind == NOTIFY_INTEREST_CLIENT ? client_shards_ : user_shards_;
        for (auto& [shard, entry] : shards) {
            if (wire::shard_server(shard, servers_.size()) == index) {
                conn->to_subscribe.push_back(id_channel(kind, shard));
                entry.subscribed = true;
            }
        }
    }
}

void Broker::flush_subscriptions(Conn* conn) {
    if (conn->ac == nullptr) {
        return;
    }
    for (auto* list : {&conn->to_subscribe, &conn->to_unsubscribe}) {
        const char* verb = list == &conn->to_subscribe ? "SUBSCRIBE" : "UNSUBSCRIBE";
        for (std::size_t first = 0; first < list->size(); first += kSubscribeBatch) {
            const std::size_t last = std::min(list->size(), first + kSubscribeBatch);
            std::vector<const char*> argv{verb};
            std::vector<std::size_t> lens{std::strlen(verb)};
            for (std::size_t i = first; i < last; ++i) {
                argv.push_back((*list)[i].data());
                lens.push_back((*list)[i].size());
            }
            redisAsyncCommandArgv(conn->ac, on_sub_cb, conn, static_cast<int>(argv.size()),
                                  argv.data(), lens.data());
        }
        list->clear();
    }
}

void Broker::do_interest(InterestJob& job) {
    const auto now = Clock::now();
    if (job.kind == NOTIFY_INTEREST_TOPIC) {
        auto [it, fresh] = topics_.try_emplace(job.name);
        TopicState& state = it->second;
        if (fresh) {
            state.server = wire::topic_server(job.name, servers_.size());
            state.generation = ++generations_;
        }
        if (!job.up) {
            state.interested = false;
            state.down_since = now;
            return;
        }
        state.interested = true;
        Conn& sub = servers_[state.server]->sub;
        if (!state.subscribed && sub.ac != nullptr) {
            sub.to_subscribe.push_back(names_.topic_channel(job.name));
            state.subscribed = true;
        }
        if (!state.floor_known && state.delivered == 0) {
            // The position before the subscription is active: everything after it must reach
            // the host (a gap past it is filled from history).
            start_position_read(job.name, state);
        }
        return;
    }
    if (job.kind != NOTIFY_INTEREST_CLIENT && job.kind != NOTIFY_INTEREST_USER) {
        return;
    }
    const std::uint32_t shard = wire::id_shard(job.name, config_.shards);
    IdShard& entry = id_shard(job.kind, shard);
    if (job.up) {
        entry.ids.insert(job.name);
        Conn& sub = servers_[wire::shard_server(shard, servers_.size())]->sub;
        if (!entry.subscribed && sub.ac != nullptr) {
            sub.to_subscribe.push_back(id_channel(job.kind, shard));
            entry.subscribed = true;
        }
    } else {
        entry.ids.erase(job.name);
        if (entry.ids.empty()) {
            entry.empty_since = now;
        }
    }
}

// ---- publishing ----------------------------------------------------------------------------

void Broker::complete_publish(Request* request, notify_status status, std::uint64_t offset,
                              const std::string& epoch, const std::string& error) {
    Server& server = *request->conn->server;
    server.inflight.fetch_sub(1);
    if (status == NOTIFY_OK) {
        const notify_stream_position position{sizeof(notify_stream_position), offset,
                                              str_of(epoch)};
        host_->broker_publish_complete(ctx_, request->request_id, NOTIFY_OK, &position,
                                       notify_str{});
        auto it = topics_.find(request->topic);
        if (it != topics_.end() && offset > it->second.known_top &&
            (it->second.epoch.empty() || it->second.epoch == epoch)) {
            it->second.known_top = offset;
            it->second.known_since = Clock::now();
        }
    } else {
        const std::string message = "redis " + server.address.text + ": " + error;
        host_->broker_publish_complete(ctx_, request->request_id, status, nullptr,
                                       str_of(message));
    }
}

void Broker::do_publish(PublishJob& job) {
    const std::size_t index = wire::topic_server(job.topic, servers_.size());
    Server& server = *servers_[index];
    auto* request = new Request{};
    request->kind = ReqKind::publish;
    request->conn = &server.cmd;
    request->request_id = job.request_id;
    request->topic = job.topic;
    request->script = kPublishScript;
    const std::uint64_t meta_ttl =
        std::max(job.meta_ttl_ms != 0 ? job.meta_ttl_ms : std::uint64_t{kDefaultMetaTtlMs},
                 job.history_ttl_ms);
    request->args = {"EVALSHA",
                     publish_sha_,
                     "2",
                     names_.meta_key(job.topic),
                     names_.stream_key(job.topic),
                     std::to_string(job.history_size),
                     std::to_string(job.history_ttl_ms),
                     std::to_string(meta_ttl),
                     names_.topic_channel(job.topic),
                     std::move(job.tail),
                     epoch_candidate()};
    if (server.cmd.state != Conn::State::ready || !send(&server.cmd, request, request->args)) {
        complete_publish(request, NOTIFY_ERR_IO, 0, {}, server.get_error());
        delete request;
    }
}

void Broker::do_raw(RawPublishJob& job) {
    Server& server = *servers_[job.server];
    auto* request = new Request{};
    request->kind = ReqKind::raw;
    request->conn = &server.cmd;
    if (server.cmd.state != Conn::State::ready ||
        !send(&server.cmd, request, {"PUBLISH", job.channel, job.message})) {
        delete request;  // the caller was told OK while connected; the bus is at-most-once
    }
}

void Broker::do_observe(ObserveJob& job) {
    // The host reads a topic's position before it subscribes its first local client, so the
    // state may not exist yet: the interest that follows finds the floor in place.
    auto [it, fresh] = topics_.try_emplace(job.topic);
    TopicState& state = it->second;
    if (fresh) {
        state.server = wire::topic_server(job.topic, servers_.size());
        state.generation = ++generations_;
        state.down_since = Clock::now();
    }
    if (!state.epoch.empty() && state.epoch != job.epoch) {
        return;  // the bus will show the new epoch
    }
    // The earliest position wins: a subscriber that started there is owed everything after it
    // (the host skips what a later subscriber recovered already).
    if (state.delivered == 0 && (!state.floor_known || job.offset < state.floor)) {
        state.floor = job.offset;
        state.floor_known = true;
        if (state.epoch.empty()) {
            state.epoch = job.epoch;
        }
    }
    if (job.offset > state.known_top) {
        state.known_top = job.offset;
        state.known_since = Clock::now();
    }
}

void Broker::on_reply(Request* request, redisReply* reply) {
    std::unique_ptr<Request> owned{request};
    Conn* conn = request->conn;
    if (conn->awaiting_answer && reply != nullptr && reply->type != REDIS_REPLY_ERROR) {
        established(conn);
    }
    if (!conn->sent.empty()) {
        conn->sent.pop_front();
    }
    const bool is_error = reply != nullptr && reply->type == REDIS_REPLY_ERROR;
    if (is_error && request->script != nullptr && !request->retried &&
        reply_text(reply).substr(0, 8) == "NOSCRIPT") {
        // The server lost its script cache (a restart, SCRIPT FLUSH): send the script itself.
        request->retried = true;
        request->args[0] = "EVAL";
        request->args[1] = request->script;
        if (send(conn, request, request->args)) {
            owned.release();
            return;
        }
    }
    switch (request->kind) {
        case ReqKind::setup:
            if (is_error) {
                conn->drop_reason = "setup failed: " + std::string{reply_text(reply)};
                conn->server->set_error(conn->drop_reason);
                log(NOTIFY_LOG_ERROR, "redis " + conn->server->address.text + ": " +
                                          conn->drop_reason);
                conn->drop = true;
                wake();
            }
            return;
        case ReqKind::raw:
        case ReqKind::presence_write:
            if (is_error) {
                write_failed(std::string{reply_text(reply)});
            }
            return;
        case ReqKind::presence_load:
            on_presence_load(request, is_error ? nullptr : reply);
            return;
        case ReqKind::presence_remove:
            on_presence_removed(request, reply);
            return;
        case ReqKind::subscription_write:
            on_subscription_written(request, reply);
            return;
        case ReqKind::persistence:
            on_persistence(request, reply);
            return;
        case ReqKind::publish: {
            if (reply == nullptr) {
                complete_publish(request, NOTIFY_ERR_IO, 0, {},
                                 conn->drop_reason.empty()
                                     ? "connection lost before the reply: the publish may or "
                                       "may not have been applied (unknown outcome)"
                                     : conn->drop_reason +
                                           " before the reply: the publish may or may not have "
                                           "been applied (unknown outcome)");
                return;
            }
            if (is_error) {
                complete_publish(request, NOTIFY_ERR_IO, 0, {}, std::string{reply_text(reply)});
                return;
            }
            if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 2) {
                complete_publish(request, NOTIFY_ERR_INTERNAL, 0, {},
                                 "unexpected reply to the publish script");
                return;
            }
            std::uint64_t offset = 0;
            if (reply->element[0]->type == REDIS_REPLY_INTEGER) {
                offset = static_cast<std::uint64_t>(reply->element[0]->integer);
            } else {
                offset = wire::parse_u64(reply_text(reply->element[0])).value_or(0);
            }
            const std::string epoch{reply_text(reply->element[1])};
            complete_publish(request, NOTIFY_OK, offset, epoch, {});
            return;
        }
        case ReqKind::position:
        case ReqKind::fill:
            on_fill(request, is_error ? nullptr : reply);
            return;
    }
}

// ---- loss detection ------------------------------------------------------------------------

void Broker::start_position_read(const std::string& topic, TopicState& state) {
    Conn& cmd = servers_[state.server]->cmd;
    if (cmd.state != Conn::State::ready) {
        return;
    }
    auto* request = new Request{};
    request->kind = ReqKind::position;
    request->conn = &cmd;
    request->script = kHistoryScript;
    request->topic = topic;
    request->generation = state.generation;
    request->args = {"EVALSHA", history_sha_, "2", names_.meta_key(topic),
                     names_.stream_key(topic), "0", "-1"};
    if (!send(&cmd, request, request->args)) {
        delete request;
    }
}

void Broker::start_fill(const std::string& topic, TopicState& state, std::uint64_t limit) {
    Conn& cmd = servers_[state.server]->cmd;
    state.filling = true;
    state.resync_needed = false;
    const std::uint64_t base = state.delivered > 0 ? state.delivered : state.floor;
    auto* request = new Request{};
    request->kind = ReqKind::fill;
    request->conn = &cmd;
    request->script = kHistoryScript;
    request->topic = topic;
    request->base = base;
    request->generation = state.generation;
    request->args = {"EVALSHA", history_sha_, "2", names_.meta_key(topic),
                     names_.stream_key(topic), std::to_string(base + 1),
                     std::to_string(std::min(limit, kMaxFill))};
    if (cmd.state != Conn::State::ready || !send(&cmd, request, request->args)) {
        delete request;
        state.filling = false;
        state.resync_needed = true;  // the sweep retries once the server is back
    }
}

void Broker::on_fill(Request* request, const redisReply* reply) {
    auto it = topics_.find(request->topic);
    if (it == topics_.end() || it->second.generation != request->generation) {
        return;
    }
    const std::string& topic = it->first;
    TopicState& state = it->second;
    HistoryReply history;
    std::string error;
    const bool ok = reply != nullptr && parse_history(reply, &history, &error);
    if (request->kind == ReqKind::position) {
        // Only when no history read of the host said where its subscribers start.
        if (ok && state.delivered == 0 && !state.floor_known) {
            if (state.epoch.empty()) {
                state.epoch = history.epoch;
            }
            if (state.epoch == history.epoch) {
                state.floor = history.offset;
                state.floor_known = true;
            }
        }
        return;
    }
    state.filling = false;
    if (!ok) {
        state.resync_needed = true;  // retried by the sweep; bus messages stay queued
        return;
    }
    if (!state.epoch.empty() && history.epoch != state.epoch) {
        lost(topic, history.offset, history.epoch,
             history.epoch.empty() ? "the stream expired from Redis" : "the stream's epoch changed");
        // Messages of the lost stream still queued behind the fill must not follow: the host
        // has told its subscribers to recover past them, and one of them handed over now would
        // look like yet another epoch change (a second recovery, and offsets seen twice).
        state.lost_epoch = state.epoch;
        std::erase_if(state.queued, [&](const wire::TopicMessage& message) {
            return message.epoch == state.lost_epoch;
        });
        state.epoch = history.epoch;
        state.floor = 0;
        state.floor_known = false;
        state.known_top = 0;  // positions of the lost stream
        if (!state.queued.empty() && state.queued.front().epoch == history.epoch) {
            state.delivered = state.queued.front().offset - 1;
        } else {
            state.delivered = history.offset;
        }
        drain_topic(topic, state);
        return;
    }
    const bool queued = !state.queued.empty();
    state.epoch = history.epoch;
    std::uint64_t next = (state.delivered > 0 ? state.delivered : request->base) + 1;
    for (auto& entry : history.entries) {
        if (entry.offset < next) {
            continue;
        }
        if (entry.offset != next) {
            break;
        }
        wire::TopicMessage message{entry.offset, history.epoch, topic, entry.tail.publish_key,
                                   entry.tail.time_ms, entry.tail.payload};
        deliver(topic, state, message);
        ++next;
    }
    const std::uint64_t target = queued ? state.queued.front().offset - 1 : history.offset;
    const std::uint64_t have = next - 1;
    if (have < target) {
        lost(topic, history.offset, history.epoch,
             "offsets " + std::to_string(have + 1) + ".." + std::to_string(target) +
                 " are no longer in the history kept in Redis");
        state.delivered = target;
        state.floor = 0;
        state.floor_known = false;
    }
    if (state.known_top <= state.delivered) {
        state.known_top = 0;
    }
    drain_topic(topic, state);
}

void Broker::drain_topic(const std::string& topic, TopicState& state) {
    while (!state.filling && !state.resync_needed && !state.queued.empty()) {
        wire::TopicMessage message = std::move(state.queued.front());
        state.queued.pop_front();
        on_topic_message(topic, state, std::move(message));
    }
}

void Broker::deliver(const std::string& topic, TopicState& state,
                     const wire::TopicMessage& message) {
    state.delivered = message.offset;
    if (!state.interested) {
        return;  // kept subscribed during the unsubscribe delay: track, do not hand over
    }
    const notify_bus_message bus{sizeof(notify_bus_message),
                                 str_of(topic),
                                 message.offset,
                                 str_of(message.epoch),
                                 nullptr,
                                 0,
                                 nullptr,
                                 0,
                                 bytes_of(message.payload),
                                 message.time_ms,
                                 str_of(message.publish_key)};
    host_->broker_message(ctx_, &bus);
}

void Broker::lost(const std::string& topic, std::uint64_t offset, const std::string& epoch,
                  const std::string& reason) {
    const notify_stream_position current{sizeof(notify_stream_position), offset, str_of(epoch)};
    log(NOTIFY_LOG_WARN, "redis broker: topic '" + topic + "': " + reason +
                             "; subscribers are told to recover");
    host_->broker_stream_lost(ctx_, str_of(topic), epoch.empty() ? nullptr : &current,
                              str_of(reason));
}

void Broker::on_topic_message(const std::string& topic, TopicState& state,
                              wire::TopicMessage message) {
    if (state.filling || state.resync_needed) {
        if (state.queued.size() >= kMaxQueuedPerTopic) {
            state.queued.clear();
            lost(topic, message.offset, message.epoch,
                 "too many bus messages queued behind a history fill");
        }
        state.queued.push_back(std::move(message));
        return;
    }
    if (!state.lost_epoch.empty() && message.epoch == state.lost_epoch) {
        return;  // late: its stream was reported lost
    }
    if (!state.epoch.empty() && message.epoch != state.epoch) {
        const bool had_any = state.delivered > 0 || state.floor > 0;
        if (had_any) {
            state.lost_epoch = state.epoch;
        }
        state.epoch = message.epoch;
        state.floor = 0;
        state.floor_known = false;
        state.known_top = 0;
        if (had_any) {
            lost(topic, message.offset, message.epoch, "the stream's epoch changed");
        }
        deliver(topic, state, message);
        return;
    }
    state.epoch = message.epoch;
    if (state.delivered > 0 && message.offset <= state.delivered) {
        return;  // duplicate
    }
    const std::uint64_t base = state.delivered > 0 ? state.delivered : state.floor;
    if ((state.delivered > 0 || state.floor_known) && message.offset > base + 1) {
        const std::uint64_t missing = message.offset - 1 - base;
        state.queued.push_front(std::move(message));
        start_fill(topic, state, missing);
        return;
    }
    deliver(topic, state, message);
}

void Broker::malformed(std::string_view channel, std::string_view why) {
    ++malformed_count_;
    const auto now = Clock::now();
    if (malformed_logged_ == 0 ||
        ms_between(malformed_log_at_, now) >= kMalformedLogEveryMs) {
        malformed_log_at_ = now;
        malformed_logged_ = malformed_count_;
        log(NOTIFY_LOG_WARN, "redis broker: dropped a malformed message on channel '" +
                                 std::string{channel.substr(0, 200)} + "' (" + std::string{why} +
                                 "); " + std::to_string(malformed_count_) +
                                 " so far, logged at most every 10s");
    }
}

void Broker::on_sub_reply(Conn* conn, redisReply* reply) {
    if (conn->awaiting_answer && reply != nullptr && reply->type != REDIS_REPLY_ERROR) {
        established(conn);
    }
    if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY || reply->elements < 3) {
        return;
    }
    conn->last_heard = Clock::now();
    conn->probe_out = false;
    const std::string_view kind = reply_text(reply->element[0]);
    const std::string_view channel = reply_text(reply->element[1]);
    if (kind == "message") {
        on_bus(conn, channel, reply_text(reply->element[2]));
        return;
    }
    if (kind != "subscribe") {
        return;
    }
    // A topic channel is active: after a reconnect, fetch what was published meanwhile.
    const std::string prefix = names_.prefix + ".topic.";
    if (channel.substr(0, prefix.size()) != prefix) {
        return;
    }
    auto it = topics_.find(std::string{channel.substr(prefix.size())});
    if (it == topics_.end()) {
        return;
    }
    it->second.confirmed = true;
    if (it->second.delivered > 0 && !it->second.filling) {
        start_fill(it->first, it->second, kMaxFill);
    }
    if (it->second.presence && !it->second.presence_current && it->second.presence_load == 0) {
        start_presence_load(it->first, it->second);
    }
}

void Broker::on_bus(Conn*, std::string_view channel, std::string_view payload) {
    auto decoded = wire::decode(payload);
    if (!decoded) {
        malformed(channel, "not wire format v1");
        return;
    }
    if (auto* topic_message = std::get_if<wire::TopicMessage>(&*decoded)) {
        if (channel != names_.topic_channel(topic_message->topic)) {
            malformed(channel, "topic does not match the channel");
            return;
        }
        auto it = topics_.find(topic_message->topic);
        if (it == topics_.end()) {
            return;
        }
        on_topic_message(it->first, it->second, std::move(*topic_message));
    } else if (auto* change = std::get_if<wire::PresenceMessage>(&*decoded)) {
        if (channel != names_.topic_channel(change->topic)) {
            malformed(channel, "presence topic does not match the channel");
            return;
        }
        auto it = topics_.find(change->topic);
        if (it == topics_.end() || !it->second.presence || change->node == node_id_) {
            return;  // no replica kept here; this node's own entries are kept as owned
        }
        on_presence_change(it->first, it->second, std::move(*change));
    } else if (auto* direct = std::get_if<wire::DirectMessage>(&*decoded)) {
        std::vector<notify_str> clients;
        std::vector<notify_str> users;
        for (const auto& id : direct->clients) {
            clients.push_back(str_of(id));
        }
        for (const auto& id : direct->users) {
            users.push_back(str_of(id));
        }
        const notify_bus_message bus{sizeof(notify_bus_message),
                                     notify_str{},
                                     0,
                                     notify_str{},
                                     clients.data(),
                                     clients.size(),
                                     users.data(),
                                     users.size(),
                                     bytes_of(direct->payload),
                                     direct->time_ms,
                                     str_of(direct->publish_key)};
        host_->broker_message(ctx_, &bus);
    } else if (auto* command = std::get_if<wire::CommandMessage>(&*decoded)) {
        if (command->origin == node_id_) {
            return;  // the host applied it here already
        }
        const notify_cluster_command cluster{sizeof(notify_cluster_command),
                                             command->type,
                                             command->target,
                                             str_of(command->id),
                                             str_of(command->topic),
                                             command->code,
                                             str_of(command->reason),
                                             command->time_ms};
        host_->broker_command(ctx_, &cluster);
    } else if (auto* node = std::get_if<wire::NodeMessage>(&*decoded)) {
        if (node->id != node_id_) {
            const auto now = Clock::now();
            if (book_->node_seen(node->id, now)) {
                // A node taken for dead is back (or first heard after the start-up grace):
                // its entries were dropped from the replicas, so load them again.
                for (auto& [topic, state] : topics_) {
                    if (!state.presence || !state.presence_current) {
                        continue;
                    }
                    if (state.presence_load != 0) {
                        state.presence_reload = true;
                    } else if (state.confirmed) {
                        start_presence_load(topic, state);
                    }
                }
            }
            if (node->name == config_.node_name &&
                (name_clash_logged_ == Clock::time_point{} ||
                 ms_between(name_clash_logged_, now) >= 60000)) {
                name_clash_logged_ = now;
                log(NOTIFY_LOG_ERROR,
                    "redis broker: another live node (id " + node->id + ") is also named '" +
                        node->name +
                        "': durable subscriptions are kept per node name, so the two overwrite "
                        "each other's; give every node its own [node] name");
            }
        }
        if (node->id == node_id_ || !NOTIFY_HOST_HAS(host_, cluster_node_seen)) {
            return;
        }
        notify_node_info info{};
        info.size = sizeof info;
        info.id = str_of(node->id);
        info.name = str_of(node->name);
        info.urls = str_of(node->urls);
        info.version = str_of(node->version);
        info.connections = node->connections;
        info.clients = node->clients;
        info.users = node->users;
        info.topics = node->topics;
        info.subscriptions = node->subscriptions;
        info.cpu = node->cpu;
        info.uptime_ms = node->uptime_ms;
        info.app_id = str_of(node->app_id);
        host_->cluster_node_seen(ctx_, &info, 3 * config_.announce_interval_ms);
    }
    // ProbeMessage: hearing it was the point (last_heard is updated).
}

// ---- presence (plugin thread) ----------------------------------------------------------------

bool Broker::send_script(Conn* conn, ReqKind kind, const char* script, const std::string& sha,
                         std::vector<std::string> keys_and_args, const std::string& topic,
                         std::uint64_t generation, std::uint64_t load) {
    if (conn->state != Conn::State::ready) {
        return false;
    }
    auto* request = new Request{};
    request->kind = kind;
    request->conn = conn;
    request->script = script;
    request->topic = topic;
    request->generation = generation;
    request->load = load;
    request->args.reserve(keys_and_args.size() + 2);
    request->args.push_back("EVALSHA");
    request->args.push_back(sha);
    for (auto& arg : keys_and_args) {
        request->args.push_back(std::move(arg));
    }
    if (!send(conn, request, request->args)) {
        delete request;
        return false;
    }
    return true;
}

void Broker::write_failed(const std::string& what) {
    ++presence_failures_;
    const auto now = Clock::now();
    if (presence_failures_ == 1 ||
        ms_between(presence_failure_logged_, now) >= kMalformedLogEveryMs) {
        presence_failure_logged_ = now;
        log(NOTIFY_LOG_WARN, "redis broker: a write to Redis failed: " + what + " (" +
                                 std::to_string(presence_failures_) +
                                 " so far, logged at most every 10s)");
    }
}

void Broker::do_presence(PresenceJob& job) {
    const std::size_t index = wire::topic_server(job.topic, servers_.size());
    Server& server = *servers_[index];
    auto key = std::make_pair(job.topic, job.client);
    if (job.op == '+') {
        server.presence_removals.erase(key);
        auto it = topics_.find(job.topic);
        if (it != topics_.end() && !it->second.presence) {
            it->second.presence = true;
            if (it->second.confirmed && it->second.presence_load == 0) {
                start_presence_load(it->first, it->second);
            }
        }
        // While the command connection is down the rewrite after the reconnect writes it.
        send_script(&server.cmd, ReqKind::presence_write, kPresenceAddScript, presence_add_sha_,
                    {"2", names_.presence_key(job.topic), names_.presence_expiry_key(job.topic),
                     job.client, std::move(job.record), std::to_string(config_.presence_ttl_ms),
                     names_.topic_channel(job.topic), std::move(job.message)});
        return;
    }
    Server::PresenceRemoval& removal = server.presence_removals[key];
    removal.message = std::move(job.message);
    removal.sequence = ++subscription_sequence_;
    send_presence_removal(server, key, removal);  // kept until Redis confirms it
}

void Broker::send_presence_removal(Server& server, const std::pair<std::string, std::string>& key,
                                   const Server::PresenceRemoval& removal) {
    const auto& [topic, client] = key;
    send_script(&server.cmd, ReqKind::presence_remove, kPresenceRemoveScript, presence_remove_sha_,
                {"2", names_.presence_key(topic), names_.presence_expiry_key(topic), client,
                 wire::presence_owner_prefix(node_id_), names_.topic_channel(topic),
                 removal.message},
                topic, 0, removal.sequence);
}

void Broker::on_presence_removed(Request* request, const redisReply* reply) {
    if (reply == nullptr) {
        return;  // the connection dropped: sent again when it is back
    }
    Server& server = *request->conn->server;
    auto found = server.presence_removals.find(std::make_pair(request->topic, request->args[5]));
    if (found == server.presence_removals.end() || found->second.sequence != request->load) {
        return;  // a newer add or removal of the client took its place
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        write_failed("presence removal in '" + request->topic + "': " +
                     std::string{reply_text(reply)});
        server.writes_retry_at = Clock::now() + milliseconds{1000};
        return;
    }
    server.presence_removals.erase(found);
}

void Broker::do_track_presence(TrackPresenceJob& job) {
    auto it = topics_.find(job.topic);
    if (it == topics_.end() || !it->second.interested || it->second.presence) {
        return;
    }
    it->second.presence = true;
    if (it->second.confirmed) {
        start_presence_load(it->first, it->second);
    }
}

void Broker::do_command(CommandJob& job) {
    Server& server = *servers_[job.server];
    auto* request = new Request{};
    request->kind = ReqKind::raw;
    request->conn = &server.cmd;
    if (server.cmd.state != Conn::State::ready || !send(&server.cmd, request, job.args)) {
        delete request;
        write_failed(job.args.front() + " on " + server.address.text + ": " + server.get_error());
    }
}

void Broker::start_presence_load(const std::string& topic, TopicState& state) {
    const std::uint64_t load = ++presence_loads_;
    if (send_script(&servers_[state.server]->cmd, ReqKind::presence_load, kPresenceReadScript,
                    presence_read_sha_,
                    {"2", names_.presence_key(topic), names_.presence_expiry_key(topic)}, topic,
                    state.generation, load)) {
        state.presence_load = load;  // else the sweep tries again once the server is back
    }
}

void Broker::on_presence_change(const std::string& topic, TopicState& state,
                                wire::PresenceMessage change) {
    if (change.op == '*') {
        // The node rewrote its entries (Redis may have lost them): read the topic again, and
        // answer from the replica as it is meanwhile.
        if (state.presence_load != 0) {
            state.presence_reload = true;
        } else if (state.confirmed) {
            start_presence_load(topic, state);
        }
        return;
    }
    if (state.presence_load != 0) {
        if (state.presence_waiting.size() >= kMaxQueuedPerTopic) {
            state.presence_waiting.clear();
            state.presence_reload = true;  // the next snapshot has them all
            return;
        }
        state.presence_waiting.push_back(std::move(change));
        return;
    }
    if (state.presence_current) {
        book_->replica_apply(change);
    }
    // Not current and no load under way: the next load's snapshot will have it.
}

void Broker::on_presence_load(Request* request, const redisReply* reply) {
    auto it = topics_.find(request->topic);
    if (it == topics_.end() || it->second.generation != request->generation ||
        it->second.presence_load != request->load) {
        return;
    }
    TopicState& state = it->second;
    state.presence_load = 0;
    if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY) {
        // The sweep loads again; changes that arrive until then are in that snapshot.
        state.presence_waiting.clear();
        state.presence_reload = false;
        state.presence_current = false;
        book_->replica_stale(request->topic);
        write_failed("presence read of '" + request->topic + "'");
        return;
    }
    PresenceBookRecords snapshot;
    snapshot.reserve(reply->elements / 2);
    for (std::size_t i = 0; i + 1 < reply->elements; i += 2) {
        auto record = wire::decode_presence_record(reply_text(reply->element[i + 1]));
        if (record) {
            snapshot.emplace_back(std::string{reply_text(reply->element[i])}, std::move(*record));
        }
    }
    book_->replica_load(request->topic, snapshot);
    for (const auto& change : state.presence_waiting) {
        book_->replica_apply(change);
    }
    state.presence_waiting.clear();
    state.presence_current = true;
    if (state.presence_reload) {
        state.presence_reload = false;
        start_presence_load(request->topic, state);
    }
}

void Broker::refresh_presence(std::size_t only_server, bool announce) {
    const std::string owner = wire::presence_owner_prefix(node_id_);
    const std::string ttl = std::to_string(config_.presence_ttl_ms);
    for (const std::string& topic : book_->owned_topics()) {
        const std::size_t index = wire::topic_server(topic, servers_.size());
        if (only_server < servers_.size() && index != only_server) {
            continue;
        }
        Conn& cmd = servers_[index]->cmd;
        if (cmd.state != Conn::State::ready) {
            continue;  // rewritten after the reconnect
        }
        const auto records = book_->owned_records(topic);
        for (std::size_t first = 0; first < records.size(); first += kPresenceRefreshBatch) {
            const std::size_t last = std::min(records.size(), first + kPresenceRefreshBatch);
            std::string reload;
            if (announce && last == records.size()) {
                wire::PresenceMessage message;
                message.op = '*';
                message.topic = topic;
                message.node = node_id_;
                reload = wire::encode_presence(message);
            }
            std::vector<std::string> args{"2",
                                          names_.presence_key(topic),
                                          names_.presence_expiry_key(topic),
                                          ttl,
                                          owner,
                                          names_.topic_channel(topic),
                                          std::move(reload)};
            for (std::size_t i = first; i < last; ++i) {
                args.push_back(records[i].first);
                args.push_back(wire::encode_presence_record(records[i].second));
            }
            send_script(&cmd, ReqKind::presence_write, kPresenceRefreshScript,
                        presence_refresh_sha_, std::move(args));
        }
    }
}

// ---- durable subscriptions and persistence (plugin thread) ---------------------------------

void Broker::do_subscription(SubscriptionJob& job) {
    Server& server = *servers_[wire::topic_server(job.topic, servers_.size())];
    auto key = std::make_pair(std::move(job.topic), std::move(job.field));
    Server::SubscriptionWrite& write = server.subscription_writes[key];
    write.value = std::move(job.value);
    write.sequence = ++subscription_sequence_;
    if (server.cmd.state == Conn::State::ready) {
        send_subscription_write(server, key, write);
    }
    // Else it is sent when the command connection is back, before anything else.
}

void Broker::send_subscription_write(Server& server, const std::pair<std::string, std::string>& key,
                                     const Server::SubscriptionWrite& write) {
    const auto& [topic, field] = key;
    if (write.value) {
        // The index first: a load that finds the topic there reads its hash.
        auto* index = new Request{};
        index->kind = ReqKind::raw;
        index->conn = &server.cmd;
        if (!send(&server.cmd, index, {"SADD", names_.subscriptions_index_key(config_.node_name),
                                       topic})) {
            delete index;
            return;
        }
    }
    auto* request = new Request{};
    request->kind = ReqKind::subscription_write;
    request->conn = &server.cmd;
    request->topic = topic;
    request->base = write.sequence;
    request->args = write.value ? std::vector<std::string>{"HSET", names_.subscriptions_key(topic),
                                                           field, *write.value}
                                : std::vector<std::string>{"HDEL", names_.subscriptions_key(topic),
                                                           field};
    if (!send(&server.cmd, request, request->args)) {
        delete request;
    }
}

void Broker::on_subscription_written(Request* request, const redisReply* reply) {
    if (reply == nullptr) {
        return;  // the connection dropped: sent again when it is back
    }
    Server& server = *request->conn->server;
    auto found = server.subscription_writes.find(std::make_pair(request->topic, request->args[2]));
    if (found == server.subscription_writes.end() || found->second.sequence != request->base) {
        return;  // a newer write of the record took its place
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        // Redis refused it (LOADING after a restart, OOM, MISCONF, READONLY): it is kept and
        // sent again in a second; the publishes that follow meet the same refusal meanwhile.
        write_failed("durable subscription of '" + request->topic + "': " +
                     std::string{reply_text(reply)});
        server.writes_retry_at = Clock::now() + milliseconds{1000};
        return;
    }
    server.subscription_writes.erase(found);
}

void Broker::check_persistence(Server& server) {
    server.persistence_settings_good = 0;
    for (const char* setting : {"appendonly", "appendfsync"}) {
        auto* request = new Request{};
        request->kind = ReqKind::persistence;
        request->conn = &server.cmd;
        request->topic = setting;
        if (!send(&server.cmd, request, {"CONFIG", "GET", setting})) {
            delete request;
        }
    }
}

void Broker::on_persistence(Request* request, const redisReply* reply) {
    Server& server = *request->conn->server;
    if (reply == nullptr) {
        server.persistence_check_wanted = true;  // asked again on reconnect
        return;
    }
    const std::string& setting = request->topic;
    const std::string wanted = setting == "appendonly" ? "yes" : "always";
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 2) {
        log(NOTIFY_LOG_WARN,
            "redis " + server.address.text + ": cannot read its '" + setting + "' setting (" +
                (reply->type == REDIS_REPLY_ERROR ? std::string{reply_text(reply)}
                                                  : std::string{"no such setting"}) +
                "): make sure it is '" + wanted +
                "', or at-least-once acknowledgements may not survive a Redis crash "
                "(docs/durability.md)");
        return;
    }
    const std::string value{reply_text(reply->element[1])};
    if (value == wanted && ++server.persistence_settings_good == 2) {
        log(NOTIFY_LOG_INFO, "redis " + server.address.text +
                                 ": appendonly yes and appendfsync always: an acknowledged "
                                 "at-least-once publish survives a Redis crash");
    }
    if (value != wanted) {
        log(NOTIFY_LOG_WARN, "redis " + server.address.text + ": " + setting + " is '" + value +
                                 "', not '" + wanted +
                                 "': at-least-once publishes it acknowledges can be lost if "
                                 "Redis crashes (set appendonly yes and appendfsync always; "
                                 "docs/durability.md)");
    }
}

// ---- core-thread entry points ------------------------------------------------------------

notify_status Broker::publish(const notify_broker_publish* publish, notify_error* err) {
    const std::string_view topic = view_of(publish->topic);
    if (topic.empty()) {
        notify_error_setf(err, "redis broker: publish without a topic");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    const std::size_t index = wire::topic_server(topic, servers_.size());
    Server& server = *servers_[index];
    if (stopping_.load()) {
        notify_error_setf(err, "redis broker: stopping");
        return NOTIFY_ERR_CLOSED;
    }
    if (!server.up.load()) {
        return io_error(index, err);
    }
    if (server.inflight.load() >= config_.max_pending) {
        notify_error_setf(err, "redis %s: %lld publishes in flight (config key 'max_pending')",
                          server.address.text.c_str(),
                          static_cast<long long>(config_.max_pending));
        return NOTIFY_ERR_LIMIT;
    }
    PublishJob job;
    job.request_id = publish->request_id;
    job.topic.assign(topic);
    const std::string_view publish_key =
        NOTIFY_HAS_FIELD(publish, notify_broker_publish, publish_key) ? view_of(publish->publish_key)
                                                                      : std::string_view{};
    job.tail = wire::encode_topic_tail(
        topic, publish_key, publish->time_ms,
        std::string_view{reinterpret_cast<const char*>(publish->payload.data),
                         publish->payload.len});
    const notify_history_options* options = publish->history;
    if (NOTIFY_HAS_FIELD(options, notify_history_options, history_ttl_ms)) {
        job.history_size = options->history_size;
        job.history_ttl_ms = options->history_ttl_ms;
    }
    if (NOTIFY_HAS_FIELD(options, notify_history_options, history_meta_ttl_ms)) {
        job.meta_ttl_ms = options->history_meta_ttl_ms;
    }
    if (NOTIFY_HAS_FIELD(options, notify_history_options, delivery) &&
        options->delivery == NOTIFY_DELIVERY_AT_LEAST_ONCE) {
        // Acknowledged once Redis answered the script: durable as far as Redis's own
        // persistence goes, which is checked once.
        want_persistence_check();
    }
    server.inflight.fetch_add(1);
    if (!push(std::move(job))) {
        server.inflight.fetch_sub(1);
        notify_error_setf(err, "redis broker: stopping");
        return NOTIFY_ERR_CLOSED;
    }
    return NOTIFY_PENDING;
}

redisReply* Broker::sync_call(std::size_t index, std::vector<std::string> args,
                              const char* script, std::string* error) {
    Server& server = *servers_[index];
    const SigpipeBlocked no_sigpipe;
    // A connection kept from before may have been closed by the server (a restart): one more
    // try on a fresh connection before the error reaches the caller.
    for (int round = 0;; ++round) {
        std::lock_guard lock{server.sync_mutex};
        const bool reused = server.sync != nullptr;
        const auto now = Clock::now();
        if (server.sync == nullptr) {
            if (now < server.sync_retry) {
                *error = server.get_error();
                return nullptr;
            }
            const timeval connect_timeout{
                static_cast<time_t>(config_.connect_timeout_ms / 1000),
                static_cast<suseconds_t>((config_.connect_timeout_ms % 1000) * 1000)};
            redisContext* sync =
                server.tunnel != nullptr
                    ? redisConnectUnixWithTimeout(server.tunnel->path().c_str(), connect_timeout)
                    : redisConnectWithTimeout(server.address.host.c_str(), server.address.port,
                                              connect_timeout);
            std::string failure;
            if (sync == nullptr || sync->err != 0) {
                failure = sync != nullptr ? lower_first(sync->errstr) : "out of memory";
            } else {
                const timeval command_timeout{
                    static_cast<time_t>(config_.command_timeout_ms / 1000),
                    static_cast<suseconds_t>((config_.command_timeout_ms % 1000) * 1000)};
                redisSetTimeout(sync, command_timeout);
                std::vector<std::vector<std::string>> setup;
                if (!config_.password.empty()) {
                    setup.push_back(config_.user.empty()
                                        ? std::vector<std::string>{"AUTH", config_.password}
                                        : std::vector<std::string>{"AUTH", config_.user,
                                                                   config_.password});
                }
                if (config_.db != 0) {
                    setup.push_back({"SELECT", std::to_string(config_.db)});
                }
                for (const auto& setup_args : setup) {
                    std::vector<const char*> argv;
                    std::vector<std::size_t> lens;
                    for (const auto& arg : setup_args) {
                        argv.push_back(arg.data());
                        lens.push_back(arg.size());
                    }
                    auto* reply = static_cast<redisReply*>(redisCommandArgv(
                        sync, static_cast<int>(argv.size()), argv.data(), lens.data()));
                    if (reply == nullptr || reply->type == REDIS_REPLY_ERROR) {
                        failure = reply != nullptr ? std::string{reply_text(reply)}
                                                   : lower_first(sync->errstr);
                    }
                    if (reply != nullptr) {
                        freeReplyObject(reply);
                    }
                    if (!failure.empty()) {
                        break;
                    }
                }
            }
            if (!failure.empty()) {
                if (sync != nullptr) {
                    redisFree(sync);
                }
                if (server.tunnel != nullptr && !server.tunnel->last_error().empty()) {
                    failure = server.tunnel->last_error();
                }
                server.sync_retry = now + milliseconds{1000};
                *error = "blocking connection: " + failure;
                return nullptr;
            }
            server.sync = sync;
        }
        redisReply* reply = nullptr;
        for (int attempt = 0; attempt < 2; ++attempt) {
            std::vector<const char*> argv;
            std::vector<std::size_t> lens;
            for (const auto& arg : args) {
                argv.push_back(arg.data());
                lens.push_back(arg.size());
            }
            reply = static_cast<redisReply*>(redisCommandArgv(
                server.sync, static_cast<int>(argv.size()), argv.data(), lens.data()));
            if (reply != nullptr && reply->type == REDIS_REPLY_ERROR && script != nullptr &&
                reply_text(reply).substr(0, 8) == "NOSCRIPT" && attempt == 0) {
                freeReplyObject(reply);
                reply = nullptr;
                args[0] = "EVAL";
                args[1] = script;
                continue;
            }
            break;
        }
        if (reply == nullptr) {
            *error = server.tunnel != nullptr && !server.tunnel->last_error().empty()
                         ? server.tunnel->last_error()
                         : lower_first(server.sync->errstr);
            redisFree(server.sync);
            server.sync = nullptr;
            if (reused && round == 0) {
                continue;
            }
            return nullptr;
        }
        if (reply->type == REDIS_REPLY_ERROR) {
            error->assign(reply_text(reply));
            freeReplyObject(reply);
            return nullptr;
        }
        return reply;
    }
}

notify_status Broker::history_read(const notify_history_request* request, notify_history_sink sink,
                                   void* sink_ctx, notify_stream_position* current,
                                   notify_error* err) {
    const std::string topic{view_of(request->topic)};
    const std::size_t index = wire::topic_server(topic, servers_.size());
    Server& server = *servers_[index];
    if (!server.up.load()) {
        return io_error(index, err);
    }
    HistoryReply history;
    {
        std::string error;
        redisReply* reply = sync_call(index,
                                      {"EVALSHA", history_sha_, "2", names_.meta_key(topic),
                                       names_.stream_key(topic),
                                       std::to_string(request->since_offset + 1),
                                       std::to_string(request->limit)},
                                      kHistoryScript, &error);
        const bool ok = reply != nullptr && parse_history(reply, &history, &error);
        if (reply != nullptr) {
            freeReplyObject(reply);
        }
        if (!ok) {
            notify_error_setf(err, "redis %s: history read of '%s': %s",
                              server.address.text.c_str(), topic.c_str(), error.c_str());
            return NOTIFY_ERR_IO;
        }
    }
    const notify_history_options* options = request->history;
    const std::uint64_t ttl_ms =
        NOTIFY_HAS_FIELD(options, notify_history_options, history_ttl_ms) ? options->history_ttl_ms
                                                                          : 0;
    const std::int64_t now_ms = NOTIFY_HOST_HAS(host_, now_ms) ? host_->now_ms(ctx_) : 0;
    std::uint64_t fed = 0;
    for (const auto& entry : history.entries) {
        if (entry.offset <= request->since_offset || entry.offset > history.offset) {
            continue;
        }
        if (ttl_ms > 0 && now_ms > 0 &&
            entry.tail.time_ms + static_cast<std::int64_t>(ttl_ms) < now_ms) {
            continue;
        }
        if (request->limit > 0 && fed >= request->limit) {
            break;
        }
        ++fed;
        if (!sink(sink_ctx, entry.offset, entry.tail.time_ms, bytes_of(entry.tail.payload))) {
            break;
        }
    }
    static thread_local std::string epoch_holder;
    epoch_holder = history.epoch;
    current->size = sizeof *current;
    current->offset = history.offset;
    current->epoch = str_of(epoch_holder);
    if (!history.epoch.empty()) {
        push(ObserveJob{topic, history.offset, history.epoch});
    }
    return NOTIFY_OK;
}

notify_status Broker::interest(std::uint32_t kind, notify_str name, bool up, notify_error* err) {
    if (kind != NOTIFY_INTEREST_TOPIC && kind != NOTIFY_INTEREST_CLIENT &&
        kind != NOTIFY_INTEREST_USER) {
        notify_error_setf(err, "redis broker: unknown interest kind %u", kind);
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    // Accepted even while Redis is unreachable: the subscription is made on (re)connect.
    push(InterestJob{kind, std::string{view_of(name)}, up});
    return NOTIFY_OK;
}

notify_status Broker::publish_direct(const notify_broker_direct* direct, notify_error* err) {
    // One message per shard channel, listing that shard's ids.
    std::map<std::pair<std::uint32_t, std::uint32_t>, wire::DirectMessage> by_channel;
    const std::string_view publish_key =
        NOTIFY_HAS_FIELD(direct, notify_broker_direct, publish_key) ? view_of(direct->publish_key)
                                                                    : std::string_view{};
    const std::string payload{reinterpret_cast<const char*>(direct->payload.data),
                              direct->payload.len};
    for (std::size_t i = 0; i < direct->client_count; ++i) {
        const std::string_view id = view_of(direct->clients[i]);
        by_channel[{NOTIFY_INTEREST_CLIENT, wire::id_shard(id, config_.shards)}].clients.emplace_back(id);
    }
    for (std::size_t i = 0; i < direct->user_count; ++i) {
        const std::string_view id = view_of(direct->users[i]);
        by_channel[{NOTIFY_INTEREST_USER, wire::id_shard(id, config_.shards)}].users.emplace_back(id);
    }
    for (const auto& [key, message] : by_channel) {
        const std::size_t index = wire::shard_server(key.second, servers_.size());
        if (!servers_[index]->up.load()) {
            return io_error(index, err);
        }
    }
    for (auto& [key, message] : by_channel) {
        message.publish_key.assign(publish_key);
        message.time_ms = direct->time_ms;
        message.payload = payload;
        push(RawPublishJob{wire::shard_server(key.second, servers_.size()),
                           id_channel(key.first, key.second), wire::encode_direct(message)});
    }
    return NOTIFY_OK;
}

notify_status Broker::send_command(const notify_cluster_command* command, notify_error* err) {
    const std::string_view id = view_of(command->id);
    if (id.empty()) {
        notify_error_setf(err, "redis broker: a cluster command needs an id");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    const std::uint32_t kind =
        command->target == NOTIFY_TARGET_USER ? NOTIFY_INTEREST_USER : NOTIFY_INTEREST_CLIENT;
    const std::uint32_t shard = wire::id_shard(id, config_.shards);
    const std::size_t index = wire::shard_server(shard, servers_.size());
    if (!servers_[index]->up.load()) {
        return io_error(index, err);
    }
    wire::CommandMessage message;
    message.origin = node_id_;
    message.type = command->type;
    message.target = command->target;
    message.id.assign(id);
    message.topic.assign(view_of(command->topic));
    message.code = command->code;
    message.reason.assign(view_of(command->reason));
    message.time_ms = command->time_ms;
    push(RawPublishJob{index, id_channel(kind, shard), wire::encode_command(message)});
    return NOTIFY_OK;
}

notify_status Broker::presence_add(notify_str topic_name, const notify_presence_entry* entry,
                                   notify_error* err) {
    const std::string_view topic = view_of(topic_name);
    const std::string_view client = view_of(entry->client_id);
    if (topic.empty() || client.empty()) {
        notify_error_setf(err, "redis broker: presence_add needs a topic and a client id");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    const std::string_view user = view_of(entry->user_id);
    const std::string_view info = view_of(entry->info);
    // Kept here at once (reads on this node see it), written to Redis by the plugin thread.
    book_->own(topic, client, user, info);
    wire::PresenceMessage change{'+', std::string{topic}, std::string{client}, node_id_,
                                 std::string{user}, std::string{info}};
    PresenceJob job{'+', change.topic, change.client,
                    wire::encode_presence_record(wire::PresenceRecord{node_id_, change.user,
                                                                      change.info}),
                    wire::encode_presence(change)};
    push(std::move(job));
    return NOTIFY_OK;
}

notify_status Broker::presence_remove(notify_str topic_name, notify_str client_id,
                                      notify_error*) {
    const std::string_view topic = view_of(topic_name);
    const std::string_view client = view_of(client_id);
    if (topic.empty() || client.empty()) {
        return NOTIFY_OK;
    }
    book_->disown(topic, client);
    wire::PresenceMessage change{'-', std::string{topic}, std::string{client}, node_id_, {}, {}};
    push(PresenceJob{'-', change.topic, change.client, {}, wire::encode_presence(change)});
    return NOTIFY_OK;
}

notify_status Broker::collect_presence(std::string_view topic, PresenceBookRecords* out,
                                       notify_error* err) {
    const auto now = Clock::now();
    const auto keep = [out](const std::string& client, const wire::PresenceRecord& record) {
        out->emplace_back(client, record);
    };
    if (book_->read(topic, now, keep)) {
        return NOTIFY_OK;
    }
    // No current replica (no local interest, or its channel is being restored): ask Redis, and
    // keep a replica from now on if this node has interest in the topic.
    push(TrackPresenceJob{std::string{topic}});
    const std::size_t index = wire::topic_server(topic, servers_.size());
    Server& server = *servers_[index];
    if (!server.up.load()) {
        return io_error(index, err);
    }
    std::string error;
    redisReply* reply = sync_call(index,
                                  {"EVALSHA", presence_read_sha_, "2", names_.presence_key(topic),
                                   names_.presence_expiry_key(topic)},
                                  kPresenceReadScript, &error);
    if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY) {
        if (reply != nullptr) {
            freeReplyObject(reply);
            error = "unexpected reply to the presence script";
        }
        notify_error_setf(err, "redis %s: presence read of '%.*s': %s",
                          server.address.text.c_str(), static_cast<int>(topic.size()),
                          topic.data(), error.c_str());
        return NOTIFY_ERR_IO;
    }
    PresenceBookRecords remote;
    remote.reserve(reply->elements / 2);
    for (std::size_t i = 0; i + 1 < reply->elements; i += 2) {
        auto record = wire::decode_presence_record(reply_text(reply->element[i + 1]));
        if (record) {
            remote.emplace_back(std::string{reply_text(reply->element[i])}, std::move(*record));
        }
    }
    freeReplyObject(reply);
    book_->merge(topic, remote, now, keep);
    return NOTIFY_OK;
}

notify_status Broker::presence_read(notify_str topic, notify_presence_sink sink, void* sink_ctx,
                                    notify_error* err) {
    PresenceBookRecords entries;
    const notify_status status = collect_presence(view_of(topic), &entries, err);
    if (status != NOTIFY_OK) {
        return status;
    }
    for (const auto& [client, record] : entries) {
        const notify_presence_entry entry{sizeof(notify_presence_entry), str_of(client),
                                          str_of(record.user), str_of(record.info)};
        if (!sink(sink_ctx, &entry)) {
            break;
        }
    }
    return NOTIFY_OK;
}

notify_status Broker::presence_stats(notify_str topic, notify_presence_stats* stats,
                                     notify_error* err) {
    PresenceBookRecords entries;
    const notify_status status = collect_presence(view_of(topic), &entries, err);
    if (status != NOTIFY_OK) {
        return status;
    }
    std::unordered_set<std::string_view> users;
    for (const auto& [client, record] : entries) {
        if (!record.user.empty()) {
            users.insert(record.user);
        }
    }
    stats->clients = entries.size();
    stats->users = users.size();
    return NOTIFY_OK;
}

notify_status Broker::history_remove(notify_str topic_name, notify_error* err) {
    const std::string_view topic = view_of(topic_name);
    const std::size_t index = wire::topic_server(topic, servers_.size());
    if (!servers_[index]->up.load()) {
        return io_error(index, err);
    }
    // The stream goes, its meta (offset, epoch) stays: the next publish continues the epoch,
    // and a recovery from before the removal finds its messages missing (not recovered).
    push(CommandJob{index, {"DEL", names_.stream_key(topic)}});
    return NOTIFY_OK;
}

notify_status Broker::subscription_save(const notify_durable_subscription* subscription,
                                        notify_error* err) {
    const std::string_view client = view_of(subscription->client_id);
    const std::string_view topic = view_of(subscription->topic);
    if (client.empty() || topic.empty()) {
        notify_error_setf(err, "redis broker: a durable subscription needs a client id and a topic");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    want_persistence_check();
    const wire::SubscriptionValue value{std::string{view_of(subscription->user_id)},
                                        std::string{view_of(subscription->resume_token)},
                                        subscription->acked_offset};
    if (!push(SubscriptionJob{std::string{topic},
                              wire::encode_subscription_field(config_.node_name, client),
                              wire::encode_subscription_value(value)})) {
        notify_error_setf(err, "redis broker: stopping");
        return NOTIFY_ERR_CLOSED;
    }
    return NOTIFY_OK;
}

notify_status Broker::subscription_remove(notify_str client_id, notify_str topic_name,
                                          notify_error* err) {
    const std::string_view client = view_of(client_id);
    const std::string_view topic = view_of(topic_name);
    if (client.empty() || topic.empty()) {
        return NOTIFY_OK;
    }
    if (!push(SubscriptionJob{std::string{topic},
                              wire::encode_subscription_field(config_.node_name, client),
                              std::nullopt})) {
        notify_error_setf(err, "redis broker: stopping");
        return NOTIFY_ERR_CLOSED;
    }
    return NOTIFY_OK;
}

notify_status Broker::subscriptions_load(notify_subscription_sink sink, void* sink_ctx,
                                         notify_error*) {
    std::size_t loaded = 0;
    for (std::size_t index = 0; index < servers_.size(); ++index) {
        const std::string& address = servers_[index]->address.text;
        std::string error;
        redisReply* topics = sync_call(
            index, {"SMEMBERS", names_.subscriptions_index_key(config_.node_name)}, nullptr, &error);
        if (topics == nullptr || topics->type != REDIS_REPLY_ARRAY) {
            if (topics != nullptr) {
                freeReplyObject(topics);
                error = "unexpected reply to SMEMBERS";
            }
            // Not fatal: such a client is told it was not resumed and subscribes again from
            // its own positions (what it has not read is still in history).
            log(NOTIFY_LOG_WARN, "redis " + address + ": cannot load the durable subscriptions "
                                     "of node '" + config_.node_name + "' (" + error +
                                     "): their clients will not be resumed and must subscribe "
                                     "again from their positions");
            continue;
        }
        for (std::size_t t = 0; t < topics->elements; ++t) {
            const std::string topic{reply_text(topics->element[t])};
            if (wire::topic_server(topic, servers_.size()) != index) {
                continue;  // `addresses` changed: the topic lives on another server now
            }
            redisReply* records =
                sync_call(index, {"HGETALL", names_.subscriptions_key(topic)}, nullptr, &error);
            if (records == nullptr || records->type != REDIS_REPLY_ARRAY) {
                if (records != nullptr) {
                    freeReplyObject(records);
                }
                log(NOTIFY_LOG_WARN, "redis " + address + ": cannot load the durable "
                                         "subscriptions of topic '" + topic + "': " + error);
                continue;
            }
            bool mine = false;
            for (std::size_t i = 0; i + 1 < records->elements; i += 2) {
                const auto field = wire::decode_subscription_field(reply_text(records->element[i]));
                if (!field || field->first != config_.node_name) {
                    continue;
                }
                const auto value = wire::decode_subscription_value(reply_text(records->element[i + 1]));
                if (!value) {
                    continue;
                }
                mine = true;
                const notify_durable_subscription record{sizeof(notify_durable_subscription),
                                                         str_of(field->second),
                                                         str_of(value->user),
                                                         str_of(value->resume_token),
                                                         str_of(topic),
                                                         value->acked_offset};
                ++loaded;
                if (!sink(sink_ctx, &record)) {
                    freeReplyObject(records);
                    freeReplyObject(topics);
                    return NOTIFY_OK;
                }
            }
            freeReplyObject(records);
            if (!mine) {
                redisReply* ignored = sync_call(
                    index, {"SREM", names_.subscriptions_index_key(config_.node_name), topic},
                    nullptr, &error);
                if (ignored != nullptr) {
                    freeReplyObject(ignored);
                }
            }
        }
        freeReplyObject(topics);
    }
    if (loaded > 0) {
        want_persistence_check();
    }
    return NOTIFY_OK;
}

// ---- configuration -------------------------------------------------------------------------

notify_status parse_address(std::string_view text, Address* out, notify_error* err) {
    const auto colon = text.rfind(':');
    std::string host{text.substr(0, colon == std::string_view::npos ? text.size() : colon)};
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    std::optional<std::uint64_t> port;
    if (colon != std::string_view::npos) {
        port = wire::parse_u64(text.substr(colon + 1));
    }
    if (host.empty() || !port || *port == 0 || *port > 65535) {
        notify_error_setf(err,
                          "config key 'addresses': bad address '%.*s' (expected \"host:port\", "
                          "e.g. \"127.0.0.1:6379\")",
                          static_cast<int>(text.size()), text.data());
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    out->host = host;
    out->port = static_cast<int>(*port);
    out->text = std::string{text};
    return NOTIFY_OK;
}

notify_status read_duration(const notify_host_api* host, const notify_config* config,
                            const char* key, std::int64_t fallback, notify_error* err,
                            std::int64_t* out) {
    const notify_status status = notify_config_duration_ms_or(host, config, key, fallback, err, out);
    if (status != NOTIFY_OK) {
        return status;
    }
    if (*out < 1) {
        notify_error_setf(err, "config key '%s': must be positive", key);
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    return NOTIFY_OK;
}

notify_status read_config(const notify_host_api* host, const notify_config* cfg, Config* config,
                          notify_error* err) {
    size_t count = 0;
    notify_status status = host->config_get_array_size(cfg, "addresses", &count);
    if (status == NOTIFY_OK) {
        if (count == 0) {
            notify_error_setf(err, "config key 'addresses': needs at least one \"host:port\"");
            return NOTIFY_ERR_INVALID_ARGUMENT;
        }
        for (size_t i = 0; i < count; ++i) {
            notify_str text{};
            if (host->config_get_array_string(cfg, "addresses", i, &text) != NOTIFY_OK) {
                notify_error_setf(err, "config key 'addresses': expected an array of strings");
                return NOTIFY_ERR_WRONG_TYPE;
            }
            Address address;
            if (parse_address(view_of(text), &address, err) != NOTIFY_OK) {
                return NOTIFY_ERR_INVALID_ARGUMENT;
            }
            config->addresses.push_back(address);
        }
    } else if (status == NOTIFY_ERR_NOT_FOUND) {
        Address address;
        parse_address("127.0.0.1:6379", &address, err);
        config->addresses.push_back(address);
    } else {
        notify_error_setf(err, "config key 'addresses': expected an array of strings");
        return status;
    }

    notify_str text{};
    if ((status = notify_config_string_or(host, cfg, "user", "", err, &text)) != NOTIFY_OK) {
        return status;
    }
    config->user.assign(view_of(text));
    if ((status = notify_config_string_or(host, cfg, "password_env", "", err, &text)) !=
        NOTIFY_OK) {
        return status;
    }
    if (text.len > 0) {
        const std::string name{view_of(text)};
        const char* value = std::getenv(name.c_str());
        if (value == nullptr) {
            notify_error_setf(err, "config key 'password_env': environment variable '%s' is not set",
                              name.c_str());
            return NOTIFY_ERR_INVALID_ARGUMENT;
        }
        config->password = value;
    }
    notify_str path{};
    status = NOTIFY_HOST_HAS(host, config_get_path) ? host->config_get_path(cfg, "password_file", &path)
                                                    : NOTIFY_ERR_NOT_FOUND;
    if (status == NOTIFY_OK && path.len > 0) {
        if (!config->password.empty()) {
            notify_error_setf(err, "config keys 'password_env' and 'password_file': set one, not both");
            return NOTIFY_ERR_INVALID_ARGUMENT;
        }
        const std::string file{view_of(path)};
        std::ifstream in{file};
        if (!in) {
            notify_error_setf(err, "config key 'password_file': cannot read '%s'", file.c_str());
            return NOTIFY_ERR_INVALID_ARGUMENT;
        }
        std::stringstream content;
        content << in.rdbuf();
        std::string password = content.str();
        while (!password.empty() && (password.back() == '\n' || password.back() == '\r' ||
                                     password.back() == ' ' || password.back() == '\t')) {
            password.pop_back();
        }
        if (password.empty()) {
            notify_error_setf(err, "config key 'password_file': '%s' is empty", file.c_str());
            return NOTIFY_ERR_INVALID_ARGUMENT;
        }
        config->password = std::move(password);
    } else if (status != NOTIFY_OK && status != NOTIFY_ERR_NOT_FOUND) {
        notify_error_setf(err, "config key 'password_file': expected a path");
        return status;
    }
    if (!config->user.empty() && config->password.empty()) {
        notify_error_setf(err, "config key 'user': needs a password (password_env or password_file)");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    if ((status = notify_config_int_or(host, cfg, "db", 0, err, &config->db)) != NOTIFY_OK) {
        return status;
    }
    if (config->db < 0) {
        notify_error_setf(err, "config key 'db': must be 0 or more");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    const std::string default_prefix = config->prefix;
    if ((status = notify_config_string_or(host, cfg, "prefix", default_prefix.c_str(), err,
                                          &text)) != NOTIFY_OK) {
        return status;
    }
    config->prefix.assign(view_of(text));
    if (config->prefix.empty()) {
        notify_error_setf(err, "config key 'prefix': must not be empty");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    struct DurationKey {
        const char* key;
        std::int64_t fallback;
        std::int64_t* out;
    };
    const DurationKey durations[] = {
        {"connect_timeout", kDefaultConnectTimeoutMs, &config->connect_timeout_ms},
        {"command_timeout", kDefaultCommandTimeoutMs, &config->command_timeout_ms},
        {"unsubscribe_delay", kDefaultUnsubscribeDelayMs, &config->unsubscribe_delay_ms},
        {"probe_interval", kDefaultProbeIntervalMs, &config->probe_interval_ms},
        {"announce_interval", kDefaultAnnounceIntervalMs, &config->announce_interval_ms},
        {"presence_ttl", kDefaultPresenceTtlMs, &config->presence_ttl_ms},
    };
    for (const auto& item : durations) {
        if ((status = read_duration(host, cfg, item.key, item.fallback, err, item.out)) != NOTIFY_OK) {
            return status;
        }
    }
    if (config->presence_ttl_ms < kMinPresenceTtlMs) {
        notify_error_setf(err, "config key 'presence_ttl': must be at least 3s, got %lld ms",
                          static_cast<long long>(config->presence_ttl_ms));
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    std::int64_t shards = 0;
    if ((status = notify_config_int_or(host, cfg, "shards", kDefaultShards, err, &shards)) !=
        NOTIFY_OK) {
        return status;
    }
    if (shards < 1 || shards > 65536) {
        notify_error_setf(err, "config key 'shards': must be between 1 and 65536, got %lld",
                          static_cast<long long>(shards));
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    config->shards = static_cast<std::uint32_t>(shards);
    if ((status = notify_config_int_or(host, cfg, "max_pending", kDefaultMaxPending, err,
                                       &config->max_pending)) != NOTIFY_OK) {
        return status;
    }
    if (config->max_pending < 1) {
        notify_error_setf(err, "config key 'max_pending': must be at least 1");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    if ((status = notify_config_bool_or(host, cfg, "tls", false, err, &config->tls)) != NOTIFY_OK) {
        return status;
    }
    if ((status = notify_config_bool_or(host, cfg, "tls_verify", true, err,
                                        &config->tls_options.verify)) != NOTIFY_OK) {
        return status;
    }
    if ((status = notify_config_string_or(host, cfg, "tls_server_name", "", err, &text)) !=
        NOTIFY_OK) {
        return status;
    }
    config->tls_options.server_name.assign(view_of(text));
    struct PathKey {
        const char* key;
        std::string* out;
    };
    const PathKey paths[] = {{"tls_ca_file", &config->tls_options.ca_file},
                             {"tls_cert_file", &config->tls_options.cert_file},
                             {"tls_key_file", &config->tls_options.key_file}};
    for (const auto& item : paths) {
        notify_str value{};
        status = NOTIFY_HOST_HAS(host, config_get_path) ? host->config_get_path(cfg, item.key, &value)
                                                        : host->config_get_string(cfg, item.key, &value);
        if (status == NOTIFY_OK) {
            item.out->assign(view_of(value));
        } else if (status != NOTIFY_ERR_NOT_FOUND) {
            notify_error_setf(err, "config key '%s': expected a path", item.key);
            return status;
        }
    }
    const bool any_tls_key = !config->tls_options.server_name.empty() ||
                             !config->tls_options.ca_file.empty() ||
                             !config->tls_options.cert_file.empty() ||
                             !config->tls_options.key_file.empty() || !config->tls_options.verify;
    if (any_tls_key && !config->tls) {
        notify_error_setf(err, "config keys 'tls_*' are set but 'tls' is not true: set tls = true "
                               "to talk to Redis over TLS");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    if (config->tls_options.cert_file.empty() != config->tls_options.key_file.empty()) {
        notify_error_setf(err, "config keys 'tls_cert_file' and 'tls_key_file': set both (a "
                               "client certificate and its key) or neither");
        return NOTIFY_ERR_INVALID_ARGUMENT;
    }
    return NOTIFY_OK;
}

// ---- the C ABI -------------------------------------------------------------------------------

notify_status redis_create(const notify_host_api* host, notify_host_ctx* ctx,
                           const notify_config* cfg, void** instance, notify_error* err) noexcept {
    if (!NOTIFY_HOST_HAS(host, broker_message) || !NOTIFY_HOST_HAS(host, broker_command) ||
        !NOTIFY_HOST_HAS(host, broker_stream_lost) || !NOTIFY_HOST_HAS(host, node_info) ||
        !NOTIFY_HOST_HAS(host, cluster_node_seen)) {
        notify_error_setf(err, "redis broker: needs a host with the ABI 1.3 cluster functions "
                               "(broker_message, broker_command, ...); this host is %u.%u",
                          static_cast<unsigned>(host->abi_major),
                          static_cast<unsigned>(host->abi_minor));
        return NOTIFY_ERR_UNSUPPORTED;
    }
    try {
        Config config;
        // The app id is the default prefix: nodes of one app share their keys and channels.
        notify_node_info self{};
        self.size = sizeof self;
        host->node_info(ctx, &self);
        if (NOTIFY_HAS_FIELD(&self, notify_node_info, app_id) && self.app_id.len > 0) {
            config.prefix.assign(self.app_id.data, self.app_id.len);
        }
        config.node_name.assign(view_of(self.name));
        if (config.node_name.empty()) {
            config.node_name = "node";
        }
        const notify_status status = read_config(host, cfg, &config, err);
        if (status != NOTIFY_OK) {
            return status;
        }
        auto broker = std::make_unique<Broker>(host, ctx, std::move(config));
        if (!broker->valid()) {
            notify_error_setf(err, "redis broker: eventfd failed: %s", std::strerror(errno));
            return NOTIFY_ERR_IO;
        }
        if (const std::string problem = broker->open_tunnels(); !problem.empty()) {
            notify_error_setf(err, "%s", problem.c_str());
            return NOTIFY_ERR_INVALID_ARGUMENT;
        }
        *instance = broker.release();
    } catch (const std::exception& failure) {
        notify_error_setf(err, "redis broker: %s", failure.what());
        return NOTIFY_ERR_INTERNAL;
    }
    return NOTIFY_OK;
}

notify_status redis_start(void* instance, notify_error* err) noexcept {
    try {
        return static_cast<Broker*>(instance)->start(err);
    } catch (const std::exception& failure) {
        notify_error_setf(err, "redis broker: %s", failure.what());
        return NOTIFY_ERR_INTERNAL;
    }
}

void redis_stop(void* instance) noexcept { static_cast<Broker*>(instance)->stop(); }

void redis_destroy(void* instance) noexcept { delete static_cast<Broker*>(instance); }

template <typename F>
notify_status guarded(notify_error* err, F&& body) noexcept {
    try {
        return body();
    } catch (const std::bad_alloc&) {
        notify_error_setf(err, "redis broker: out of memory");
        return NOTIFY_ERR_INTERNAL;
    } catch (const std::exception& failure) {
        notify_error_setf(err, "redis broker: %s", failure.what());
        return NOTIFY_ERR_INTERNAL;
    }
}

notify_status redis_publish(void* instance, const notify_broker_publish* publish,
                            notify_stream_position*, notify_error* err) noexcept {
    return guarded(err, [&] { return static_cast<Broker*>(instance)->publish(publish, err); });
}

notify_status redis_history_read(void* instance, const notify_history_request* request,
                                 notify_history_sink sink, void* sink_ctx,
                                 notify_stream_position* current, notify_error* err) noexcept {
    return guarded(err, [&] {
        return static_cast<Broker*>(instance)->history_read(request, sink, sink_ctx, current, err);
    });
}

notify_status redis_interest(void* instance, uint32_t kind, notify_str name, bool up,
                             notify_error* err) noexcept {
    return guarded(err, [&] { return static_cast<Broker*>(instance)->interest(kind, name, up, err); });
}

notify_status redis_publish_direct(void* instance, const notify_broker_direct* direct,
                                   notify_error* err) noexcept {
    return guarded(err, [&] { return static_cast<Broker*>(instance)->publish_direct(direct, err); });
}

notify_status redis_send_command(void* instance, const notify_cluster_command* command,
                                 notify_error* err) noexcept {
    return guarded(err, [&] { return static_cast<Broker*>(instance)->send_command(command, err); });
}

notify_status redis_presence_add(void* instance, notify_str topic,
                                 const notify_presence_entry* entry, notify_error* err) noexcept {
    return guarded(err, [&] { return static_cast<Broker*>(instance)->presence_add(topic, entry, err); });
}

notify_status redis_presence_remove(void* instance, notify_str topic, notify_str client_id,
                                    notify_error* err) noexcept {
    return guarded(err, [&] {
        return static_cast<Broker*>(instance)->presence_remove(topic, client_id, err);
    });
}

notify_status redis_presence_read(void* instance, notify_str topic, notify_presence_sink sink,
                                  void* sink_ctx, notify_error* err) noexcept {
    return guarded(err, [&] {
        return static_cast<Broker*>(instance)->presence_read(topic, sink, sink_ctx, err);
    });
}

notify_status redis_presence_stats(void* instance, notify_str topic, notify_presence_stats* stats,
                                   notify_error* err) noexcept {
    return guarded(err, [&] {
        return static_cast<Broker*>(instance)->presence_stats(topic, stats, err);
    });
}

notify_status redis_subscription_save(void* instance,
                                      const notify_durable_subscription* subscription,
                                      notify_error* err) noexcept {
    return guarded(err, [&] {
        return static_cast<Broker*>(instance)->subscription_save(subscription, err);
    });
}

notify_status redis_subscription_remove(void* instance, notify_str client_id, notify_str topic,
                                        notify_error* err) noexcept {
    return guarded(err, [&] {
        return static_cast<Broker*>(instance)->subscription_remove(client_id, topic, err);
    });
}

notify_status redis_subscriptions_load(void* instance, notify_subscription_sink sink,
                                       void* sink_ctx, notify_error* err) noexcept {
    return guarded(err, [&] {
        return static_cast<Broker*>(instance)->subscriptions_load(sink, sink_ctx, err);
    });
}

notify_status redis_history_remove(void* instance, notify_str topic, notify_error* err) noexcept {
    return guarded(err, [&] { return static_cast<Broker*>(instance)->history_remove(topic, err); });
}

const notify_config_key kConfigKeys[] = {
    {"addresses", NOTIFY_CONFIG_STRING_ARRAY,
     "Redis servers as \"host:port\" (default [\"127.0.0.1:6379\"]). Topics are spread over "
     "them by jump consistent hash of FNV-1a-64(topic); every node must list the same servers "
     "in the same order."},
    {"user", NOTIFY_CONFIG_STRING, "ACL user name (Redis 6+); needs a password."},
    {"password_env", NOTIFY_CONFIG_STRING,
     "Name of an environment variable holding the password (passwords are never inline)."},
    {"password_file", NOTIFY_CONFIG_PATH,
     "File holding the password (trailing newline ignored)."},
    {"db", NOTIFY_CONFIG_INT, "Database number for the history keys (default 0)."},
    {"prefix", NOTIFY_CONFIG_STRING,
     "Prefix of every key and channel (default: the app id); nodes of one cluster share it."},
    {"connect_timeout", NOTIFY_CONFIG_DURATION, "TCP connect timeout (default 2s)."},
    {"command_timeout", NOTIFY_CONFIG_DURATION,
     "A connection whose oldest command has no reply after this is dropped and reconnected; "
     "also the history read timeout (default 5s)."},
    {"unsubscribe_delay", NOTIFY_CONFIG_DURATION,
     "How long a channel stays subscribed after its last local interest (default 2m)."},
    {"probe_interval", NOTIFY_CONFIG_DURATION,
     "A pub/sub connection silent this long gets a probe; silent another interval, it is "
     "reconnected (default 10s)."},
    {"announce_interval", NOTIFY_CONFIG_DURATION,
     "How often this node announces itself on the control channel (default 3s; others forget "
     "it after 3 intervals)."},
    {"shards", NOTIFY_CONFIG_INT,
     "Channel shards for client and user messages and commands (default 64); the same on "
     "every node."},
    {"max_pending", NOTIFY_CONFIG_INT,
     "Publishes in flight per Redis server; past it a publish fails with a limit error "
     "(default 10000)."},
    {"tls", NOTIFY_CONFIG_BOOL,
     "Talk to every server over TLS (Redis tls-port); default false."},
    {"tls_ca_file", NOTIFY_CONFIG_PATH,
     "PEM file of the CAs that sign the servers' certificates (default: the system's)."},
    {"tls_cert_file", NOTIFY_CONFIG_PATH,
     "Client certificate (PEM) for servers that ask for one (tls-auth-clients); with "
     "tls_key_file."},
    {"tls_key_file", NOTIFY_CONFIG_PATH, "The client certificate's private key (PEM)."},
    {"tls_server_name", NOTIFY_CONFIG_STRING,
     "Name sent (SNI) and verified in the servers' certificates (default: each address's "
     "host)."},
    {"tls_verify", NOTIFY_CONFIG_BOOL,
     "Verify the servers' certificates (default true; false is for tests only)."},
    {"presence_ttl", NOTIFY_CONFIG_DURATION,
     "How long a node's presence entries live in Redis without a refresh; each node refreshes "
     "its own every third of it (default 60s, at least 3s; the same on every node)."},
};

const notify_broker_vtable kBrokerVtable = {
    sizeof(notify_broker_vtable),
    NOTIFY_BROKER_CAP_HISTORY | NOTIFY_BROKER_CAP_CLUSTER | NOTIFY_BROKER_CAP_PRESENCE |
        NOTIFY_BROKER_CAP_DURABLE | NOTIFY_BROKER_CAP_DURABLE_SUBSCRIPTIONS,
    redis_publish,
    redis_history_read,
    redis_subscription_save,
    redis_subscription_remove,
    redis_subscriptions_load,
    redis_interest,
    redis_publish_direct,
    redis_send_command,
    redis_presence_add,
    redis_presence_remove,
    redis_presence_read,
    redis_presence_stats,
    redis_history_remove,
};

const notify_plugin_descriptor kDescriptor = {
    sizeof(notify_plugin_descriptor),
    NOTIFY_ABI_MAJOR,
    NOTIFY_ABI_MINOR,
    "redis",
    "0.1.0",
    "Cluster bus and history over Redis: one Lua script per publish (offset, epoch, stream, "
    "PUBLISH), pub/sub channels per topic and per client/user shard, loss detection, "
    "cluster-wide presence",
    NOTIFY_KIND_BROKER,
    kConfigKeys,
    sizeof kConfigKeys / sizeof kConfigKeys[0],
    redis_create,
    redis_start,
    redis_stop,
    redis_destroy,
    nullptr,
    nullptr,
    &kBrokerVtable,
    nullptr,
    nullptr,  // reconfigure (ABI 1.6): a changed [broker] table needs a restart
};

}  // namespace

extern "C" NOTIFY_EXPORT const notify_plugin_descriptor* NOTIFY_PLUGIN_ENTRY(void) {
    return &kDescriptor;
}
