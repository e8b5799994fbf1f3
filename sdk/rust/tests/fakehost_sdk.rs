//! The SDK against the fake host (sdk/fakehost): test plugins linked into this program are
//! loaded through their descriptors exactly as notifyd would, and the fake host records every
//! host call. Needs NOTIFY_FAKEHOST_LIB_DIR (see build.rs); without it this file is one
//! failing test that says so (ctest always sets it).

#[cfg(not(notify_fakehost))]
#[test]
fn fake_host_library_is_linked() {
    panic!(
        "the fake-host tests need the fake host library: build CMake target notify_fakehost and \
         run `NOTIFY_FAKEHOST_LIB_DIR=<folder of libnotify_fakehost.a> cargo test --offline` \
         (ctest's notify_sdk_rust_cargo_test does this)"
    );
}

#[cfg(notify_fakehost)]
#[path = "support/fakehost.rs"]
mod fakehost;

#[cfg(notify_fakehost)]
mod with_fake_host {
    use super::fakehost::*;
    use notify_sdk::sys::{self, notify_plugin_descriptor};
    use notify_sdk::{
        Auth, AuthAnswer, AuthReply, AuthRequest, AuthzRequest, Config, ConfigType, Error, Event,
        EventKind, Handler, Host, Plugin, Target,
    };
    use std::sync::Mutex;
    use std::time::Duration;

    // ---- a handler exercising config access, host calls and panics ---------------------

    #[derive(Debug)]
    struct Settings {
        topic: String,
        count: i64,
        enabled: bool,
        ratio: f64,
        timeout: Duration,
        dir: String,
        names: Vec<String>,
    }

    /// The last settings a TestHandler read (tests run in parallel, each checks its own).
    static LAST_SETTINGS: Mutex<Vec<Settings>> = Mutex::new(Vec::new());

    struct TestHandler {
        host: Host,
        topic: String,
    }

    impl Plugin for TestHandler {
        fn create(host: Host, config: &Config<'_>) -> Result<Self, Error> {
            let count = config.int("count")?.unwrap_or(1);
            if count < 1 {
                return Err(Error::invalid_argument(
                    "config key 'count': must be at least 1",
                ));
            }
            let settings = Settings {
                topic: config.string_or("topic", "room")?,
                count,
                enabled: config.bool("enabled")?.unwrap_or(false),
                ratio: config.double("ratio")?.unwrap_or(0.5),
                timeout: config
                    .duration("timeout")?
                    .unwrap_or(Duration::from_secs(1)),
                dir: config
                    .path("dir")?
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                names: config.string_array("names")?.unwrap_or_default(),
            };
            let topic = settings.topic.clone();
            LAST_SETTINGS.lock().unwrap().push(settings);
            Ok(TestHandler { host, topic })
        }
    }

    impl Handler for TestHandler {
        const EVENT_MASK: u32 = notify_sdk::event_mask(&[EventKind::Connect, EventKind::Data]);
        fn on_event(&self, event: &Event<'_>) {
            match event.kind() {
                EventKind::Connect => {
                    self.host
                        .subscribe(Target::Client, event.client_id(), &self.topic)
                        .unwrap();
                }
                EventKind::Data if event.data() == b"panic" => {
                    panic!("boom from {}", event.client_id())
                }
                EventKind::Data => self
                    .host
                    .publish_to_topic(&self.topic, event.data())
                    .unwrap(),
                _ => {}
            }
        }
    }

    extern "C" fn handler_entry() -> *const notify_plugin_descriptor {
        notify_sdk::plugin_descriptor! {
            plugin: TestHandler,
            name: "test_handler",
            version: "1.2.3",
            description: "SDK test handler",
            kinds: [handler],
            config_keys: [
                ("topic", ConfigType::String, "topic"),
                ("count", ConfigType::Int, "count"),
                ("enabled", ConfigType::Bool, "enabled"),
                ("ratio", ConfigType::Double, "ratio"),
                ("timeout", ConfigType::Duration, "timeout"),
                ("dir", ConfigType::Path, "dir"),
                ("names", ConfigType::StringArray, "names"),
            ],
        }
    }

    fn handler_host() -> FakeHost {
        let host = FakeHost::new();
        assert_eq!(
            host.use_entry(handler_entry),
            sys::NOTIFY_OK,
            "{}",
            host.last_error()
        );
        host
    }

