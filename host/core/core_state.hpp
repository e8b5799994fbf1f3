// The core's private state and the operations on it, shared by the core's translation units.
// Each .cpp of host/core implements one concern of Core::State (see the section comments).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/change_times.hpp"
#include "core/inline_text.hpp"
#include "core/core.hpp"
#include "notify/protocol/json.hpp"

namespace notify::core {

struct Client;
struct Topic;
struct User;

struct ConnectionRefHash {
    std::size_t operator()(const ConnectionRef& ref) const noexcept {
        return std::hash<std::uint64_t>{}(ref.conn ^ (std::uint64_t{ref.transport} << 48U));
    }
};

struct Connection {
    ConnectionRef ref;
    std::string remote_address;
    notify_encoding encoding = NOTIFY_ENCODING_JSON;
    std::vector<RequestHeader> headers;  // kept for the auth chain (host->keep_headers)
    Client* client = nullptr;      // set once connect succeeded
    bool connect_pending = false;  // a connect waits for the auth chain
    // Closed by the core (replaced, refused, disconnected, shutdown): its frames are ignored and
    // its later close is stale.
    bool closing = false;
};

// Where an at-least-once subscription stands: offsets up to `acked` are acknowledged, offsets up
// to `delivered` were sent on the current connection. Messages past `delivered` are pulled from
// the broker's store as the window (max_in_flight) allows, so a slow or absent client costs no
// memory here.
struct DurableCursor {
    std::uint64_t acked = 0;
    std::uint64_t delivered = 0;
    std::int64_t ack_deadline_ms = 0;  // unacked deliveries are sent again then; 0 = none
};

// One entry of a client's subscription list; `slot` is its index in the topic's subscribers.
struct ClientSubscription {
    Topic* topic = nullptr;
    std::size_t slot = 0;
    std::unique_ptr<DurableCursor> durable;  // only in at-least-once namespaces
};

// Live messages up to this offset are not sent: they came by recovery already. kPausedForRecovery
// holds every live message back until the client recovers (its resume buffer overflowed).
inline constexpr std::uint64_t kPausedForRecovery = std::numeric_limits<std::uint64_t>::max();

// One entry of a topic's subscriber list; `slot` is its index in the client's subscriptions.
// The two back-indexes make unsubscribing O(1) on both sides.
struct TopicSubscriber {
    Client* client = nullptr;
    std::size_t slot = 0;
    std::uint64_t skip_through = 0;
};

// What the auth chain said about a client beyond its user: only clients whose token expires or
// that carry info have one (most clients of an anonymous app do not).
struct ClientCredentials {
    std::int64_t expires_at_ms = 0;  // 0 = never
    std::string info;                // a JSON object, or empty
};

struct Client {
    std::string id;
    InlineText<32> resume_token;
    User* user = nullptr;
    Connection* connection = nullptr;  // the current connection while active
    std::int64_t state_since_ms = 0;   // when it became inactive or invalid
    std::vector<ClientSubscription> subscriptions;
    ChangeTimes change_times;
    std::uint64_t publish_stamp = 0;  // the last publish that reached this client
    // While inactive: what was published to it, delivered in order when it resumes (at most
    // clients.buffer_size; past that the buffer is dropped and missed_overflow set). A vector,
    // not a deque: an empty libstdc++ deque still allocates ~600 bytes, for every client.
    std::vector<FrameRef> missed;
    std::unique_ptr<ClientCredentials> credentials;
    // Last, together: eight bytes of a struct every client has.
    ClientState state = ClientState::active;
    bool missed_overflow = false;
};

struct UserSubscription {
    bool subscribed = false;
    std::int64_t time_ms = 0;
};

// A user exists while it has clients or remembers subscriptions for its future clients.
struct User {
    std::string id;
    std::vector<Client*> clients;                                     // active and inactive clients
    std::unordered_map<std::string, UserSubscription> subscriptions;  // with tombstones
};

inline std::string_view user_id_of(const Client& client) {
    return client.user != nullptr ? std::string_view(client.user->id) : std::string_view();
}

struct Topic {
    std::string name;
    const host::NamespaceSpec* space = nullptr;
    // The stream's last offset as the core saw it (publish or history read); 0 = not known yet.
    std::uint64_t last_offset = 0;
    std::uint64_t publishes = 0;  // messages fanned out to it since it came up on this node
    std::vector<TopicSubscriber> subscribers;
    std::unordered_map<const User*, std::uint32_t> user_subscribers;  // for max_users
};

enum class ClosePush { none, disconnect };

// A message read back from the broker's history (recovery, at-least-once pulls).
struct KeptMessage {
    std::uint64_t offset = 0;
    std::string payload;
};

// Why a subscribe could not be applied; `none` means it was applied (or already in place).
enum class SubscribeRefusal { none, limit_exceeded, ignored_as_older };

struct PendingConnect {
    ConnectionRef conn;
    std::uint64_t command_id = 0;
    protocol::ConnectCommand command;
};

struct PendingSubscribe {
    ConnectionRef conn;
    std::uint64_t command_id = 0;
    std::string client_id;
    std::string topic;
    std::optional<protocol::Position> since;
};

struct PendingRefresh {
    ConnectionRef conn;
    std::uint64_t command_id = 0;
    std::string client_id;
};

// A publish on its way: authorization (client publishes), then one broker publish per topic,
// then the fan-out once every topic's position is known.
struct PublishJob {
    enum class Phase { authorizing, publishing, finished };
    std::uint64_t id = 0;
    Phase phase = Phase::authorizing;
    bool from_client = false;
    ConnectionRef origin;  // from_client: where the reply goes
    std::uint64_t command_id = 0;
    std::string client_id;  // from_client: the publisher
    std::string user_id;
    PublishTargets targets;
    std::string payload;
    std::int64_t time_ms = 0;
    std::size_t authorizations_pending = 0;
    bool authorizations_issued = false;
    bool refused = false;
    // A moderated payload from an auth plugin, and which authorization gave it.
    std::optional<std::string> replacement;
    std::size_t replacement_index = 0;
    std::size_t broker_pending = 0;
    bool broker_issued = false;
    std::vector<protocol::TopicPosition> positions;  // per topic, in target order
    std::vector<bool> position_known;
    std::string broker_error;  // the first broker failure
    // A server API publish: called once the job finished (positions or broker_error set).
    std::function<void(const PublishJob&)> on_finished;
};

struct PendingPublishAuth {
    std::uint64_t job_id = 0;
    std::size_t index = 0;  // which of the job's authorizations (topics in order, then direct)
};

struct PendingBrokerPublish {
    std::uint64_t job_id = 0;
    std::size_t topic_index = 0;
};

// "subscribe: namespace 'ns' does not allow clients to subscribe", for error replies.
std::string namespace_refusal(const host::NamespaceSpec& space, std::string_view action);

struct Core::State {
    State(CoreConfig config_in, CoreEnvironment& env_in);

