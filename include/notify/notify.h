/*
 * notify.h -- the Notify plugin ABI, major version 1.
 *
 * This is the only header a plugin needs. It is C11 and includes only <stdint.h>, <stddef.h> and
 * <stdbool.h>. Nothing here is C++; no exception, allocator or C++ type crosses this boundary.
 *
 * ---------------------------------------------------------------------------------------------
 * STABILITY CONTRACT (read before editing)
 *   - Every struct that either side fills for the other starts with `uint32_t size`, set to
 *     sizeof(the struct) by whoever fills it. Structs only ever grow at their END (a new minor).
 *     Never reorder, remove or retype a member; never reuse a reserved value.
 *   - A reader checks `size` before touching a member newer than ABI 1.0. Use NOTIFY_HAS_FIELD().
 *     The host does this for plugin descriptors and vtables; plugins do it for the host table and
 *     for structs the host passes in. A plugin built against an older header keeps loading.
 *   - The major version is part of the entry symbol's name. A new major is a new symbol.
 * ---------------------------------------------------------------------------------------------
 *
 * OWNERSHIP vocabulary used on every declaration's OWNERSHIP line:
 *   BORROWED  the callee may read it only until the call returns; copy what you keep.
 *   OWNED     ownership moves with the value; the receiver releases it exactly once with the
 *             release function carried inside the value.
 *   HOST      owned by the host; valid for the lifetime stated (usually the plugin instance).
 *   PLUGIN    owned by the plugin; must stay valid for the lifetime stated.
 *   REFCOUNT  host-refcounted (notify_frame): retain to keep, release once per retain.
 *
 * THREADS
 *   - "core thread": the host's dispatcher thread. Plugin vtable calls for auth, broker and
 *     handler kinds, and transport.deliver/close, are made on it. They must not block: slow work
 *     answers NOTIFY_PENDING and completes later through the host table, from any thread.
 *   - "any thread": the function is thread-safe and may be called from any thread, including
 *     threads the plugin created (transport I/O threads, timers, worker pools).
 *   - create/start/stop/destroy run on the host's main thread, one instance at a time.
 *   - The host never calls a plugin while holding a lock the plugin could need, and host-table
 *     functions never call back into the calling plugin synchronously (they queue work to the
 *     core thread), so calling the host from inside a vtable call is always safe.
 */
#ifndef NOTIFY_NOTIFY_H
#define NOTIFY_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* =============================================================================================
 * Versions, entry symbol, visibility
 * ============================================================================================= */

#define NOTIFY_ABI_MAJOR 1
#define NOTIFY_ABI_MINOR 7

/* The one symbol a plugin exports. Its name carries the ABI major. */
#define NOTIFY_PLUGIN_ENTRY notify_plugin_entry_v1
#define NOTIFY_PLUGIN_ENTRY_NAME "notify_plugin_entry_v1"

#if defined(__GNUC__)
#define NOTIFY_EXPORT __attribute__((visibility("default")))
#else
#define NOTIFY_EXPORT
#endif

/* True when a struct filled by the other side is large enough to contain `field`. */
#ifdef __cplusplus
#define NOTIFY_FIELD_END_(type, field) (offsetof(type, field) + sizeof(type::field))
#else
#define NOTIFY_FIELD_END_(type, field) (offsetof(type, field) + sizeof(((type *)0)->field))
#endif
#define NOTIFY_HAS_FIELD(ptr, type, field)                                                        \
    ((ptr) != NULL && (ptr)->size >= NOTIFY_FIELD_END_(type, field))

/* =============================================================================================
 * Status codes and errors
 * ============================================================================================= */

typedef int32_t notify_status;
enum {
    NOTIFY_OK = 0,
    NOTIFY_PENDING = 1,                /* accepted; the answer comes later through the host */
    NOTIFY_ERR_INVALID_ARGUMENT = -1,  /* a parameter or the input is malformed */
    NOTIFY_ERR_NOT_FOUND = -2,         /* no such key, client, topic or connection */
    NOTIFY_ERR_WRONG_TYPE = -3,        /* a config key exists with another type */
    NOTIFY_ERR_UNSUPPORTED = -4,       /* the callee does not implement this */
    NOTIFY_ERR_LIMIT = -5,             /* a configured limit refused it */
    NOTIFY_ERR_DENIED = -6,            /* refused by policy or auth */
    NOTIFY_ERR_IO = -7,                /* an operating-system or network failure */
    NOTIFY_ERR_INTERNAL = -8,          /* a bug or an impossible state; logged by the host */
    NOTIFY_ERR_CLOSED = -9             /* the host or connection is shutting down */
};

#define NOTIFY_ERROR_MESSAGE_MAX 512

/*
 * A caller-provided buffer for a human-readable error. The callee writes a NUL-terminated
 * message (truncated to fit) and returns a negative status; the caller copies the text.
 * OWNERSHIP: BORROWED (the caller's storage, valid during the call).
 */
typedef struct notify_error {
    char message[NOTIFY_ERROR_MESSAGE_MAX];
} notify_error;

/* =============================================================================================
 * Views, owned buffers, frames
 * ============================================================================================= */

/* UTF-8 text, not NUL-terminated unless stated. OWNERSHIP: BORROWED unless stated. */
typedef struct notify_str {
    const char *data;
    size_t len;
} notify_str;

/* Opaque bytes. OWNERSHIP: BORROWED unless stated. */
typedef struct notify_bytes {
    const uint8_t *data;
    size_t len;
} notify_bytes;

/*
 * Bytes whose ownership moves to the receiver, who calls release(release_ctx, data) exactly
 * once when done (release may be NULL for static data).
 * OWNERSHIP: OWNED. THREAD: release may be called from any thread.
 */
typedef struct notify_owned_bytes {
    uint8_t *data;
    size_t len;
    void (*release)(void *release_ctx, uint8_t *data);
    void *release_ctx;
} notify_owned_bytes;

/* The encodings of the client protocol (docs/protocol.md). */
typedef enum notify_encoding {
    NOTIFY_ENCODING_JSON = 0,   /* text frames */
    NOTIFY_ENCODING_BINARY = 1  /* length-prefixed binary frames (reserved in 1.0) */
} notify_encoding;

/*
 * An immutable, host-refcounted message ready to send: one per publish (per topic), shared by
 * every recipient. Its bytes in a given encoding are serialized once, on first request.
 * OWNERSHIP: REFCOUNT. A frame handed to a plugin call is BORROWED for that call; retain it
 * (host->frame_retain) to keep it past the call and release it once per retain.
 */
typedef struct notify_frame notify_frame;

/* Opaque handle naming a plugin instance to the host. OWNERSHIP: HOST, valid until destroy. */
typedef struct notify_host_ctx notify_host_ctx;

/* Opaque view of a plugin instance's manifest table. OWNERSHIP: HOST, valid until destroy. */
typedef struct notify_config notify_config;

/* =============================================================================================
 * Plugin configuration schema
 * ============================================================================================= */

typedef enum notify_config_type {
    NOTIFY_CONFIG_STRING = 1,
    NOTIFY_CONFIG_INT = 2,
    NOTIFY_CONFIG_BOOL = 3,
    NOTIFY_CONFIG_DOUBLE = 4,
    NOTIFY_CONFIG_STRING_ARRAY = 5,
    NOTIFY_CONFIG_PATH = 6,     /* a string; relative paths resolve against the manifest folder */
    NOTIFY_CONFIG_DURATION = 7  /* "250ms", "30s", "5m", "1h", or an integer of seconds */
} notify_config_type;

/*
 * One key a plugin accepts in its manifest table. The host rejects unknown keys and wrong types
 * before create() with the file, line and key. Defaults live in the plugin (say them in `doc`).
 * OWNERSHIP: PLUGIN, static for the life of the process.
 */