    #[test]
    fn descriptor_names_the_plugin_its_kind_and_keys() {
        let host = handler_host();
        // SAFETY: the fake host returns our static descriptor.
        let descriptor = unsafe { &*host.descriptor() };
        assert_eq!(
            descriptor.size as usize,
            core::mem::size_of::<notify_plugin_descriptor>()
        );
        assert_eq!((descriptor.abi_major, descriptor.abi_minor), (1, 7));
        assert_eq!(descriptor.kinds, sys::NOTIFY_KIND_HANDLER);
        assert_eq!(descriptor.config_key_count, 7);
        // SAFETY: static NUL-terminated strings made by the macro.
        let name = unsafe { core::ffi::CStr::from_ptr(descriptor.name) };
        assert_eq!(name.to_str().unwrap(), "test_handler");
        // SAFETY: as name.
        let version = unsafe { core::ffi::CStr::from_ptr(descriptor.version) };
        assert_eq!(version.to_str().unwrap(), "1.2.3");
        assert!(
            descriptor.auth.is_null()
                && descriptor.broker.is_null()
                && descriptor.transport.is_null()
        );
        // SAFETY: the handler vtable is a static of the macro.
        let vtable = unsafe { &*descriptor.handler };
        assert_eq!(vtable.event_mask, (1 << 1) | (1 << 9));
    }

    #[test]
    fn typed_config_reads_every_type() {
        let host = handler_host();
        host.config_string("topic", "typed-config-room");
        host.config_int("count", 7);
        host.config_bool("enabled", true);
        host.config_double("ratio", 0.25);
        host.config_duration_ms("timeout", 1500);
        host.set_manifest_dir("/etc/notify");
        host.config_path("dir", "plugins/data");
        host.config_string_array("names", &["a", "b"]);
        assert_eq!(host.create(), sys::NOTIFY_OK, "{}", host.last_error());
        let all = LAST_SETTINGS.lock().unwrap();
        let settings = all
            .iter()
            .find(|s| s.topic == "typed-config-room")
            .expect("settings read");
        assert_eq!(settings.count, 7);
        assert!(settings.enabled);
        assert_eq!(settings.ratio, 0.25);
        assert_eq!(settings.timeout, Duration::from_millis(1500));
        assert_eq!(settings.dir, "/etc/notify/plugins/data");
        assert_eq!(settings.names, vec!["a".to_owned(), "b".to_owned()]);
    }

    #[test]
    fn a_create_error_names_the_key() {
        let host = handler_host();
        host.config_int("count", 0);
        assert_eq!(host.create(), sys::NOTIFY_ERR_INVALID_ARGUMENT);
        assert!(
            host.last_error().contains("config key 'count'"),
            "{}",
            host.last_error()
        );
    }

    #[test]
    fn events_become_host_calls_in_order() {
        let host = handler_host();
        host.config_string("topic", "chat");
        assert_eq!(host.create(), sys::NOTIFY_OK, "{}", host.last_error());
        assert!(host.event(sys::NOTIFY_EVENT_CONNECT, "c42", b""));
        assert!(host.event(sys::NOTIFY_EVENT_DATA, "c42", b"hello\0bytes"));
        // Not in the mask: the fake host does not deliver it.
        assert!(!host.event(sys::NOTIFY_EVENT_PUBLISH, "c42", b""));
        let subscribes = host.calls_of(NOTIFY_FAKEHOST_SUBSCRIBE);
        assert_eq!(subscribes.len(), 1);
        assert_eq!(
            (subscribes[0].id.as_str(), subscribes[0].topic.as_str()),
            ("c42", "chat")
        );
        assert_eq!(subscribes[0].target, sys::NOTIFY_TARGET_CLIENT);
        let publishes = host.calls_of(NOTIFY_FAKEHOST_PUBLISH);
        assert_eq!(publishes.len(), 1);
        assert_eq!(publishes[0].topics, vec!["chat".to_owned()]);
        assert_eq!(publishes[0].payload, b"hello\0bytes");
        host.stop();
        host.destroy();
    }

