//! The host table (`notify_host_api`) behind size-checked, safe accessors.

use crate::api::{ApiDone, ApiReply, api_done};
use crate::cluster::{BusMessage, ClusterCommand, ClusterViewKind, NodeInfo};
use crate::error::Error;
use crate::sys::{self, notify_host_api, notify_host_ctx};
use crate::views::{bytes_view, no_owned_bytes, str_view, take_owned_text};

/// Reads member `$member` of the host table, or `None` when the host's table is too small to
/// contain it (an older host: `NOTIFY_HAS_FIELD`) or the member is NULL.
macro_rules! host_member {
    ($host:expr, $member:ident) => {{
        let api = $host.api;
        // SAFETY: `api` points to the host's table, valid until the process exits (HOST);
        // `size` is its first member and always present. The member itself is read through a
        // raw pointer only after `size` proves the host's table contains it, so a smaller
        // (older) table is never read past its end.
        unsafe {
            let declared_size = core::ptr::addr_of!((*api).size).read();
            if sys::has_field(declared_size, crate::field_end!(notify_host_api, $member)) {
                core::ptr::addr_of!((*api).$member).read()
            } else {
                None
            }
        }
    }};
}

pub(crate) use host_member;

/// Log levels of `host.log`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

impl LogLevel {
    pub(crate) fn raw(self) -> sys::notify_log_level {
        match self {
            LogLevel::Debug => sys::NOTIFY_LOG_DEBUG,
            LogLevel::Info => sys::NOTIFY_LOG_INFO,
            LogLevel::Warn => sys::NOTIFY_LOG_WARN,
            LogLevel::Error => sys::NOTIFY_LOG_ERROR,
        }
    }
}

/// Whom a subscribe, unsubscribe or disconnect names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Client,
    User,
}

impl Target {
    pub(crate) fn from_raw(raw: sys::notify_target_kind) -> Option<Target> {
        match raw {
            sys::NOTIFY_TARGET_CLIENT => Some(Target::Client),
            sys::NOTIFY_TARGET_USER => Some(Target::User),
            _ => None,
        }
    }
    pub(crate) fn raw(self) -> sys::notify_target_kind {
        match self {
            Target::Client => sys::NOTIFY_TARGET_CLIENT,
            Target::User => sys::NOTIFY_TARGET_USER,
        }
    }
}

/// Frame encodings of the client protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Json,
    Binary,
}

impl Encoding {
    pub(crate) fn raw(self) -> sys::notify_encoding {
        match self {
            Encoding::Json => sys::NOTIFY_ENCODING_JSON,
            Encoding::Binary => sys::NOTIFY_ENCODING_BINARY,
        }
    }
}

/// A publish from the plugin: any mix of topics, clients and users. Borrowed: the host copies
/// everything before [`Host::publish`] returns.
#[derive(Clone, Copy, Debug, Default)]
pub struct Publish<'a> {
    pub topics: &'a [&'a str],
    pub clients: &'a [&'a str],
    pub users: &'a [&'a str],
    pub payload: &'a [u8],
}

/// The host as seen by one plugin instance: its table and the instance's `ctx`.
///
/// `Copy`, `Send` and `Sync`: every host-table function is callable from any thread (ABI
/// THREADS).
///
/// # Invariant: no call after `destroy`
///
/// A `Host` is valid from `create` until the instance's `destroy` returns, and NOT after:
/// notify.h forbids any host call once `destroy` has returned (the `ctx` is dead). Being
/// `Copy`, a `Host` cannot check this itself, so the plugin upholds it: every copy of the
/// `Host` held outside the plugin value (by a thread, a timer, a callback) must make its last
/// call before the plugin value's `Drop` finishes; in practice, stop and join your threads in
/// [`Plugin::stop`](crate::Plugin::stop) or in `Drop`, and never hand a `Host` to a detached
/// thread. Calls made while the value is being dropped are still allowed.
///
/// The SDK's completion handles ([`AuthCompletion`](crate::AuthCompletion),
/// [`PublishCompletion`](crate::PublishCompletion)) are the exception that is checked: they
/// share a liveness flag with the instance, which `destroy` clears (waiting for a call in
/// flight) right after the plugin value is dropped, and a handle answered or dropped later
/// makes no host call. That guards only the handles, not a `Host` copied out of them or kept
/// elsewhere.
#[derive(Clone, Copy)]
pub struct Host {
    pub(crate) api: *const notify_host_api,
    pub(crate) ctx: *mut notify_host_ctx,
}