typedef struct notify_config_key {
    const char *name;
    notify_config_type type;
    const char *doc;
} notify_config_key;

/* =============================================================================================
 * Kinds and their vtables
 * ============================================================================================= */

enum {
    NOTIFY_KIND_TRANSPORT = 1u << 0,
    NOTIFY_KIND_AUTH = 1u << 1,
    NOTIFY_KIND_BROKER = 1u << 2,
    NOTIFY_KIND_HANDLER = 1u << 3
};

/* Close codes the host uses (WebSocket numbering; other transports carry the same numbers). */
enum {
    NOTIFY_CLOSE_NORMAL = 1000,
    NOTIFY_CLOSE_GOING_AWAY = 1001,        /* server shutdown */
    NOTIFY_CLOSE_PROTOCOL_ERROR = 1002,
    NOTIFY_CLOSE_ABNORMAL = 1006,          /* lost without a close: reset, timeout, EOF mid-frame */
    NOTIFY_CLOSE_INVALID_DATA = 1007,
    NOTIFY_CLOSE_POLICY = 1008,
    NOTIFY_CLOSE_TOO_BIG = 1009,
    NOTIFY_CLOSE_SLOW_CONSUMER = 4001,     /* send queue passed its limit */
    NOTIFY_CLOSE_REPLACED = 4002,          /* a newer connection of the same client */
    NOTIFY_CLOSE_DISCONNECTED = 4003,      /* disconnected by the server or a handler */
    NOTIFY_CLOSE_UNAUTHORIZED = 4004,      /* connect refused */
    NOTIFY_CLOSE_EXPIRED = 4005,           /* session expired or invalidated */
    /* ABI 1.4: the connection's token expired and no refresh came within the grace period.
     * Reconnectable: the client gets a fresh token first, then reconnects (and resumes). */
    NOTIFY_CLOSE_TOKEN_EXPIRED = 4006
};

/* ---- transport ------------------------------------------------------------------------------ */

/*
 * ABI 1.7: one header of the HTTP request that opened a connection. An array element, so it
 * never grows (no size member). name is lowercased; value as received, surrounding whitespace
 * removed. OWNERSHIP: BORROWED.
 */
typedef struct notify_header {
    notify_str name;
    notify_str value;
} notify_header;

/* ABI 1.7: what the host keeps of a connection's headers (host->keep_headers): at most this many
 * headers and this many bytes of names and values together; the rest are not kept. */
#define NOTIFY_MAX_KEPT_HEADERS 32
#define NOTIFY_MAX_KEPT_HEADER_BYTES 8192

/*
 * What a transport tells the host about a new connection.
 * OWNERSHIP: BORROWED (the host copies what it keeps).
 */
typedef struct notify_conn_info {
    uint32_t size;
    notify_str remote_address;  /* "ip:port" or another printable form */
    notify_encoding encoding;   /* negotiated encoding for frames on this connection */
    /* ---- ABI 1.7 (an older transport's struct ends above: no headers) ---- */
    /* Every header of the HTTP request that opened the connection (the WebSocket upgrade, the
     * request that created an HTTP session), in the order received, a repeated header once per
     * occurrence; NULL and 0 for transports without one (tcp, udp). The host keeps only the
     * names some plugin asked for (host->keep_headers) and hands those to auth plugins. */
    const notify_header *headers;
    size_t header_count;
} notify_conn_info;

/*
 * A transport accepts connections, reports them to the host (host->conn_open/receive/closed)
 * and sends frames the host gives it. Connection ids are chosen by the transport, are unique
 * within the instance and never reused while the instance lives.
 */
typedef struct notify_transport_vtable {
    uint32_t size;

    /*
     * Queue `frame` for each connection in conns[0..count). One call per frame for the whole
     * batch of this transport's recipients. Ids that are no longer open are skipped silently.
     * The transport enforces its bounded per-connection queue and slow-consumer policy.
     * OWNERSHIP: frame BORROWED (retain per queued reference); conns BORROWED.
     * THREAD: core thread. Must not block.
     */
    void (*deliver)(void *instance, const notify_frame *frame, const uint64_t *conns,
                    size_t count);

    /*
     * Close one connection after what is already queued for it has been sent, with `code`
     * (NOTIFY_CLOSE_*) and a short reason. Unknown ids are ignored. The transport later calls
     * host->conn_closed for it as for any close.
     * OWNERSHIP: reason BORROWED. THREAD: core thread. Must not block.
     */
    void (*close)(void *instance, uint64_t conn, uint16_t code, notify_str reason);
} notify_transport_vtable;

/* ---- auth ----------------------------------------------------------------------------------- */

typedef enum notify_auth_decision {
    NOTIFY_AUTH_ALLOW = 0,
    NOTIFY_AUTH_DENY = 1,
    NOTIFY_AUTH_DEFER = 2  /* no opinion: ask the next auth plugin; all defer = deny */
} notify_auth_decision;

/* A connect to authenticate. OWNERSHIP: BORROWED. */
typedef struct notify_auth_request {
    uint32_t size;
    uint64_t request_id;        /* echo it in host->auth_complete when answering later */
    notify_str token;           /* from the connect command; may be empty */
    notify_str client_id;       /* requested by the client (a reconnect); may be empty */
    notify_str user_id;         /* requested by the client; may be empty */
    notify_str remote_address;
    notify_str transport;       /* the transport instance's name */
    /* ABI 1.4 (check NOTIFY_HAS_FIELD): NOTIFY_AUTH_PURPOSE_*. A REFRESH carries the new token
     * of a connected client, with client_id and user_id its current ones; an ALLOW must keep
     * the user (another user_id is refused by the host) and sets the new expiry. */
    uint32_t purpose;
    /* ABI 1.7 (check NOTIFY_HAS_FIELD): the connection's kept headers (host->keep_headers: the
     * names every plugin asked for, so filter by your own list), NULL and 0 when none. */
    const notify_header *headers;
    size_t header_count;
} notify_auth_request;

/* ABI 1.4: notify_auth_request.purpose. An older host only ever asks CONNECT. */
enum {
    NOTIFY_AUTH_PURPOSE_CONNECT = 0,
    NOTIFY_AUTH_PURPOSE_REFRESH = 1
};

/* ABI 1.4: notify_auth_result.error_code for a DENY, the client protocol's error code
 * (docs/protocol.md section 7). 0 lets the host choose (unauthorized for a connect or refresh,
 * permission_denied for a subscribe or publish). */
enum {
    NOTIFY_AUTH_ERROR_DEFAULT = 0,
    NOTIFY_AUTH_ERROR_UNAUTHORIZED = 101,
    NOTIFY_AUTH_ERROR_PERMISSION_DENIED = 104,
    NOTIFY_AUTH_ERROR_TOKEN_EXPIRED = 111  /* fetch a new token; retrying this one is useless */
};

/*
 * The plugin's answer. For ALLOW, client_id may be empty (the host makes one) and user_id may
 * be empty (anonymous). For DENY, reason is shown to the client.
 * OWNERSHIP: the views are PLUGIN-owned and need only stay valid until authenticate() returns
 * or host->auth_complete() returns; the host copies them.
 */
