// The core dispatcher: the pub/sub model of design §1, single-threaded and free of I/O.
// One Core is one shard: it owns its state and is driven by one thread (the runtime's core
// thread, or a test). Everything it needs from the world comes through CoreEnvironment, so unit
// tests drive it with a fake clock and fake transports, auth, broker and handlers.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "frame.hpp"
#include "manifest/manifest.hpp"
#include "notify/notify.h"

namespace notify::core {

struct ConnectionRef {
    std::uint32_t transport = 0;  // index of the transport instance
    std::uint64_t conn = 0;       // the transport's connection id
    friend bool operator==(const ConnectionRef&, const ConnectionRef&) = default;
};

enum class ClientState { active, inactive, invalid };

struct CoreConfig {
    std::string app_id = "notify";
    std::string server_version = "0.1.0";
    host::ClientSettings clients;
    host::LimitSettings limits;
    host::NamespaceSpec default_namespace;
    std::vector<host::NamespaceSpec> namespaces;
    // The broker carries messages between nodes (NOTIFY_BROKER_CAP_CLUSTER, docs/cluster.md):
    // topic messages reach local subscribers only when they come back from the bus, interest
    // follows the changelog, and commands for clients and users held elsewhere go on the bus.
    bool cluster = false;
    std::string node_id;  // unique per process; names this node's publishes on the bus
};

// One kept header of the HTTP request that opened a connection (name lowercased).
struct RequestHeader {
    std::string name;
    std::string value;
    friend bool operator==(const RequestHeader&, const RequestHeader&) = default;
};

// A connect to authenticate (the runtime runs the auth plugin chain).
struct AuthRequest {
    std::string token;
    std::string client_id;  // requested (reconnect)
    std::string user_id;    // requested
    std::string remote_address;
    std::uint32_t transport = 0;
    std::uint32_t purpose = NOTIFY_AUTH_PURPOSE_CONNECT;  // or _REFRESH of a connected client
    std::vector<RequestHeader> headers;                    // the connection's kept headers
};

// Where a client-side subscribe or publish comes from, for the auth chain (borrowed).
struct AuthorizeContext {
    std::uint32_t transport = 0;
    std::string_view remote_address;
    std::span<const RequestHeader> headers;
    std::string_view data;  // a publish's payload; empty for a subscribe
};

struct AuthOutcome {
    enum class Kind { allow, deny, pending } kind = Kind::deny;
    std::string client_id;  // allow: may be empty (the core makes one)
    std::string user_id;    // allow: may be empty
    std::string reason;     // deny
    std::uint32_t error_code = 0;     // deny: a protocol error code; 0 = the default one
    std::int64_t expires_at_ms = 0;   // allow of a connect/refresh: 0 = never expires
    std::string info;                 // allow of a connect: a JSON object, or empty
    std::vector<std::string> topics;  // allow of a connect: server-side subscriptions
    std::optional<std::string> replacement_data;  // allow of a publish: moderated payload
    std::uint16_t close_code = 0;  // deny: close the connection with it (4000-4999); 0 = don't
};

// One subscribed, connected client of a presence topic.
struct PresenceMember {
    std::string client_id;
    std::string user_id;
    std::string info;  // a JSON object, or empty
};

struct PresenceCount {
    std::uint64_t clients = 0;
    std::uint64_t users = 0;  // distinct non-empty user ids
};

struct PublishOutcome {
    enum class Kind { done, failed, pending } kind = Kind::failed;
    std::uint64_t offset = 0;
    std::string epoch;
    std::string error;  // failed
};

// A stream's current position as the broker reports it with a history read.
struct StreamState {
    bool ok = false;           // false: the broker could not answer; error says why
    std::uint64_t offset = 0;  // the last offset; 0 for a stream the broker does not know
    std::string epoch;
    std::string error;
};

// Called per kept message, oldest first; return false to stop.
using HistoryVisitor = std::function<bool(std::uint64_t offset, std::string_view payload)>;

// A client subscribed to a topic of an at-least-once namespace, as the broker stores it.
struct DurableSubscriptionRecord {
    std::string client_id;
    std::string user_id;
    std::string resume_token;
    std::string topic;
    std::uint64_t acked_offset = 0;
};

// A message from the cluster bus: a topic message with its position, or a direct message to
// clients and users (topic empty).
struct BusMessage {
    std::string topic;
    std::uint64_t offset = 0;
    std::string epoch;
    std::vector<std::string> clients;
    std::vector<std::string> users;
    std::string payload;
    std::int64_t time_ms = 0;
    std::string publish_key;  // shared by the parts of one publish with several targets
};

// A command that follows a client or user to the node that holds it (notify_cluster_command).
struct ClusterCommand {
    notify_cluster_command_type type = NOTIFY_COMMAND_SUBSCRIBE;
    notify_target_kind target = NOTIFY_TARGET_CLIENT;
    std::string id;
    std::string topic;
    std::uint16_t code = 0;
    std::string reason;
    std::int64_t time_ms = 0;
};

// The answer to a server API request (docs/api.md): error_code 0 and a JSON object result, or
// a protocol error code and a message naming what failed.
struct ApiReply {
    std::uint32_t error_code = 0;
    std::string message;
    std::string result;
};
using ApiDone = std::function<void(ApiReply)>;

// What history_remove did at the broker.
enum class HistoryRemoval { removed, unsupported, failed };

// What the core asks of the world. The runtime implements it over the plugins; tests fake it.
// Every method is called on the core's thread and must not block.
class CoreEnvironment {
public:
    virtual ~CoreEnvironment() = default;