    CoreConfig config;
    CoreEnvironment& env;

    // By value: an unordered_map never moves its elements, and one allocation per connection
    // instead of two is felt at 10k idle connections.
    std::unordered_map<ConnectionRef, Connection, ConnectionRefHash> connections;
    // Keyed by a view of the client's own id (a Client never moves): one copy of each id.
    std::unordered_map<std::string_view, std::unique_ptr<Client>> clients;
    std::unordered_map<std::string, std::unique_ptr<User>> users;
    std::unordered_map<std::string, std::unique_ptr<Topic>> topics;
    std::unordered_map<std::string_view, const host::NamespaceSpec*> namespaces_by_name;
    // Without a presence or join_leave namespace, a client coming or going has nothing to tell
    // and its subscriptions are not walked.
    bool any_presence_namespace = false;

    std::uint64_t next_request_id = 1;
    std::unordered_map<std::uint64_t, PendingConnect> pending_connects;
    std::unordered_map<std::uint64_t, PendingSubscribe> pending_subscribes;
    std::unordered_map<std::uint64_t, PendingRefresh> pending_refreshes;
    // When a client's connection is closed for an expired token (expiry + refresh grace), by
    // client id. An entry is stale when the client refreshed since: the client's own deadline
    // is checked before closing.
    std::multimap<std::int64_t, std::string> token_deadlines;
    std::unordered_map<std::uint64_t, PendingPublishAuth> pending_publish_auths;
    std::unordered_map<std::uint64_t, PendingBrokerPublish> pending_broker_publishes;
    std::unordered_map<std::uint64_t, PublishJob> publish_jobs;