    #[test]
    fn a_panicking_handler_drops_the_event_logs_once_and_keeps_working() {
        let host = handler_host();
        assert_eq!(host.create(), sys::NOTIFY_OK, "{}", host.last_error());
        assert!(host.event(sys::NOTIFY_EVENT_DATA, "c1", b"panic"));
        assert!(host.event(sys::NOTIFY_EVENT_DATA, "c2", b"panic"));
        assert!(host.event(sys::NOTIFY_EVENT_DATA, "c3", b"still here"));
        let panics: Vec<String> = host
            .logs()
            .into_iter()
            .filter(|line| line.contains("panicked"))
            .collect();
        assert_eq!(
            panics,
            vec!["plugin panicked in on_event: boom from c1; failing closed".to_owned()]
        );
        let publishes = host.calls_of(NOTIFY_FAKEHOST_PUBLISH);
        assert_eq!(
            publishes.len(),
            1,
            "the panicking events were dropped, the next one went through"
        );
        assert_eq!(publishes[0].payload, b"still here");
    }

    // ---- an auth plugin: sync, pending from a worker, dropped handle, panics -----------

    struct TestAuth {
        host: Host,
        /// Handles the plugin value owns: dropped (answering DENY) while it is destroyed.
        held: Mutex<Vec<notify_sdk::AuthCompletion>>,
    }

    /// Handles kept outside any plugin value, as a detached thread would, keyed by token.
    static DETACHED_AUTH: Mutex<Vec<(String, notify_sdk::AuthCompletion)>> = Mutex::new(Vec::new());

    fn take_detached_auth(token: &str) -> notify_sdk::AuthCompletion {
        let mut kept = DETACHED_AUTH.lock().unwrap();
        let index = kept.iter().position(|(t, _)| t == token).expect(token);
        kept.remove(index).1
    }

    impl Plugin for TestAuth {
        fn create(host: Host, _config: &Config<'_>) -> Result<Self, Error> {
            Ok(TestAuth {
                host,
                held: Mutex::new(Vec::new()),
            })
        }
    }

    impl Auth for TestAuth {
        fn authenticate(&self, request: &AuthRequest<'_>) -> AuthReply {
            match request.token() {
                "good" => AuthAnswer::allow()
                    .user_id("alice")
                    .info("{\"n\":1}")
                    .topics(vec!["news".into()])
                    .into(),
                "slow" => {
                    let completion = request.complete_later().expect("first take");
                    assert!(
                        request.complete_later().is_none(),
                        "the handle is lent once"
                    );
                    std::thread::spawn(move || {
                        std::thread::sleep(Duration::from_millis(20));
                        completion.complete(AuthAnswer::allow().user_id("bob").expires_at_ms(123));
                    });
                    AuthReply::Pending
                }
                "dropped" => {
                    let completion = request.complete_later().expect("first take");
                    std::thread::spawn(move || drop(completion));
                    AuthReply::Pending
                }
                "panic" => panic!("auth exploded"),
                "forgot" => AuthReply::Pending,
                "held" => {
                    let completion = request.complete_later().expect("first take");
                    self.held.lock().unwrap().push(completion);
                    AuthReply::Pending
                }
                token if token.starts_with("detached-") => {
                    let completion = request.complete_later().expect("first take");
                    DETACHED_AUTH
                        .lock()
                        .unwrap()
                        .push((token.to_owned(), completion));
                    AuthReply::Pending
                }
                "" if !request.token_bytes().is_empty() => {
                    AuthAnswer::deny(format!("not UTF-8: {:?}", request.token_bytes())).into()
                }
                _ => {
                    notify_sdk::log!(self.host, Debug, "unknown token");
                    AuthAnswer::deny("unknown token")
                        .error_code(sys::NOTIFY_AUTH_ERROR_UNAUTHORIZED)
                        .into()
                }
            }
        }
        fn authorize_subscribe(&self, request: &AuthzRequest<'_>) -> AuthReply {
            if request.topic() == "panic" {
                panic!("authorize exploded");
            }
            AuthAnswer::allow().into()
        }
    }

    extern "C" fn auth_entry() -> *const notify_plugin_descriptor {
        notify_sdk::plugin_descriptor! {
            plugin: TestAuth,
            name: "test_auth",
            version: env!("CARGO_PKG_VERSION"),
            description: "SDK test auth",
            kinds: [auth],
            config_keys: [],
        }
    }

    fn auth_host() -> FakeHost {
        let host = FakeHost::new();
        assert_eq!(
            host.use_entry(auth_entry),
            sys::NOTIFY_OK,
            "{}",
            host.last_error()
        );
        assert_eq!(host.create(), sys::NOTIFY_OK, "{}", host.last_error());
        host
    }

