// Cluster end-to-end tests: real redis-server processes (tests/support/redis_server.hpp) and
// three real notifyd nodes on them with the `redis` broker, driven by WebSocket clients
// (tests/e2e/ws_client.hpp) and notify-cli.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "process.hpp"
#include "redis_server.hpp"
#include "ws_client.hpp"

namespace notify::test::cluster {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kNodes = 3;

// One line of `notify-cli sub` output.
struct CliLine {
    std::string topic;
    std::uint64_t offset = 0;
    std::string epoch;
    std::string data;
};
std::vector<CliLine> parse_cli_lines(const std::string& text);

class ClusterTest : public ::testing::Test {
  protected:
    // Skips when plugins/redis is not part of the build.
    void SetUp() override;
    // Starts `redis_servers` Redis servers (shards) and the three nodes. Each test owns ten fixed
    // ports from `base_port` (CTest runs tests in parallel; 39800-39969 and 39300-39339 are this
    // suite's ranges): nodes at base+1..base+3, Redis servers at base+5, base+6.
    void start_cluster(unsigned short base_port, int redis_servers = 1);
    std::string manifest(int node) const;
    void start_node(int node);
    void kill_node(int node);  // SIGKILL, waited for
    unsigned short node_port(int node) const {
        return static_cast<unsigned short>(base_ + 1 + node);
    }
    std::string url(int node) const;
    RedisServer& redis(int index = 0) { return *redis_.at(static_cast<std::size_t>(index)); }
    std::string node_log(int node) const;
    std::string all_logs() const;
    bool node_running(int node);
    // Waits until some node's stderr contains `needle` (case-insensitive); false at the deadline.
    bool wait_for_any_log(const std::string& needle, milliseconds timeout);

    // Runs notify-cli with `args`; the Process writes into the test's folder.
    std::unique_ptr<Process> start_cli(const std::string& label, std::vector<std::string> args);

    void TearDown() override;

    TempDir dir_;
    unsigned short base_ = 0;
    std::vector<std::unique_ptr<RedisServer>> redis_;
    std::array<std::unique_ptr<Process>, kNodes> nodes_;
    std::array<bool, kNodes> killed_{};
    int cli_runs_ = 0;
    // Appended to every node's manifest (e.g. one more [[handler]] table); empty by default.
    std::string extra_manifest_;
};

// A protocol client over one WebSocket connection (docs/protocol.md): replies are matched by id,
// pushes queue up while a reply is awaited. One thread at a time.
class NotifyClient {
  public:
    explicit NotifyClient(unsigned short port);

    std::uint64_t send(const std::string& command, json body);
    // The whole reply frame ({"id","result"} or {"id","error"}); nullopt on timeout or close.
    std::optional<json> reply(std::uint64_t id, milliseconds timeout);
    // send + reply; throws when no reply comes.
    json request(const std::string& command, json body, milliseconds timeout = seconds(5));
    // connect; throws on an error reply. Remembers client() and resume().
    json connect(json body = json::object());
    // connect, returning the whole reply frame (result or error); remembers client() and
    // resume() on success.
    json connect_frame(json body);
    // The next push ({"message":…}, {"recover":…}, {"disconnect":…}); nullopt on timeout/close.
    std::optional<json> next_push(milliseconds timeout);
    // Every message push until `count` arrived or the deadline; other pushes are skipped.
    std::vector<json> messages(std::size_t count, milliseconds timeout);

    bool closed() const { return closed_; }
    std::uint16_t close_code() const { return close_code_; }
    const std::string& client() const { return client_; }
    const std::string& resume() const { return resume_; }
    void vanish() { ws_->vanish(); }

  private:
    // Reads one frame within `timeout` into the queues; false on timeout or close.
    bool pump(milliseconds timeout);

