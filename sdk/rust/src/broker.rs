//! Broker plugins: order and store publishes (offset + epoch), serve history, and, per the
//! capabilities they declare, store durable subscriptions (ABI 1.2), carry messages between
//! nodes (1.3: [`BrokerDirect`](crate::BrokerDirect), [`ClusterCommand`](crate::ClusterCommand),
//! [`InterestKind`](crate::InterestKind)) and keep presence (1.4); and forget a topic's
//! history (1.5, [`Broker::history_remove`], wired when [`Broker::HISTORY_REMOVE`] is true).
//!
//! The vtable's `capabilities` is [`Broker::CAPABILITIES`], and each group of members is set
//! only when its capability is declared (NULL otherwise, as the ABI says): a broker gets
//! durable-subscription calls only with `NOTIFY_BROKER_CAP_DURABLE_SUBSCRIPTIONS`, cluster calls
//! only with `NOTIFY_BROKER_CAP_CLUSTER`, presence calls only with `NOTIFY_BROKER_CAP_PRESENCE`.
//! A declared capability whose methods keep their defaults fails closed: every call answers
//! `NOTIFY_ERR_UNSUPPORTED` (the host logs it; nothing is pretended to be stored or sent).

use crate::cluster::{BrokerDirect, ClusterCommand, InterestKind};
use crate::error::Error;
use crate::host::{Host, LogLevel};
use crate::plugin::{Liveness, Plugin};
use crate::sys::{
    self, notify_broker_publish, notify_durable_subscription, notify_history_options,
    notify_history_request, notify_presence_entry,
};
use crate::views::{bytes_from, str_of, str_view};
use core::cell::Cell;
use core::marker::PhantomData;

/// A topic stream's position: the message's offset and the stream's epoch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamPosition {
    pub offset: u64,
    pub epoch: String,
}

/// What `Broker::publish` returns.
#[derive(Debug)]
pub enum BrokerReply {
    Done(Result<StreamPosition, Error>),
    /// The publish's [`PublishCompletion`] (from `complete_later()`) answers later.
    Pending,
}

/// A namespace's history options (copied; zero for members an older host does not pass).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HistoryOptions {
    pub history_size: u64,
    pub history_ttl_ms: u64,
    /// `NOTIFY_DELIVERY_*`.
    pub delivery: u32,
    pub history_meta_ttl_ms: u64,
}

impl HistoryOptions {
    /// # Safety
    /// `raw` must be NULL or point to a host `notify_history_options` valid for the call.
    pub(crate) unsafe fn read(raw: *const notify_history_options) -> Self {
        // SAFETY: forwarded contract; read_sized copies at most `size` bytes.
        match unsafe { crate::__private::read_sized(raw) } {
            Some(options) => HistoryOptions {
                history_size: options.history_size,
                history_ttl_ms: options.history_ttl_ms,
                delivery: options.delivery,
                history_meta_ttl_ms: options.history_meta_ttl_ms,
            },
            None => HistoryOptions::default(),
        }
    }
}

/// A message to order and store, borrowed for the call.
pub struct BrokerPublish<'a> {
    raw: notify_broker_publish,
    history: HistoryOptions,
    host: Host,
    alive: Liveness,
    taken: Cell<bool>,
    _call: PhantomData<&'a notify_broker_publish>,
}

impl<'a> BrokerPublish<'a> {
    /// # Safety
    /// `raw` must be a copy of the host's publish whose views are valid for `'a`.
    pub(crate) unsafe fn from_raw(
        raw: notify_broker_publish,
        host: Host,
        alive: &Liveness,
    ) -> Self {
        // SAFETY: `history` is the host's pointer for this call.
        let history = unsafe { HistoryOptions::read(raw.history) };
        BrokerPublish {
            raw,
            history,
            host,
            alive: alive.clone(),
            taken: Cell::new(false),
            _call: PhantomData,
        }
    }
    pub(crate) fn completion_taken(&self) -> bool {
        self.taken.get()
    }
    pub fn request_id(&self) -> u64 {
        self.raw.request_id
    }
    pub fn topic(&self) -> &'a str {
        // SAFETY: views BORROWED for the call ('a).
        unsafe { str_of(self.raw.topic) }
    }
    /// The payload (copy it to keep it).
    pub fn payload(&self) -> &'a [u8] {
        // SAFETY: as topic.
        unsafe { bytes_from(self.raw.payload) }
    }
    pub fn time_ms(&self) -> i64 {
        self.raw.time_ms
    }
    pub fn history(&self) -> HistoryOptions {
        self.history
    }
    /// ABI 1.3: the publish key ("" from an older host).
    pub fn publish_key(&self) -> &'a str {
        if !sys::has_field(
            self.raw.size,
            crate::field_end!(notify_broker_publish, publish_key),
        ) {
            return "";
        }
        // SAFETY: member present; views BORROWED for the call.
        unsafe { str_of(self.raw.publish_key) }
    }
    /// Takes the completion handle (once) to answer from any thread; then return
    /// [`BrokerReply::Pending`].
    pub fn complete_later(&self) -> Option<PublishCompletion> {
        if self.taken.replace(true) {
            None
        } else {
            Some(PublishCompletion {
                host: self.host,
                alive: self.alive.clone(),
                request_id: self.raw.request_id,
                answered: false,
            })
        }
    }
}

