/*
 * fakehost.h -- a fake notifyd for testing one plugin instance without running the server.
 *
 * The fake host builds a manifest table, loads a plugin (a .so path, or an entry function linked
 * into the test), calls create/start/stop/destroy, sends handler events, asks auth questions
 * (waiting for answers given later through auth_complete), plays the host side of transport
 * connections, answers server API requests (host->api_call, ABI 1.5) through a handler the test
 * scripts, keeps the metrics and readiness a plugin reports (ABI 1.6), drives reconfigure with a
 * changed table, and records every host call the plugin makes so that a test can assert on them.
 *
 * Plain C so that C, C++ and Rust tests (through FFI) use it alike. It is a test library, not
 * part of the plugin ABI: link it into test programs only (CMake: notify::fakehost,
 * pkg-config: notify-fakehost).
 *
 * OWNERSHIP: every pointer returned by a notify_fakehost_* call is owned by the fake host and
 * stays valid until notify_fakehost_free() (records are never removed, only appended).
 * THREAD: the plugin may call the host table from any thread (records are locked);
 * notify_fakehost_* functions themselves are called from the test's thread.
 *
 * The host table is NOTIFY_ABI_MINOR of the notify.h it was built with (1.6): every member is
 * set, api_call and the operations members included. A test double, not notifyd: stats_view
 * documents have notify.h's shapes but hold only this one instance and its own metrics.
 */
#ifndef NOTIFY_FAKEHOST_H
#define NOTIFY_FAKEHOST_H

#include <notify/notify.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct notify_fakehost notify_fakehost;

/* ---- lifetime ------------------------------------------------------------------------------ */

notify_fakehost *notify_fakehost_new(void);
/* Stops and destroys the instance if the test did not and frees all records. The plugin's
 * library stays loaded (as notifyd keeps plugins resident until exit). */
void notify_fakehost_free(notify_fakehost *host);

/* The message of the last failed notify_fakehost_* call (or the plugin's err), "" if none.
 * The one exception to the OWNERSHIP rule above: the pointer is valid until the next
 * notify_fakehost_* call that fails (copy the text to keep it). */
const char *notify_fakehost_last_error(const notify_fakehost *host);

/* ---- the manifest table (set before create) -------------------------------------------------- */

/* Each setter adds or replaces one key of the instance's table. Keys the plugin's config_keys
 * do not declare, or of another type, make create() fail as notifyd would (unknown key / wrong
 * type), naming the key. Strings are copied. */
void notify_fakehost_config_string(notify_fakehost *host, const char *key, const char *value);
void notify_fakehost_config_int(notify_fakehost *host, const char *key, int64_t value);
void notify_fakehost_config_bool(notify_fakehost *host, const char *key, bool value);
void notify_fakehost_config_double(notify_fakehost *host, const char *key, double value);
void notify_fakehost_config_duration_ms(notify_fakehost *host, const char *key, int64_t value);
/* A NOTIFY_CONFIG_PATH; relative values resolve against notify_fakehost_set_manifest_dir(). */
void notify_fakehost_config_path(notify_fakehost *host, const char *key, const char *value);
void notify_fakehost_config_string_array(notify_fakehost *host, const char *key,
                                         const char *const *values, size_t count);
/* Removes a key from the table (for a reconfigure that drops one). */
void notify_fakehost_config_remove(notify_fakehost *host, const char *key);
/* The folder relative NOTIFY_CONFIG_PATH values resolve against (default: the working dir). */
void notify_fakehost_set_manifest_dir(notify_fakehost *host, const char *dir);
/* The instance's name (logs; an auth request's `transport` when playing a transport). */
void notify_fakehost_set_instance_name(notify_fakehost *host, const char *name);

/* ---- the host's clock and answers ------------------------------------------------------------ */

/* now_ms() answers this value from now on (0 = the real clock again, the default). */
void notify_fakehost_set_now_ms(notify_fakehost *host, int64_t now_ms);
/* The status publish/subscribe/unsubscribe/disconnect/conn_open return (default NOTIFY_OK);
 * they are recorded either way. */