// SAFETY: the host table's functions are thread-safe ("callable from ANY thread", notify.h)
// and the table and ctx are HOST-owned and valid until the instance is destroyed; `Host` holds
// only these two pointers and never hands out references into host memory without a lifetime.
unsafe impl Send for Host {}
// SAFETY: as for Send: all access goes through the host's thread-safe functions.
unsafe impl Sync for Host {}

impl Host {
    /// Wraps the table and ctx given to `create`.
    ///
    /// # Safety
    /// `api` must point to a host table valid until the process exits and `ctx` be the ctx
    /// the host passed with it (or a fake host's equivalents).
    pub unsafe fn from_raw(api: *const notify_host_api, ctx: *mut notify_host_ctx) -> Host {
        Host { api, ctx }
    }

    /// The raw table and ctx, for members this crate does not wrap. Check `size` yourself
    /// (`notify_sdk::field_end!`) before reading a member newer than ABI 1.0.
    pub fn raw(&self) -> (*const notify_host_api, *mut notify_host_ctx) {
        (self.api, self.ctx)
    }

    /// The host's ABI version (major, minor).
    pub fn abi_version(&self) -> (u16, u16) {
        // SAFETY: `api` is a valid host table (type invariant); the version follows `size`,
        // inside every table of major 1.
        unsafe { ((*self.api).abi_major, (*self.api).abi_minor) }
    }

    /// Logs a line attributed to this instance.
    pub fn log(&self, level: LogLevel, message: &str) {
        if let Some(log) = host_member!(self, log) {
            // SAFETY: the host's log function with our ctx; the message view is BORROWED and
            // `message` outlives the call.
            unsafe { log(self.ctx, level.raw(), str_view(message)) }
        }
    }

