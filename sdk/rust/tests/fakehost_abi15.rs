//! ABI 1.5 through the SDK against the fake host: `Host::api_call` (answers owned, delivered
//! after the call, panics caught, older hosts and refusals drop the closure uncalled), the
//! events' `close_code` and `reason`, and the broker's optional `history_remove`. Needs
//! NOTIFY_FAKEHOST_LIB_DIR (see build.rs); ctest sets it.

#[cfg(not(notify_fakehost))]
#[test]
fn fake_host_library_is_linked() {
    panic!(
        "the fake-host tests need the fake host library: build CMake target notify_fakehost and \
         run `NOTIFY_FAKEHOST_LIB_DIR=<folder of libnotify_fakehost.a> cargo test --offline`"
    );
}

#[cfg(notify_fakehost)]
#[path = "support/fakehost.rs"]
mod fakehost;

#[cfg(notify_fakehost)]
mod with_fake_host {
    use super::fakehost::*;
    use core::ffi::{c_char, c_void};
    use notify_sdk::sys::{self, notify_plugin_descriptor};
    use notify_sdk::{
        ApiReply, Broker, BrokerPublish, BrokerReply, Config, Error, Event, EventKind, Handler,
        Host, Plugin, StreamPosition,
    };
    use std::ffi::CStr;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    /// A scripted server API: publish answers a position, anything else 103.
    unsafe extern "C" fn scripted(
        _ctx: *mut c_void,
        method: *const c_char,
        _params: *const c_char,
        _request_id: *const c_char,
        reply: *mut notify_fakehost_api_reply,
    ) {
        // SAFETY: the fake host passes NUL-terminated copies and its reply storage.
        unsafe {
            if CStr::from_ptr(method).to_bytes() == b"publish" {
                (*reply).result = c"{\"positions\":[{\"topic\":\"chat\",\"offset\":41}]}".as_ptr();
            } else {
                (*reply).status = sys::NOTIFY_ERR_NOT_FOUND;
                (*reply).error_code = 103;
                (*reply).error_message = c"unknown method".as_ptr();
            }
        }
    }

    /// Counts drops of what a closure captured (to see a closure dropped without running).
    struct DropCount(Arc<AtomicUsize>);
    impl Drop for DropCount {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn api_call_answers_an_owned_reply_after_the_call() {
        let fake = FakeHost::new();
        // SAFETY: no context.
        unsafe { fake.set_api_handler(Some(scripted), core::ptr::null_mut()) };
        let host = fake.host();
        let (tx, rx) = mpsc::channel::<ApiReply>();
        let tx2 = tx.clone();
        let accepted = host.api_call(
            "publish",
            r#"{"topic":"chat","data":"hi"}"#,
            "req-1",
            move |reply| tx.send(reply).unwrap(),
        );
        assert_eq!(accepted, Some(Ok(())));
        assert_eq!(
            host.api_call("nope", "", "", move |reply| tx2.send(reply).unwrap()),
            Some(Ok(()))
        );
        // Never inside api_call: nothing yet.
        assert!(rx.try_recv().is_err());
        assert_eq!(fake.api_pending(), 2);
        assert_eq!(fake.api_deliver(), 2);

        let ok = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert!(ok.is_ok());
        assert_eq!(ok.error_code, 0);
        assert_eq!(ok.error_message, "");
        assert_eq!(
            ok.clone().into_result().unwrap(),
            r#"{"positions":[{"topic":"chat","offset":41}]}"#
        );
        let failed = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert!(!failed.is_ok());
        assert_eq!(failed.status, sys::NOTIFY_ERR_NOT_FOUND);
        assert_eq!(failed.error_code, 103);
        assert_eq!(failed.error_message, "unknown method");
        assert_eq!(failed.result, "");
        assert_eq!(failed.clone().into_result(), Err(failed));

        let calls = fake.calls_of(NOTIFY_FAKEHOST_API_CALL);
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[0].text, "publish");
        assert_eq!(calls[0].payload, br#"{"topic":"chat","data":"hi"}"#);
        assert_eq!(calls[0].id, "req-1");
        assert_eq!(fake.calls_of(NOTIFY_FAKEHOST_API_REPLY).len(), 2);
    }