    // Fan-out scratch, reused by every publish: recipients per transport index, and which
    // transports have any in the current frame.
    std::uint64_t publish_generation = 0;
    std::vector<std::vector<std::uint64_t>> batches;
    std::vector<std::uint32_t> batched_transports;

    bool shut_down = false;
    bool restoring = false;  // restore(): the records come from the broker, no need to save them
    std::uint64_t publish_count = 0;
    std::uint64_t delivery_count = 0;
    std::uint64_t refusal_count = 0;
    std::array<std::uint64_t, kErrorCodeSlots> refusals_by_code{};  // index: code - 100
    std::uint64_t recovered_count = 0;
    std::uint64_t unrecovered_count = 0;
    std::uint64_t ack_count = 0;
    std::uint64_t redelivery_count = 0;
    std::uint64_t overflow_count = 0;
    std::uint64_t bus_message_count = 0;
    std::uint64_t stream_lost_count = 0;

    // ---- cluster.cpp ----------------------------------------------------------------------------
    // The clients reached by recent publishes with several targets (by publish key), so that
    // their parts, arriving from the bus on different channels, reach each connection once.
    // Bounded: the oldest keys are forgotten first.
    std::unordered_map<std::string, std::unordered_set<std::string>> reached_by_publish;
    std::deque<std::string> reached_order;
    std::unordered_set<std::string>* reached = nullptr;  // the current bus message's set
    // "node:job" for a publish with several targets, else empty.
    std::string publish_key(const PublishJob& job) const;
    void receive_bus_message(const BusMessage& message);
    void apply_cluster_command(const ClusterCommand& command);
    void stream_lost(std::string_view topic, std::uint64_t offset, std::string_view epoch,
                     std::string_view reason);
    bool held_elsewhere(notify_target_kind kind, std::string_view id) const;
    // A client connected here: a session of the same id on another node is replaced.
    void announce_client(const Client& client);
    // Server-side actions for a client or user that may be held by another node.
    void forward_command(notify_cluster_command_type type, notify_target_kind kind,
                         std::string_view id, std::string_view topic, std::int64_t time_ms,
                         std::uint16_t code = 0, std::string_view reason = {});

    // ---- namespaces.cpp -----------------------------------------------------------------------
    const host::NamespaceSpec& namespace_of(std::string_view topic) const;

    // ---- events.cpp ---------------------------------------------------------------------------
    void emit_client_event(notify_event_type type, const Client& client,
                           std::uint16_t close_code = 0, std::string_view reason = {});
    void emit_topic_event(notify_event_type type, const Client& client, std::string_view topic);
    void emit_change(notify_change_subject subject, std::string_view name, bool up);
    // `time_ms`: the publish's own time (one clock read per publish, not one per event).
    void emit_publish(std::string_view topic, const protocol::TopicPosition& position,
                      std::string_view payload, std::string_view client_id,
                      std::string_view user_id, std::int64_t time_ms);
    void emit_data(const Client& client, std::string_view data);