    #[test]
    fn a_synchronous_answer_carries_every_field() {
        let host = auth_host();
        let (status, answer) = host.authenticate("good", 1000);
        assert_eq!(status, sys::NOTIFY_OK);
        assert_eq!(answer.status, sys::NOTIFY_OK);
        assert!(!answer.pending);
        assert_eq!(answer.decision, sys::NOTIFY_AUTH_ALLOW);
        assert_eq!(answer.user_id, "alice");
        assert_eq!(answer.info, "{\"n\":1}");
        assert_eq!(answer.topics, vec!["news".to_owned()]);
        let (_, denied) = host.authenticate("nope", 1000);
        assert_eq!(denied.decision, sys::NOTIFY_AUTH_DENY);
        assert_eq!(denied.error_code, 101);
        assert_eq!(denied.reason, "unknown token");
    }

    #[test]
    fn a_pending_answer_comes_from_another_thread() {
        let host = auth_host();
        let (status, answer) = host.authenticate("slow", 2000);
        assert_eq!(status, sys::NOTIFY_OK);
        assert!(answer.pending && answer.answered, "{answer:?}");
        assert_eq!(answer.status, sys::NOTIFY_PENDING);
        assert_eq!(answer.decision, sys::NOTIFY_AUTH_ALLOW);
        assert_eq!(answer.user_id, "bob");
        assert_eq!(answer.expires_at_ms, 123);
        assert_eq!(host.calls_of(NOTIFY_FAKEHOST_AUTH_COMPLETE).len(), 1);
    }

    #[test]
    fn a_dropped_completion_denies() {
        let host = auth_host();
        let (_, answer) = host.authenticate("dropped", 2000);
        assert!(answer.pending && answer.answered, "{answer:?}");
        assert_eq!(answer.decision, sys::NOTIFY_AUTH_DENY);
        assert!(
            host.logs()
                .iter()
                .any(|line| line.contains("dropped unanswered"))
        );
    }

    #[test]
    fn a_handle_answered_after_destroy_makes_no_host_call() {
        let host = auth_host();
        // Timeout 0: the fake host reports the requests as still pending and moves on.
        for token in ["held", "detached-complete", "detached-drop"] {
            assert_eq!(
                host.authenticate(token, 0).0,
                sys::NOTIFY_PENDING,
                "{token}"
            );
        }
        assert_eq!(host.calls_of(NOTIFY_FAKEHOST_AUTH_COMPLETE).len(), 0);
        host.destroy();
        // The handle the plugin value held was dropped during destroy: its DENY went out.
        let answered = host.calls_of(NOTIFY_FAKEHOST_AUTH_COMPLETE);
        assert_eq!(answered.len(), 1, "{answered:?}");
        assert_eq!(answered[0].number, u64::from(sys::NOTIFY_AUTH_DENY));
        let calls_at_destroy = host.calls().len();

        // The detached handles outlive the instance: neither answers nor logs through the host.
        take_detached_auth("detached-complete").complete(AuthAnswer::allow().user_id("late"));
        let dropped = take_detached_auth("detached-drop");
        std::thread::spawn(move || drop(dropped)).join().unwrap();
        assert_eq!(host.calls_of(NOTIFY_FAKEHOST_AUTH_COMPLETE).len(), 1);
        assert_eq!(host.calls().len(), calls_at_destroy, "{:?}", host.calls());
    }

    #[test]
    fn a_non_utf8_token_is_empty_text_but_its_bytes_are_kept() {
        let host = auth_host();
        let (_, answer) = host.authenticate_bytes(b"\xff\xfeab", 1000);
        assert_eq!(answer.decision, sys::NOTIFY_AUTH_DENY);
        assert_eq!(answer.reason, "not UTF-8: [255, 254, 97, 98]");
        // A really absent token is still "" with no bytes: the generic deny.
        let (_, none) = host.authenticate("", 1000);
        assert_eq!(none.reason, "unknown token");
    }

    #[test]
    fn pending_without_a_handle_denies_instead_of_hanging() {
        let host = auth_host();
        let (_, answer) = host.authenticate("forgot", 1000);
        assert!(!answer.pending);
        assert_eq!(answer.decision, sys::NOTIFY_AUTH_DENY);
    }

