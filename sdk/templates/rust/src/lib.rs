//! hello_rs -- a minimal handler plugin in Rust: every client that connects is greeted on a
//! topic (`hello <client id>`). Copy this folder to start a plugin of your own (see README.md).

use notify_sdk::{Config, ConfigType, Error, Event, EventKind, Handler, Host, Plugin};

pub struct Hello {
    host: Host,
    topic: String,
}

impl Plugin for Hello {
    /// Reads the manifest table; an error stops notifyd before it listens, naming the key.
    fn create(host: Host, config: &Config<'_>) -> Result<Self, Error> {
        let topic = config.string_or("topic", "greetings")?;
        if topic.is_empty() {
            return Err(Error::invalid_argument(
                "config key 'topic': must not be empty",
            ));
        }
        Ok(Hello { host, topic })
    }
}

impl Handler for Hello {
    /// Only connects are delivered to on_event.
    const EVENT_MASK: u32 = notify_sdk::event_mask(&[EventKind::Connect]);

    /// The core thread, one event at a time: must not block. The publish is queued by the
    /// host and applied after this event.
    fn on_event(&self, event: &Event<'_>) {
        let greeting = format!("hello {}", event.client_id());
        if let Err(error) = self.host.publish_to_topic(&self.topic, greeting.as_bytes()) {
            notify_sdk::log!(self.host, Warn, "hello_rs: publish failed: {error}");
        }
    }
}

notify_sdk::export_plugin! {
    plugin: Hello,
    name: "hello_rs",
    version: env!("CARGO_PKG_VERSION"),
    description: "greets every client that connects on a topic",
    kinds: [handler],
    config_keys: [
        ("topic", ConfigType::String, "topic the greetings are published to (default greetings)"),
    ],
}
