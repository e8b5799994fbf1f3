//! ABI 1.3 cluster types: what a `NOTIFY_BROKER_CAP_CLUSTER` broker and the host tell each other
//! (docs/cluster.md). The broker side is in [`Broker`](crate::Broker) (`interest`,
//! `publish_direct`, `send_command`); the host side in [`Host`](crate::Host)
//! (`broker_message`, `broker_command`, `node_info`, `cluster_node_seen`, `cluster_view`).
//!
//! Borrowed structs (`BusMessage`, `BrokerDirect`, `ClusterCommand`) have public fields: the
//! broker builds them to call the host, and receives them (views valid for the call only).

use crate::host::Target;
use crate::sys::{
    self, notify_broker_direct, notify_cluster_command, notify_node_info, notify_str,
};
use crate::views::{bytes_from, str_of, str_view};

/// What a node has interest in (`Broker::interest`). `Other` is a kind this crate does not know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InterestKind {
    /// A topic with a local subscriber.
    Topic,
    /// A client id with a session on this node.
    Client,
    /// A user id with a client on this node.
    User,
    Other(u32),
}

impl InterestKind {
    pub const fn from_raw(raw: u32) -> InterestKind {
        match raw {
            sys::NOTIFY_INTEREST_TOPIC => InterestKind::Topic,
            sys::NOTIFY_INTEREST_CLIENT => InterestKind::Client,
            sys::NOTIFY_INTEREST_USER => InterestKind::User,
            other => InterestKind::Other(other),
        }
    }
    pub const fn raw(self) -> u32 {
        match self {
            InterestKind::Topic => sys::NOTIFY_INTEREST_TOPIC,
            InterestKind::Client => sys::NOTIFY_INTEREST_CLIENT,
            InterestKind::User => sys::NOTIFY_INTEREST_USER,
            InterestKind::Other(raw) => raw,
        }
    }
}

/// A cluster command's type (`notify_cluster_command_type`). `Other` is a type this crate
/// does not know: a receiver ignores it (the ABI's rule).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommandKind {
    /// Subscribe the target to `topic` (`time_ms` orders changes).
    Subscribe,
    /// Unsubscribe the target from `topic`.
    Unsubscribe,
    /// Disconnect the target with `code` and `reason`.
    Disconnect,
    /// A client connected (or resumed) on the sending node at `time_ms`.
    ClientConnected,
    Other(u32),
}

impl CommandKind {
    pub const fn from_raw(raw: u32) -> CommandKind {
        match raw {
            sys::NOTIFY_COMMAND_SUBSCRIBE => CommandKind::Subscribe,
            sys::NOTIFY_COMMAND_UNSUBSCRIBE => CommandKind::Unsubscribe,
            sys::NOTIFY_COMMAND_DISCONNECT => CommandKind::Disconnect,
            sys::NOTIFY_COMMAND_CLIENT_CONNECTED => CommandKind::ClientConnected,
            other => CommandKind::Other(other),
        }
    }
    pub const fn raw(self) -> u32 {
        match self {
            CommandKind::Subscribe => sys::NOTIFY_COMMAND_SUBSCRIBE,
            CommandKind::Unsubscribe => sys::NOTIFY_COMMAND_UNSUBSCRIBE,
            CommandKind::Disconnect => sys::NOTIFY_COMMAND_DISCONNECT,
            CommandKind::ClientConnected => sys::NOTIFY_COMMAND_CLIENT_CONNECTED,
            CommandKind::Other(raw) => raw,
        }
    }
}

/// A command that follows a client or user to the node holding it: given to
/// `Broker::send_command` by the host, and handed to the host (from another node) with
/// `Host::broker_command`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClusterCommand<'a> {
    pub kind: CommandKind,
    /// `ClientConnected`: always `Client`.
    pub target: Target,
    /// The client or user id.
    pub id: &'a str,
    /// `Subscribe`, `Unsubscribe`.
    pub topic: &'a str,
    /// `Disconnect`: `NOTIFY_CLOSE_*`.
    pub code: u16,
    /// `Disconnect`.
    pub reason: &'a str,
    pub time_ms: i64,
}

impl<'a> ClusterCommand<'a> {
    /// The command in `raw`, or `None` for a target kind this crate does not know.
    ///
    /// # Safety
    /// `raw` must be a copy of the host's command whose views are valid for `'a`.
    pub(crate) unsafe fn from_raw(raw: &notify_cluster_command) -> Option<Self> {
        // SAFETY: views BORROWED for 'a (contract).
        unsafe {
            Some(ClusterCommand {
                kind: CommandKind::from_raw(raw.type_),
                target: Target::from_raw(raw.target)?,
                id: str_of(raw.id),
                topic: str_of(raw.topic),
                code: raw.code,
                reason: str_of(raw.reason),
                time_ms: raw.time_ms,
            })
        }
    }

    /// Views of `self` (valid while `self`'s strings are).
    pub(crate) fn as_raw(&self) -> notify_cluster_command {
        notify_cluster_command {
            size: core::mem::size_of::<notify_cluster_command>() as u32,
            type_: self.kind.raw(),
            target: self.target.raw(),
            id: str_view(self.id),
            topic: str_view(self.topic),
            code: self.code,
            reason: str_view(self.reason),
            time_ms: self.time_ms,
        }
    }
}

