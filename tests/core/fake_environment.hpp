// A CoreEnvironment that records what the core asks of the world, with a settable clock and
// scriptable auth and broker answers.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/core.hpp"

namespace notify::core::testing {

struct RecordedDelivery {
    std::uint32_t transport = 0;
    FrameRef frame;  // a reference kept, as a transport queueing it would
    // The frame's bytes in each encoding some recipient uses; empty when none uses it.
    std::string json;
    std::string binary;
    std::vector<std::uint64_t> conns;
};

struct RecordedClose {
    ConnectionRef conn;
    std::uint16_t code = 0;
    std::string reason;
};

// A copy of a notify_event whose views were valid only during emit.
struct RecordedEvent {
    std::uint32_t size = 0;
    notify_event_type type = NOTIFY_EVENT_CONNECT;
    std::int64_t time_ms = 0;
    std::string client_id;
    std::string user_id;
    std::string topic;
    std::string data;
    std::uint64_t offset = 0;
    std::string epoch;
    notify_change_subject change_subject = NOTIFY_CHANGE_TOPIC;
    bool change_up = false;
    std::string client_info;
    std::uint16_t close_code = 0;
    std::string reason;
};

struct BrokerCall {
    std::uint64_t request_id = 0;
    std::string topic;
    std::string payload;
    std::int64_t time_ms = 0;
    std::string namespace_name;
};

class FakeEnvironment : public CoreEnvironment {
  public:
    std::int64_t clock_ms = 1'000'000;
    std::vector<RecordedDelivery> deliveries;
    std::vector<RecordedClose> closes;
    std::vector<RecordedEvent> events;
    std::vector<AuthRequest> auth_requests;
    std::vector<std::uint64_t> auth_request_ids;  // every authenticate/authorize call, in order
    std::vector<BrokerCall> broker_calls;
    // The encoding each connection was opened with, as its transport knows it; JSON if unset.
    std::map<std::pair<std::uint32_t, std::uint64_t>, notify_encoding> encodings;

    // Scripted answers; the defaults allow everything and number each topic's stream from 1.
    std::function<AuthOutcome(const AuthRequest&)> on_authenticate;
    std::function<AuthOutcome(std::string_view topic)> on_authorize_subscribe;
    // Every authorize_subscribe's token and whether the namespace required one, in call order.
    // Without on_authorize_subscribe a required token is verified when it equals "good-token".
    std::vector<std::pair<std::string, bool>> subscribe_tokens;
    std::function<AuthOutcome(std::string_view topic)> on_authorize_publish;
    std::function<PublishOutcome(std::string_view topic)> on_broker_publish;
    // What every authorize_subscribe/_publish was told about the connection, in call order.
    struct AuthorizeCall {
        std::uint32_t transport = 0;
        std::string remote_address;
        std::vector<RequestHeader> headers;
        std::string data;
    };
    std::vector<AuthorizeCall> authorize_calls;

    // The fake broker's history: every published message of a topic is kept (the oldest
    // dropped past history_limit), in the stream's epoch. Tests may rewrite it to simulate loss.
    struct KeptMessage {
        std::uint64_t offset = 0;
        std::string payload;
    };
    std::map<std::string, std::vector<KeptMessage>, std::less<>> history;
    std::size_t history_limit = 1'000'000;
    std::string epoch = "epoch-1";
    bool history_fails = false;
    std::size_t history_reads = 0;
    // Durable subscriptions as a broker would store them, keyed by (client id, topic).
    std::map<std::pair<std::string, std::string>, DurableSubscriptionRecord> durable_records;

    std::int64_t now_ms() override { return clock_ms; }
    std::string make_client_id() override;
    std::string make_resume_token() override;
    void deliver(std::uint32_t transport, const FrameRef& frame,
                 std::span<const std::uint64_t> conns) override;
    void close(ConnectionRef conn, std::uint16_t code, std::string_view reason) override;
    AuthOutcome authenticate(std::uint64_t request_id, const AuthRequest& request) override;
    AuthOutcome authorize_subscribe(std::uint64_t request_id, std::string_view client_id,
                                    std::string_view user_id, std::string_view topic,
                                    std::string_view token, bool token_required,
                                    const AuthorizeContext& context) override;
    AuthOutcome authorize_publish(std::uint64_t request_id, std::string_view client_id,
                                  std::string_view user_id, std::string_view topic,
                                  const AuthorizeContext& context) override;
    PublishOutcome broker_publish(std::uint64_t request_id, std::string_view topic,
                                  std::string_view payload, std::int64_t time_ms,
                                  const host::NamespaceSpec& ns,
                                  std::string_view publish_key) override;
    StreamState read_history(std::string_view topic, std::uint64_t since_offset,
                             std::uint64_t limit, const host::NamespaceSpec& ns,
                             const HistoryVisitor& visit) override;
    void save_durable_subscription(const DurableSubscriptionRecord& record) override;
    void remove_durable_subscription(std::string_view client_id, std::string_view topic) override;
    void emit(const notify_event& event) override;

    // ---- presence: the fake broker's, by topic then client id ----
    void presence_add(std::string_view topic, const PresenceMember& member) override;
    void presence_remove(std::string_view topic, std::string_view client_id) override;
    std::string read_presence(std::string_view topic,
                              std::vector<PresenceMember>& members) override;
    std::string presence_stats(std::string_view topic, PresenceCount& count) override;
    std::map<std::string, std::map<std::string, PresenceMember>> presence;
    std::string presence_error;  // non-empty: read_presence and presence_stats fail with it

    // ---- cluster: what the core asked of the bus ----
    struct Interest {
        notify_interest_kind kind;
        std::string name;
        bool up;
        bool operator==(const Interest&) const = default;
    };
    struct Direct {
        std::vector<std::string> clients;
        std::vector<std::string> users;
        std::string payload;
        std::string publish_key;
    };
    std::vector<Interest> interests;
    std::vector<Direct> directs;
    std::vector<ClusterCommand> commands;
    std::vector<std::string> publish_keys;  // of every broker_publish, in order
    std::string direct_error;               // set to make publish_direct fail
    void broker_interest(notify_interest_kind kind, std::string_view name, bool up) override;
    std::string broker_publish_direct(std::span<const std::string> clients,
                                      std::span<const std::string> users,
                                      std::string_view payload, std::int64_t time_ms,
                                      std::string_view publish_key) override;
    void broker_send_command(const ClusterCommand& command) override;

    // ---- queries ----
    notify_encoding encoding_of(ConnectionRef conn) const;
    // Every frame that reached the connection, in order, in the connection's encoding.
    std::vector<std::string> frames_to(ConnectionRef conn) const;
    std::vector<RecordedEvent> events_of(notify_event_type type) const;
    void clear_records();

  private:
    void record_authorize(const AuthorizeContext& context);
    int next_client_ = 1;
    int next_token_ = 1;
    std::map<std::string, std::uint64_t, std::less<>> offsets_;

  public:
    // The stream's last offset; a test may move it to simulate a broker that lost its streams.
    std::uint64_t& stream_offset(std::string_view topic) { return offsets_[std::string(topic)]; }
};

AuthOutcome allow(std::string client_id = {}, std::string user_id = {});
AuthOutcome deny(std::string reason);
AuthOutcome pending();

}  // namespace notify::core::testing