void notify_fakehost_set_action_status(notify_fakehost *host, notify_status status);
void notify_fakehost_set_conn_open_status(notify_fakehost *host, notify_status status);
/* log() also prints to stderr (default: only when the environment sets NOTIFY_FAKEHOST_VERBOSE). */
void notify_fakehost_set_log_to_stderr(notify_fakehost *host, bool on);

/* ---- loading and the lifecycle --------------------------------------------------------------- */

/* dlopen a plugin file and call its entry symbol; checks the descriptor as notifyd's loader
 * does (major, size, kinds with vtables). NOTIFY_ERR_* with last_error on failure. */
notify_status notify_fakehost_load(notify_fakehost *host, const char *plugin_path);
/* The same for a plugin linked into the test program (a Rust test passes its entry fn). */
notify_status notify_fakehost_use(notify_fakehost *host, notify_plugin_entry_fn entry);

/* NULL before load/use. */
const notify_plugin_descriptor *notify_fakehost_descriptor(const notify_fakehost *host);
/* The table given to the plugin (for a test that calls a vtable itself). */
const notify_host_api *notify_fakehost_api(const notify_fakehost *host);
/* The ctx given to the plugin. */
notify_host_ctx *notify_fakehost_ctx(const notify_fakehost *host);
/* The plugin's instance pointer after create(), else NULL. */
void *notify_fakehost_instance(const notify_fakehost *host);

notify_status notify_fakehost_create(notify_fakehost *host);
notify_status notify_fakehost_start(notify_fakehost *host);  /* OK when start is NULL */
void notify_fakehost_stop(notify_fakehost *host);
void notify_fakehost_destroy(notify_fakehost *host);

/* ABI 1.6: plays a SIGHUP that changed the instance's table. The table is the one built by the
 * config setters (the create() table plus what the test changed since; see
 * notify_fakehost_config_remove), checked against the plugin's config_keys as at create(), then
 * handed to the descriptor's reconfigure(), valid only during that call (the fake host frees it
 * right after; the create() table stays valid until destroy). Returns what reconfigure()
 * returned, with last_error holding its err message when negative; NOTIFY_ERR_UNSUPPORTED when
 * reconfigure is NULL or the descriptor older than 1.6 (notifyd refuses the change as needing a
 * restart), NOTIFY_ERR_INVALID_ARGUMENT when the table does not fit the schema (reconfigure is
 * not called), NOTIFY_ERR_CLOSED after stop. */
notify_status notify_fakehost_reconfigure(notify_fakehost *host);

/* ---- handlers -------------------------------------------------------------------------------- */

/* Calls on_event when the handler's event_mask has the event's bit (size and time_ms are
 * filled when 0). Returns false when the handler does not want the event or is not a handler.
 * The event is copied by its size: size 0 sends the whole current struct (ABI 1.5: set
 * close_code and reason for an INACTIVATE or DISCONNECT, e.g. reason NOTIFY_REASON_CLOSED);
 * a smaller size plays an older host (size = offsetof(notify_event, close_code) is a 1.4 event,
 * and the plugin must not read past it). */
bool notify_fakehost_event(notify_fakehost *host, const notify_event *event);

/* ---- auth ------------------------------------------------------------------------------------ */

/* An auth answer, copied out of the plugin's result (sync) or its auth_complete call. */
typedef struct notify_fakehost_auth_answer {
    notify_status status;          /* what authenticate()/authorize_*() returned */
    bool pending;                  /* answered later through auth_complete */
    bool answered;                 /* false: pending and no answer within the timeout */
    notify_auth_decision decision; /* DEFER when the vtable member is NULL */
    const char *client_id;
    const char *user_id;
    const char *reason;            /* or the err message for a negative status */
    uint32_t error_code;           /* 1.4 fields: 0 when the plugin's result is older */
    int64_t expires_at_ms;
    const char *info;
    const char *const *topics;
    size_t topic_count;
} notify_fakehost_auth_answer;

/* request->request_id is chosen by the fake host when 0. Waits up to timeout_ms for a pending
 * answer. Returns NOTIFY_OK when an answer (sync or pending) was copied into *out. */