typedef struct notify_auth_result {
    uint32_t size;
    notify_auth_decision decision;
    notify_str client_id;
    notify_str user_id;
    notify_str reason;
    /* ---- ABI 1.4. The host presets size to its own sizeof and zeroes the struct; a plugin
     * answering through auth_complete sets size to its own sizeof. ---- */
    /* DENY: NOTIFY_AUTH_ERROR_* (a protocol error code); 0 = the host's default. */
    uint32_t error_code;
    /* ALLOW of a connect or refresh: when the credentials expire, Unix time in milliseconds;
     * 0 = never. Past it (plus the manifest's clients.refresh_grace) the host closes the
     * connection with NOTIFY_CLOSE_TOKEN_EXPIRED unless a refresh extended it. */
    int64_t expires_at_ms;
    /* ALLOW of a connect: a JSON object describing the client (kept with it, shown to handlers
     * and presence); empty = none. The host refuses text that is not a JSON object. */
    notify_str info;
    /* ALLOW of a connect: topics the host subscribes the client to, server-side (no
     * subscribe permission is checked for them; names must be valid topics). */
    const notify_str *topics;
    size_t topic_count;
    /* ---- ABI 1.7 (the host presets and zeroes these as above) ---- */
    /* ALLOW of a publish with replace_data: publish `data` instead of what the client sent
     * (moderation; empty is allowed). The host checks it against the payload limits. A publish
     * to several topics is authorized once per topic; the replacement of the first topic (in
     * the command's order) whose answer replaced the data is published to every target. */
    notify_bytes data;
    bool replace_data;
    /* DENY: after the error reply, close the connection with this code (4000-4999, a
     * reconnect policy the client knows, e.g. NOTIFY_CLOSE_DISCONNECTED) and `reason`.
     * 0 = keep it open (a denied connect is always closed: with NOTIFY_CLOSE_UNAUTHORIZED
     * unless this names another code). Other values are treated as 0 and logged. */
    uint16_t close_code;
} notify_auth_result;

/* A subscribe or publish by a connected client, to authorize. OWNERSHIP: BORROWED. */
typedef struct notify_authz_request {
    uint32_t size;
    uint64_t request_id;
    notify_str client_id;
    notify_str user_id;
    notify_str topic;
    /* ABI 1.4 (check NOTIFY_HAS_FIELD): a subscribe's subscription token (may be empty; always
     * empty for a publish). A plugin verifies it for exactly this topic, user and client. */
    notify_str token;
    /* ABI 1.4: NOTIFY_AUTHZ_* flags. */
    uint32_t flags;
    /* ---- ABI 1.7 (check NOTIFY_HAS_FIELD) ---- */
    notify_str transport;       /* the transport instance's name */
    notify_str remote_address;  /* as notify_auth_request.remote_address */
    /* The connection's kept headers, as notify_auth_request.headers. */
    const notify_header *headers;
    size_t header_count;
    /* A publish's payload as the client sent it (empty for a subscribe); an ALLOW may replace
     * it (notify_auth_result.replace_data). */
    notify_bytes data;
} notify_authz_request;

/* ABI 1.4: notify_authz_request.flags. */
enum {
    /* The topic's namespace admits only subscribers whose subscription token an auth plugin
     * verified: DEFER from every plugin denies. A plugin allows only for a valid token. */
    NOTIFY_AUTHZ_TOKEN_REQUIRED = 1u << 0
};

typedef struct notify_auth_vtable {
    uint32_t size;

    /*
     * Decide a connect. Return NOTIFY_OK with *result filled, or NOTIFY_PENDING and answer
     * later with host->auth_complete(ctx, request->request_id, &result) from any thread, or a
     * negative status with err filled (treated as DENY with that message).
     * OWNERSHIP: request BORROWED; result and err caller storage. THREAD: core thread.
     */
    notify_status (*authenticate)(void *instance, const notify_auth_request *request,
                                  notify_auth_result *result, notify_error *err);

    /*
     * Optional (NULL means DEFER). Decide a client-side subscribe / publish, answering as
     * authenticate does; user_id/client_id in the result are ignored.
     * THREAD: core thread.
     */
    notify_status (*authorize_subscribe)(void *instance, const notify_authz_request *request,
                                         notify_auth_result *result, notify_error *err);
    notify_status (*authorize_publish)(void *instance, const notify_authz_request *request,
                                       notify_auth_result *result, notify_error *err);
} notify_auth_vtable;

/* ---- broker --------------------------------------------------------------------------------- */

enum {
    NOTIFY_BROKER_CAP_HISTORY = 1u << 0,   /* keeps history and answers history_read */
    /* Can store at-least-once namespaces durably: for a publish whose history options say
     * NOTIFY_DELIVERY_AT_LEAST_ONCE it answers NOTIFY_PENDING and completes (any thread) only
     * once the message is stored per its sync policy; offsets and epochs survive a restart. */
    NOTIFY_BROKER_CAP_DURABLE = 1u << 1,
    NOTIFY_BROKER_CAP_CLUSTER = 1u << 2,   /* carries messages between nodes */
    /* ABI 1.2: stores durable subscriptions (subscription_save/_remove/subscriptions_load). */
    NOTIFY_BROKER_CAP_DURABLE_SUBSCRIPTIONS = 1u << 3,
    /* ABI 1.4: keeps who is subscribed to the topics of presence namespaces (presence_*). */
    NOTIFY_BROKER_CAP_PRESENCE = 1u << 4
};

/* A namespace's delivery mode (notify_history_options.delivery). */
enum {
    NOTIFY_DELIVERY_AT_MOST_ONCE = 0,  /* acknowledged once ordered; history is a cache */
    NOTIFY_DELIVERY_AT_LEAST_ONCE = 1  /* acknowledged once stored durably (CAP_DURABLE) */
};

/* History options of the topic's namespace. OWNERSHIP: BORROWED. */
typedef struct notify_history_options {
    uint32_t size;
    uint64_t history_size;    /* messages kept per topic; 0 = no history */
    uint64_t history_ttl_ms;  /* how long a message is kept; 0 = no limit */
    /* ABI 1.1: NOTIFY_DELIVERY_*. Check NOTIFY_HAS_FIELD first: a 1.0 host passes a smaller
     * struct, which means NOTIFY_DELIVERY_AT_MOST_ONCE. */
    uint32_t delivery;
    /* ABI 1.2: how long a stream's position (offset, epoch) is kept after its last publish;
     * past it the stream is forgotten and its next publish starts a new epoch. 0 = as long as
     * the broker can. Check NOTIFY_HAS_FIELD first (a 1.1 host does not pass it). */
    uint64_t history_meta_ttl_ms;
} notify_history_options;

/* A message to order and store. OWNERSHIP: BORROWED (copy the payload to keep it). */
typedef struct notify_broker_publish {
    uint32_t size;
    uint64_t request_id;      /* echo in host->broker_publish_complete when answering later */
    notify_str topic;
    notify_bytes payload;
    int64_t time_ms;          /* publish time, milliseconds since the Unix epoch */
    const notify_history_options *history;
    /* ABI 1.3: non-empty when this topic is one part of a publish with several targets; a
     * CLUSTER broker carries it with the message so every node delivers the publish once per
     * connection (host->broker_message). Check NOTIFY_HAS_FIELD (a 1.2 host does not pass it). */
    notify_str publish_key;
} notify_broker_publish;

/*
 * A topic stream's position after a publish: the message's offset (first message is 1, +1 per
 * message) and the stream's epoch (changes whenever the stream's history was lost).
 * OWNERSHIP: epoch is PLUGIN-owned, valid until the call that returns it returns (host copies).
 */
typedef struct notify_stream_position {
    uint32_t size;
    uint64_t offset;
    notify_str epoch;
} notify_stream_position;

/* A history query: messages of `topic` with offset > since_offset, oldest first. */
typedef struct notify_history_request {
    uint32_t size;
    notify_str topic;
    uint64_t since_offset;
    uint64_t limit;            /* 0 = all that is kept */
    const notify_history_options *history;
} notify_history_request;

/*
 * Receives history entries in order. Return false to stop early.
 * OWNERSHIP: payload BORROWED for the call.
 */