    virtual std::int64_t now_ms() = 0;
    virtual std::string make_client_id() = 0;  // a fresh random id
    virtual std::string make_resume_token() = 0;

    // One call per frame per transport, with the batch of that transport's recipients.
    virtual void deliver(std::uint32_t transport, const FrameRef& frame,
                         std::span<const std::uint64_t> conns) = 0;
    virtual void close(ConnectionRef conn, std::uint16_t code, std::string_view reason) = 0;

    // Auth chain. pending: the answer comes later through Core::complete_auth(request_id, ...).
    virtual AuthOutcome authenticate(std::uint64_t request_id, const AuthRequest& request) = 0;
    // Client-side subscribe/publish authorization; pending answers via Core::complete_auth.
    // token: the subscribe's subscription token (may be empty); token_required: the namespace
    // admits only tokens a plugin verified, so all-defer denies.
    virtual AuthOutcome authorize_subscribe(std::uint64_t request_id, std::string_view client_id,
                                            std::string_view user_id, std::string_view topic,
                                            std::string_view token, bool token_required,
                                            const AuthorizeContext& context) = 0;
    virtual AuthOutcome authorize_publish(std::uint64_t request_id, std::string_view client_id,
                                          std::string_view user_id, std::string_view topic,
                                          const AuthorizeContext& context) = 0;

    // The broker orders and stores a topic message. pending: Core::complete_publish later.
    // publish_key: non-empty when the topic is one part of a publish with several targets.
    virtual PublishOutcome broker_publish(std::uint64_t request_id, std::string_view topic,
                                          std::string_view payload, std::int64_t time_ms,
                                          const host::NamespaceSpec& ns,
                                          std::string_view publish_key) = 0;

    // The kept messages of `topic` after since_offset (at most `limit`, 0 = all) and the
    // stream's current position. A visitor that is empty only asks for the position.
    virtual StreamState read_history(std::string_view topic, std::uint64_t since_offset,
                                     std::uint64_t limit, const host::NamespaceSpec& ns,
                                     const HistoryVisitor& visit) = 0;

    // Presence (namespaces with `presence = true`), kept by the broker. add/remove log their
    // failures; read/stats answer an error text (empty on success).
    virtual void presence_add(std::string_view topic, const PresenceMember& member) = 0;
    virtual void presence_remove(std::string_view topic, std::string_view client_id) = 0;
    virtual std::string read_presence(std::string_view topic,
                                      std::vector<PresenceMember>& members) = 0;
    virtual std::string presence_stats(std::string_view topic, PresenceCount& count) = 0;