/// The one answer to a pending broker publish, from any thread. Consumed by `complete`;
/// dropped unanswered it answers `NOTIFY_ERR_INTERNAL` (fail closed).
///
/// As [`AuthCompletion`](crate::AuthCompletion): answer (or drop) it before the instance is
/// dropped; once `destroy` has dropped the plugin value, `complete` and `Drop` make no host
/// call (no answer, no log).
#[must_use = "dropping a PublishCompletion fails the publish"]
pub struct PublishCompletion {
    host: Host,
    alive: Liveness,
    request_id: u64,
    answered: bool,
}

impl PublishCompletion {
    /// Answers the publish (nothing happens once the instance was destroyed).
    pub fn complete(mut self, result: Result<StreamPosition, Error>) {
        self.answered = true;
        self.alive.while_alive(|| self.send(&result));
    }

    /// The host call. Callers hold `alive`'s read lock (`while_alive`).
    fn send(&self, result: &Result<StreamPosition, Error>) {
        let (api, ctx) = self.host.raw();
        // SAFETY: the host table is valid until exit; broker_publish_complete is ABI 1.0.
        let Some(complete) = (unsafe { (*api).broker_publish_complete }) else {
            return;
        };
        match result {
            Ok(position) => {
                let raw = sys::notify_stream_position {
                    size: core::mem::size_of::<sys::notify_stream_position>() as u32,
                    offset: position.offset,
                    epoch: str_view(&position.epoch),
                };
                // SAFETY: `raw` and the epoch it views live until the call returns (BORROWED).
                unsafe { complete(ctx, self.request_id, sys::NOTIFY_OK, &raw, str_view("")) }
            }
            Err(error) => {
                // SAFETY: NULL position is allowed on failure; the message is BORROWED.
                unsafe {
                    complete(
                        ctx,
                        self.request_id,
                        error.status(),
                        core::ptr::null(),
                        str_view(error.message()),
                    )
                }
            }
        }
    }
}

impl Drop for PublishCompletion {
    fn drop(&mut self) {
        if self.answered {
            return;
        }
        self.answered = true;
        // One read lock for the log and the answer (a nested one could deadlock with destroy).
        self.alive.while_alive(|| {
            self.host.log(
                LogLevel::Warn,
                &format!(
                    "broker publish {} was dropped unanswered; failing it",
                    self.request_id
                ),
            );
            self.send(&Err(Error::internal(
                "internal error: the broker dropped the publish",
            )));
        });
    }
}

/// A history query, borrowed for the call.
pub struct HistoryRequest<'a> {
    raw: notify_history_request,
    history: HistoryOptions,
    _call: PhantomData<&'a notify_history_request>,
}

impl<'a> HistoryRequest<'a> {
    /// # Safety
    /// `raw` must be a copy of the host's request whose views are valid for `'a`.
    pub(crate) unsafe fn from_raw(raw: notify_history_request) -> Self {
        // SAFETY: the host's pointer for this call.
        let history = unsafe { HistoryOptions::read(raw.history) };
        HistoryRequest {
            raw,
            history,
            _call: PhantomData,
        }
    }
    pub fn topic(&self) -> &'a str {
        // SAFETY: views BORROWED for the call.
        unsafe { str_of(self.raw.topic) }
    }
    pub fn since_offset(&self) -> u64 {
        self.raw.since_offset
    }
    /// 0 = all that is kept.
    pub fn limit(&self) -> u64 {
        self.raw.limit
    }
    pub fn history(&self) -> HistoryOptions {
        self.history
    }
}

/// One history entry handed to the host's sink.
#[derive(Clone, Copy, Debug)]
pub struct HistoryEntry<'b> {
    pub offset: u64,
    pub time_ms: i64,
    pub payload: &'b [u8],
}

/// ABI 1.2: a durable subscription — a client subscribed to a topic of an at-least-once
/// namespace, with the last offset it acknowledged. Given to `subscription_save` (borrowed for
/// the call: copy what you keep) and handed back to the host by `subscriptions_load`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DurableSubscription<'a> {
    pub client_id: &'a str,
    /// "" = no user.
    pub user_id: &'a str,
    /// The client's current resume token.
    pub resume_token: &'a str,
    pub topic: &'a str,
    /// Every message up to this offset is acknowledged.
    pub acked_offset: u64,
}