    #[test]
    fn without_a_handler_the_fake_host_answers_103() {
        let fake = FakeHost::new();
        let (tx, rx) = mpsc::channel::<ApiReply>();
        let accepted = fake
            .host()
            .api_call("info", "{}", "", move |reply| tx.send(reply).unwrap());
        assert_eq!(accepted, Some(Ok(())));
        fake.api_deliver();
        let reply = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(reply.status, sys::NOTIFY_ERR_UNSUPPORTED);
        assert_eq!(reply.error_code, 103);
        assert_eq!(reply.error_message, "no API handler in the fake host");
    }

    #[test]
    fn an_older_host_answers_none_and_drops_the_closure_uncalled() {
        let fake = FakeHost::new();
        let (api, ctx) = fake.host().raw();
        // A 1.4 host: the same table, its size ending before api_call.
        // SAFETY: the fake host's table, valid until free; a copy we own.
        let mut older = unsafe { *api };
        older.size = core::mem::offset_of!(sys::notify_host_api, api_call) as u32;
        // SAFETY: `older` outlives `host` (both end with this test); ctx is the fake host's.
        let host = unsafe { Host::from_raw(&older, ctx) };
        let drops = Arc::new(AtomicUsize::new(0));
        let called = Arc::new(AtomicUsize::new(0));
        let (guard, seen) = (DropCount(drops.clone()), called.clone());
        let answer = host.api_call("info", "{}", "", move |_reply| {
            let _guard = &guard;
            seen.fetch_add(1, Ordering::SeqCst);
        });
        assert!(answer.is_none());
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        // A NULL member reads the same as a missing one.
        older.size = core::mem::size_of::<sys::notify_host_api>() as u32;
        older.api_call = None;
        // SAFETY: as above.
        let host = unsafe { Host::from_raw(&older, ctx) };
        assert!(host.api_call("info", "{}", "", |_| {}).is_none());
        assert!(fake.calls_of(NOTIFY_FAKEHOST_API_CALL).is_empty());
        assert_eq!(called.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn a_panicking_callback_is_caught_and_the_next_call_works() {
        let fake = FakeHost::new();
        // SAFETY: no context.
        unsafe { fake.set_api_handler(Some(scripted), core::ptr::null_mut()) };
        let host = fake.host();
        assert_eq!(
            host.api_call("publish", "{}", "", |_| panic!("callback boom")),
            Some(Ok(()))
        );
        assert_eq!(fake.api_deliver(), 1);
        let (tx, rx) = mpsc::channel::<ApiReply>();
        host.api_call("publish", "{}", "", move |reply| tx.send(reply).unwrap())
            .unwrap()
            .unwrap();
        fake.api_deliver();
        assert!(rx.recv_timeout(Duration::from_secs(5)).unwrap().is_ok());
    }

    // ---- a handler plugin: api_call from on_event, answers from the fake host's thread; and
    // ---- close_code / reason ------------------------------------------------------------

    static REPLIES: Mutex<Vec<(String, ApiReply)>> = Mutex::new(Vec::new());
    static GONE: Mutex<Vec<(String, u16, String)>> = Mutex::new(Vec::new());

    struct FrontEnd {
        host: Host,
    }

    impl Plugin for FrontEnd {
        fn create(host: Host, _config: &Config<'_>) -> Result<Self, Error> {
            Ok(FrontEnd { host })
        }
    }

    impl Handler for FrontEnd {
        const EVENT_MASK: u32 = notify_sdk::event_mask(&[
            EventKind::Data,
            EventKind::Inactivate,
            EventKind::Disconnect,
        ]);
        fn on_event(&self, event: &Event<'_>) {
            match event.kind() {
                EventKind::Data => {
                    let id = event.client_id().to_owned();
                    let params = String::from_utf8_lossy(event.data()).into_owned();
                    let key = id.clone();
                    self.host
                        .api_call("publish", &params, &id, move |reply| {
                            REPLIES.lock().unwrap().push((key, reply));
                        })
                        .expect("a 1.5 host")
                        .expect("accepted");
                }
                _ => GONE.lock().unwrap().push((
                    event.client_id().to_owned(),
                    event.close_code(),
                    event.reason().to_owned(),
                )),
            }
        }
    }

    extern "C" fn front_end_entry() -> *const notify_plugin_descriptor {
        notify_sdk::plugin_descriptor! {
            plugin: FrontEnd,
            name: "front_end",
            version: "1",
            description: "SDK ABI 1.5 test handler",
            kinds: [handler],
            config_keys: [],
        }
    }

    fn front_end_host() -> FakeHost {
        let fake = FakeHost::new();
        assert_eq!(fake.use_entry(front_end_entry), sys::NOTIFY_OK);
        assert_eq!(fake.create(), sys::NOTIFY_OK, "{}", fake.last_error());
        fake
    }

    #[test]
    fn a_plugin_calls_the_api_from_an_event_and_gets_the_answer_on_a_host_thread() {
        let fake = front_end_host();
        // SAFETY: no context.
        unsafe { fake.set_api_handler(Some(scripted), core::ptr::null_mut()) };
        fake.set_api_auto_deliver(true);
        assert!(fake.event(sys::NOTIFY_EVENT_DATA, "api-c1", br#"{"topic":"chat"}"#));
        assert!(fake.wait_for(NOTIFY_FAKEHOST_API_REPLY, 1, 5000));
        let replies = REPLIES.lock().unwrap();
        let (_, reply) = replies
            .iter()
            .find(|(id, _)| id == "api-c1")
            .expect("the reply reached the closure");
        assert!(reply.is_ok());
        assert_eq!(
            reply.result,
            r#"{"positions":[{"topic":"chat","offset":41}]}"#
        );
        drop(replies);
        // After stop: the host refuses, and the closure is dropped uncalled.
        fake.stop();
        let drops = Arc::new(AtomicUsize::new(0));
        let guard = DropCount(drops.clone());
        let refused = fake.host().api_call("info", "{}", "", move |_| {
            let _guard = &guard;
            panic!("must not run");
        });
        assert_eq!(
            refused.map(|result| result.map_err(|error| error.status())),
            Some(Err(sys::NOTIFY_ERR_CLOSED))
        );
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        fake.destroy();
    }

    #[test]
    fn inactivate_and_disconnect_say_why_and_an_older_event_says_nothing() {
        let fake = front_end_host();
        // SAFETY: zeroed is a valid notify_event.
        let mut event: sys::notify_event = unsafe { core::mem::zeroed() };
        event.type_ = sys::NOTIFY_EVENT_INACTIVATE;
        event.client_id = sys::notify_str {
            data: c"why-c1".as_ptr(),
            len: 6,
        };
        event.close_code = sys::NOTIFY_CLOSE_SLOW_CONSUMER;
        event.reason = sys::notify_str {
            data: sys::NOTIFY_REASON_SLOW.as_ptr().cast(),
            len: sys::NOTIFY_REASON_SLOW.len(),
        };
        assert!(fake.event_raw(&event));
        event.type_ = sys::NOTIFY_EVENT_DISCONNECT;
        event.client_id.data = c"why-c2".as_ptr();
        event.close_code = 0;
        event.reason = sys::notify_str {
            data: sys::NOTIFY_REASON_KICKED.as_ptr().cast(),
            len: sys::NOTIFY_REASON_KICKED.len(),
        };
        assert!(fake.event_raw(&event));
        // A 1.4 host's event: the members are past its size.
        event.client_id.data = c"why-c3".as_ptr();
        event.size = core::mem::offset_of!(sys::notify_event, close_code) as u32;
        event.close_code = 4001;
        assert!(fake.event_raw(&event));

        let gone = GONE.lock().unwrap();
        let of = |id: &str| gone.iter().find(|(who, _, _)| who == id).cloned().unwrap();
        assert_eq!(
            of("why-c1"),
            (
                "why-c1".into(),
                sys::NOTIFY_CLOSE_SLOW_CONSUMER,
                "slow".into()
            )
        );
        assert_eq!(of("why-c2"), ("why-c2".into(), 0, "kicked".into()));
        assert_eq!(of("why-c3"), ("why-c3".into(), 0, String::new()));
    }

    // ---- brokers: history_remove is wired only when HISTORY_REMOVE says so -----------------

    static REMOVED: Mutex<Vec<String>> = Mutex::new(Vec::new());

    struct Forgetful;
    impl Plugin for Forgetful {
        fn create(_host: Host, _config: &Config<'_>) -> Result<Self, Error> {
            Ok(Forgetful)
        }
    }
    impl Broker for Forgetful {
        const CAPABILITIES: u32 = sys::NOTIFY_BROKER_CAP_HISTORY;
        const HISTORY_REMOVE: bool = true;
        fn publish(&self, _publish: &BrokerPublish<'_>) -> BrokerReply {
            BrokerReply::Done(Ok(StreamPosition {
                offset: 1,
                epoch: "e".into(),
            }))
        }
        fn history_remove(&self, topic: &str) -> Result<(), Error> {
            if topic == "boom" {
                panic!("history_remove boom");
            }
            if topic == "missing" {
                return Err(Error::io("store unreachable"));
            }
            REMOVED.lock().unwrap().push(topic.to_owned());
            Ok(())
        }
    }

    struct Plain;
    impl Plugin for Plain {
        fn create(_host: Host, _config: &Config<'_>) -> Result<Self, Error> {
            Ok(Plain)
        }
    }
    impl Broker for Plain {
        const CAPABILITIES: u32 = sys::NOTIFY_BROKER_CAP_HISTORY;
        fn publish(&self, _publish: &BrokerPublish<'_>) -> BrokerReply {
            BrokerReply::Done(Err(Error::unsupported("no")))
        }
    }

    extern "C" fn forgetful_entry() -> *const notify_plugin_descriptor {
        notify_sdk::plugin_descriptor! {
            plugin: Forgetful, name: "forgetful", version: "1", description: "d",
            kinds: [broker], config_keys: [],
        }
    }
    extern "C" fn plain_entry() -> *const notify_plugin_descriptor {
        notify_sdk::plugin_descriptor! {
            plugin: Plain, name: "plain", version: "1", description: "d",
            kinds: [broker], config_keys: [],
        }
    }

    fn remove(fake: &FakeHost, topic: &str) -> (i32, String) {
        // SAFETY: the descriptor and vtable are our statics.
        let vtable = unsafe { &*(*fake.descriptor()).broker };
        let history_remove = vtable.history_remove.expect("wired");
        // SAFETY: zeroed is a valid error buffer.
        let mut err: sys::notify_error = unsafe { core::mem::zeroed() };
        let view = sys::notify_str {
            data: topic.as_ptr().cast(),
            len: topic.len(),
        };
        // SAFETY: the instance create made; the view and buffer outlive the call.
        let status = unsafe { history_remove(fake.instance(), view, &mut err) };
        // SAFETY: the SDK NUL-terminates what it writes; untouched bytes are zero.
        let message = unsafe { CStr::from_ptr(err.message.as_ptr()) };
        (status, message.to_string_lossy().into_owned())
    }

    #[test]
    fn history_remove_is_set_only_when_the_broker_says_it_implements_it() {
        let fake = FakeHost::new();
        assert_eq!(fake.use_entry(forgetful_entry), sys::NOTIFY_OK);
        assert_eq!(fake.create(), sys::NOTIFY_OK, "{}", fake.last_error());
        assert_eq!(remove(&fake, "chat"), (sys::NOTIFY_OK, String::new()));
        assert_eq!(REMOVED.lock().unwrap().as_slice(), ["chat".to_owned()]);
        let (status, message) = remove(&fake, "missing");
        assert_eq!(
            (status, message.as_str()),
            (sys::NOTIFY_ERR_IO, "store unreachable")
        );
        let (status, _) = remove(&fake, "boom");
        assert_eq!(status, sys::NOTIFY_ERR_INTERNAL);
        assert!(
            fake.logs()
                .iter()
                .any(|line| line.contains("plugin panicked in history_remove"))
        );
        fake.destroy();

        let plain = FakeHost::new();
        assert_eq!(plain.use_entry(plain_entry), sys::NOTIFY_OK);
        // SAFETY: our static descriptor and vtable.
        let vtable = unsafe { &*(*plain.descriptor()).broker };
        assert!(vtable.history_remove.is_none());
        assert_eq!(
            vtable.size as usize,
            core::mem::size_of::<sys::notify_broker_vtable>()
        );
    }
}
