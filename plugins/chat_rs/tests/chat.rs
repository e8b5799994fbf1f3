//! chat_rs against the fake host: the plugin (linked in as an rlib) is loaded through its entry
//! function and descriptor as notifyd would (notifyd dlopens the cdylib), and
//! the host calls it makes are the C chat plugin's (tests/plugins checks the same sequence).

#[cfg(not(notify_fakehost))]
#[test]
fn fake_host_library_is_linked() {
    panic!(
        "these tests need the fake host: build CMake target notify_fakehost and run \
         `NOTIFY_FAKEHOST_LIB_DIR=<folder of libnotify_fakehost.a> cargo test --offline`"
    );
}

#[cfg(notify_fakehost)]
#[path = "../../../sdk/rust/tests/support/fakehost.rs"]
mod fakehost;

#[cfg(notify_fakehost)]
mod with_fake_host {
    use super::fakehost::*;
    use notify_sdk::sys;

    fn loaded() -> FakeHost {
        let host = FakeHost::new();
        assert_eq!(
            host.use_entry(notify_chat_rs::notify_plugin_entry_v1),
            sys::NOTIFY_OK,
            "{}",
            host.last_error()
        );
        host
    }

    #[test]
    fn connect_subscribes_then_announces_and_data_is_relayed() {
        let host = loaded();
        assert_eq!(host.create(), sys::NOTIFY_OK, "{}", host.last_error());
        assert!(host.event(sys::NOTIFY_EVENT_CONNECT, "c42", b""));
        assert!(host.event(sys::NOTIFY_EVENT_DATA, "c42", b"hi \xff"));
        let actions: Vec<Call> = host
            .calls()
            .into_iter()
            .filter(|call| {
                call.kind == NOTIFY_FAKEHOST_SUBSCRIBE || call.kind == NOTIFY_FAKEHOST_PUBLISH
            })
            .collect();
        assert_eq!(actions.len(), 3, "{actions:?}");
        assert_eq!(actions[0].kind, NOTIFY_FAKEHOST_SUBSCRIBE);
        assert_eq!(
            (actions[0].id.as_str(), actions[0].topic.as_str()),
            ("c42", "chat")
        );
        assert_eq!(actions[1].kind, NOTIFY_FAKEHOST_PUBLISH);
        assert_eq!(actions[1].topics, vec!["chat".to_owned()]);
        assert_eq!(actions[1].payload, b"c42 joined the chat!!!");
        assert_eq!(
            actions[2].payload, b"hi \xff",
            "payloads are relayed byte for byte"
        );
    }

    #[test]
    fn the_topic_key_names_the_room() {
        let host = loaded();
        host.config_string("topic", "lobby");
        assert_eq!(host.create(), sys::NOTIFY_OK, "{}", host.last_error());
        assert!(host.event(sys::NOTIFY_EVENT_DATA, "c1", b"x"));
        assert_eq!(
            host.calls_of(NOTIFY_FAKEHOST_PUBLISH)[0].topics,
            vec!["lobby".to_owned()]
        );
    }

    #[test]
    fn an_empty_topic_is_refused_naming_the_key() {
        let host = loaded();
        host.config_string("topic", "");
        assert_eq!(host.create(), sys::NOTIFY_ERR_INVALID_ARGUMENT);
        assert!(
            host.last_error()
                .contains("config key 'topic': must not be empty"),
            "{}",
            host.last_error()
        );
    }

    #[test]
    fn failed_host_calls_are_logged_as_warnings() {
        let host = loaded();
        assert_eq!(host.create(), sys::NOTIFY_OK, "{}", host.last_error());
        host.set_action_status(sys::NOTIFY_ERR_CLOSED);
        assert!(host.event(sys::NOTIFY_EVENT_CONNECT, "c1", b""));
        let warnings: Vec<Call> = host
            .calls_of(NOTIFY_FAKEHOST_LOG)
            .into_iter()
            .filter(|call| call.level == sys::NOTIFY_LOG_WARN)
            .collect();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].text.contains("subscribe failed"),
            "{}",
            warnings[0].text
        );
        assert!(
            host.calls_of(NOTIFY_FAKEHOST_PUBLISH).is_empty(),
            "no announcement without the subscribe"
        );
    }

    #[test]
    fn only_connect_and_data_are_asked_for() {
        let host = loaded();
        assert_eq!(host.create(), sys::NOTIFY_OK, "{}", host.last_error());
        assert!(!host.event(sys::NOTIFY_EVENT_DISCONNECT, "c1", b""));
        assert!(!host.event(sys::NOTIFY_EVENT_PUBLISH, "c1", b""));
    }
}