notify_status notify_fakehost_authenticate(notify_fakehost *host,
                                           const notify_auth_request *request, int timeout_ms,
                                           notify_fakehost_auth_answer *out);
notify_status notify_fakehost_authorize_subscribe(notify_fakehost *host,
                                                  const notify_authz_request *request,
                                                  int timeout_ms,
                                                  notify_fakehost_auth_answer *out);
notify_status notify_fakehost_authorize_publish(notify_fakehost *host,
                                                const notify_authz_request *request,
                                                int timeout_ms,
                                                notify_fakehost_auth_answer *out);

/* ---- transports ------------------------------------------------------------------------------ */

/* Hands the transport one frame for conns[0..count) through its deliver(): a host-made frame
 * whose frame_bytes() answers `json` for NOTIFY_ENCODING_JSON and `binary` for BINARY. The
 * frame lives while the transport holds references; notify_fakehost_frames_alive() counts them
 * (0 once the transport released every reference it retained). */
void notify_fakehost_deliver(notify_fakehost *host, notify_bytes json, notify_bytes binary,
                             const uint64_t *conns, size_t count);
size_t notify_fakehost_frames_alive(const notify_fakehost *host);
/* Calls the transport's close(). */
void notify_fakehost_close(notify_fakehost *host, uint64_t conn, uint16_t code,
                           const char *reason);

/* ---- the server API (ABI 1.5: host->api_call) -------------------------------------------------
 *
 * The fake host does not implement the server API's methods (docs/api.md): the test scripts the
 * answers with a handler. api_call checks its arguments as notifyd does (a NULL request or
 * callback, a request smaller than notify_api_request 1.5 or a view with a length but no data:
 * NOTIFY_ERR_INVALID_ARGUMENT, not recorded; once the plugin's stop() returned:
 * NOTIFY_ERR_CLOSED, not recorded), records an API_CALL, queues the request and returns
 * NOTIFY_OK. The answer is delivered later, never inside api_call:
 *
 *   - by notify_fakehost_api_deliver() on the test's thread (the default: deterministic), or
 *   - with notify_fakehost_set_api_auto_deliver(host, true), by a fake-host thread as soon as
 *     each call is queued (for plugins that wait for answers on their own threads, e.g. a front
 *     end serving a request the test sends over a socket).
 *
 * Delivering one call: the handler runs (on the delivering thread) and fills the reply; the
 * fake host copies it, calls the plugin's callback with a notify_api_reply viewing the copy,
 * then records an API_REPLY. Calls are answered in the order they were made, each at most once.
 *
 * Shutdown mirrors notifyd: while the plugin's stop() runs (notify_fakehost_stop(), or
 * destroy() stopping first) the thread delivers, so a stop() may wait for the answers it
 * expects; once stop() returned, api_call answers NOTIFY_ERR_CLOSED and the calls still queued
 * are never answered (their user_data may be gone; a line on stderr counts them). */

/* What a handler answers. Preset to success: status NOTIFY_OK, error_code 0, error_message ""
 * and result "{}". For an error set status to a negative NOTIFY_ERR_* and error_code to a
 * protocol code (102 bad_request, 103 unknown method, 108 not_found, ...) with a message. The
 * strings are copied after the handler returns. Normalized as notifyd answers: on success
 * error_code is 0 and the message ""; on failure the result is empty, a non-negative status
 * becomes NOTIFY_ERR_INTERNAL and error_code 0 becomes 100. */
typedef struct notify_fakehost_api_reply {
    notify_status status;
    uint32_t error_code;
    const char *error_message;
    const char *result; /* one JSON object */
} notify_fakehost_api_reply;

/* method, params (the JSON text as the plugin sent it; "" means {}) and request_id are
 * NUL-terminated copies valid during the call. Runs on the delivering thread: the test's thread
 * for notify_fakehost_api_deliver(), the fake host's thread with auto delivery. */
typedef void (*notify_fakehost_api_handler)(void *handler_ctx, const char *method,
                                            const char *params, const char *request_id,
                                            notify_fakehost_api_reply *reply);