impl<'a> DurableSubscription<'a> {
    /// # Safety
    /// `raw` must be a copy of the host's record whose views are valid for `'a`.
    pub(crate) unsafe fn from_raw(raw: &notify_durable_subscription) -> Self {
        // SAFETY: views BORROWED for 'a (contract).
        unsafe {
            DurableSubscription {
                client_id: str_of(raw.client_id),
                user_id: str_of(raw.user_id),
                resume_token: str_of(raw.resume_token),
                topic: str_of(raw.topic),
                acked_offset: raw.acked_offset,
            }
        }
    }
    /// Views of `self` (valid while its strings are).
    pub(crate) fn as_raw(&self) -> notify_durable_subscription {
        notify_durable_subscription {
            size: core::mem::size_of::<notify_durable_subscription>() as u32,
            client_id: str_view(self.client_id),
            user_id: str_view(self.user_id),
            resume_token: str_view(self.resume_token),
            topic: str_view(self.topic),
            acked_offset: self.acked_offset,
        }
    }
}

/// ABI 1.4: one subscribed, connected client of a presence topic. Given to `presence_add`
/// (borrowed for the call) and handed to the host by `presence_read`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PresenceEntry<'a> {
    pub client_id: &'a str,
    /// "" = anonymous.
    pub user_id: &'a str,
    /// The auth answer's info (a JSON object) or "".
    pub info: &'a str,
}

impl<'a> PresenceEntry<'a> {
    /// # Safety
    /// `raw` must be a copy of the host's entry whose views are valid for `'a`.
    pub(crate) unsafe fn from_raw(raw: &notify_presence_entry) -> Self {
        // SAFETY: views BORROWED for 'a (contract).
        unsafe {
            PresenceEntry {
                client_id: str_of(raw.client_id),
                user_id: str_of(raw.user_id),
                info: str_of(raw.info),
            }
        }
    }
    /// Views of `self` (valid while its strings are).
    pub(crate) fn as_raw(&self) -> notify_presence_entry {
        notify_presence_entry {
            size: core::mem::size_of::<notify_presence_entry>() as u32,
            client_id: str_view(self.client_id),
            user_id: str_view(self.user_id),
            info: str_view(self.info),
        }
    }
}

/// ABI 1.4: a presence topic's counts (`presence_stats`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PresenceStats {
    /// Entries.
    pub clients: u64,
    /// Distinct non-empty user ids among them.
    pub users: u64,
}

fn unsupported(member: &str, capability: &str) -> Error {
    Error::unsupported(format!(
        "{member} is not implemented by this broker (it declares {capability} without it)"
    ))
}

/// A broker plugin (the `[broker]` table). Calls run on the core thread and must not block.
///
/// Beyond `publish` and `history_read`, each group of methods is wired into the vtable only
/// when [`CAPABILITIES`](Broker::CAPABILITIES) declares it (see the module docs); their
/// defaults answer `NOTIFY_ERR_UNSUPPORTED`. A panic in any of them answers
/// `NOTIFY_ERR_INTERNAL` (logged once per instance).
pub trait Broker: Plugin {
    /// `NOTIFY_BROKER_CAP_*`: what the broker implements. Decides which vtable members are set.
    const CAPABILITIES: u32 = 0;