    /// Milliseconds since the Unix epoch on the host's clock (tests may drive it).
    pub fn now_ms(&self) -> i64 {
        match host_member!(self, now_ms) {
            // SAFETY: the host's now_ms with our ctx.
            Some(now_ms) => unsafe { now_ms(self.ctx) },
            None => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|elapsed| elapsed.as_millis() as i64)
                .unwrap_or(0),
        }
    }

    /// Publishes `request`; queued and applied after the current event, in call order.
    pub fn publish(&self, request: &Publish<'_>) -> Result<(), Error> {
        let Some(publish) = host_member!(self, publish) else {
            return Err(Error::unsupported("host has no publish"));
        };
        let topics: Vec<sys::notify_str> = request.topics.iter().map(|t| str_view(t)).collect();
        let clients: Vec<sys::notify_str> = request.clients.iter().map(|c| str_view(c)).collect();
        let users: Vec<sys::notify_str> = request.users.iter().map(|u| str_view(u)).collect();
        let raw = sys::notify_publish_request {
            size: core::mem::size_of::<sys::notify_publish_request>() as u32,
            topics: topics.as_ptr(),
            topic_count: topics.len(),
            clients: clients.as_ptr(),
            client_count: clients.len(),
            users: users.as_ptr(),
            user_count: users.len(),
            payload: bytes_view(request.payload),
        };
        // SAFETY: the request and every view in it are BORROWED and live until the call
        // returns (the host copies before returning).
        Error::check(unsafe { publish(self.ctx, &raw) }, "publish")
    }

    /// Publishes `payload` to one topic.
    pub fn publish_to_topic(&self, topic: &str, payload: &[u8]) -> Result<(), Error> {
        self.publish(&Publish {
            topics: &[topic],
            payload,
            ..Publish::default()
        })
    }

    /// Subscribes a client or every client of a user to `topic`.
    pub fn subscribe(&self, target: Target, id: &str, topic: &str) -> Result<(), Error> {
        let Some(subscribe) = host_member!(self, subscribe) else {
            return Err(Error::unsupported("host has no subscribe"));
        };
        // SAFETY: views BORROWED for the call; `id` and `topic` outlive it.
        Error::check(
            unsafe { subscribe(self.ctx, target.raw(), str_view(id), str_view(topic)) },
            "subscribe",
        )
    }

    /// Unsubscribes a client or every client of a user from `topic`.
    pub fn unsubscribe(&self, target: Target, id: &str, topic: &str) -> Result<(), Error> {
        let Some(unsubscribe) = host_member!(self, unsubscribe) else {
            return Err(Error::unsupported("host has no unsubscribe"));
        };
        // SAFETY: views BORROWED for the call; `id` and `topic` outlive it.
        Error::check(
            unsafe { unsubscribe(self.ctx, target.raw(), str_view(id), str_view(topic)) },
            "unsubscribe",
        )
    }

    /// Disconnects a client (its session is invalidated) or every client of a user.
    pub fn disconnect(
        &self,
        target: Target,
        id: &str,
        code: u16,
        reason: &str,
    ) -> Result<(), Error> {
        let Some(disconnect) = host_member!(self, disconnect) else {
            return Err(Error::unsupported("host has no disconnect"));
        };
        // SAFETY: views BORROWED for the call; `id` and `reason` outlive it.
        Error::check(
            unsafe { disconnect(self.ctx, target.raw(), str_view(id), code, str_view(reason)) },
            "disconnect",
        )
    }

    /// ABI 1.2: declares the largest frame this transport can deliver. `None` when the host
    /// is older than 1.2.
    pub fn set_max_frame_size(&self, max_frame_bytes: u64) -> Option<Result<(), Error>> {
        let set_max_frame_size = host_member!(self, set_max_frame_size)?;
        // SAFETY: the host's function with our ctx; plain integer argument.
        Some(Error::check(
            unsafe { set_max_frame_size(self.ctx, max_frame_bytes) },
            "set_max_frame_size",
        ))
    }

    /// Transports: a connection was accepted (`NOTIFY_ERR_LIMIT`: refused by the host).
    /// Without headers: what tcp and udp transports say; see
    /// [`conn_open_with_headers`](Self::conn_open_with_headers).
    pub fn conn_open(
        &self,
        conn: u64,
        remote_address: &str,
        encoding: Encoding,
    ) -> Result<(), Error> {
        self.conn_open_with_headers(conn, remote_address, encoding, &[])
    }

    /// Transports, ABI 1.7: as [`conn_open`](Self::conn_open), with every header of the HTTP
    /// request that opened the connection (the WebSocket upgrade, the request that created
    /// an HTTP session) as `(name, value)` pairs: in the order received, a repeated header once
    /// per occurrence, names lowercased, values with surrounding whitespace removed. The host
    /// copies only the names some plugin asked for ([`keep_headers`](Self::keep_headers));
    /// a host older than 1.7 ignores them.
    pub fn conn_open_with_headers(
        &self,
        conn: u64,
        remote_address: &str,
        encoding: Encoding,
        headers: &[(&str, &[u8])],
    ) -> Result<(), Error> {
        let Some(conn_open) = host_member!(self, conn_open) else {
            return Err(Error::unsupported("host has no conn_open"));
        };
        let header_views: Vec<sys::notify_header> = headers
            .iter()
            .map(|(name, value)| sys::notify_header {
                name: str_view(name),
                value: sys::notify_str {
                    data: value.as_ptr().cast(),
                    len: value.len(),
                },
            })
            .collect();
        let info = sys::notify_conn_info {
            size: core::mem::size_of::<sys::notify_conn_info>() as u32,
            remote_address: str_view(remote_address),
            encoding: encoding.raw(),
            headers: if header_views.is_empty() {
                core::ptr::null()
            } else {
                header_views.as_ptr()
            },
            header_count: header_views.len(),
        };
        // SAFETY: `info`, the header array and every view are BORROWED for the call and
        // outlive it (the host copies what it keeps).
        Error::check(unsafe { conn_open(self.ctx, conn, &info) }, "conn_open")
    }

    /// ABI 1.7: keep these HTTP headers of every connection from now on and pass them to auth
    /// plugins ([`AuthRequest::headers`](crate::AuthRequest::headers),
    /// [`AuthzRequest::headers`](crate::AuthzRequest::headers)). Names match
    /// case-insensitively; the host keeps the union of every plugin's names (at most
    /// `sys::NOTIFY_MAX_KEPT_HEADERS` headers and `sys::NOTIFY_MAX_KEPT_HEADER_BYTES` bytes
    /// per connection), and nothing when no plugin asks.
    ///
    /// Call it from [`Plugin::create`](crate::Plugin::create) (main thread): later calls,
    /// a name that is not an HTTP token or is longer than 64 bytes, or more than 64 names in
    /// all fail with `NOTIFY_ERR_INVALID_ARGUMENT` (the host's log says which). A host older
    /// than 1.7 answers `Err` with `NOTIFY_ERR_UNSUPPORTED`: its auth plugins see no headers.
    pub fn keep_headers(&self, names: &[&str]) -> Result<(), Error> {
        let Some(keep_headers) = host_member!(self, keep_headers) else {
            return Err(Error::unsupported(
                "keep_headers: notifyd is older than ABI 1.7 (no connection headers)",
            ));
        };
        let views: Vec<sys::notify_str> = names.iter().map(|name| str_view(name)).collect();
        // SAFETY: the array and its views are BORROWED for the call and outlive it.
        Error::check(
            unsafe { keep_headers(self.ctx, views.as_ptr(), views.len()) },
            "keep_headers",
        )
    }

    /// Transports: one complete client frame (the host copies it).
    pub fn conn_receive(&self, conn: u64, data: &[u8]) {
        if let Some(conn_receive) = host_member!(self, conn_receive) {
            // SAFETY: `data` BORROWED for the call.
            unsafe { conn_receive(self.ctx, conn, bytes_view(data)) }
        }
    }

    /// Transports: the connection is gone; exactly once per opened connection.
    pub fn conn_closed(&self, conn: u64, code: u16) {
        if let Some(conn_closed) = host_member!(self, conn_closed) {
            // SAFETY: plain arguments, our ctx.
            unsafe { conn_closed(self.ctx, conn, code) }
        }
    }

    /// ABI 1.3: tells the host's subscribers of `topic` to recover (a broker lost messages).
    /// `None` when the host is older than 1.3.
    pub fn broker_stream_lost(&self, topic: &str, reason: &str) -> Option<()> {
        let stream_lost = host_member!(self, broker_stream_lost)?;
        // SAFETY: views BORROWED for the call; NULL `current` is allowed ("may be NULL").
        unsafe {
            stream_lost(
                self.ctx,
                str_view(topic),
                core::ptr::null(),
                str_view(reason),
            )
        };
        Some(())
    }

    /// ABI 1.3, CLUSTER brokers: a message from the bus for this node's connections (topic
    /// messages in offset order per topic, each once: fill gaps and drop duplicates first).
    /// Any thread. `None` when the host is older than 1.3.
    pub fn broker_message(&self, message: &BusMessage<'_>) -> Option<()> {
        let broker_message = host_member!(self, broker_message)?;
        let clients: Vec<sys::notify_str> = message.clients.iter().map(|c| str_view(c)).collect();
        let users: Vec<sys::notify_str> = message.users.iter().map(|u| str_view(u)).collect();
        let raw = sys::notify_bus_message {
            size: core::mem::size_of::<sys::notify_bus_message>() as u32,
            topic: str_view(message.topic),
            offset: message.offset,
            epoch: str_view(message.epoch),
            clients: clients.as_ptr(),
            client_count: clients.len(),
            users: users.as_ptr(),
            user_count: users.len(),
            payload: bytes_view(message.payload),
            time_ms: message.time_ms,
            publish_key: str_view(message.publish_key),
        };
        // SAFETY: `raw`, the arrays and every view in them are BORROWED and live until the
        // call returns (the host copies before returning).
        unsafe { broker_message(self.ctx, &raw) };
        Some(())
    }

    /// ABI 1.3, CLUSTER brokers: a command from another node. Any thread. `None` when the
    /// host is older than 1.3.
    pub fn broker_command(&self, command: &ClusterCommand<'_>) -> Option<()> {
        let broker_command = host_member!(self, broker_command)?;
        let raw = command.as_raw();
        // SAFETY: `raw` and the strings it views live until the call returns (BORROWED).
        unsafe { broker_command(self.ctx, &raw) };
        Some(())
    }

    /// ABI 1.3: this node as the broker announces it (a copy; counts are a snapshot
    /// refreshed about once a second). Any thread. `None` when the host is older than 1.3.
    pub fn node_info(&self) -> Option<NodeInfo> {
        let node_info = host_member!(self, node_info)?;
        // SAFETY: all-zero is a valid notify_node_info (integers, a double, NULL views).
        let mut raw: sys::notify_node_info = unsafe { core::mem::zeroed() };
        raw.size = core::mem::size_of::<sys::notify_node_info>() as u32;
        // SAFETY: `raw` is our writable storage of the declared size for the call.
        unsafe { node_info(self.ctx, &mut raw) };
        // SAFETY: the host's strings are HOST-owned, valid until the instance is destroyed;
        // they are copied now. A host that left members alone left them zero (empty).
        Some(unsafe { NodeInfo::from_raw(&raw) })
    }

    /// ABI 1.3, CLUSTER brokers: another node announced itself; the host forgets it `ttl_ms`
    /// after this call unless announced again. Any thread. `None` when the host is older.
    pub fn cluster_node_seen(&self, node: &NodeInfo, ttl_ms: i64) -> Option<()> {
        let cluster_node_seen = host_member!(self, cluster_node_seen)?;
        let raw = node.to_raw();
        // SAFETY: `raw` and the strings of `node` it views live until the call returns.
        unsafe { cluster_node_seen(self.ctx, &raw, ttl_ms) };
        Some(())
    }

    /// ABI 1.3: a view of the cluster as JSON (this node alone without a CLUSTER broker).
    /// Any thread. `None` when the host is older than 1.3.
    pub fn cluster_view(&self, kind: ClusterViewKind) -> Option<Result<String, Error>> {
        let cluster_view = host_member!(self, cluster_view)?;
        let mut out = no_owned_bytes();
        // SAFETY: `out` is our writable storage for the call; plain integer kind.
        let status = unsafe { cluster_view(self.ctx, kind.raw(), &mut out) };
        if status != sys::NOTIFY_OK {
            return Some(Err(Error::new(
                status,
                format!("cluster_view failed with status {status}"),
            )));
        }
        // SAFETY: on success `out` is OWNED by us and not released yet.
        Some(unsafe { take_owned_text(out, "cluster_view") })
    }

    /// ABI 1.5: runs one server API request (docs/api.md): `method` (`"publish"`,
    /// `"subscribe"`, `"history"`, `"batch"`, ...) with `params`, one JSON object ("" means
    /// `{}`), and `request_id`, the front end's id for the request, named in the host's logs
    /// ("" for none). The host validates strictly: an unknown method, an unknown field or a
    /// wrong type is an error reply naming it.
    ///
    /// - `Some(Ok(()))`: accepted. `done` is then called **once** with the answer, errors
    ///   included ([`ApiReply`]), from a host thread and never from inside `api_call` itself
    ///   (it may run before `api_call` has returned to you). Exception: a request still
    ///   unanswered when the host stops its core (after every plugin's `stop` returned) is
    ///   never answered; its `done` is then never called nor dropped (leaked).
    /// - `Some(Err(_))`: refused (`NOTIFY_ERR_CLOSED` while the host shuts down,
    ///   `NOTIFY_ERR_INVALID_ARGUMENT`); `done` is dropped without being called.
    /// - `None`: the host is older than ABI 1.5 (or has no `api_call`); `done` is dropped
    ///   without being called.
    ///
    /// # Threads
    ///
    /// Callable from any thread. `done` runs on the host's core thread or another host thread,
    /// possibly while your thread is still returning from `api_call`, so it is `Send` and must
    /// **not block**: hand the reply to your own thread (a channel, a queue your I/O loop
    /// polls). Requests from one thread start in call order. A panic in `done` is caught (the
    /// reply is dropped and a line goes to stderr) and never unwinds into the host.
    ///
    /// # Lifetime
    ///
    /// The boxed `done` is owned by the host until it runs. Like any host call, `api_call` is
    /// not allowed after `destroy`. A front end stops waiting in
    /// [`Plugin::stop`](crate::Plugin::stop): it stops making calls, may wait (bounded) for
    /// the answers it still expects, and then gives up on the rest. Some may still be answered
    /// after `stop` returned (until the host stops its core, before `destroy`), so `done` must
    /// only touch what it owns (the boxed closure keeps its captures alive); the others never
    /// run (so do not rely on a captured `Sender` being dropped to wake a waiter).
    ///
    /// ```no_run
    /// # fn demo(host: notify_sdk::Host) {
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// let accepted = host.api_call("publish", r#"{"topic":"chat","data":"hi"}"#, "req-1",
    ///     move |reply| { let _ = tx.send(reply); });
    /// if let Some(Ok(())) = accepted {
    ///     let reply = rx.recv().unwrap(); // on the plugin's own thread, never in `done`
    ///     println!("{} {}", reply.status, reply.result);
    /// }
    /// # }
    /// ```
    pub fn api_call<F>(
        &self,
        method: &str,
        params: &str,
        request_id: &str,
        done: F,
    ) -> Option<Result<(), Error>>
    where
        F: FnOnce(ApiReply) + Send + 'static,
    {
        let api_call = host_member!(self, api_call)?;
        let request = sys::notify_api_request {
            size: core::mem::size_of::<sys::notify_api_request>() as u32,
            method: str_view(method),
            params: bytes_view(params.as_bytes()),
            request_id: str_view(request_id),
        };
        let boxed: Box<ApiDone> = Box::new(Box::new(done));
        let user_data = Box::into_raw(boxed);
        // SAFETY: `request` and the strings it views are BORROWED and live until the call
        // returns (the host copies before returning). `user_data` is the leaked box that
        // `api_done` takes back exactly once when the host accepts the request.
        let status = unsafe { api_call(self.ctx, &request, Some(api_done), user_data.cast()) };
        if status != sys::NOTIFY_OK {
            // Refused: the host does not call `done`, so the box is still ours.
            // SAFETY: the pointer leaked above, not handed over (the call failed).
            drop(unsafe { Box::from_raw(user_data) });
            return Some(Err(Error::new(
                status,
                format!("api_call {method} failed with status {status}"),
            )));
        }
        Some(Ok(()))
    }
}

/// Logs through a [`Host`] with `format!` arguments:
/// `notify_sdk::log!(host, Info, "joined: {}", id)`.
#[macro_export]
macro_rules! log {
    ($host:expr, $level:ident, $($arg:tt)+) => {
        $crate::Host::log(&$host, $crate::LogLevel::$level, &::std::format!($($arg)+))
    };
}
