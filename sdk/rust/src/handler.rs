//! Handler plugins: observe events and act through the host.

use crate::plugin::Plugin;
use crate::sys::{self, notify_event};
use crate::views::{bytes_from, str_of};
use core::marker::PhantomData;

/// An event's type. `Other` carries a type this crate does not know (a newer host).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Connect,
    Reconnect,
    Disconnect,
    Inactivate,
    Subscribe,
    Unsubscribe,
    Publish,
    Change,
    Data,
    Other(u32),
}

impl EventKind {
    pub const fn from_raw(raw: sys::notify_event_type) -> EventKind {
        match raw {
            sys::NOTIFY_EVENT_CONNECT => EventKind::Connect,
            sys::NOTIFY_EVENT_RECONNECT => EventKind::Reconnect,
            sys::NOTIFY_EVENT_DISCONNECT => EventKind::Disconnect,
            sys::NOTIFY_EVENT_INACTIVATE => EventKind::Inactivate,
            sys::NOTIFY_EVENT_SUBSCRIBE => EventKind::Subscribe,
            sys::NOTIFY_EVENT_UNSUBSCRIBE => EventKind::Unsubscribe,
            sys::NOTIFY_EVENT_PUBLISH => EventKind::Publish,
            sys::NOTIFY_EVENT_CHANGE => EventKind::Change,
            sys::NOTIFY_EVENT_DATA => EventKind::Data,
            other => EventKind::Other(other),
        }
    }

    pub const fn raw(self) -> sys::notify_event_type {
        match self {
            EventKind::Connect => sys::NOTIFY_EVENT_CONNECT,
            EventKind::Reconnect => sys::NOTIFY_EVENT_RECONNECT,
            EventKind::Disconnect => sys::NOTIFY_EVENT_DISCONNECT,
            EventKind::Inactivate => sys::NOTIFY_EVENT_INACTIVATE,
            EventKind::Subscribe => sys::NOTIFY_EVENT_SUBSCRIBE,
            EventKind::Unsubscribe => sys::NOTIFY_EVENT_UNSUBSCRIBE,
            EventKind::Publish => sys::NOTIFY_EVENT_PUBLISH,
            EventKind::Change => sys::NOTIFY_EVENT_CHANGE,
            EventKind::Data => sys::NOTIFY_EVENT_DATA,
            EventKind::Other(raw) => raw,
        }
    }
}

/// The `event_mask` asking for `kinds` (`NOTIFY_EVENT_BIT` of each). Usable in consts.
pub const fn event_mask(kinds: &[EventKind]) -> u32 {
    let mut mask = 0u32;
    let mut index = 0;
    while index < kinds.len() {
        let raw = kinds[index].raw();
        if raw < 32 {
            mask |= sys::notify_event_bit(raw);
        }
        index += 1;
    }
    mask
}

/// What a CHANGE event is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeSubject {
    None,
    Topic,
    Client,
    User,
    Other(u32),
}

/// One event, borrowed for the `on_event` call: the views end with it (copy what you keep).
pub struct Event<'a> {
    /// A copy of the host's struct (its views still point into host memory valid for 'a).
    raw: notify_event,
    _call: PhantomData<&'a notify_event>,
}

impl<'a> Event<'a> {
    /// # Safety
    /// `raw` must be a copy of the host's event for this call (members past its `size`
    /// zeroed), with every view valid for `'a`.
    pub(crate) unsafe fn from_raw(raw: notify_event) -> Self {
        Event {
            raw,
            _call: PhantomData,
        }
    }

    pub fn kind(&self) -> EventKind {
        EventKind::from_raw(self.raw.type_)
    }
    pub fn time_ms(&self) -> i64 {
        self.raw.time_ms
    }
    pub fn client_id(&self) -> &'a str {
        // SAFETY: the event's views are BORROWED for the call, i.e. valid for 'a.
        unsafe { str_of(self.raw.client_id) }
    }
    pub fn user_id(&self) -> &'a str {
        // SAFETY: as client_id.
        unsafe { str_of(self.raw.user_id) }
    }
    /// SUBSCRIBE, UNSUBSCRIBE, PUBLISH: the topic; CHANGE: the subject's name.
    pub fn topic(&self) -> &'a str {
        // SAFETY: as client_id.
        unsafe { str_of(self.raw.topic) }
    }
    /// PUBLISH, DATA: the payload, opaque bytes.
    pub fn data(&self) -> &'a [u8] {
        // SAFETY: as client_id.
        unsafe { bytes_from(self.raw.data) }
    }
    /// PUBLISH: the stream offset.
    pub fn offset(&self) -> u64 {
        self.raw.offset
    }
    /// PUBLISH: the stream epoch.
    pub fn epoch(&self) -> &'a str {
        // SAFETY: as client_id.
        unsafe { str_of(self.raw.epoch) }
    }
    pub fn change_subject(&self) -> ChangeSubject {
        match self.raw.change_subject {
            0 => ChangeSubject::None,
            sys::NOTIFY_CHANGE_TOPIC => ChangeSubject::Topic,
            sys::NOTIFY_CHANGE_CLIENT => ChangeSubject::Client,
            sys::NOTIFY_CHANGE_USER => ChangeSubject::User,
            other => ChangeSubject::Other(other),
        }
    }
    /// CHANGE: true = came up.
    pub fn change_up(&self) -> bool {
        self.raw.change_up
    }
    /// ABI 1.4: the client's info (a JSON object) or "" (also from an older host).
    pub fn client_info(&self) -> &'a str {
        if !sys::has_field(self.raw.size, crate::field_end!(notify_event, client_info)) {
            return "";
        }
        // SAFETY: the host's struct contains the member (size checked above); views BORROWED
        // for the call.
        unsafe { str_of(self.raw.client_info) }
    }
    /// ABI 1.5, INACTIVATE and DISCONNECT: the `NOTIFY_CLOSE_*` code the client's connection
    /// was closed with; 0 when it had none, on other events, and from a host older than 1.5.
    pub fn close_code(&self) -> u16 {
        if !sys::has_field(self.raw.size, crate::field_end!(notify_event, close_code)) {
            return 0;
        }
        self.raw.close_code
    }
    /// ABI 1.5, INACTIVATE and DISCONNECT: why the client went, one word
    /// (`sys::NOTIFY_REASON_*`: INACTIVATE closed, slow, expired, shutdown, error; DISCONNECT
    /// expired, kicked, moved). "" on other events and from a host older than 1.5. Later minors
    /// may add words: treat an unknown one like "closed".
    pub fn reason(&self) -> &'a str {
        if !sys::has_field(self.raw.size, crate::field_end!(notify_event, reason)) {
            return "";
        }
        // SAFETY: the host's struct contains the member (size checked above); views BORROWED
        // for the call.
        unsafe { str_of(self.raw.reason) }
    }
}

/// A handler plugin. `on_event` runs on the host's core thread and must not block; its host
/// calls (`publish`, `subscribe`, ...) are queued and applied after the event, in call order.
pub trait Handler: Plugin {
    /// The events to receive (`event_mask(&[..])`); default: every type of ABI 1.5 (the types
    /// of 1.4: 1.5 added none).
    const EVENT_MASK: u32 = event_mask(&[
        EventKind::Connect,
        EventKind::Reconnect,
        EventKind::Disconnect,
        EventKind::Inactivate,
        EventKind::Subscribe,
        EventKind::Unsubscribe,
        EventKind::Publish,
        EventKind::Change,
        EventKind::Data,
    ]);

    /// Observes one event. A newer host may send types you did not ask for: ignore them.
    fn on_event(&self, event: &Event<'_>) {
        let _ = event;
    }
}