    // ---- replies.cpp --------------------------------------------------------------------------
    // Every frame to one connection is encoded in that connection's encoding.
    notify_encoding encoding_of(ConnectionRef conn) const;
    void reply_publish(ConnectionRef conn, std::uint64_t command_id,
                       std::span<const protocol::TopicPosition> positions);
    void push_disconnect(ConnectionRef conn, std::uint16_t code, std::string_view reason);
    void push_recover(ConnectionRef conn, std::string_view topic, std::uint64_t offset,
                      std::string_view epoch, std::string_view reason);
    void reply_connect(ConnectionRef conn, std::uint64_t command_id, const Client& client,
                       protocol::SessionResume session);
    void reply_refresh(ConnectionRef conn, std::uint64_t command_id,
                       std::optional<std::uint64_t> ttl_ms);
    void reply_subscribe(ConnectionRef conn, std::uint64_t command_id,
                         const protocol::Position& position, std::optional<bool> recovered);
    void deliver_frame(ConnectionRef conn, const FrameRef& frame);
    void reply_error(ConnectionRef conn, std::uint64_t command_id, protocol::ErrorCode code,
                     std::string_view message);
    void reply_empty(ConnectionRef conn, std::uint64_t command_id);
    // Optionally sends the disconnect push, asks the transport to close, and detaches the
    // connection from its client so that its later close is stale.
    void close_connection(Connection& connection, std::uint16_t code, std::string_view reason,
                          ClosePush push);
    Connection* live_connection(ConnectionRef conn);

    // ---- connections.cpp ----------------------------------------------------------------------
    notify_status open_connection(ConnectionRef conn, std::string remote_address,
                                  notify_encoding encoding, std::vector<RequestHeader> headers);
    void receive(ConnectionRef conn, std::string_view frame);
    void connection_closed(ConnectionRef conn, std::uint16_t code);
    void handle_command(Connection& connection, protocol::Command& command);

    // ---- connect.cpp --------------------------------------------------------------------------
    void handle_connect(Connection& connection, std::uint64_t command_id,
                        protocol::ConnectCommand& command);
    void finish_connect(ConnectionRef conn, std::uint64_t command_id,
                        const protocol::ConnectCommand& command, const AuthOutcome& outcome);
    void refuse_connect(Connection& connection, std::uint64_t command_id, std::string_view reason,
                        protocol::ErrorCode code = protocol::ErrorCode::unauthorized,
                        std::uint16_t close_code = NOTIFY_CLOSE_UNAUTHORIZED);

    // ---- credentials.cpp ----------------------------------------------------------------------
    // The connect reply's ttl_ms for the client's credentials (nullopt: they never expire).
    std::optional<std::uint64_t> credentials_ttl(const Client& client) const;
    // Keeps what the auth chain said about the client (expiry, info) and arms the expiry.
    void set_credentials(Client& client, const AuthOutcome& outcome);
    void handle_refresh(Connection& connection, std::uint64_t command_id,
                        const protocol::RefreshCommand& command);
    void finish_refresh(const PendingRefresh& pending, const AuthOutcome& outcome);
    // Closes the connections whose token expired more than clients.refresh_grace ago.
    void close_expired_tokens(std::int64_t now_ms);
    // The error code of a refused connect/refresh: token_expired when the plugin said so.
    static protocol::ErrorCode auth_error_code(const AuthOutcome& outcome,
                                               protocol::ErrorCode fallback);
    // A denial whose plugin asked to close the connection (AuthOutcome::close_code) closes it,
    // after the error reply, with a disconnect push carrying the code and reason.
    void close_as_denial_says(ConnectionRef conn, const AuthOutcome& outcome);
    // What the auth chain is told about where a client's subscribe or publish comes from.
    static AuthorizeContext authorize_context(const Connection& connection,
                                              std::string_view data = {});

    // ---- presence.cpp -------------------------------------------------------------------------
    // The client joined (subscribed while connected, or its connection resumed) or left the
    // topic: the broker's presence and the join/leave pushes, as the namespace says.
    void presence_changed(Client& client, Topic& topic, bool joined);
    void presence_of_all(Client& client, bool joined);
    std::string read_refusal(const Client& client, std::string_view topic, host::PublishRule rule,
                             std::string_view what) const;
    bool presence_allowed(Connection& connection, std::uint64_t command_id, std::string_view topic,
                          std::string_view what);
    void handle_presence(Connection& connection, std::uint64_t command_id,
                         const protocol::PresenceCommand& command);
    void handle_presence_stats(Connection& connection, std::uint64_t command_id,
                               const protocol::PresenceStatsCommand& command);
    void handle_history(Connection& connection, std::uint64_t command_id,
                        const protocol::HistoryCommand& command);