    #[test]
    fn a_panicking_auth_denies_logs_once_and_keeps_working() {
        let host = auth_host();
        let (_, first) = host.authenticate("panic", 1000);
        assert_eq!(first.decision, sys::NOTIFY_AUTH_DENY);
        assert_eq!(first.reason, "internal error");
        let (_, again) = host.authorize_subscribe("panic", 1000);
        assert_eq!(again.decision, sys::NOTIFY_AUTH_DENY);
        let (_, good) = host.authenticate("good", 1000);
        assert_eq!(good.decision, sys::NOTIFY_AUTH_ALLOW);
        let (_, allowed) = host.authorize_subscribe("news", 1000);
        assert_eq!(allowed.decision, sys::NOTIFY_AUTH_ALLOW);
        let panics: Vec<String> = host
            .logs()
            .into_iter()
            .filter(|line| line.contains("panicked"))
            .collect();
        assert_eq!(
            panics,
            vec!["plugin panicked in authenticate: auth exploded; failing closed".to_owned()]
        );
    }

    // ---- a broker: sync, pending, dropped handle, panic (vtable called directly) -----------

    struct TestBroker;

    /// Publish handles kept outside the plugin value (one test uses them).
    static DETACHED_PUBLISH: Mutex<Vec<notify_sdk::PublishCompletion>> = Mutex::new(Vec::new());

    impl Plugin for TestBroker {
        fn create(_host: Host, _config: &Config<'_>) -> Result<Self, Error> {
            Ok(TestBroker)
        }
    }

    impl notify_sdk::Broker for TestBroker {
        const CAPABILITIES: u32 = sys::NOTIFY_BROKER_CAP_HISTORY;
        fn publish(&self, publish: &notify_sdk::BrokerPublish<'_>) -> notify_sdk::BrokerReply {
            use notify_sdk::{BrokerReply, StreamPosition};
            match publish.topic() {
                "slow" => {
                    let completion = publish.complete_later().expect("first take");
                    std::thread::spawn(move || {
                        completion.complete(Ok(StreamPosition {
                            offset: 7,
                            epoch: "e1".into(),
                        }))
                    });
                    BrokerReply::Pending
                }
                "dropped" => {
                    drop(publish.complete_later());
                    BrokerReply::Pending
                }
                "detached" => {
                    let completion = publish.complete_later().expect("first take");
                    DETACHED_PUBLISH.lock().unwrap().push(completion);
                    BrokerReply::Pending
                }
                "panic" => panic!("broker exploded"),
                _ => BrokerReply::Done(Ok(StreamPosition {
                    offset: publish.payload().len() as u64,
                    epoch: "e0".into(),
                })),
            }
        }
        fn history_read(
            &self,
            request: &notify_sdk::HistoryRequest<'_>,
            sink: &mut dyn FnMut(notify_sdk::HistoryEntry<'_>) -> bool,
        ) -> Result<notify_sdk::StreamPosition, Error> {
            for offset in request.since_offset() + 1..=3 {
                if !sink(notify_sdk::HistoryEntry {
                    offset,
                    time_ms: 0,
                    payload: b"m",
                }) {
                    break;
                }
            }
            Ok(notify_sdk::StreamPosition {
                offset: 3,
                epoch: "e0".into(),
            })
        }
    }

    extern "C" fn broker_entry() -> *const notify_plugin_descriptor {
        notify_sdk::plugin_descriptor! {
            plugin: TestBroker,
            name: "test_broker",
            version: "0",
            description: "SDK test broker",
            kinds: [broker],
            config_keys: [],
        }
    }

    /// Calls the broker's publish vtable member as the host would; returns the status, the
    /// position's offset and epoch (copied right after the call) and the error message.
    fn broker_publish(host: &FakeHost, topic: &str, payload: &[u8]) -> (i32, u64, String, String) {
        // SAFETY: the descriptor and vtable are the plugin's statics; the instance is live.
        unsafe {
            let vtable = &*(*host.descriptor()).broker;
            let publish = sys::notify_broker_publish {
                size: core::mem::size_of::<sys::notify_broker_publish>() as u32,
                request_id: 99,
                topic: sys::notify_str {
                    data: topic.as_ptr().cast(),
                    len: topic.len(),
                },
                payload: sys::notify_bytes {
                    data: payload.as_ptr(),
                    len: payload.len(),
                },
                time_ms: 0,
                history: core::ptr::null(),
                publish_key: sys::notify_str {
                    data: core::ptr::null(),
                    len: 0,
                },
            };
            let mut position: sys::notify_stream_position = core::mem::zeroed();
            position.size = core::mem::size_of::<sys::notify_stream_position>() as u32;
            let mut err: sys::notify_error = core::mem::zeroed();
            let status =
                (vtable.publish.unwrap())(host.instance(), &publish, &mut position, &mut err);
            let epoch = if position.epoch.data.is_null() {
                String::new()
            } else {
                let bytes = core::slice::from_raw_parts(
                    position.epoch.data.cast::<u8>(),
                    position.epoch.len,
                );
                String::from_utf8_lossy(bytes).into_owned()
            };
            let message = core::ffi::CStr::from_ptr(err.message.as_ptr())
                .to_string_lossy()
                .into_owned();
            (status, position.offset, epoch, message)
        }
    }