    // Durable subscriptions (at-least-once namespaces): stored by the broker, ordered with its
    // publishes, so that they and their acks survive a restart.
    virtual void save_durable_subscription(const DurableSubscriptionRecord& record) = 0;
    virtual void remove_durable_subscription(std::string_view client_id,
                                             std::string_view topic) = 0;

    // Events and the changelog, for handler plugins (the runtime filters by event mask).
    virtual void emit(const notify_event& event) = 0;

    // ---- cluster (only with CoreConfig::cluster) ---------------------------------------------
    // This node gained or lost its interest in a topic, client or user (the changelog).
    virtual void broker_interest(notify_interest_kind kind, std::string_view name, bool up) = 0;
    // A publish to clients and users wherever they are; an error text, empty when queued.
    virtual std::string broker_publish_direct(std::span<const std::string> clients,
                                              std::span<const std::string> users,
                                              std::string_view payload, std::int64_t time_ms,
                                              std::string_view publish_key) = 0;
    // A command for the node(s) holding command.id.
    virtual void broker_send_command(const ClusterCommand& command) = 0;

    // ---- server API (docs/api.md) ---------------------------------------------------------
    // Forget the kept messages of a topic; `error` says why when it failed.
    virtual HistoryRemoval remove_history(std::string_view /*topic*/, std::string& error) {
        error = "the broker cannot remove history";
        return HistoryRemoval::unsupported;
    }
    // This node and the cluster's nodes as JSON: {"node": {...}, "nodes": [...]}.
    virtual std::string nodes_json() { return R"({"node":{},"nodes":[]})"; }
};

// Targets of a publish; a connection receives a publish at most once whatever the overlap.
struct PublishTargets {
    std::vector<std::string> topics;
    std::vector<std::string> clients;
    std::vector<std::string> users;
};

// Error replies are counted per code, 100 (internal) .. 100 + kErrorCodeSlots - 1.
inline constexpr std::size_t kErrorCodeSlots = 16;

struct CoreStats {
    std::uint64_t connections = 0;
    std::uint64_t clients_active = 0;
    std::uint64_t clients_inactive = 0;
    std::uint64_t clients_invalid = 0;
    std::uint64_t users = 0;
    std::uint64_t topics = 0;
    std::uint64_t publishes = 0;
    std::uint64_t deliveries = 0;
    std::uint64_t refusals = 0;  // every error reply to a client command
    std::uint64_t redeliveries = 0;       // at-least-once messages sent again (ack timeout)
    std::uint64_t buffer_overflows = 0;   // inactive clients whose buffer overflowed
    std::uint64_t subscriptions = 0;
    std::uint64_t bus_messages = 0;       // messages that came from the cluster bus
    std::uint64_t streams_lost = 0;       // recover pushes sent after a loss on the bus
    std::uint64_t recovered = 0;          // subscribes with a position answered recovered:true
    std::uint64_t unrecovered = 0;        // ... and recovered:false
    std::uint64_t acks = 0;               // ack commands accepted
    // Error replies by code (docs/protocol.md), index code - 100.
    std::array<std::uint64_t, kErrorCodeSlots> refusals_by_code{};
    std::vector<std::uint64_t> connections_by_transport;  // index: transport
    std::uint64_t connections_connecting = 0;  // no connect answered yet
    std::uint64_t publishes_pending = 0;       // waiting for auth or the broker
};

class Core {
public:
    Core(CoreConfig config, CoreEnvironment& env);
    ~Core();
    Core(const Core&) = delete;
    Core& operator=(const Core&) = delete;