typedef bool (*notify_history_sink)(void *sink_ctx, uint64_t offset, int64_t time_ms,
                                    notify_bytes payload);

/*
 * ABI 1.2: a durable subscription: a client that subscribed to a topic of an at-least-once
 * namespace, with the last offset it acknowledged. The host restores these at start so that the
 * client can resume (client id + resume token) after a restart, kill -9 included, and receive
 * what it has not acknowledged. OWNERSHIP: every field BORROWED for the call.
 */
typedef struct notify_durable_subscription {
    uint32_t size;
    notify_str client_id;
    notify_str user_id;       /* empty: no user */
    notify_str resume_token;  /* the client's current resume token */
    notify_str topic;
    uint64_t acked_offset;    /* every message up to this offset is acknowledged */
} notify_durable_subscription;

/* Receives stored durable subscriptions. Return false to stop early. */
typedef bool (*notify_subscription_sink)(void *sink_ctx,
                                         const notify_durable_subscription *subscription);


/* ---- ABI 1.4: presence ---------------------------------------------------------------------- */

/* One subscribed, connected client of a topic. OWNERSHIP: BORROWED. */
typedef struct notify_presence_entry {
    uint32_t size;
    notify_str client_id;
    notify_str user_id;  /* empty: anonymous */
    notify_str info;     /* the auth answer's info (a JSON object), or empty */
} notify_presence_entry;

/* Receives presence entries; return false to stop. THREAD: the calling thread. */
typedef bool (*notify_presence_sink)(void *sink_ctx, const notify_presence_entry *entry);

/* OWNERSHIP: caller storage; the broker fills it. */
typedef struct notify_presence_stats {
    uint32_t size;
    uint64_t clients;  /* entries */
    uint64_t users;    /* distinct non-empty user ids among them */
} notify_presence_stats;

/* ---- ABI 1.3: what a CLUSTER broker and the host tell each other ----------------------------
 *
 * The model (docs/cluster.md): with a broker that declares NOTIFY_BROKER_CAP_CLUSTER, a topic
 * message reaches this node's subscribers only through host->broker_message, for the messages
 * this node published too, so that every node sees one order per topic: the broker's. The host
 * tells the broker what it has interest in (interest), sends what must reach clients and users
 * wherever they are (publish_direct) and commands that must follow a client or user to the node
 * that holds it (send_command). The broker watches for loss and reports streams it could not
 * fill (host->broker_stream_lost) and the other nodes it hears of (host->cluster_node_seen).
 */

/* What a node has interest in (broker.interest). */
typedef enum notify_interest_kind {
    NOTIFY_INTEREST_TOPIC = 1,   /* a topic with a local subscriber */
    NOTIFY_INTEREST_CLIENT = 2,  /* a client id with a session on this node */
    NOTIFY_INTEREST_USER = 3     /* a user id with a client on this node */
} notify_interest_kind;

/*
 * A message for this node's connections, from the bus. A topic message carries its position;
 * a direct message names clients and/or users (topic empty, offset 0).
 * OWNERSHIP: BORROWED (the host copies before returning).
 */
typedef struct notify_bus_message {
    uint32_t size;
    notify_str topic;            /* empty for a direct message */
    uint64_t offset;             /* topic messages: the stream offset */
    notify_str epoch;            /* topic messages: the stream epoch */
    const notify_str *clients;   /* direct messages: client ids */
    size_t client_count;
    const notify_str *users;     /* direct messages: user ids */
    size_t user_count;
    notify_bytes payload;
    int64_t time_ms;             /* publish time */
    notify_str publish_key;      /* see notify_broker_publish.publish_key; may be empty */
} notify_bus_message;

/* A publish to clients and users wherever they are connected. OWNERSHIP: BORROWED. */
typedef struct notify_broker_direct {
    uint32_t size;
    const notify_str *clients;
    size_t client_count;
    const notify_str *users;
    size_t user_count;
    notify_bytes payload;
    int64_t time_ms;
    notify_str publish_key;      /* see notify_broker_publish.publish_key; may be empty */
} notify_broker_direct;

/* Commands that follow a client or user to the node that holds it. */
typedef enum notify_cluster_command_type {
    NOTIFY_COMMAND_SUBSCRIBE = 1,        /* subscribe target to topic (time_ms orders changes) */
    NOTIFY_COMMAND_UNSUBSCRIBE = 2,      /* unsubscribe target from topic */
    NOTIFY_COMMAND_DISCONNECT = 3,       /* disconnect target with code and reason */
    /* A client connected (or resumed) on the sending node at time_ms: another node holding an
     * older session of that client id closes it with NOTIFY_CLOSE_REPLACED and forgets it. */
    NOTIFY_COMMAND_CLIENT_CONNECTED = 4
} notify_cluster_command_type;

/* OWNERSHIP: BORROWED (copied before return). */
typedef struct notify_cluster_command {
    uint32_t size;
    uint32_t type;                /* notify_cluster_command_type; ignore values you do not know */
    uint32_t target;              /* notify_target_kind (CLIENT_CONNECTED: always CLIENT) */
    notify_str id;                /* client or user id */
    notify_str topic;             /* SUBSCRIBE, UNSUBSCRIBE */
    uint16_t code;                /* DISCONNECT: NOTIFY_CLOSE_* */
    notify_str reason;            /* DISCONNECT */
    int64_t time_ms;
} notify_cluster_command;

/*
 * One node of the cluster, as announced on the bus (host->node_info for this node,
 * host->cluster_node_seen for the others). Counts are a snapshot.
 * OWNERSHIP: strings BORROWED (node_info: HOST-owned, valid until the instance is destroyed).
 */
typedef struct notify_node_info {
    uint32_t size;
    notify_str id;                /* random per process start */
    notify_str name;              /* [node] name of the manifest */
    notify_str urls;              /* the client URLs of [node] urls, joined by single spaces */
    notify_str version;
    uint64_t connections;
    uint64_t clients;
    uint64_t users;
    uint64_t topics;
    uint64_t subscriptions;
    double cpu;                   /* the process's CPU use over the last interval, 1.0 = a core */
    int64_t uptime_ms;
    notify_str app_id;            /* [app] id: nodes of one cluster share it (key prefixes) */
} notify_node_info;

/* What host->cluster_view returns. */
typedef enum notify_cluster_view_kind {
    NOTIFY_CLUSTER_VIEW_NODES = 1,   /* JSON: {"nodes":[node...]} (docs/cluster.md) */
    NOTIFY_CLUSTER_VIEW_HANDOUT = 2  /* JSON: {"node":node,"candidates":[node...]} */
} notify_cluster_view_kind;

