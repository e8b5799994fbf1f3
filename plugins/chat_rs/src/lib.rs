//! chat_rs -- the chat room of plugins/chat (chat.c), as a Rust handler on notify-sdk.
//!
//! Every client that connects is subscribed to one topic and announced there
//! ("<client id> joined the chat!!!"); whatever a client sends (the protocol's `send` command)
//! is published to that topic unchanged, so every client receives every line, the sender
//! included. Same config key (`topic`, default "chat") and behaviour as the C plugin.

use notify_sdk::{Config, ConfigType, Error, Event, EventKind, Handler, Host, Plugin, Target};

const JOINED_SUFFIX: &str = " joined the chat!!!";

/// One instance per `[[handler]]` table. `on_event` runs on the core thread only, one event
/// at a time; the instance is immutable after create, so it needs no lock.
struct Chat {
    host: Host,
    /// The room, copied from the manifest (the config's strings are borrowed for create).
    topic: String,
}

impl Plugin for Chat {
    fn create(host: Host, config: &Config<'_>) -> Result<Self, Error> {
        let topic = config.string_or("topic", "chat")?;
        if topic.is_empty() {
            return Err(Error::invalid_argument(
                "config key 'topic': must not be empty",
            ));
        }
        Ok(Chat { host, topic })
    }
}

impl Chat {
    /// Publishes `payload` to the room; the host copies it before returning.
    fn publish(&self, payload: &[u8]) {
        if let Err(error) = self.host.publish_to_topic(&self.topic, payload) {
            notify_sdk::log!(self.host, Warn, "chat_rs: publish failed: {error}");
        }
    }

    /// A new client: subscribe it, then tell the room. Host calls are queued and applied
    /// after this event in call order, so the client sees its own announcement.
    fn on_connect(&self, client_id: &str) {
        if let Err(error) = self.host.subscribe(Target::Client, client_id, &self.topic) {
            notify_sdk::log!(self.host, Warn, "chat_rs: subscribe failed: {error}");
            return;
        }
        let line = format!("{client_id}{JOINED_SUFFIX}");
        self.publish(line.as_bytes());
    }
}

impl Handler for Chat {
    const EVENT_MASK: u32 = notify_sdk::event_mask(&[EventKind::Connect, EventKind::Data]);

    fn on_event(&self, event: &Event<'_>) {
        match event.kind() {
            EventKind::Connect => self.on_connect(event.client_id()),
            // Payloads are opaque bytes: forwarded as they came, UTF-8 or not.
            EventKind::Data => self.publish(event.data()),
            // The mask asks for nothing else; a newer host may still send more types.
            _ => {}
        }
    }
}

notify_sdk::export_plugin! {
    plugin: Chat,
    name: "chat_rs",
    version: env!("CARGO_PKG_VERSION"),
    description: "Chat room (Rust): subscribes every client to one topic and relays what it sends",
    kinds: [handler],
    config_keys: [
        ("topic", ConfigType::String, "The chat room: clients are subscribed to it on connect (default \"chat\")."),
    ],
}