/// A message from the bus for this node's connections (`Host::broker_message`): a topic
/// message (`topic`, `offset`, `epoch`; handed over in offset order per topic, each once) or a
/// direct one (`clients` and/or `users`, `topic` empty, `offset` 0).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BusMessage<'a> {
    pub topic: &'a str,
    pub offset: u64,
    pub epoch: &'a str,
    pub clients: &'a [&'a str],
    pub users: &'a [&'a str],
    pub payload: &'a [u8],
    /// Publish time, ms since the Unix epoch.
    pub time_ms: i64,
    /// See [`BrokerPublish::publish_key`](crate::BrokerPublish::publish_key); may be empty.
    pub publish_key: &'a str,
}

/// A publish to clients and users wherever they are connected (`Broker::publish_direct`),
/// borrowed for the call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BrokerDirect<'a> {
    pub clients: Vec<&'a str>,
    pub users: Vec<&'a str>,
    pub payload: &'a [u8],
    pub time_ms: i64,
    /// May be empty.
    pub publish_key: &'a str,
}

impl<'a> BrokerDirect<'a> {
    /// # Safety
    /// `raw` must be a copy of the host's struct (members past its size zeroed) whose arrays
    /// and views are valid for `'a`.
    pub(crate) unsafe fn from_raw(raw: &notify_broker_direct) -> Self {
        // SAFETY: arrays and views BORROWED for 'a (contract).
        unsafe {
            BrokerDirect {
                clients: str_array(raw.clients, raw.client_count),
                users: str_array(raw.users, raw.user_count),
                payload: bytes_from(raw.payload),
                time_ms: raw.time_ms,
                publish_key: str_of(raw.publish_key),
            }
        }
    }
}

/// `count` host strings at `data` (NULL: none).
///
/// # Safety
/// `data` must be NULL or point to `count` `notify_str` valid, with their bytes, for `'a`.
pub(crate) unsafe fn str_array<'a>(data: *const notify_str, count: usize) -> Vec<&'a str> {
    if data.is_null() || count == 0 {
        return Vec::new();
    }
    // SAFETY: `count` readable views valid for 'a (contract).
    let views = unsafe { core::slice::from_raw_parts(data, count) };
    views
        .iter()
        // SAFETY: each view's bytes are valid for 'a (contract).
        .map(|view| unsafe { str_of(*view) })
        .collect()
}

/// One node of the cluster, copied (`Host::node_info`) or announced by the broker
/// (`Host::cluster_node_seen`). Counts are a snapshot.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NodeInfo {
    /// Random per process start.
    pub id: String,
    /// `[node] name` of the manifest.
    pub name: String,
    /// The client URLs of `[node] urls`, joined by single spaces.
    pub urls: String,
    pub version: String,
    pub connections: u64,
    pub clients: u64,
    pub users: u64,
    pub topics: u64,
    pub subscriptions: u64,
    /// CPU use over the last interval, 1.0 = a core.
    pub cpu: f64,
    pub uptime_ms: i64,
    /// `[app] id`: nodes of one cluster share it.
    pub app_id: String,
}

impl NodeInfo {
    /// # Safety
    /// `raw`'s views must be NULL or readable during the call.
    pub(crate) unsafe fn from_raw(raw: &notify_node_info) -> NodeInfo {
        // SAFETY: forwarded contract; every view is copied before returning.
        let text = |view| unsafe { str_of(view) }.to_owned();
        NodeInfo {
            id: text(raw.id),
            name: text(raw.name),
            urls: text(raw.urls),
            version: text(raw.version),
            connections: raw.connections,
            clients: raw.clients,
            users: raw.users,
            topics: raw.topics,
            subscriptions: raw.subscriptions,
            cpu: raw.cpu,
            uptime_ms: raw.uptime_ms,
            app_id: if sys::has_field(raw.size, crate::field_end!(notify_node_info, app_id)) {
                text(raw.app_id)
            } else {
                String::new()
            },
        }
    }

    /// Views of `self` (valid while `self` is).
    pub(crate) fn to_raw(&self) -> notify_node_info {
        notify_node_info {
            size: core::mem::size_of::<notify_node_info>() as u32,
            id: str_view(&self.id),
            name: str_view(&self.name),
            urls: str_view(&self.urls),
            version: str_view(&self.version),
            connections: self.connections,
            clients: self.clients,
            users: self.users,
            topics: self.topics,
            subscriptions: self.subscriptions,
            cpu: self.cpu,
            uptime_ms: self.uptime_ms,
            app_id: str_view(&self.app_id),
        }
    }
}

/// What `Host::cluster_view` returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClusterViewKind {
    /// `{"nodes":[node...]}`.
    Nodes,
    /// `{"node":node,"candidates":[node...]}`.
    Handout,
}

impl ClusterViewKind {
    pub const fn raw(self) -> u32 {
        match self {
            ClusterViewKind::Nodes => sys::NOTIFY_CLUSTER_VIEW_NODES,
            ClusterViewKind::Handout => sys::NOTIFY_CLUSTER_VIEW_HANDOUT,
        }
    }
}