typedef struct notify_broker_vtable {
    uint32_t size;
    uint32_t capabilities;    /* NOTIFY_BROKER_CAP_* */

    /*
     * Assign the next offset of the topic, store the message per its history options and return
     * the position. NOTIFY_OK fills *position synchronously; NOTIFY_PENDING answers later with
     * host->broker_publish_complete(ctx, publish->request_id, status, &position, message).
     * OWNERSHIP: publish BORROWED; position and err caller storage. THREAD: core thread.
     */
    notify_status (*publish)(void *instance, const notify_broker_publish *publish,
                             notify_stream_position *position, notify_error *err);

    /*
     * Feed sink with the kept messages after request->since_offset, in order, synchronously,
     * then fill *current with the stream's current position (offset 0 for an unknown topic).
     * May be NULL when NOTIFY_BROKER_CAP_HISTORY is not set.
     * OWNERSHIP: request BORROWED; current and err caller storage. THREAD: core thread.
     */
    notify_status (*history_read)(void *instance, const notify_history_request *request,
                                  notify_history_sink sink, void *sink_ctx,
                                  notify_stream_position *current, notify_error *err);

    /*
     * ABI 1.2, with NOTIFY_BROKER_CAP_DURABLE_SUBSCRIPTIONS (else NULL or absent: check
     * NOTIFY_HAS_FIELD). Insert or replace the (client_id, topic) record. Saves need not be
     * synchronous, but they are ordered with publishes: a save is durable no later than any
     * at-least-once publish the broker acknowledges after it, and a later save of the same
     * record wins over an earlier one.
     * OWNERSHIP: subscription BORROWED. THREAD: core thread.
     */
    notify_status (*subscription_save)(void *instance,
                                       const notify_durable_subscription *subscription,
                                       notify_error *err);
    /* Delete the (client_id, topic) record; ordered like subscription_save. Deleting a missing
     * record is NOTIFY_OK. OWNERSHIP: strings BORROWED. THREAD: core thread. */
    notify_status (*subscription_remove)(void *instance, notify_str client_id, notify_str topic,
                                         notify_error *err);
    /* Feed sink every stored record, synchronously (the host calls it once, at start).
     * OWNERSHIP: records BORROWED for each sink call. THREAD: core thread. */
    notify_status (*subscriptions_load)(void *instance, notify_subscription_sink sink,
                                        void *sink_ctx, notify_error *err);

    /* ---- ABI 1.3, with NOTIFY_BROKER_CAP_CLUSTER (else NULL or absent: check NOTIFY_HAS_FIELD).
     * Each answers NOTIFY_OK once queued for the bus, or a negative status with err filled
     * (NOTIFY_ERR_IO while the bus is unreachable). THREAD: core thread; must not block. */

    /* This node gained (up) or lost (!up) its last local subscriber of a topic, session of a
     * client id or client of a user id. The host calls each transition once, in order; the
     * broker decides how and when to (un)subscribe on the bus (delayed, sharded).
     * OWNERSHIP: name BORROWED. */
    notify_status (*interest)(void *instance, uint32_t kind, notify_str name, bool up,
                              notify_error *err);
    /* Carry a publish to clients and users to every node that holds them (this one included:
     * the message comes back through host->broker_message). OWNERSHIP: direct BORROWED. */
    notify_status (*publish_direct)(void *instance, const notify_broker_direct *direct,
                                    notify_error *err);
    /* Carry a command to the node(s) holding command->id, not back to this node (the host
     * applied it here already). OWNERSHIP: command BORROWED. */
    notify_status (*send_command)(void *instance, const notify_cluster_command *command,
                                  notify_error *err);

    /* ---- ABI 1.4, with NOTIFY_BROKER_CAP_PRESENCE (else NULL or absent: check
     * NOTIFY_HAS_FIELD). Presence is who is subscribed to a topic of a namespace with
     * `presence = true`, while connected: the host adds a client when it subscribes (or its
     * connection resumes) and removes it when it unsubscribes or its connection goes. The
     * broker keeps it so that a cluster broker can keep it cluster-wide (each node adding and
     * removing its own clients, refreshing them as the broker needs). THREAD: core thread; must
     * not block. A cluster broker answers reads from state it keeps current; a read it keeps no
     * state for may cost one round trip bounded by a configured timeout, as history_read does
     * (the redis broker: a topic without local subscribers). ---- */

    /* Adds or replaces the entry of entry->client_id in topic. OWNERSHIP: all BORROWED. */
    notify_status (*presence_add)(void *instance, notify_str topic,
                                  const notify_presence_entry *entry, notify_error *err);
    /* Removes the entry of client_id from topic (absent is fine). OWNERSHIP: BORROWED. */
    notify_status (*presence_remove)(void *instance, notify_str topic, notify_str client_id,
                                     notify_error *err);
    /* Calls sink once per entry of topic (any order) until it returns false, synchronously.
     * OWNERSHIP: topic BORROWED; the entries' views are valid only during each sink call. */
    notify_status (*presence_read)(void *instance, notify_str topic, notify_presence_sink sink,
                                   void *sink_ctx, notify_error *err);
    /* The number of entries of topic and of distinct non-empty user ids among them, without
     * listing them (what big topics need). OWNERSHIP: stats caller storage. */
    notify_status (*presence_stats)(void *instance, notify_str topic,
                                    notify_presence_stats *stats, notify_error *err);

    /* ---- ABI 1.5 (check NOTIFY_HAS_FIELD; NULL = unsupported) ---- */

    /* Forget the kept messages of topic (the server API's history_remove). The stream's
     * position stays: the next publish gets the next offset in the same epoch, and a client
     * recovering from before the removal is told it cannot (too old), never given a gap.
     * OWNERSHIP: topic BORROWED. THREAD: core thread. */
    notify_status (*history_remove)(void *instance, notify_str topic, notify_error *err);
} notify_broker_vtable;

/* ---- handler -------------------------------------------------------------------------------- */

typedef enum notify_event_type {
    NOTIFY_EVENT_CONNECT = 1,      /* a new client became active */
    NOTIFY_EVENT_RECONNECT = 2,    /* an inactive client became active again */
    NOTIFY_EVENT_DISCONNECT = 3,   /* a client became invalid (expired or disconnected) */
    NOTIFY_EVENT_INACTIVATE = 4,   /* a client lost its connection; its session is kept */
    NOTIFY_EVENT_SUBSCRIBE = 5,    /* a client subscribed to topic */
    NOTIFY_EVENT_UNSUBSCRIBE = 6,  /* a client unsubscribed from topic */
    NOTIFY_EVENT_PUBLISH = 7,      /* a message was published to topic (offset, epoch, data) */
    NOTIFY_EVENT_CHANGE = 8,       /* the changelog: a topic, client or user came up or down */
    NOTIFY_EVENT_DATA = 9          /* a client sent data for handlers (send command) */
} notify_event_type;

#define NOTIFY_EVENT_BIT(type) (1u << (type))

typedef enum notify_change_subject {
    NOTIFY_CHANGE_TOPIC = 1,
    NOTIFY_CHANGE_CLIENT = 2,
    NOTIFY_CHANGE_USER = 3
} notify_change_subject;

/*
 * An event. Fields that do not apply to the type are empty/zero.
 * OWNERSHIP: BORROWED for the call.
 */
typedef struct notify_event {
    uint32_t size;
    notify_event_type type;
    int64_t time_ms;
    notify_str client_id;
    notify_str user_id;
    notify_str topic;          /* SUBSCRIBE, UNSUBSCRIBE, PUBLISH; CHANGE: the subject's name */
    notify_bytes data;         /* PUBLISH, DATA */
    uint64_t offset;           /* PUBLISH */
    notify_str epoch;          /* PUBLISH */
    notify_change_subject change_subject;  /* CHANGE */
    bool change_up;                        /* CHANGE: true = came up, false = went down */
    /* ABI 1.4 (check NOTIFY_HAS_FIELD): the client's info from the auth answer (a JSON
     * object), or empty; set on the events that name a client (not CHANGE, not a server-side
     * PUBLISH). */
    notify_str client_info;
    /* ABI 1.5 (check NOTIFY_HAS_FIELD), on INACTIVATE and DISCONNECT: why the client went.
     * close_code is the NOTIFY_CLOSE_* its connection was closed with (0 when it had none),
     * reason one word (NOTIFY_REASON_* below). */
    uint16_t close_code;
    notify_str reason;
} notify_event;

/*
 * ABI 1.5: the words of notify_event.reason. INACTIVATE says how the connection ended: closed
 * (by the client or the network), slow (send queue over its limit), expired (its token expired
 * without a refresh), shutdown (this server stops), error (protocol or transport error).
 * DISCONNECT says why the session ended: expired (clients.ttl passed without a resume), kicked
 * (disconnected by a handler or the server API), moved (the client id connected to another node
 * of the cluster). New words may come in later minors: treat an unknown one like "closed".
 */