/* Sets (or, with NULL, removes) the handler. Without one every call is answered
 * NOTIFY_ERR_UNSUPPORTED, error_code 103, "no API handler in the fake host". */
void notify_fakehost_set_api_handler(notify_fakehost *host, notify_fakehost_api_handler handler,
                                     void *handler_ctx);
/* Answers every queued call (and those the plugin's callbacks make meanwhile) on this thread;
 * returns how many. */
size_t notify_fakehost_api_deliver(notify_fakehost *host);
/* The calls accepted and not yet answered. */
size_t notify_fakehost_api_pending(const notify_fakehost *host);
/* true: a fake-host thread answers each call as it is queued; false (the default): only
 * notify_fakehost_api_deliver() does. */
void notify_fakehost_set_api_auto_deliver(notify_fakehost *host, bool on);

/* ---- operations (ABI 1.6: metrics, readiness, log_enabled, stats_view) -----------------------
 *
 * metric_register checks notify_metric_desc as notify.h states it (name [a-z_][a-z0-9_]*
 * starting "notify_", counters ending "_total", one-line UTF-8 help, at most 4 labels with
 * [a-z_][a-z0-9_]* names not starting "__" (nor "le" in a histogram), no label twice, at most
 * 256 series per family, the same kind, help, label names and buckets for every series of a
 * family, buckets finite and strictly ascending and only on histograms; NULL buckets = 0.0001 s
 * ... 10 s) and records a METRIC_REGISTER either way (the refusal's reason in its text, also on
 * stderr). Registering a name and label values again returns the same handle. Updates follow
 * the kinds (a set on a counter, a negative add to a counter, an observe on a gauge or a
 * non-finite value are ignored). Handles stay valid until the process exits, also after
 * notify_fakehost_free().
 *
 * stats_view answers: PROMETHEUS and JSON render the metrics registered through this fake host;
 * HEALTH says ready while the instance is started (and not stopped) and its last set_ready was
 * not false, else one problem naming the instance ("not started" or the set_ready reason);
 * RECENT_LOGS lists the plugin's own warn and error lines (the last 100). Another kind:
 * NOTIFY_ERR_INVALID_ARGUMENT. */

/* log_enabled() answers level >= this (default NOTIFY_LOG_DEBUG: everything). log() records
 * every line whatever the level. */
void notify_fakehost_set_log_level(notify_fakehost *host, notify_log_level level);
/* What a HEALTH view says: started, not stopped and not reported not ready. The reason of the
 * last set_ready is in the last SET_READY record. */
bool notify_fakehost_ready(const notify_fakehost *host);
/* The value of a counter or gauge series, found by family name and label values (in the order
 * of the family's label names; NULL with label_count 0 for none). false when no such series or
 * it is a histogram. */
bool notify_fakehost_metric_value(const notify_fakehost *host, const char *name,
                                  const char *const *label_values, size_t label_count,
                                  double *out);
/* The count and sum of a histogram series; false when no such histogram series. */
bool notify_fakehost_metric_histogram(const notify_fakehost *host, const char *name,
                                      const char *const *label_values, size_t label_count,
                                      uint64_t *count, double *sum);

/* ---- recorded host calls --------------------------------------------------------------------- */