    // ---- permissions.cpp ----------------------------------------------------------------------
    // Why the client may not subscribe to / publish on `topic` by the namespace's rules; empty
    // when it may (a "token" namespace is then decided by the auth chain).
    std::string subscribe_refusal(const Client& client, std::string_view topic,
                                  const host::NamespaceSpec& space) const;
    std::string publish_refusal(const Client& client, std::string_view topic,
                                const host::NamespaceSpec& space) const;

    // ---- clients.cpp --------------------------------------------------------------------------
    Client* find_client(std::string_view client_id) const;
    Client& create_client(std::string id, const std::string& user_id);
    void attach_connection(Client& client, Connection& connection);
    // code and reason (NOTIFY_REASON_*) say why, to handlers (notify_event, ABI 1.5).
    void inactivate(Client& client, std::uint16_t code, std::string_view reason);
    void invalidate(Client& client, std::uint16_t code, std::string_view reason);
    void forget(Client& client);
    void disconnect(notify_target_kind kind, std::string_view id, std::uint16_t code,
                    std::string_view reason);
    void clean();
    void shutdown();

    // ---- users.cpp ----------------------------------------------------------------------------
    User& user_record(const std::string& user_id);
    User* find_user(std::string_view user_id) const;
    void add_client_to_user(Client& client, const std::string& user_id);
    void remove_client_from_user(Client& client);
    void release_user_if_unused(User& user);
    void apply_user_subscriptions(Client& client);

    // ---- subscriptions.cpp --------------------------------------------------------------------
    bool is_subscribed(const Client& client, std::string_view topic) const;
    SubscribeRefusal subscribe_client(Client& client, std::string_view topic, std::int64_t time_ms);
    void unsubscribe_client(Client& client, std::string_view topic, std::int64_t time_ms);
    void drop_all_subscriptions(Client& client);
    void subscribe(notify_target_kind kind, std::string_view id, std::string_view topic,
                   std::int64_t time_ms);
    void unsubscribe(notify_target_kind kind, std::string_view id, std::string_view topic,
                     std::int64_t time_ms);
    void remove_subscription(Client& client, std::size_t index);
    void record_change(Client& client, std::string_view topic, std::int64_t time_ms);
    bool is_older_change(const Client& client, std::string_view topic, std::int64_t time_ms) const;
    // A client's own command always applies: its time is now, or just the last change's time
    // when a server-side change carried a later clock.
    std::int64_t client_command_time(const Client& client, std::string_view topic);

    // ---- recovery.cpp -------------------------------------------------------------------------
    ClientSubscription* find_subscription(Client& client, std::string_view topic) const;
    // The topic's kept messages after since_offset (at most limit, 0 = all) appended to `kept`,
    // and the stream's position.
    StreamState read_kept(const Topic& topic, std::uint64_t since_offset, std::uint64_t limit,
                          std::vector<KeptMessage>& kept);
    // Subscribe with a position (at-most-once): answers the reply and sends the missed messages
    // or recovered:false. The subscription exists already.
    void recover(Connection& connection, std::uint64_t command_id, Client& client,
                 std::size_t subscription, const std::optional<protocol::Position>& since,
                 const StreamState& current);
    // A well-formed position the stream can be asked about, or the error to reply.
    std::string position_error(std::string_view topic, const protocol::Position& since,
                               const StreamState& current) const;
    // Resume: the connect reply is out; send what the inactive client missed, then pull its
    // at-least-once subscriptions.
    void deliver_missed(Client& client);
    bool has_paused_subscription(const Client& client) const;
    // A subscribe without a position after an overflow: live messages flow again.
    void resume_live(Client& client, std::string_view topic);
    // An inactive client misses `frame`: keep it for its resume within clients.buffer_size.
    void keep_missed(Client& client, const FrameRef& frame);