#define NOTIFY_REASON_CLOSED "closed"
#define NOTIFY_REASON_SLOW "slow"
#define NOTIFY_REASON_EXPIRED "expired"
#define NOTIFY_REASON_KICKED "kicked"
#define NOTIFY_REASON_MOVED "moved"
#define NOTIFY_REASON_SHUTDOWN "shutdown"
#define NOTIFY_REASON_ERROR "error"

typedef struct notify_handler_vtable {
    uint32_t size;
    uint32_t event_mask;       /* OR of NOTIFY_EVENT_BIT(type) the handler wants */

    /*
     * Observe one event. Act through the host table (host->publish, host->subscribe, ...);
     * those calls are queued and applied after this event, in call order.
     * OWNERSHIP: event BORROWED. THREAD: core thread. Must not block.
     */
    void (*on_event)(void *instance, const notify_event *event);
} notify_handler_vtable;

/* =============================================================================================
 * The host table: everything a plugin can ask of the host
 * ============================================================================================= */

typedef enum notify_log_level {
    NOTIFY_LOG_DEBUG = 0,
    NOTIFY_LOG_INFO = 1,
    NOTIFY_LOG_WARN = 2,
    NOTIFY_LOG_ERROR = 3
} notify_log_level;

/* Whom a subscribe/unsubscribe/disconnect names. */
typedef enum notify_target_kind {
    NOTIFY_TARGET_CLIENT = 1,
    NOTIFY_TARGET_USER = 2
} notify_target_kind;

/*
 * ABI 1.5: a request to the server API (host->api_call). The methods and their parameters and
 * results are JSON objects documented in docs/api.md (publish, broadcast, subscribe,
 * unsubscribe, disconnect, refresh, presence, presence_stats, history, history_remove, topics,
 * info, batch); new methods come without an ABI change. The host validates strictly: an unknown
 * method, an unknown field or a wrong type is an error naming it.
 * OWNERSHIP: BORROWED (the host copies before api_call returns).
 */
typedef struct notify_api_request {
    uint32_t size;
    notify_str method;
    notify_bytes params;     /* one JSON object (UTF-8); empty means {} */
    notify_str request_id;   /* the front end's id for the request, named in the host's logs;
                                may be empty */
} notify_api_request;

/*
 * The answer to one api_call. On success status is NOTIFY_OK, error_code 0 and result one JSON
 * object; on failure status is negative, error_code a protocol error code (docs/protocol.md:
 * 100 internal, 102 bad_request, 103 unknown method, 105 limit, 108 not_found, 109 too_large,
 * ...) and error_message names what failed and where; result is empty.
 * OWNERSHIP: BORROWED for the duration of the callback.
 */
typedef struct notify_api_reply {
    uint32_t size;
    notify_status status;
    uint32_t error_code;
    notify_str error_message;
    notify_bytes result;
} notify_api_reply;

/* Receives the answer of an api_call exactly once, on the core thread or another host thread;
 * it must not block (hand the reply to your own thread). */
typedef void (*notify_api_callback)(void *user_data, const notify_api_reply *reply);

/* =============================================================================================
 * ABI 1.6: metrics, health and logs for operations (the admin plugin, and any plugin's own
 * metrics). docs/operations.md lists the host's metrics.
 * ============================================================================================= */

typedef enum notify_metric_kind {
    NOTIFY_METRIC_COUNTER = 1,   /* only grows: metric_add with a value >= 0 */
    NOTIFY_METRIC_GAUGE = 2,     /* metric_set, or metric_add with any sign */
    NOTIFY_METRIC_HISTOGRAM = 3  /* metric_observe */
} notify_metric_kind;

/*
 * One series of a metric family, for host->metric_register. A family is its name; every series
 * of it must have the same kind, help, label names and buckets (else INVALID_ARGUMENT).
 * Labels must have few values (a plugin instance, an outcome, a reason): never a topic, client
 * or user id. The host refuses more than 4 labels and more than 256 series per family.
 * OWNERSHIP: BORROWED (the host copies).
 */
typedef struct notify_metric_desc {
    uint32_t size;
    uint32_t kind;                    /* notify_metric_kind */
    notify_str name;                  /* Prometheus style: [a-z_][a-z0-9_]*, starting "notify_";
                                         counters end in "_total"; base units (_seconds, _bytes) */
    notify_str help;                  /* one line, the family's HELP text */
    const notify_str *label_names;    /* [a-z_][a-z0-9_]*, not starting "__", no name twice; a
                                         histogram cannot have "le" (Prometheus reserves it) */
    const notify_str *label_values;   /* this series' values (any UTF-8), label_count of them */
    size_t label_count;
    const double *buckets;            /* HISTOGRAM only (else bucket_count must be 0): finite
                                         upper bounds, strictly ascending, at most 64 (+Inf is
                                         implied); NULL = the default latency buckets
                                         (0.0001 s ... 10 s) */
    size_t bucket_count;
} notify_metric_desc;

/* A registered series. OWNERSHIP: HOST, valid until the process exits (also after the plugin
 * instance is destroyed, so a late update from a plugin thread is harmless). */
typedef struct notify_metric notify_metric;

/* What host->stats_view returns. Each is one document, OWNED by the caller. */
typedef enum notify_stats_view_kind {
    /* Every metric (the host's and every plugin's) in the Prometheus text exposition format
     * 0.0.4 (Content-Type "text/plain; version=0.0.4"). */
    NOTIFY_STATS_PROMETHEUS = 1,
    /* The same metrics as JSON: {"time_ms":N,"metrics":[{"name","kind","help","series":[{"labels":
     * {..},"value":N} | {"labels":{..},"count":N,"sum":N,"buckets":[[le,count]...]}]}]}; a
     * histogram's buckets are its finite bounds with cumulative counts (`count` is +Inf's). */
    NOTIFY_STATS_JSON = 2,
    /* Readiness: {"live":true,"ready":bool,"started":bool,"problems":[{"instance","plugin",
     * "reason"}]}. Ready once every instance started and none reported itself not ready. */
    NOTIFY_STATS_HEALTH = 3,
    /* The last warnings and errors logged (host and plugins, newest last, at most 100):
     * {"entries":[{"time_ms","level","instance","message"}]} */
    NOTIFY_STATS_RECENT_LOGS = 4
} notify_stats_view_kind;

/* A publish from a plugin. OWNERSHIP: BORROWED (the host copies before returning). */
typedef struct notify_publish_request {
    uint32_t size;
    const notify_str *topics;
    size_t topic_count;
    const notify_str *clients;
    size_t client_count;
    const notify_str *users;
    size_t user_count;
    notify_bytes payload;
} notify_publish_request;

/*
 * The host table, passed to create(). Append-only: members are added at the end in later
 * minors; check NOTIFY_HAS_FIELD(host, notify_host_api, member) before using a member newer
 * than the header you built against would guarantee.
 * OWNERSHIP: HOST, valid until the process exits. Every function is callable from ANY thread
 * unless stated, and never calls back into the caller synchronously.
 */
