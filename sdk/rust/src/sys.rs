//! Hand-written bindings to `include/notify/notify.h` (ABI 1.7).
//!
//! Rules followed here (and checked by `tests/layout.rs` against the C compiler's view):
//! - every struct is `#[repr(C)]` with the header's members in the header's order;
//! - nullable function pointers are `Option<unsafe extern "C" fn(..)>` (NULL is `None`);
//! - C enums are integer type aliases plus constants, never Rust enums: a value the host sends
//!   that this crate does not know must not be undefined behaviour.
//!
//! Structs filled by the other side may be *smaller* than these definitions (an older host):
//! read members newer than ABI 1.0 only after checking `size` (see [`has_field`]).
#![allow(non_camel_case_types)]

use core::ffi::{c_char, c_void};

pub const NOTIFY_ABI_MAJOR: u16 = 1;
pub const NOTIFY_ABI_MINOR: u16 = 7;
pub const NOTIFY_PLUGIN_ENTRY_NAME: &str = "notify_plugin_entry_v1";

// ---- status codes -------------------------------------------------------------------------

pub type notify_status = i32;
pub const NOTIFY_OK: notify_status = 0;
pub const NOTIFY_PENDING: notify_status = 1;
pub const NOTIFY_ERR_INVALID_ARGUMENT: notify_status = -1;
pub const NOTIFY_ERR_NOT_FOUND: notify_status = -2;
pub const NOTIFY_ERR_WRONG_TYPE: notify_status = -3;
pub const NOTIFY_ERR_UNSUPPORTED: notify_status = -4;
pub const NOTIFY_ERR_LIMIT: notify_status = -5;
pub const NOTIFY_ERR_DENIED: notify_status = -6;
pub const NOTIFY_ERR_IO: notify_status = -7;
pub const NOTIFY_ERR_INTERNAL: notify_status = -8;
pub const NOTIFY_ERR_CLOSED: notify_status = -9;

pub const NOTIFY_ERROR_MESSAGE_MAX: usize = 512;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct notify_error {
    pub message: [c_char; NOTIFY_ERROR_MESSAGE_MAX],
}

// ---- views, owned buffers, frames ---------------------------------------------------------

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct notify_str {
    pub data: *const c_char,
    pub len: usize,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct notify_bytes {
    pub data: *const u8,
    pub len: usize,
}

#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct notify_owned_bytes {
    pub data: *mut u8,
    pub len: usize,
    pub release: Option<unsafe extern "C" fn(release_ctx: *mut c_void, data: *mut u8)>,
    pub release_ctx: *mut c_void,
}

pub type notify_encoding = u32;
pub const NOTIFY_ENCODING_JSON: notify_encoding = 0;
pub const NOTIFY_ENCODING_BINARY: notify_encoding = 1;

/// Opaque, host-refcounted frame.
#[repr(C)]
pub struct notify_frame {
    _opaque: [u8; 0],
}
/// Opaque handle naming a plugin instance to the host.
#[repr(C)]
pub struct notify_host_ctx {
    _opaque: [u8; 0],
}
/// Opaque view of an instance's manifest table.
#[repr(C)]
pub struct notify_config {
    _opaque: [u8; 0],
}

// ---- configuration schema -----------------------------------------------------------------

pub type notify_config_type = u32;
pub const NOTIFY_CONFIG_STRING: notify_config_type = 1;
pub const NOTIFY_CONFIG_INT: notify_config_type = 2;
pub const NOTIFY_CONFIG_BOOL: notify_config_type = 3;
pub const NOTIFY_CONFIG_DOUBLE: notify_config_type = 4;
pub const NOTIFY_CONFIG_STRING_ARRAY: notify_config_type = 5;
pub const NOTIFY_CONFIG_PATH: notify_config_type = 6;
pub const NOTIFY_CONFIG_DURATION: notify_config_type = 7;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct notify_config_key {
    pub name: *const c_char,
    pub type_: notify_config_type,
    pub doc: *const c_char,
}

// ---- kinds, close codes -------------------------------------------------------------------

pub const NOTIFY_KIND_TRANSPORT: u32 = 1 << 0;
pub const NOTIFY_KIND_AUTH: u32 = 1 << 1;
pub const NOTIFY_KIND_BROKER: u32 = 1 << 2;
pub const NOTIFY_KIND_HANDLER: u32 = 1 << 3;

