//! Broker plugins: order and store publishes (offset + epoch), serve history.
//!
//! This layer wraps `publish` and `history_read`; the durable-subscription, cluster and
//! presence members of `notify_broker_vtable` are left NULL (a broker needing them uses
//! [`sys`](crate::sys) directly for now).

use crate::error::Error;
use crate::host::{Host, LogLevel};
use crate::plugin::Plugin;
use crate::sys::{self, notify_broker_publish, notify_history_options, notify_history_request};
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
    taken: Cell<bool>,
    _call: PhantomData<&'a notify_broker_publish>,
}

impl<'a> BrokerPublish<'a> {
    /// # Safety
    /// `raw` must be a copy of the host's publish whose views are valid for `'a`.
    pub(crate) unsafe fn from_raw(raw: notify_broker_publish, host: Host) -> Self {
        // SAFETY: `history` is the host's pointer for this call.
        let history = unsafe { HistoryOptions::read(raw.history) };
        BrokerPublish {
            raw,
            history,
            host,
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
                request_id: self.raw.request_id,
                answered: false,
            })
        }
    }
}

/// The one answer to a pending broker publish, from any thread. Consumed by `complete`;
/// dropped unanswered it answers `NOTIFY_ERR_INTERNAL` (fail closed).
#[must_use = "dropping a PublishCompletion fails the publish"]
pub struct PublishCompletion {
    host: Host,
    request_id: u64,
    answered: bool,
}

impl PublishCompletion {
    pub fn complete(mut self, result: Result<StreamPosition, Error>) {
        self.send(&result);
    }

    fn send(&mut self, result: &Result<StreamPosition, Error>) {
        self.answered = true;
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
        if !self.answered {
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
        }
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

/// A broker plugin (the `[broker]` table). Calls run on the core thread and must not block.
pub trait Broker: Plugin {
    /// `NOTIFY_BROKER_CAP_*`.
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
}