    // ---- durable.cpp --------------------------------------------------------------------------
    bool is_durable(const host::NamespaceSpec& space) const {
        return space.delivery == host::Delivery::at_least_once;
    }
    // Subscribe in an at-least-once namespace: the cursor starts at `since` or at the current
    // offset, is saved with the broker, and the reply is followed by what is owed.
    void start_durable(Connection& connection, std::uint64_t command_id, Client& client,
                       std::size_t subscription, const std::optional<protocol::Position>& since,
                       const StreamState& current);
    void save_cursor(const Client& client, const ClientSubscription& subscription);
    // Sends stored messages past the cursor while the window has room.
    void pull(Client& client, ClientSubscription& subscription);
    // A live at-least-once message: whether this subscriber takes it now (else it is pulled
    // later, in order).
    bool take_live(Client& client, TopicSubscriber& subscriber, std::uint64_t offset);
    void handle_ack(Connection& connection, std::uint64_t command_id,
                    const protocol::AckCommand& command);
    // The connection is gone or replaced: what it had not acked is owed again.
    void rewind_cursors(Client& client);
    void pull_all(Client& client);
    void redeliver_expired(std::int64_t now);
    std::size_t restore(std::span<const DurableSubscriptionRecord> records);

    // ---- subscribe_command.cpp ----------------------------------------------------------------
    void handle_subscribe(Connection& connection, std::uint64_t command_id,
                          const protocol::SubscribeCommand& command);
    void handle_unsubscribe(Connection& connection, std::uint64_t command_id,
                            const protocol::UnsubscribeCommand& command);
    void finish_subscribe(const PendingSubscribe& pending, const AuthOutcome& outcome);
    // The limit a client subscribe would pass, or an empty string when none.
    std::string subscribe_limit_error(const Client& client, std::string_view topic) const;

    // ---- publish.cpp --------------------------------------------------------------------------
    void handle_publish(Connection& connection, std::uint64_t command_id,
                        protocol::PublishCommand& command);
    void publish(const PublishTargets& targets, std::string payload);
    void start_publish(PublishJob job);
    // The answers only record; advance_publish moves the job on once a phase is complete, and
    // the entry points erase a finished job.
    void answer_publish_authorization(PublishJob& job, std::size_t index,
                                      const AuthOutcome& outcome);
    // Puts the payload an auth plugin chose in place, within the payload and frame limits;
    // false (and the client told) when it does not fit.
    bool apply_publish_replacement(PublishJob& job);
    void answer_broker_publish(PublishJob& job, std::size_t topic_index,
                               const PublishOutcome& outcome);
    void advance_publish(std::uint64_t job_id);
    // Moves `job` through every phase whose answers are all in; finished jobs are left to the
    // caller to drop.
    void progress_publish(PublishJob& job);
    void start_broker_publishes(PublishJob& job);
    void finish_publish(PublishJob& job);
    void complete_auth(std::uint64_t request_id, const AuthOutcome& outcome);
    void complete_publish(std::uint64_t request_id, const PublishOutcome& outcome);

    // ---- api.cpp, api_methods.cpp (the server API) --------------------------------------------
    void api_call(std::string_view method, std::string_view params, ApiDone done);
    // A server publish whose end is reported (the API's publish and broadcast).
    void publish_reported(PublishTargets targets, std::string payload,
                          std::function<void(const PublishJob&)> on_finished);

    // ---- frame_limits.cpp -----------------------------------------------------------------------
    struct FrameLimit {
        std::uint64_t max_frame_bytes = 0;  // 0 = none
        std::string transport_name;
    };
    std::vector<FrameLimit> frame_limits;  // by transport index
    std::uint64_t smallest_frame_limit = 0;  // 0 = no transport has one
    void set_max_frame_size(std::uint32_t transport, std::uint64_t max_frame_bytes,
                            std::string transport_name);
    // The too_large message for a client publish some recipient's transport could not carry,
    // or an empty string.
    std::string frame_limit_error(const protocol::PublishCommand& command) const;

    // ---- fanout.cpp ---------------------------------------------------------------------------
    void fan_out(const PublishJob& job);
    // The topic's subscribers that take a message at `offset`, into the current batches.
    void add_topic_recipients(Topic& topic, std::uint64_t offset, const FrameRef& frame);
    // Adds the client's connection to the current frame's batch unless this publish already
    // reached it.
    void add_recipient(Client& client, const FrameRef& frame);
    void flush_batches(const FrameRef& frame);
};

}  // namespace notify::core
