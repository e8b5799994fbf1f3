//! hello_rs's unit test: the fake host (libnotify_fakehost.a of the installed Notify) plays
//! notifyd. The plugin, linked in as an rlib, is loaded through its entry function and
//! descriptor, gets a manifest table and one connect event, and the test checks the publish it
//! asked for: no server, no sockets. Run through build.sh (it sets NOTIFY_FAKEHOST_LIB_DIR).

#[cfg(not(notify_fakehost))]
#[test]
fn fake_host_library_is_linked() {
    panic!(
        "this test needs the fake host: run ./build.sh with NOTIFY_PREFIX set, or \
         `NOTIFY_FAKEHOST_LIB_DIR=<prefix>/lib cargo test --offline`"
    );
}

// The fake host's FFI declarations and a small safe wrapper, installed with the SDK.
#[cfg(notify_fakehost)]
#[path = "../notify-sdk/tests/support/fakehost.rs"]
mod fakehost;

#[cfg(notify_fakehost)]
mod with_fake_host {
    use super::fakehost::*;
    use notify_sdk::sys;

    fn loaded() -> FakeHost {
        let host = FakeHost::new();
        assert_eq!(
            host.use_entry(notify_hello_rs::notify_plugin_entry_v1),
            sys::NOTIFY_OK,
            "{}",
            host.last_error()
        );
        host
    }

    #[test]
    fn greets_each_connecting_client() {
        let host = loaded();
        host.config_string("topic", "lobby");
        assert_eq!(host.create(), sys::NOTIFY_OK, "{}", host.last_error());
        assert_eq!(host.start(), sys::NOTIFY_OK, "{}", host.last_error());

        assert!(host.event(sys::NOTIFY_EVENT_CONNECT, "c1", b""));
        let publishes = host.calls_of(NOTIFY_FAKEHOST_PUBLISH);
        assert_eq!(publishes.len(), 1);
        assert_eq!(publishes[0].topics, ["lobby"]);
        assert_eq!(publishes[0].payload, b"hello c1");

        // The handler asked only for connects: a subscribe event is not delivered.
        assert!(!host.event(sys::NOTIFY_EVENT_SUBSCRIBE, "c1", b""));
        assert_eq!(host.calls_of(NOTIFY_FAKEHOST_PUBLISH).len(), 1);
    }

    #[test]
    fn greets_on_greetings_by_default() {
        let host = loaded();
        assert_eq!(host.create(), sys::NOTIFY_OK, "{}", host.last_error());
        assert!(host.event(sys::NOTIFY_EVENT_CONNECT, "c2", b""));
        assert_eq!(
            host.calls_of(NOTIFY_FAKEHOST_PUBLISH)[0].topics,
            ["greetings"]
        );
    }

    #[test]
    fn refuses_an_unknown_key() {
        let host = loaded();
        host.config_string("topik", "lobby");
        assert_ne!(host.create(), sys::NOTIFY_OK);
        assert!(host.last_error().contains("topik"), "{}", host.last_error());
    }
}