    /// Assigns the next offset of the topic and stores the message.
    fn publish(&self, publish: &BrokerPublish<'_>) -> BrokerReply;

    /// Feeds `sink` the kept messages after `since_offset`, oldest first, until it returns
    /// false, and returns the stream's current position (offset 0 for an unknown topic).
    fn history_read(
        &self,
        request: &HistoryRequest<'_>,
        sink: &mut dyn FnMut(HistoryEntry<'_>) -> bool,
    ) -> Result<StreamPosition, Error> {
        let _ = (request, sink);
        Err(Error::unsupported(
            "history_read is not implemented by this broker",
        ))
    }

    // ---- ABI 1.2, with NOTIFY_BROKER_CAP_DURABLE_SUBSCRIPTIONS ------------------------------

    /// Inserts or replaces the `(client_id, topic)` record. Need not be synchronous, but is
    /// ordered with publishes: durable no later than any at-least-once publish acknowledged
    /// after it; a later save of the same record wins.
    fn subscription_save(&self, subscription: &DurableSubscription<'_>) -> Result<(), Error> {
        let _ = subscription;
        Err(unsupported(
            "subscription_save",
            "NOTIFY_BROKER_CAP_DURABLE_SUBSCRIPTIONS",
        ))
    }

    /// Deletes the `(client_id, topic)` record, ordered like saves; a missing record is `Ok`.
    fn subscription_remove(&self, client_id: &str, topic: &str) -> Result<(), Error> {
        let _ = (client_id, topic);
        Err(unsupported(
            "subscription_remove",
            "NOTIFY_BROKER_CAP_DURABLE_SUBSCRIPTIONS",
        ))
    }

    /// Feeds `sink` every stored record, synchronously, until it returns false (the host
    /// calls this once, at start).
    fn subscriptions_load(
        &self,
        sink: &mut dyn FnMut(&DurableSubscription<'_>) -> bool,
    ) -> Result<(), Error> {
        let _ = sink;
        Err(unsupported(
            "subscriptions_load",
            "NOTIFY_BROKER_CAP_DURABLE_SUBSCRIPTIONS",
        ))
    }

    // ---- ABI 1.3, with NOTIFY_BROKER_CAP_CLUSTER --------------------------------------------
    // Each answers Ok once queued for the bus, or an error (`Error::io` while the bus is
    // unreachable). Must not block. Messages for this node go to `Host::broker_message`.

    /// This node gained (`up`) or lost its last local subscriber of a topic, session of a
    /// client id or client of a user id; each transition once, in order.
    fn interest(&self, kind: InterestKind, name: &str, up: bool) -> Result<(), Error> {
        let _ = (kind, name, up);
        Err(unsupported("interest", "NOTIFY_BROKER_CAP_CLUSTER"))
    }

    /// Carries a publish to clients and users to every node that holds them, this one
    /// included (it comes back through `Host::broker_message`).
    fn publish_direct(&self, direct: &BrokerDirect<'_>) -> Result<(), Error> {
        let _ = direct;
        Err(unsupported("publish_direct", "NOTIFY_BROKER_CAP_CLUSTER"))
    }

    /// Carries a command to the node(s) holding `command.id`, not back to this node (the
    /// host applied it here already).
    fn send_command(&self, command: &ClusterCommand<'_>) -> Result<(), Error> {
        let _ = command;
        Err(unsupported("send_command", "NOTIFY_BROKER_CAP_CLUSTER"))
    }

    // ---- ABI 1.4, with NOTIFY_BROKER_CAP_PRESENCE -------------------------------------------
    // Who is subscribed to a topic of a `presence = true` namespace, while connected. Must not
    // block: a cluster broker answers reads from state it keeps current.

    /// Adds or replaces the entry of `entry.client_id` in `topic`.
    fn presence_add(&self, topic: &str, entry: &PresenceEntry<'_>) -> Result<(), Error> {
        let _ = (topic, entry);
        Err(unsupported("presence_add", "NOTIFY_BROKER_CAP_PRESENCE"))
    }

    /// Removes the entry of `client_id` from `topic` (absent is `Ok`).
    fn presence_remove(&self, topic: &str, client_id: &str) -> Result<(), Error> {
        let _ = (topic, client_id);
        Err(unsupported("presence_remove", "NOTIFY_BROKER_CAP_PRESENCE"))
    }

    /// Feeds `sink` each entry of `topic` (any order), synchronously, until it returns false.
    fn presence_read(
        &self,
        topic: &str,
        sink: &mut dyn FnMut(&PresenceEntry<'_>) -> bool,
    ) -> Result<(), Error> {
        let _ = (topic, sink);
        Err(unsupported("presence_read", "NOTIFY_BROKER_CAP_PRESENCE"))
    }

    /// The number of entries of `topic` and of distinct non-empty user ids among them.
    fn presence_stats(&self, topic: &str) -> Result<PresenceStats, Error> {
        let _ = topic;
        Err(unsupported("presence_stats", "NOTIFY_BROKER_CAP_PRESENCE"))
    }

    // ---- ABI 1.5, with HISTORY_REMOVE = true -----------------------------------------------

    /// Set to `true` when the broker implements [`history_remove`](Broker::history_remove):
    /// the vtable's `history_remove` member is set only then. Left `false` (the default) the
    /// member is NULL, and the server API answers its `history_remove` method with error 103
    /// (the broker cannot), as for a broker built before ABI 1.5. (A Rust trait cannot tell
    /// whether a default method was overridden, hence this switch, as `CAPABILITIES` is for
    /// the other optional groups.)
    const HISTORY_REMOVE: bool = false;

    /// Forgets the kept messages of `topic` (the server API's `history_remove`). The stream's
    /// position stays: the next publish gets the next offset in the same epoch, and a client
    /// recovering from before the removal is told it cannot (too old), never given a gap. An
    /// unknown topic is `Ok`. Core thread; must not block. Called only with
    /// [`HISTORY_REMOVE`](Broker::HISTORY_REMOVE) set; the default answers
    /// `NOTIFY_ERR_UNSUPPORTED`.
    fn history_remove(&self, topic: &str) -> Result<(), Error> {
        let _ = topic;
        Err(Error::unsupported(
            "history_remove is not implemented by this broker (it sets HISTORY_REMOVE without it)",
        ))
    }
}