    unsafe extern "C" fn collect_history(
        sink_ctx: *mut core::ffi::c_void,
        offset: u64,
        _time: i64,
        _p: sys::notify_bytes,
    ) -> bool {
        // SAFETY: the test passes a Vec<u64> as the sink context.
        let offsets = unsafe { &mut *sink_ctx.cast::<Vec<u64>>() };
        offsets.push(offset);
        offsets.len() < 2
    }

    #[test]
    fn a_broker_answers_now_later_and_fails_closed() {
        let host = FakeHost::new();
        assert_eq!(
            host.use_entry(broker_entry),
            sys::NOTIFY_OK,
            "{}",
            host.last_error()
        );
        assert_eq!(host.create(), sys::NOTIFY_OK, "{}", host.last_error());

        assert_eq!(
            broker_publish(&host, "news", b"12345"),
            (sys::NOTIFY_OK, 5, "e0".to_owned(), String::new())
        );

        let (status, ..) = broker_publish(&host, "slow", b"x");
        assert_eq!(status, sys::NOTIFY_PENDING);
        assert!(host.wait_for(NOTIFY_FAKEHOST_BROKER_PUBLISH_COMPLETE, 1, 2000));
        let done = &host.calls_of(NOTIFY_FAKEHOST_BROKER_PUBLISH_COMPLETE)[0];
        assert_eq!(
            (done.request_id, done.status, done.number),
            (99, sys::NOTIFY_OK, 7)
        );

        let (status, ..) = broker_publish(&host, "dropped", b"x");
        assert_eq!(status, sys::NOTIFY_PENDING);
        assert!(host.wait_for(NOTIFY_FAKEHOST_BROKER_PUBLISH_COMPLETE, 2, 2000));
        assert_eq!(
            host.calls_of(NOTIFY_FAKEHOST_BROKER_PUBLISH_COMPLETE)[1].status,
            sys::NOTIFY_ERR_INTERNAL
        );

        let (status, _, _, message) = broker_publish(&host, "panic", b"x");
        assert_eq!(status, sys::NOTIFY_ERR_INTERNAL);
        assert!(message.contains("internal error"), "{message}");
        assert!(
            host.logs().contains(
                &"plugin panicked in publish: broker exploded; failing closed".to_owned()
            )
        );
        assert_eq!(
            broker_publish(&host, "news", b"1").0,
            sys::NOTIFY_OK,
            "still serving"
        );

        // history_read feeds the host's sink until it says stop, then reports the position.
        // SAFETY: as broker_publish; the sink context is a live Vec.
        unsafe {
            let vtable = &*(*host.descriptor()).broker;
            let topic = "news";
            let request = sys::notify_history_request {
                size: core::mem::size_of::<sys::notify_history_request>() as u32,
                topic: sys::notify_str {
                    data: topic.as_ptr().cast(),
                    len: topic.len(),
                },
                since_offset: 0,
                limit: 0,
                history: core::ptr::null(),
            };
            let mut offsets: Vec<u64> = Vec::new();
            let mut current: sys::notify_stream_position = core::mem::zeroed();
            let mut err: sys::notify_error = core::mem::zeroed();
            let status = (vtable.history_read.unwrap())(
                host.instance(),
                &request,
                Some(collect_history),
                (&mut offsets as *mut Vec<u64>).cast(),
                &mut current,
                &mut err,
            );
            assert_eq!(status, sys::NOTIFY_OK);
            assert_eq!(offsets, vec![1, 2]);
            assert_eq!(current.offset, 3);
        }
    }