    std::unique_ptr<WsClient> ws_;
    std::uint64_t next_id_ = 1;
    std::deque<json> pushes_;
    std::map<std::uint64_t, json> replies_;
    bool closed_ = false;
    std::uint16_t close_code_ = 0;
    std::string client_;
    std::string resume_;
};

struct Position {
    std::string epoch;
    std::uint64_t offset = 0;
    bool operator<(const Position& other) const {
        return epoch != other.epoch ? epoch < other.epoch : offset < other.offset;
    }
    bool operator==(const Position& other) const = default;
};

// What a publisher had acknowledged: position -> payload.
using AckedMessages = std::map<Position, std::string>;

// Publishes `prefix#N` to one topic, one publish at a time (each waits for its reply, bounded),
// recording what was acknowledged and how many were refused.
class Publisher {
  public:
    Publisher(unsigned short port, std::string topic);
    // One publish; true when acknowledged.
    bool publish_one(milliseconds timeout = seconds(3));
    // Publishes until `acked` more were acknowledged or the deadline.
    int publish_acked(int acked, Clock::time_point deadline);
    const AckedMessages& acked() const { return acked_; }
    std::optional<Position> last_acked() const { return last_; }
    int errors() const { return errors_; }
    int attempts() const { return attempts_; }
    const std::vector<std::string>& error_texts() const { return error_texts_; }
    std::string last_error() const { return error_texts_.empty() ? "" : error_texts_.back(); }

  private:
    void reconnect();

    unsigned short port_;
    std::string topic_;
    std::unique_ptr<NotifyClient> client_;
    AckedMessages acked_;
    std::optional<Position> last_;
    int errors_ = 0;
    int attempts_ = 0;
    std::vector<std::string> error_texts_;
};

// A client that follows one topic like a careful application: it checks that offsets follow
// each other, recovers with `since` on a `recover` push, on a gap or after reconnecting, and on
// a lost connection reconnects to the next node of its list (resume first, else a fresh client
// that recovers from its last position). It runs on its own thread.
class TrackingSubscriber {
  public:
    TrackingSubscriber(std::string name, std::vector<unsigned short> ports, std::string topic,
                       Clock::time_point deadline);
    ~TrackingSubscriber();
    TrackingSubscriber(const TrackingSubscriber&) = delete;
    TrackingSubscriber& operator=(const TrackingSubscriber&) = delete;

    // Connects to ports[0], subscribes with since {0,""} (the whole stream), starts the thread
    // and returns once the subscribe was answered.
    void start();
    // Waits until the subscriber's position is `target` (or past it in the same epoch).
    bool wait_for_position(const Position& target, Clock::time_point deadline);
    // Makes the thread drop its connection abruptly (no close frame), as a lost network would:
    // it then reconnects to the next port of its list like after any lost connection.
    void drop_connection() { drop_ = true; }
    void stop();

    struct Told {  // a recovery answered "recovered":false: what lies between was skipped
        Position from;
        Position to;
    };
    struct Report {
        std::vector<std::pair<Position, std::string>> received;  // in arrival order
        std::vector<std::string> anomalies;                      // silent loss, duplicates, …
        std::vector<Told> told;
        int recover_pushes = 0;
        int recoveries = 0;
        int reconnects = 0;
        Position position;
        std::string client;  // the client id of the current connection
    };
    Report report() const;

    // Checks the report against what the publisher had acknowledged: every acknowledged message
    // was received (with its payload) or lies in a range the client was told it lost; nothing
    // was received twice or out of order. `allow_told` = false also fails any told range.
    void expect_complete(const AckedMessages& acked, bool allow_told) const;

  private:
    void run();
    void handle(const json& frame);
    void on_message(const json& message);
    void on_recover_reply(const json& frame);
    void recover();
    bool reconnect();
    void anomaly(const std::string& text);

    const std::string name_;
    const std::vector<unsigned short> ports_;
    const std::string topic_;
    const Clock::time_point deadline_;
    std::size_t port_index_ = 0;
    std::unique_ptr<NotifyClient> client_;
    std::optional<std::uint64_t> recovery_id_;
    std::optional<Clock::time_point> retry_at_;  // a failed recovery is sent again then
    int failed_recoveries_ = 0;
    bool recover_pushed_ = false;          // a recover push since the last message in order
    std::atomic<bool> recovering_{false};  // a recovery is under way (read by other threads)
    std::uint64_t skipped_up_to_ = 0;
    bool may_skip_ahead_ = false;
    std::atomic<bool> stop_{false};
    std::atomic<bool> drop_{false};
    std::thread thread_;
    mutable std::mutex mutex_;
    Report report_;
};

}  // namespace notify::test::cluster