typedef struct notify_host_api {
    uint32_t size;
    uint16_t abi_major;
    uint16_t abi_minor;

    /* ---- 1.0: logging ------------------------------------------------------------------------ */

    /* Log a line attributed to the instance. OWNERSHIP: message BORROWED. */
    void (*log)(notify_host_ctx *ctx, notify_log_level level, notify_str message);

    /* ---- 1.0: configuration (typed accessors over the instance's manifest table) -------------- */
    /*
     * Each returns NOTIFY_OK and fills *out, NOTIFY_ERR_NOT_FOUND when the key is absent (leave
     * your default in place), or NOTIFY_ERR_WRONG_TYPE. Keys are checked against the plugin's
     * schema before create(), so WRONG_TYPE signals a schema mismatch.
     * OWNERSHIP: strings HOST-owned, valid until the instance is destroyed (for the table given
     * to the 1.6 descriptor member reconfigure: only during that call).
     * THREAD: any, but intended for create().
     */
    notify_status (*config_get_string)(const notify_config *cfg, const char *key,
                                       notify_str *out);
    notify_status (*config_get_int)(const notify_config *cfg, const char *key, int64_t *out);
    notify_status (*config_get_bool)(const notify_config *cfg, const char *key, bool *out);
    notify_status (*config_get_double)(const notify_config *cfg, const char *key, double *out);
    /* Number of strings in a NOTIFY_CONFIG_STRING_ARRAY key, then each by index. */
    notify_status (*config_get_array_size)(const notify_config *cfg, const char *key,
                                           size_t *out);
    notify_status (*config_get_array_string)(const notify_config *cfg, const char *key,
                                             size_t index, notify_str *out);
    /* A NOTIFY_CONFIG_PATH resolved against the manifest's folder; NUL-terminated. */
    notify_status (*config_get_path)(const notify_config *cfg, const char *key, notify_str *out);
    /* A NOTIFY_CONFIG_DURATION in milliseconds. */
    notify_status (*config_get_duration_ms)(const notify_config *cfg, const char *key,
                                            int64_t *out);

    /* ---- 1.0: frames --------------------------------------------------------------------------- */

    void (*frame_retain)(const notify_frame *frame);
    void (*frame_release)(const notify_frame *frame);
    /*
     * The frame's bytes in `encoding`, serialized at most once per encoding per frame.
     * OWNERSHIP: HOST, valid while the caller holds a reference to the frame.
     */
    notify_bytes (*frame_bytes)(const notify_frame *frame, notify_encoding encoding);

    /* ---- 1.0: transports report connections -------------------------------------------------- */

    /*
     * A connection was accepted and is ready for frames. NOTIFY_ERR_LIMIT when the host refuses
     * it (the transport closes it with NOTIFY_CLOSE_POLICY), NOTIFY_ERR_CLOSED during shutdown.
     * The first command the client must send is connect; the host answers it.
     * OWNERSHIP: info BORROWED. THREAD: any (the transport's I/O threads).
     */
    notify_status (*conn_open)(notify_host_ctx *ctx, uint64_t conn, const notify_conn_info *info);

    /*
     * One complete client frame (a command), in the connection's encoding. The host decodes and
     * applies it, and answers through transport.deliver. Calls for one connection must be made
     * in arrival order from one thread at a time.
     * OWNERSHIP: data BORROWED (the host copies). THREAD: any.
     */
    void (*conn_receive)(notify_host_ctx *ctx, uint64_t conn, notify_bytes data);

    /*
     * Same, moving ownership of the bytes to the host to avoid a copy.
     * OWNERSHIP: data OWNED by the host from the call on. THREAD: any.
     */
    void (*conn_receive_owned)(notify_host_ctx *ctx, uint64_t conn, notify_owned_bytes data);

    /*
     * The connection is gone (peer close, error, or after transport.close). Exactly once per
     * opened connection. `code` is the close code seen or sent (NOTIFY_CLOSE_*).
     * THREAD: any.
     */
    void (*conn_closed)(notify_host_ctx *ctx, uint64_t conn, uint16_t code);

    /* ---- 1.0: answers to NOTIFY_PENDING ---------------------------------------------------- */

    /*
     * Answer an authenticate/authorize call that returned NOTIFY_PENDING, exactly once.
     * OWNERSHIP: result BORROWED (copied before return). THREAD: any.
     */
    void (*auth_complete)(notify_host_ctx *ctx, uint64_t request_id,
                          const notify_auth_result *result);

    /*
     * Answer a broker publish that returned NOTIFY_PENDING, exactly once. On failure, status is
     * negative, position may be NULL and error_message says why.
     * OWNERSHIP: position and error_message BORROWED. THREAD: any.
     */
    void (*broker_publish_complete)(notify_host_ctx *ctx, uint64_t request_id,
                                    notify_status status, const notify_stream_position *position,
                                    notify_str error_message);

    /* ---- 1.0: acting on the model (handlers and any other plugin) ----------------------------- */
    /*
     * Each call is validated, queued, and applied on the core thread after the current event, in
     * call order. Returns NOTIFY_OK when queued, NOTIFY_ERR_INVALID_ARGUMENT for malformed input,
     * NOTIFY_ERR_CLOSED during shutdown. Effects are reported through events as usual.
     * OWNERSHIP: all arguments BORROWED (copied before return). THREAD: any.
     */
    notify_status (*publish)(notify_host_ctx *ctx, const notify_publish_request *request);
    notify_status (*subscribe)(notify_host_ctx *ctx, notify_target_kind kind, notify_str id,
                               notify_str topic);
    notify_status (*unsubscribe)(notify_host_ctx *ctx, notify_target_kind kind, notify_str id,
                                 notify_str topic);
    /* Disconnect a client (its session is invalidated) or every client of a user. */
    notify_status (*disconnect)(notify_host_ctx *ctx, notify_target_kind kind, notify_str id,
                                uint16_t code, notify_str reason);

    /* Milliseconds since the Unix epoch, on the host's clock (tests may drive it). */
    int64_t (*now_ms)(notify_host_ctx *ctx);

    /* ---- 1.2 ---------------------------------------------------------------------------------- */
    /*
     * A transport that cannot deliver a frame larger than max_frame_bytes (UDP: one datagram)
     * declares it, at create() or start(). The host then refuses a client's publish whose
     * message frame could be larger, when any recipient is connected through this transport,
     * with error too_large naming the transport — instead of the transport dropping it later.
     * 0 removes the limit. Returns NOTIFY_ERR_INVALID_ARGUMENT for a non-transport ctx.
     * THREAD: any. Check NOTIFY_HAS_FIELD(host, notify_host_api, set_max_frame_size) first.
     */
    notify_status (*set_max_frame_size)(notify_host_ctx *ctx, uint64_t max_frame_bytes);

    /* ---- 1.3: cluster (CLUSTER brokers report; any plugin may read the views) ------------- */

    /* A message from the bus for this node's connections (topic subscribers, or the named
     * clients and users). Topic messages must be handed over in offset order per topic, each
     * once: the broker fills gaps and drops duplicates before calling. THREAD: any (the
     * broker's own threads). OWNERSHIP: message BORROWED. */
    void (*broker_message)(notify_host_ctx *ctx, const notify_bus_message *message);
    /* A command from another node (notify_cluster_command_type). THREAD: any. BORROWED. */
    void (*broker_command)(notify_host_ctx *ctx, const notify_cluster_command *command);
    /* The broker lost messages of `topic` it could not fill from history (or the epoch
     * changed): the host tells the topic's subscribers to recover from their last position
     * (the `recover` push, docs/protocol.md). `current` is the stream's position when known
     * (may be NULL). THREAD: any. OWNERSHIP: all BORROWED. */
    void (*broker_stream_lost)(notify_host_ctx *ctx, notify_str topic,
                               const notify_stream_position *current, notify_str reason);
    /* This node, for the broker's announcements. Strings HOST-owned, valid until the instance
     * is destroyed; counts are a snapshot refreshed about once a second. THREAD: any. */
    void (*node_info)(notify_host_ctx *ctx, notify_node_info *out);
    /* Another node announced itself. The host keeps it until a newer announcement, or forgets
     * it `ttl_ms` after this one. THREAD: any. OWNERSHIP: node BORROWED. */
    void (*cluster_node_seen)(notify_host_ctx *ctx, const notify_node_info *node,
                              int64_t ttl_ms);
    /* A view of the cluster as JSON (notify_cluster_view_kind; this node alone without a
     * CLUSTER broker), for transports that serve it to clients and tools.
     * OWNERSHIP: *out OWNED by the caller (release it). THREAD: any. */
    notify_status (*cluster_view)(notify_host_ctx *ctx, uint32_t kind, notify_owned_bytes *out);

    /* ---- 1.5: the server API (http_api, grpc_api and any other front end) ------------------- */

    /* Run one server API request (notify_api_request). Returns NOTIFY_OK when accepted: `done`
     * is then called exactly once with the answer (errors included), from a host thread and
     * never from inside api_call itself (it may run before api_call has returned to you: have
     * user_data ready first). Returns NOTIFY_ERR_INVALID_ARGUMENT (no request or no callback)
     * or NOTIFY_ERR_CLOSED (shutting down) without calling `done`. Requests from one thread
     * start in call order. An answer may still come after your stop() returned (another
     * plugin's stop() can complete a publish); a request unanswered when the host stops its
     * core (after every stop(), before any destroy()) is never answered, so a front end stops
     * waiting in stop() and frees what it kept for late answers in destroy().
     * OWNERSHIP: request BORROWED; user_data PLUGIN, kept alive until `done` ran or destroy()
     * is called. THREAD: any. */
    notify_status (*api_call)(notify_host_ctx *ctx, const notify_api_request *request,
                              notify_api_callback done, void *user_data);

    /* ---- 1.6: operations (metrics, health, logs) ------------------------------------------- */

    /* Register one series (notify_metric_desc) and get its handle in *out. Registering the same
     * name and label values again, from any instance, returns the same series. Returns
     * NOTIFY_ERR_INVALID_ARGUMENT (the log says which rule was broken) or NOTIFY_ERR_LIMIT (too
     * many series in the family). Register at create() or start(): lookups are not for hot paths.
     * OWNERSHIP: desc BORROWED; *out HOST (see notify_metric). THREAD: any. */
    notify_status (*metric_register)(notify_host_ctx *ctx, const notify_metric_desc *desc,
                                     notify_metric **out);
    /* Update a series: lock-free and cheap enough for every message. A call that does not fit
     * the kind (set on a counter, a negative add to a counter, observe on a gauge) or a NULL or
     * non-finite value is ignored. THREAD: any. */
    void (*metric_add)(notify_metric *metric, double value);
    void (*metric_set)(notify_metric *metric, double value);
    void (*metric_observe)(notify_metric *metric, double value);

    /* One document about the process (notify_stats_view_kind). The host's own gauges (clients,
     * topics, queue depths) are at most about a second old. Returns NOTIFY_ERR_INVALID_ARGUMENT
     * for an unknown kind. OWNERSHIP: *out OWNED by the caller (release it). THREAD: any. */
    notify_status (*stats_view)(notify_host_ctx *ctx, uint32_t kind, notify_owned_bytes *out);

    /* The instance's readiness for /readyz-style checks: an instance is ready once its start()
     * returned NOTIFY_OK and its last set_ready (if any) did not say false; a plugin that loses
     * what it needs to serve (a broker its bus) says ready = false with a reason, even during
     * its start(), and ready = true once it is back. The host logs each change.
     * OWNERSHIP: reason BORROWED. THREAD: any. */
    void (*set_ready)(notify_host_ctx *ctx, bool ready, notify_str reason);

    /* Whether a line at `level` from this instance would be logged ([log] level and the
     * instance's own level in [log.plugins]): skip formatting debug lines nobody reads.
     * The answer can change on a reload (SIGHUP). THREAD: any. */
    bool (*log_enabled)(notify_host_ctx *ctx, notify_log_level level);

    /* ---- 1.7: what auth plugins see of a connection ---------------------------------------- */

    /* Keep these HTTP headers of every connection from now on (notify_conn_info.headers) and
     * pass them to auth plugins (notify_auth_request.headers, notify_authz_request.headers).
     * Names are matched case-insensitively; the host keeps the union of every plugin's names,
     * and nothing when no plugin asks (headers cost memory per connection). Call it from
     * create(): later calls return NOTIFY_ERR_INVALID_ARGUMENT, as does a name that is not an
     * HTTP token or longer than 64 bytes (the log says which), or more than 64 names in all.
     * OWNERSHIP: names BORROWED. THREAD: main thread, in create(). */
    notify_status (*keep_headers)(notify_host_ctx *ctx, const notify_str *names, size_t count);
} notify_host_api;