pub const NOTIFY_CLOSE_NORMAL: u16 = 1000;
pub const NOTIFY_CLOSE_GOING_AWAY: u16 = 1001;
pub const NOTIFY_CLOSE_PROTOCOL_ERROR: u16 = 1002;
pub const NOTIFY_CLOSE_ABNORMAL: u16 = 1006;
pub const NOTIFY_CLOSE_INVALID_DATA: u16 = 1007;
pub const NOTIFY_CLOSE_POLICY: u16 = 1008;
pub const NOTIFY_CLOSE_TOO_BIG: u16 = 1009;
pub const NOTIFY_CLOSE_SLOW_CONSUMER: u16 = 4001;
pub const NOTIFY_CLOSE_REPLACED: u16 = 4002;
pub const NOTIFY_CLOSE_DISCONNECTED: u16 = 4003;
pub const NOTIFY_CLOSE_UNAUTHORIZED: u16 = 4004;
pub const NOTIFY_CLOSE_EXPIRED: u16 = 4005;
pub const NOTIFY_CLOSE_TOKEN_EXPIRED: u16 = 4006;

// ---- transport ----------------------------------------------------------------------------

/// ABI 1.7: one header of the HTTP request that opened a connection. An array element, so it
/// never grows (no `size` member). `name` is lowercased; `value` as received, surrounding
/// whitespace removed. OWNERSHIP: BORROWED.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct notify_header {
    pub name: notify_str,
    pub value: notify_str,
}

/// ABI 1.7: what the host keeps of a connection's headers (`host->keep_headers`): at most this
/// many headers and [`NOTIFY_MAX_KEPT_HEADER_BYTES`] bytes of names and values together; the
/// rest are not kept.
pub const NOTIFY_MAX_KEPT_HEADERS: usize = 32;
pub const NOTIFY_MAX_KEPT_HEADER_BYTES: usize = 8192;

/// What a transport tells the host about a new connection. OWNERSHIP: BORROWED (the host
/// copies what it keeps).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct notify_conn_info {
    pub size: u32,
    pub remote_address: notify_str,
    pub encoding: notify_encoding,
    /// ABI 1.7 from here on (an older transport's struct ends above): every header of the
    /// HTTP request that opened the connection, in the order received, a repeated header once
    /// per occurrence; NULL and 0 for transports without one (tcp, udp).
    pub headers: *const notify_header,
    pub header_count: usize,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct notify_transport_vtable {
    pub size: u32,
    pub deliver: Option<
        unsafe extern "C" fn(
            instance: *mut c_void,
            frame: *const notify_frame,
            conns: *const u64,
            count: usize,
        ),
    >,
    pub close: Option<
        unsafe extern "C" fn(instance: *mut c_void, conn: u64, code: u16, reason: notify_str),
    >,
}

// ---- auth ---------------------------------------------------------------------------------

pub type notify_auth_decision = u32;
pub const NOTIFY_AUTH_ALLOW: notify_auth_decision = 0;
pub const NOTIFY_AUTH_DENY: notify_auth_decision = 1;
pub const NOTIFY_AUTH_DEFER: notify_auth_decision = 2;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct notify_auth_request {
    pub size: u32,
    pub request_id: u64,
    pub token: notify_str,
    pub client_id: notify_str,
    pub user_id: notify_str,
    pub remote_address: notify_str,
    pub transport: notify_str,
    /// ABI 1.4.
    pub purpose: u32,
    /// ABI 1.7 from here on: the connection's kept headers (`host->keep_headers`: the names
    /// every plugin asked for, so filter by your own list), NULL and 0 when none.
    pub headers: *const notify_header,
    pub header_count: usize,
}

pub const NOTIFY_AUTH_PURPOSE_CONNECT: u32 = 0;
pub const NOTIFY_AUTH_PURPOSE_REFRESH: u32 = 1;

