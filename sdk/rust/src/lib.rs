//! # notify-sdk: write Notify plugins in safe Rust
//!
//! `notifyd` loads plugins through the C ABI of `include/notify/notify.h` (ABI 1.7). This crate
//! is that ABI twice:
//!
//! - [`sys`]: hand-written `#[repr(C)]` bindings, checked against the C compiler by the crate's
//!   layout test;
//! - a safe layer: one trait per plugin kind ([`Handler`], [`Auth`], [`Broker`], [`Transport`])
//!   on top of [`Plugin`], typed [`Config`] access, a [`Host`] whose members newer than the host
//!   answer `None`, borrowed views whose lifetimes end with the call, owned answers, and
//!   `Send` completion handles ([`AuthCompletion`], [`PublishCompletion`]) that answer a
//!   `NOTIFY_PENDING` call exactly once (dropping one unanswered fails closed).
//!
//! ABI 1.5: [`Host::api_call`] runs a server API request (docs/api.md) and answers an
//! owned [`ApiReply`] to a `Send` closure; [`Event::close_code`] and [`Event::reason`] say why
//! a client went; [`Broker::history_remove`] forgets a topic's history.
//!
//! ABI 1.6: [`Host::metric`] registers the plugin's own counters, gauges and histograms
//! ([`Metric`]: a `Copy`, `Send + Sync` handle); [`Host::set_ready`] reports readiness,
//! [`Host::log_enabled`] says whether a level is logged, [`Host::stats_view`] returns the
//! process's metrics and health documents; a plugin that sets [`Plugin::RECONFIGURABLE`]
//! applies a changed manifest table live in [`Plugin::reconfigure`] (SIGHUP).
//!
//! ABI 1.7: an auth plugin asks for connection headers with [`Host::keep_headers`] in
//! `create` and reads them as [`Headers`] ([`AuthRequest::headers`],
//! [`AuthzRequest::headers`]); [`AuthzRequest`] also names the transport, the client's address
//! and a publish's data, which an ALLOW may replace ([`AuthAnswer::replace_data`]); a DENY may
//! close the connection ([`AuthAnswer::close_code`]). Transports pass the headers with
//! [`Host::conn_open_with_headers`].
//!
//! [`export_plugin!`] emits the one exported symbol, `notify_plugin_entry_v1`, and a static
//! descriptor. Every call from the host goes through a trampoline of this crate that catches
//! panics: the call fails closed (auth: DENY; status: `NOTIFY_ERR_INTERNAL`; events: dropped),
//! the first panic of an instance is logged, and the instance keeps serving.
//!
//! ```no_run
//! use notify_sdk::{Config, ConfigType, Error, Event, EventKind, Handler, Host, Plugin};
//!
//! struct Echo { host: Host }
//! impl Plugin for Echo {
//!     fn create(host: Host, _config: &Config<'_>) -> Result<Self, Error> { Ok(Echo { host }) }
//! }
//! impl Handler for Echo {
//!     const EVENT_MASK: u32 = notify_sdk::event_mask(&[EventKind::Data]);
//!     fn on_event(&self, event: &Event<'_>) {
//!         let _ = self.host.publish_to_topic("echo", event.data());
//!     }
//! }
//! notify_sdk::export_plugin! {
//!     plugin: Echo,
//!     name: "echo",
//!     version: env!("CARGO_PKG_VERSION"),
//!     description: "Publishes what clients send to the topic echo",
//!     kinds: [handler],
//!     config_keys: [],
//! }
//! ```

pub mod sys;

mod api;
mod auth;
mod broker;
mod cluster;
mod config;
mod error;
mod handler;
mod headers;
mod host;
mod macros;
mod ops;
mod plugin;
mod transport;
mod views;

#[doc(hidden)]
pub mod __private;

pub use api::ApiReply;
pub use auth::{
    Auth, AuthAnswer, AuthCompletion, AuthPurpose, AuthReply, AuthRequest, AuthzRequest, Decision,
};
pub use broker::{
    Broker, BrokerPublish, BrokerReply, DurableSubscription, HistoryEntry, HistoryOptions,
    HistoryRequest, PresenceEntry, PresenceStats, PublishCompletion, StreamPosition,
};
pub use cluster::{
    BrokerDirect, BusMessage, ClusterCommand, ClusterViewKind, CommandKind, InterestKind, NodeInfo,
};
pub use config::{Config, ConfigType};
pub use error::Error;
pub use handler::{ChangeSubject, Event, EventKind, Handler, event_mask};
pub use headers::Headers;
pub use host::{Encoding, Host, LogLevel, Publish, Target};
pub use ops::{Metric, MetricKind, StatsViewKind};
pub use plugin::Plugin;
pub use transport::{Frame, RetainedFrame, Transport};