    // ---- from transports ----------------------------------------------------------------------
    // NOTIFY_OK, or NOTIFY_ERR_LIMIT past limits.max_connections.
    notify_status open_connection(ConnectionRef conn, std::string remote_address,
                                  notify_encoding encoding,
                                  std::vector<RequestHeader> headers = {});
    // One client frame in the connection's encoding (JSON or binary): decoded, applied, and
    // answered in that encoding through env.deliver.
    void receive(ConnectionRef conn, std::string_view frame);
    // The connection is gone; its client becomes inactive (a stale close is ignored).
    void connection_closed(ConnectionRef conn, std::uint16_t code);

    // A transport that cannot carry frames above max_frame_bytes (0 = no limit): a client publish
    // whose message could exceed it is refused while a recipient uses that transport.
    void set_max_frame_size(std::uint32_t transport, std::uint64_t max_frame_bytes,
                            std::string transport_name);

    // ---- answers to pending calls ----------------------------------------------------------
    void complete_auth(std::uint64_t request_id, const AuthOutcome& outcome);
    void complete_publish(std::uint64_t request_id, const PublishOutcome& outcome);

    // ---- server-side actions (handlers via the host table, later the server API) ----------
    // time_ms orders changes: one older than the last applied change of the same
    // (client or user, topic) pair is ignored.
    void publish(const PublishTargets& targets, std::string payload);
    void subscribe(notify_target_kind kind, std::string_view id, std::string_view topic,
                   std::int64_t time_ms);
    void unsubscribe(notify_target_kind kind, std::string_view id, std::string_view topic,
                     std::int64_t time_ms);
    void disconnect(notify_target_kind kind, std::string_view id, std::uint16_t code,
                    std::string_view reason);

    // ---- the server API (docs/api.md) ------------------------------------------------------
    // Runs one request; `done` is called exactly once, on this thread, maybe before api_call
    // returns (the runtime defers nothing: its callers are on other threads).
    void api_call(std::string_view method, std::string_view params, ApiDone done);

    // ---- from the cluster bus (CoreConfig::cluster) ------------------------------------------
    // Fans a bus message out to this node's subscribers / named clients and users; the parts
    // of one publish (same publish_key) reach each connection once.
    void receive_bus_message(const BusMessage& message);
    void apply_cluster_command(const ClusterCommand& command);
    // Messages of `topic` were lost on the bus: its subscribers get the recover push (inactive
    // ones learn it as an overflow at their resume).
    void stream_lost(std::string_view topic, std::uint64_t offset, std::string_view epoch,
                     std::string_view reason);

    // The periodic cleaner: inactive clients past clients.ttl become invalid (DISCONNECT event);
    // invalid ids past clients.invalidation_time are forgotten.
    void clean();

    // At start, before any connection: the durable subscriptions the broker kept. Each client
    // comes back inactive (it has clients.ttl to resume with its token) with its subscriptions
    // and acknowledged offsets. Returns how many subscriptions were restored.
    std::size_t restore_durable_subscriptions(std::span<const DurableSubscriptionRecord> records);

    // Close every connection with NOTIFY_CLOSE_GOING_AWAY.
    void shutdown();

    // ---- reload (SIGHUP; reconfigure.cpp) --------------------------------------------------
    // Takes the clients settings, limits and namespace options of a reloaded manifest. The
    // namespaces must have the running ones' names in the same order (the runtime refuses an
    // added or removed namespace as needing a restart, and so a changed delivery, presence or
    // join_leave); existing topics follow the new options from the next command on. Returns
    // false, changing nothing, when the namespace names differ.
    bool reconfigure(const host::ClientSettings& clients, const host::LimitSettings& limits,
                     const host::NamespaceSpec& default_namespace,
                     std::span<const host::NamespaceSpec> namespaces);

    // ---- introspection (tests, metrics) ----------------------------------------------------
    CoreStats stats() const;
    std::optional<ClientState> client_state(std::string_view client_id) const;
    std::vector<std::string> client_topics(std::string_view client_id) const;
    std::vector<std::string> topic_subscribers(std::string_view topic) const;  // client ids

private:
    friend class ApiRequest;  // the server API (api.cpp) works on the state directly
    friend struct ApiBatch;
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace notify::core