pub const NOTIFY_AUTH_ERROR_DEFAULT: u32 = 0;
pub const NOTIFY_AUTH_ERROR_UNAUTHORIZED: u32 = 101;
pub const NOTIFY_AUTH_ERROR_PERMISSION_DENIED: u32 = 104;
pub const NOTIFY_AUTH_ERROR_TOKEN_EXPIRED: u32 = 111;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct notify_auth_result {
    pub size: u32,
    pub decision: notify_auth_decision,
    pub client_id: notify_str,
    pub user_id: notify_str,
    pub reason: notify_str,
    /// ABI 1.4 from here on.
    pub error_code: u32,
    pub expires_at_ms: i64,
    pub info: notify_str,
    pub topics: *const notify_str,
    pub topic_count: usize,
    /// ABI 1.7 from here on (the host presets and zeroes these too). ALLOW of a publish with
    /// `replace_data`: publish `data` instead of what the client sent (empty is allowed).
    pub data: notify_bytes,
    pub replace_data: bool,
    /// DENY: after the error reply, close the connection with this code (4000-4999) and
    /// `reason`; 0 = keep it open (a denied connect is always closed).
    pub close_code: u16,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct notify_authz_request {
    pub size: u32,
    pub request_id: u64,
    pub client_id: notify_str,
    pub user_id: notify_str,
    pub topic: notify_str,
    /// ABI 1.4 from here on.
    pub token: notify_str,
    pub flags: u32,
    /// ABI 1.7 from here on: the transport instance's name.
    pub transport: notify_str,
    /// As `notify_auth_request.remote_address`.
    pub remote_address: notify_str,
    /// The connection's kept headers, as `notify_auth_request.headers`.
    pub headers: *const notify_header,
    pub header_count: usize,
    /// A publish's payload as the client sent it (empty for a subscribe); an ALLOW may replace
    /// it (`notify_auth_result.replace_data`).
    pub data: notify_bytes,
}

pub const NOTIFY_AUTHZ_TOKEN_REQUIRED: u32 = 1 << 0;

pub type notify_authenticate_fn = unsafe extern "C" fn(
    instance: *mut c_void,
    request: *const notify_auth_request,
    result: *mut notify_auth_result,
    err: *mut notify_error,
) -> notify_status;
pub type notify_authorize_fn = unsafe extern "C" fn(
    instance: *mut c_void,
    request: *const notify_authz_request,
    result: *mut notify_auth_result,
    err: *mut notify_error,
) -> notify_status;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct notify_auth_vtable {
    pub size: u32,
    pub authenticate: Option<notify_authenticate_fn>,
    pub authorize_subscribe: Option<notify_authorize_fn>,
    pub authorize_publish: Option<notify_authorize_fn>,
}

// ---- broker -------------------------------------------------------------------------------

pub const NOTIFY_BROKER_CAP_HISTORY: u32 = 1 << 0;
pub const NOTIFY_BROKER_CAP_DURABLE: u32 = 1 << 1;
pub const NOTIFY_BROKER_CAP_CLUSTER: u32 = 1 << 2;
pub const NOTIFY_BROKER_CAP_DURABLE_SUBSCRIPTIONS: u32 = 1 << 3;
pub const NOTIFY_BROKER_CAP_PRESENCE: u32 = 1 << 4;

pub const NOTIFY_DELIVERY_AT_MOST_ONCE: u32 = 0;
pub const NOTIFY_DELIVERY_AT_LEAST_ONCE: u32 = 1;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct notify_history_options {
    pub size: u32,
    pub history_size: u64,
    pub history_ttl_ms: u64,
    /// ABI 1.1.
    pub delivery: u32,
    /// ABI 1.2.
    pub history_meta_ttl_ms: u64,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct notify_broker_publish {
    pub size: u32,
    pub request_id: u64,
    pub topic: notify_str,
    pub payload: notify_bytes,
    pub time_ms: i64,
    pub history: *const notify_history_options,
    /// ABI 1.3.
    pub publish_key: notify_str,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct notify_stream_position {
    pub size: u32,
    pub offset: u64,
    pub epoch: notify_str,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct notify_history_request {
    pub size: u32,
    pub topic: notify_str,
    pub since_offset: u64,
    pub limit: u64,
    pub history: *const notify_history_options,
}

pub type notify_history_sink = Option<
    unsafe extern "C" fn(
        sink_ctx: *mut c_void,
        offset: u64,
        time_ms: i64,
        payload: notify_bytes,
    ) -> bool,
>;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct notify_durable_subscription {
    pub size: u32,
    pub client_id: notify_str,
    pub user_id: notify_str,
    pub resume_token: notify_str,
    pub topic: notify_str,
    pub acked_offset: u64,
}

pub type notify_subscription_sink = Option<
    unsafe extern "C" fn(
        sink_ctx: *mut c_void,
        subscription: *const notify_durable_subscription,
    ) -> bool,
>;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct notify_presence_entry {
    pub size: u32,
    pub client_id: notify_str,
    pub user_id: notify_str,
    pub info: notify_str,
}

pub type notify_presence_sink = Option<
    unsafe extern "C" fn(sink_ctx: *mut c_void, entry: *const notify_presence_entry) -> bool,
>;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct notify_presence_stats {
    pub size: u32,
    pub clients: u64,
    pub users: u64,
}

pub type notify_interest_kind = u32;
pub const NOTIFY_INTEREST_TOPIC: notify_interest_kind = 1;
pub const NOTIFY_INTEREST_CLIENT: notify_interest_kind = 2;
pub const NOTIFY_INTEREST_USER: notify_interest_kind = 3;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct notify_bus_message {
    pub size: u32,
    pub topic: notify_str,
    pub offset: u64,
    pub epoch: notify_str,
    pub clients: *const notify_str,
    pub client_count: usize,
    pub users: *const notify_str,
    pub user_count: usize,
    pub payload: notify_bytes,
    pub time_ms: i64,
    pub publish_key: notify_str,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct notify_broker_direct {
    pub size: u32,
    pub clients: *const notify_str,
    pub client_count: usize,
    pub users: *const notify_str,
    pub user_count: usize,
    pub payload: notify_bytes,
    pub time_ms: i64,
    pub publish_key: notify_str,
}

pub type notify_cluster_command_type = u32;
pub const NOTIFY_COMMAND_SUBSCRIBE: notify_cluster_command_type = 1;
pub const NOTIFY_COMMAND_UNSUBSCRIBE: notify_cluster_command_type = 2;
pub const NOTIFY_COMMAND_DISCONNECT: notify_cluster_command_type = 3;
pub const NOTIFY_COMMAND_CLIENT_CONNECTED: notify_cluster_command_type = 4;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct notify_cluster_command {
    pub size: u32,
    pub type_: u32,
    pub target: u32,
    pub id: notify_str,
    pub topic: notify_str,
    pub code: u16,
    pub reason: notify_str,
    pub time_ms: i64,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct notify_node_info {
    pub size: u32,
    pub id: notify_str,
    pub name: notify_str,
    pub urls: notify_str,
    pub version: notify_str,
    pub connections: u64,
    pub clients: u64,
    pub users: u64,
    pub topics: u64,
    pub subscriptions: u64,
    pub cpu: f64,
    pub uptime_ms: i64,
    pub app_id: notify_str,
}

pub type notify_cluster_view_kind = u32;
pub const NOTIFY_CLUSTER_VIEW_NODES: notify_cluster_view_kind = 1;
pub const NOTIFY_CLUSTER_VIEW_HANDOUT: notify_cluster_view_kind = 2;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct notify_broker_vtable {
    pub size: u32,
    pub capabilities: u32,
    pub publish: Option<
        unsafe extern "C" fn(
            instance: *mut c_void,
            publish: *const notify_broker_publish,
            position: *mut notify_stream_position,
            err: *mut notify_error,
        ) -> notify_status,
    >,
    pub history_read: Option<
        unsafe extern "C" fn(
            instance: *mut c_void,
            request: *const notify_history_request,
            sink: notify_history_sink,
            sink_ctx: *mut c_void,
            current: *mut notify_stream_position,
            err: *mut notify_error,
        ) -> notify_status,
    >,
    /// ABI 1.2.
    pub subscription_save: Option<
        unsafe extern "C" fn(
            instance: *mut c_void,
            subscription: *const notify_durable_subscription,
            err: *mut notify_error,
        ) -> notify_status,
    >,
    pub subscription_remove: Option<
        unsafe extern "C" fn(
            instance: *mut c_void,
            client_id: notify_str,
            topic: notify_str,
            err: *mut notify_error,
        ) -> notify_status,
    >,
    pub subscriptions_load: Option<
        unsafe extern "C" fn(
            instance: *mut c_void,
            sink: notify_subscription_sink,
            sink_ctx: *mut c_void,
            err: *mut notify_error,
        ) -> notify_status,
    >,
    /// ABI 1.3.
    pub interest: Option<
        unsafe extern "C" fn(
            instance: *mut c_void,
            kind: u32,
            name: notify_str,
            up: bool,
            err: *mut notify_error,
        ) -> notify_status,
    >,
    pub publish_direct: Option<
        unsafe extern "C" fn(
            instance: *mut c_void,
            direct: *const notify_broker_direct,
            err: *mut notify_error,
        ) -> notify_status,
    >,
    pub send_command: Option<
        unsafe extern "C" fn(
            instance: *mut c_void,
            command: *const notify_cluster_command,
            err: *mut notify_error,
        ) -> notify_status,
    >,
    /// ABI 1.4.
    pub presence_add: Option<
        unsafe extern "C" fn(
            instance: *mut c_void,
            topic: notify_str,
            entry: *const notify_presence_entry,
            err: *mut notify_error,
        ) -> notify_status,
    >,
    pub presence_remove: Option<
        unsafe extern "C" fn(
            instance: *mut c_void,
            topic: notify_str,
            client_id: notify_str,
            err: *mut notify_error,
        ) -> notify_status,
    >,
    pub presence_read: Option<
        unsafe extern "C" fn(
            instance: *mut c_void,
            topic: notify_str,
            sink: notify_presence_sink,
            sink_ctx: *mut c_void,
            err: *mut notify_error,
        ) -> notify_status,
    >,
    pub presence_stats: Option<
        unsafe extern "C" fn(
            instance: *mut c_void,
            topic: notify_str,
            stats: *mut notify_presence_stats,
            err: *mut notify_error,
        ) -> notify_status,
    >,
    /// ABI 1.5 (NULL = unsupported).
    pub history_remove: Option<
        unsafe extern "C" fn(
            instance: *mut c_void,
            topic: notify_str,
            err: *mut notify_error,
        ) -> notify_status,
    >,
}

// ---- handler ------------------------------------------------------------------------------

pub type notify_event_type = u32;
pub const NOTIFY_EVENT_CONNECT: notify_event_type = 1;
pub const NOTIFY_EVENT_RECONNECT: notify_event_type = 2;
pub const NOTIFY_EVENT_DISCONNECT: notify_event_type = 3;
pub const NOTIFY_EVENT_INACTIVATE: notify_event_type = 4;
pub const NOTIFY_EVENT_SUBSCRIBE: notify_event_type = 5;
pub const NOTIFY_EVENT_UNSUBSCRIBE: notify_event_type = 6;
pub const NOTIFY_EVENT_PUBLISH: notify_event_type = 7;
pub const NOTIFY_EVENT_CHANGE: notify_event_type = 8;
pub const NOTIFY_EVENT_DATA: notify_event_type = 9;

/// `NOTIFY_EVENT_BIT(type)`.
pub const fn notify_event_bit(event_type: notify_event_type) -> u32 {
    1u32 << event_type
}

pub type notify_change_subject = u32;
pub const NOTIFY_CHANGE_TOPIC: notify_change_subject = 1;
pub const NOTIFY_CHANGE_CLIENT: notify_change_subject = 2;
pub const NOTIFY_CHANGE_USER: notify_change_subject = 3;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct notify_event {
    pub size: u32,
    pub type_: notify_event_type,
    pub time_ms: i64,
    pub client_id: notify_str,
    pub user_id: notify_str,
    pub topic: notify_str,
    pub data: notify_bytes,
    pub offset: u64,
    pub epoch: notify_str,
    pub change_subject: notify_change_subject,
    pub change_up: bool,
    /// ABI 1.4.
    pub client_info: notify_str,
    /// ABI 1.5 from here on (INACTIVATE, DISCONNECT).
    pub close_code: u16,
    pub reason: notify_str,
}

/// ABI 1.5: the words of `notify_event.reason` (an unknown word reads like "closed").
pub const NOTIFY_REASON_CLOSED: &str = "closed";
pub const NOTIFY_REASON_SLOW: &str = "slow";
pub const NOTIFY_REASON_EXPIRED: &str = "expired";
pub const NOTIFY_REASON_KICKED: &str = "kicked";
pub const NOTIFY_REASON_MOVED: &str = "moved";
pub const NOTIFY_REASON_SHUTDOWN: &str = "shutdown";
pub const NOTIFY_REASON_ERROR: &str = "error";

#[repr(C)]
#[derive(Clone, Copy)]
pub struct notify_handler_vtable {
    pub size: u32,
    pub event_mask: u32,
    pub on_event: Option<unsafe extern "C" fn(instance: *mut c_void, event: *const notify_event)>,
}

// ---- the host table -----------------------------------------------------------------------

pub type notify_log_level = u32;
pub const NOTIFY_LOG_DEBUG: notify_log_level = 0;
pub const NOTIFY_LOG_INFO: notify_log_level = 1;
pub const NOTIFY_LOG_WARN: notify_log_level = 2;
pub const NOTIFY_LOG_ERROR: notify_log_level = 3;

pub type notify_target_kind = u32;
pub const NOTIFY_TARGET_CLIENT: notify_target_kind = 1;
pub const NOTIFY_TARGET_USER: notify_target_kind = 2;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct notify_publish_request {
    pub size: u32,
    pub topics: *const notify_str,
    pub topic_count: usize,
    pub clients: *const notify_str,
    pub client_count: usize,
    pub users: *const notify_str,
    pub user_count: usize,
    pub payload: notify_bytes,
}

/// ABI 1.5: a request to the server API (`host->api_call`). BORROWED: the host copies it
/// before `api_call` returns.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct notify_api_request {
    pub size: u32,
    pub method: notify_str,
    /// One JSON object (UTF-8); empty means `{}`.
    pub params: notify_bytes,
    /// The front end's id for the request (host logs); may be empty.
    pub request_id: notify_str,
}

/// ABI 1.5: the answer to one `api_call`, BORROWED for the duration of the callback.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct notify_api_reply {
    pub size: u32,
    pub status: notify_status,
    pub error_code: u32,
    pub error_message: notify_str,
    pub result: notify_bytes,
}

/// ABI 1.5: receives the answer of an `api_call` exactly once, on a host thread; must not block.
pub type notify_api_callback =
    Option<unsafe extern "C" fn(user_data: *mut c_void, reply: *const notify_api_reply)>;

// ---- ABI 1.6: metrics, health and logs ----------------------------------------------------

pub type notify_metric_kind = u32;
pub const NOTIFY_METRIC_COUNTER: notify_metric_kind = 1;
pub const NOTIFY_METRIC_GAUGE: notify_metric_kind = 2;
pub const NOTIFY_METRIC_HISTOGRAM: notify_metric_kind = 3;

/// ABI 1.6: one series of a metric family, for `host->metric_register`. BORROWED: the host
/// copies it.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct notify_metric_desc {
    pub size: u32,
    /// A `notify_metric_kind`.
    pub kind: u32,
    pub name: notify_str,
    pub help: notify_str,
    /// May be NULL when `label_count` is 0.
    pub label_names: *const notify_str,
    pub label_values: *const notify_str,
    pub label_count: usize,
    /// Histograms: finite upper bounds, strictly ascending; NULL = the default latency buckets.
    pub buckets: *const f64,
    pub bucket_count: usize,
}

/// ABI 1.6: a registered series. HOST-owned, valid until the process exits.
#[repr(C)]
pub struct notify_metric {
    _opaque: [u8; 0],
}

pub type notify_stats_view_kind = u32;
pub const NOTIFY_STATS_PROMETHEUS: notify_stats_view_kind = 1;
pub const NOTIFY_STATS_JSON: notify_stats_view_kind = 2;
pub const NOTIFY_STATS_HEALTH: notify_stats_view_kind = 3;
pub const NOTIFY_STATS_RECENT_LOGS: notify_stats_view_kind = 4;

type Cfg = *const notify_config;
type Ctx = *mut notify_host_ctx;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct notify_host_api {
    pub size: u32,
    pub abi_major: u16,
    pub abi_minor: u16,
    // 1.0: logging
    pub log: Option<unsafe extern "C" fn(ctx: Ctx, level: notify_log_level, message: notify_str)>,
    // 1.0: configuration
    pub config_get_string: Option<
        unsafe extern "C" fn(cfg: Cfg, key: *const c_char, out: *mut notify_str) -> notify_status,
    >,
    pub config_get_int:
        Option<unsafe extern "C" fn(cfg: Cfg, key: *const c_char, out: *mut i64) -> notify_status>,
    pub config_get_bool:
        Option<unsafe extern "C" fn(cfg: Cfg, key: *const c_char, out: *mut bool) -> notify_status>,
    pub config_get_double:
        Option<unsafe extern "C" fn(cfg: Cfg, key: *const c_char, out: *mut f64) -> notify_status>,
    pub config_get_array_size: Option<
        unsafe extern "C" fn(cfg: Cfg, key: *const c_char, out: *mut usize) -> notify_status,
    >,
    pub config_get_array_string: Option<
        unsafe extern "C" fn(
            cfg: Cfg,
            key: *const c_char,
            index: usize,
            out: *mut notify_str,
        ) -> notify_status,
    >,
    pub config_get_path: Option<
        unsafe extern "C" fn(cfg: Cfg, key: *const c_char, out: *mut notify_str) -> notify_status,
    >,
    pub config_get_duration_ms:
        Option<unsafe extern "C" fn(cfg: Cfg, key: *const c_char, out: *mut i64) -> notify_status>,
    // 1.0: frames
    pub frame_retain: Option<unsafe extern "C" fn(frame: *const notify_frame)>,
    pub frame_release: Option<unsafe extern "C" fn(frame: *const notify_frame)>,
    pub frame_bytes: Option<
        unsafe extern "C" fn(frame: *const notify_frame, encoding: notify_encoding) -> notify_bytes,
    >,
    // 1.0: transports report connections
    pub conn_open: Option<
        unsafe extern "C" fn(ctx: Ctx, conn: u64, info: *const notify_conn_info) -> notify_status,
    >,
    pub conn_receive: Option<unsafe extern "C" fn(ctx: Ctx, conn: u64, data: notify_bytes)>,
    pub conn_receive_owned:
        Option<unsafe extern "C" fn(ctx: Ctx, conn: u64, data: notify_owned_bytes)>,
    pub conn_closed: Option<unsafe extern "C" fn(ctx: Ctx, conn: u64, code: u16)>,
    // 1.0: answers to NOTIFY_PENDING
    pub auth_complete:
        Option<unsafe extern "C" fn(ctx: Ctx, request_id: u64, result: *const notify_auth_result)>,
    pub broker_publish_complete: Option<
        unsafe extern "C" fn(
            ctx: Ctx,
            request_id: u64,
            status: notify_status,
            position: *const notify_stream_position,
            error_message: notify_str,
        ),
    >,
    // 1.0: acting on the model
    pub publish: Option<
        unsafe extern "C" fn(ctx: Ctx, request: *const notify_publish_request) -> notify_status,
    >,
    pub subscribe: Option<
        unsafe extern "C" fn(
            ctx: Ctx,
            kind: notify_target_kind,
            id: notify_str,
            topic: notify_str,
        ) -> notify_status,
    >,
    pub unsubscribe: Option<
        unsafe extern "C" fn(
            ctx: Ctx,
            kind: notify_target_kind,
            id: notify_str,
            topic: notify_str,
        ) -> notify_status,
    >,
    pub disconnect: Option<
        unsafe extern "C" fn(
            ctx: Ctx,
            kind: notify_target_kind,
            id: notify_str,
            code: u16,
            reason: notify_str,
        ) -> notify_status,
    >,
    pub now_ms: Option<unsafe extern "C" fn(ctx: Ctx) -> i64>,
    // 1.2
    pub set_max_frame_size:
        Option<unsafe extern "C" fn(ctx: Ctx, max_frame_bytes: u64) -> notify_status>,
    // 1.3
    pub broker_message: Option<unsafe extern "C" fn(ctx: Ctx, message: *const notify_bus_message)>,
    pub broker_command:
        Option<unsafe extern "C" fn(ctx: Ctx, command: *const notify_cluster_command)>,
    pub broker_stream_lost: Option<
        unsafe extern "C" fn(
            ctx: Ctx,
            topic: notify_str,
            current: *const notify_stream_position,
            reason: notify_str,
        ),
    >,
    pub node_info: Option<unsafe extern "C" fn(ctx: Ctx, out: *mut notify_node_info)>,
    pub cluster_node_seen:
        Option<unsafe extern "C" fn(ctx: Ctx, node: *const notify_node_info, ttl_ms: i64)>,
    pub cluster_view: Option<
        unsafe extern "C" fn(ctx: Ctx, kind: u32, out: *mut notify_owned_bytes) -> notify_status,
    >,
    // 1.5: the server API
    pub api_call: Option<
        unsafe extern "C" fn(
            ctx: Ctx,
            request: *const notify_api_request,
            done: notify_api_callback,
            user_data: *mut c_void,
        ) -> notify_status,
    >,
    // 1.6: operations (metrics, health, logs)
    pub metric_register: Option<
        unsafe extern "C" fn(
            ctx: Ctx,
            desc: *const notify_metric_desc,
            out: *mut *mut notify_metric,
        ) -> notify_status,
    >,
    pub metric_add: Option<unsafe extern "C" fn(metric: *mut notify_metric, value: f64)>,
    pub metric_set: Option<unsafe extern "C" fn(metric: *mut notify_metric, value: f64)>,
    pub metric_observe: Option<unsafe extern "C" fn(metric: *mut notify_metric, value: f64)>,
    pub stats_view: Option<
        unsafe extern "C" fn(ctx: Ctx, kind: u32, out: *mut notify_owned_bytes) -> notify_status,
    >,
    pub set_ready: Option<unsafe extern "C" fn(ctx: Ctx, ready: bool, reason: notify_str)>,
    pub log_enabled: Option<unsafe extern "C" fn(ctx: Ctx, level: notify_log_level) -> bool>,
    // 1.7: what auth plugins see of a connection (main thread, in create())
    pub keep_headers: Option<
        unsafe extern "C" fn(ctx: Ctx, names: *const notify_str, count: usize) -> notify_status,
    >,
}

// ---- the descriptor -----------------------------------------------------------------------

pub type notify_create_fn = unsafe extern "C" fn(
    host: *const notify_host_api,
    ctx: *mut notify_host_ctx,
    config: *const notify_config,
    instance: *mut *mut c_void,
    err: *mut notify_error,
) -> notify_status;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct notify_plugin_descriptor {
    pub size: u32,
    pub abi_major: u16,
    pub abi_minor: u16,
    pub name: *const c_char,
    pub version: *const c_char,
    pub description: *const c_char,
    pub kinds: u32,
    pub config_keys: *const notify_config_key,
    pub config_key_count: usize,
    pub create: Option<notify_create_fn>,
    pub start: Option<
        unsafe extern "C" fn(instance: *mut c_void, err: *mut notify_error) -> notify_status,
    >,
    pub stop: Option<unsafe extern "C" fn(instance: *mut c_void)>,
    pub destroy: Option<unsafe extern "C" fn(instance: *mut c_void)>,
    pub transport: *const notify_transport_vtable,
    pub auth: *const notify_auth_vtable,
    pub broker: *const notify_broker_vtable,
    pub handler: *const notify_handler_vtable,
    // 1.6: apply a changed manifest table live (NULL = a change needs a restart)
    pub reconfigure: Option<
        unsafe extern "C" fn(
            instance: *mut c_void,
            config: *const notify_config,
            err: *mut notify_error,
        ) -> notify_status,
    >,
}

pub type notify_plugin_entry_fn = Option<unsafe extern "C" fn() -> *const notify_plugin_descriptor>;

/// `NOTIFY_HAS_FIELD`: true when a struct whose first member is `uint32_t size` (read as
/// `declared_size`) is large enough to contain the member ending at `field_end`
/// (`offset_of!(T, field) + size_of(field)`). Use it through [`field_end!`](crate::field_end).
#[inline]
pub const fn has_field(declared_size: u32, field_end: usize) -> bool {
    declared_size as usize >= field_end
}

/// The end of a member, `offset_of!(T, field) + size_of(field)`, for [`has_field`].
#[macro_export]
macro_rules! field_end {
    ($type:ty, $field:ident) => {{
        // A zero-sized probe: only the member's type is inspected, nothing is read.
        const fn member_size<T, F>(_: fn(&T) -> &F) -> usize {
            ::core::mem::size_of::<F>()
        }
        ::core::mem::offset_of!($type, $field) + member_size(|value: &$type| &value.$field)
    }};
}