    #[test]
    fn a_publish_handle_answered_after_destroy_makes_no_host_call() {
        let host = FakeHost::new();
        assert_eq!(
            host.use_entry(broker_entry),
            sys::NOTIFY_OK,
            "{}",
            host.last_error()
        );
        assert_eq!(host.create(), sys::NOTIFY_OK, "{}", host.last_error());
        assert_eq!(
            broker_publish(&host, "detached", b"x").0,
            sys::NOTIFY_PENDING
        );
        assert_eq!(
            broker_publish(&host, "detached", b"y").0,
            sys::NOTIFY_PENDING
        );
        host.destroy();
        let calls_at_destroy = host.calls().len();
        let mut kept = std::mem::take(&mut *DETACHED_PUBLISH.lock().unwrap());
        assert_eq!(kept.len(), 2);
        kept.pop().unwrap().complete(Ok(notify_sdk::StreamPosition {
            offset: 1,
            epoch: "late".into(),
        }));
        drop(kept);
        assert_eq!(
            host.calls_of(NOTIFY_FAKEHOST_BROKER_PUBLISH_COMPLETE).len(),
            0
        );
        assert_eq!(host.calls().len(), calls_at_destroy, "{:?}", host.calls());
    }

    // ---- a transport: frames retained past the call and released exactly once ------------

    struct TestTransport {
        queued: Mutex<Vec<(u64, notify_sdk::RetainedFrame)>>,
        seen: Mutex<Vec<Vec<u8>>>,
    }

    impl Plugin for TestTransport {
        fn create(_host: Host, _config: &Config<'_>) -> Result<Self, Error> {
            Ok(TestTransport {
                queued: Mutex::new(Vec::new()),
                seen: Mutex::new(Vec::new()),
            })
        }
    }

    impl notify_sdk::Transport for TestTransport {
        fn deliver(&self, frame: &notify_sdk::Frame<'_>, conns: &[u64]) {
            if conns.contains(&666) {
                panic!("deliver exploded");
            }
            self.seen
                .lock()
                .unwrap()
                .push(frame.bytes(notify_sdk::Encoding::Json).to_vec());
            let mut queued = self.queued.lock().unwrap();
            for &conn in conns {
                queued.push((conn, frame.retain()));
            }
        }
        fn close(&self, conn: u64, _code: u16, _reason: &str) {
            let mut queued = self.queued.lock().unwrap();
            let mut index = 0;
            while index < queued.len() {
                if queued[index].0 == conn {
                    let (_, frame) = queued.remove(index);
                    assert_eq!(frame.bytes(notify_sdk::Encoding::Binary), b"\x01\x02");
                } else {
                    index += 1;
                }
            }
        }
    }

    extern "C" fn transport_entry() -> *const notify_plugin_descriptor {
        notify_sdk::plugin_descriptor! {
            plugin: TestTransport,
            name: "test_transport",
            version: "0",
            description: "SDK test transport",
            kinds: [transport],
            config_keys: [],
        }
    }

    #[test]
    fn a_transport_keeps_frames_until_it_lets_go() {
        let host = FakeHost::new();
        assert_eq!(
            host.use_entry(transport_entry),
            sys::NOTIFY_OK,
            "{}",
            host.last_error()
        );
        assert_eq!(host.create(), sys::NOTIFY_OK, "{}", host.last_error());
        host.deliver(b"{\"a\":1}", b"\x01\x02", &[1, 2]);
        assert_eq!(host.frames_alive(), 1, "one frame, two references");
        host.close(1, sys::NOTIFY_CLOSE_NORMAL, "bye");
        assert_eq!(host.frames_alive(), 1);
        host.close(2, sys::NOTIFY_CLOSE_NORMAL, "bye");
        assert_eq!(
            host.frames_alive(),
            0,
            "every retained reference released once"
        );

        host.deliver(b"{}", b"", &[666]);
        assert_eq!(
            host.frames_alive(),
            0,
            "a panicking deliver drops the frame"
        );
        assert!(
            host.logs().contains(
                &"plugin panicked in deliver: deliver exploded; failing closed".to_owned()
            )
        );
        host.deliver(b"{\"b\":2}", b"", &[3]);
        assert_eq!(host.frames_alive(), 1, "still serving");
        host.stop();
        host.destroy();
        assert_eq!(
            host.frames_alive(),
            0,
            "dropping the instance released its frames"
        );
    }
}