typedef enum notify_fakehost_call_kind {
    NOTIFY_FAKEHOST_LOG = 1,
    NOTIFY_FAKEHOST_PUBLISH = 2,
    NOTIFY_FAKEHOST_SUBSCRIBE = 3,
    NOTIFY_FAKEHOST_UNSUBSCRIBE = 4,
    NOTIFY_FAKEHOST_DISCONNECT = 5,
    NOTIFY_FAKEHOST_AUTH_COMPLETE = 6,
    NOTIFY_FAKEHOST_BROKER_PUBLISH_COMPLETE = 7,
    NOTIFY_FAKEHOST_CONN_OPEN = 8,
    NOTIFY_FAKEHOST_CONN_RECEIVE = 9,   /* conn_receive and conn_receive_owned */
    NOTIFY_FAKEHOST_CONN_CLOSED = 10,
    NOTIFY_FAKEHOST_SET_MAX_FRAME_SIZE = 11,
    NOTIFY_FAKEHOST_BROKER_MESSAGE = 12,
    NOTIFY_FAKEHOST_BROKER_COMMAND = 13,
    NOTIFY_FAKEHOST_BROKER_STREAM_LOST = 14,
    NOTIFY_FAKEHOST_CLUSTER_NODE_SEEN = 15,
    NOTIFY_FAKEHOST_API_CALL = 16,      /* ABI 1.5 api_call, when accepted */
    NOTIFY_FAKEHOST_API_REPLY = 17,     /* its answer, after the plugin's callback returned */
    NOTIFY_FAKEHOST_METRIC_REGISTER = 18, /* ABI 1.6, accepted or refused */
    NOTIFY_FAKEHOST_SET_READY = 19,       /* ABI 1.6 */
    NOTIFY_FAKEHOST_KEEP_HEADERS = 20     /* ABI 1.7: one record per header name */
} notify_fakehost_call_kind;

/* One host call. Fields a kind does not use are zero / empty. Strings are NUL-terminated
 * copies (views carry the length too, for payloads with NULs). */
typedef struct notify_fakehost_call {
    notify_fakehost_call_kind kind;
    int64_t time_ms;                 /* the fake clock when the call was made */
    notify_log_level level;          /* LOG */
    notify_target_kind target;       /* SUBSCRIBE, UNSUBSCRIBE, DISCONNECT */
    notify_str id;                   /* the client/user id; AUTH_COMPLETE: the answer's user;
                                        API_*: the request's request_id;
                                        METRIC_REGISTER: the metric's name */
    notify_str topic;                /* SUBSCRIBE, UNSUBSCRIBE, BROKER_*: the topic */
    notify_str text;                 /* LOG: message; DISCONNECT, STREAM_LOST: reason;
                                        AUTH_COMPLETE: reason; BROKER_PUBLISH_COMPLETE: error;
                                        CONN_OPEN: remote address; API_CALL: method;
                                        API_REPLY: error message; METRIC_REGISTER: why
                                        it was refused ("" when accepted); SET_READY:
                                        reason; KEEP_HEADERS: the name as given */
    notify_bytes payload;            /* PUBLISH, CONN_RECEIVE, BROKER_MESSAGE; API_CALL:
                                        params; API_REPLY: result */
    const notify_str *topics;        /* PUBLISH */
    size_t topic_count;
    const notify_str *clients;       /* PUBLISH */
    size_t client_count;
    const notify_str *users;         /* PUBLISH */
    size_t user_count;
    uint64_t conn;                   /* CONN_*: the connection id */
    uint64_t request_id;             /* AUTH_COMPLETE, BROKER_PUBLISH_COMPLETE; API_*: the
                                        call's sequence number (1, 2, ...), the same in its
                                        API_CALL and API_REPLY */
    uint64_t number;                 /* CONN_CLOSED: code; DISCONNECT: code;
                                        SET_MAX_FRAME_SIZE: bytes; BROKER_*: offset;
                                        AUTH_COMPLETE: decision; CONN_OPEN: encoding;
                                        API_REPLY: error_code; SET_READY: 1 ready, 0 not */
    notify_status status;            /* BROKER_PUBLISH_COMPLETE, API_REPLY, METRIC_REGISTER */
} notify_fakehost_call;

size_t notify_fakehost_call_count(const notify_fakehost *host);
/* NULL when index >= count. */
const notify_fakehost_call *notify_fakehost_call_at(const notify_fakehost *host, size_t index);
/* How many recorded calls have `kind`. */
size_t notify_fakehost_count_of(const notify_fakehost *host, notify_fakehost_call_kind kind);
/* Waits until at least `count` calls of `kind` are recorded (calls made from plugin threads);
 * false after timeout_ms. */
bool notify_fakehost_wait_for(notify_fakehost *host, notify_fakehost_call_kind kind,
                              size_t count, int timeout_ms);

#ifdef __cplusplus
}
#endif

#endif /* NOTIFY_FAKEHOST_H */