/* =============================================================================================
 * The plugin descriptor and the entry symbol
 * ============================================================================================= */

/*
 * Returned by the entry symbol. Lifecycle: the host calls create() once per manifest instance
 * (several instances of one plugin are allowed), then start() on every instance in manifest
 * order (transports last), and at shutdown stop() on every instance, then destroy() in reverse
 * creation order. Plugins stay loaded until the process exits.
 * OWNERSHIP: PLUGIN, static for the life of the process (as are every pointer inside it).
 */
typedef struct notify_plugin_descriptor {
    uint32_t size;              /* sizeof(notify_plugin_descriptor) as the plugin was built */
    uint16_t abi_major;         /* NOTIFY_ABI_MAJOR; the host refuses another major */
    uint16_t abi_minor;         /* NOTIFY_ABI_MINOR the plugin was built with */
    const char *name;           /* short name, [a-z0-9_-]+ */
    const char *version;        /* the plugin's own version */
    const char *description;    /* one line */
    uint32_t kinds;             /* OR of NOTIFY_KIND_*; a vtable must be set for each */

    const notify_config_key *config_keys;
    size_t config_key_count;

    /*
     * Make an instance from its manifest table. Keep `host` and `ctx` for later calls.
     * Return NOTIFY_OK and set *instance, or a negative status with err filled (notifyd then
     * exits with code 2 naming the plugin and the message).
     * THREAD: main thread.
     */
    notify_status (*create)(const notify_host_api *host, notify_host_ctx *ctx,
                            const notify_config *config, void **instance, notify_error *err);

    /* Start serving (transports begin listening here). May be NULL. THREAD: main thread. */
    notify_status (*start)(void *instance, notify_error *err);

    /*
     * Begin a graceful shutdown: stop accepting, flush queues, close connections with
     * NOTIFY_CLOSE_GOING_AWAY, and return once done or after a bounded wait. The core thread
     * still runs during stop(). May be NULL. THREAD: main thread.
     */
    void (*stop)(void *instance);

    /* Free the instance. No host call is allowed after it returns. THREAD: main thread. */
    void (*destroy)(void *instance);

    const notify_transport_vtable *transport;
    const notify_auth_vtable *auth;
    const notify_broker_vtable *broker;
    const notify_handler_vtable *handler;

    /* ---- 1.6 ------------------------------------------------------------------------------- */
    /*
     * Apply the instance's manifest table again without a restart (SIGHUP). The host calls it
     * on every reload whose new manifest passed every check, once per instance, on the main
     * thread while the core runs: with a changed table, or with the same one (so that the files
     * it names, such as keys and secrets, are read again). Check the whole table first and apply
     * all of it or nothing: return NOTIFY_OK once applied (log one line saying what changed, if
     * anything), or a negative status with err filled to keep the old configuration (the host
     * logs it and keeps going).
     * NULL (or a descriptor from an older minor) = the instance cannot change live: a change
     * to its table is refused as needing a restart. The config is valid only during the call
     * (copy what you keep). THREAD: main thread.
     */
    notify_status (*reconfigure)(void *instance, const notify_config *config, notify_error *err);
} notify_plugin_descriptor;

/* The entry symbol every plugin exports (and nothing else). */
typedef const notify_plugin_descriptor *(*notify_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* NOTIFY_NOTIFY_H */
