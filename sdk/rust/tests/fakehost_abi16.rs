//! ABI 1.6 through the SDK against the fake host: `Host::metric` and `Metric` updates (values
//! read back from the fake host, refusals, an older host), `set_ready`, `log_enabled`,
//! `stats_view`, and `Plugin::reconfigure` wired into the descriptor only for plugins that set
//! `RECONFIGURABLE`. Needs NOTIFY_FAKEHOST_LIB_DIR (see build.rs); ctest sets it.

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
    use notify_sdk::sys::{self, notify_plugin_descriptor};
    use notify_sdk::{
        Config, ConfigType, Error, Event, Handler, Host, LogLevel, Metric, MetricKind, Plugin,
        StatsViewKind,
    };
    use std::sync::Mutex;

    fn assert_handle<T: Copy + Send + Sync + 'static>() {}

    #[test]
    fn metrics_register_update_and_read_back() {
        assert_handle::<Metric>();
        let fake = FakeHost::new();
        let host = fake.host();
        let decisions = |outcome| {
            host.metric(
                MetricKind::Counter,
                "notify_rs_decisions_total",
                "Decisions by outcome",
                &[("outcome", outcome)],
                &[],
            )
            .unwrap()
        };
        // The same name and label values: the same series, through two handles.
        let (ok, same) = (decisions("ok"), decisions("ok"));
        let depth = host
            .metric(
                MetricKind::Gauge,
                "notify_rs_queue_depth",
                "Queued",
                &[],
                &[],
            )
            .unwrap();
        let latency = host
            .metric(
                MetricKind::Histogram,
                "notify_rs_latency_seconds",
                "Latency",
                &[],
                &[0.01, 0.1],
            )
            .unwrap();

        // Updated from another thread, through copies of the handles.
        std::thread::spawn(move || {
            ok.add(2.0);
            same.add(1.0);
            ok.add(-5.0); // ignored by the host: counters only grow
            depth.set(10.0);
            depth.add(-4.0);
            latency.observe(0.05);
            latency.observe(3.0);
        })
        .join()
        .unwrap();

        assert_eq!(
            fake.metric_value("notify_rs_decisions_total", &["ok"]),
            Some(3.0)
        );
        assert_eq!(fake.metric_value("notify_rs_queue_depth", &[]), Some(6.0));
        assert_eq!(
            fake.metric_histogram("notify_rs_latency_seconds", &[]),
            Some((2, 3.05))
        );
        let text = host.stats_view(StatsViewKind::Prometheus).unwrap().unwrap();
        assert!(
            text.contains("notify_rs_decisions_total{outcome=\"ok\"} 3\n"),
            "{text}"
        );
        assert!(
            text.contains("notify_rs_latency_seconds_bucket{le=\"0.1\"} 1\n"),
            "{text}"
        );
        let json = host.stats_view(StatsViewKind::Json).unwrap().unwrap();
        assert!(
            json.contains("\"name\":\"notify_rs_queue_depth\""),
            "{json}"
        );
    }

    #[test]
    fn a_metric_breaking_the_rules_is_refused_with_the_status() {
        let fake = FakeHost::new();
        let host = fake.host();
        let counter = host.metric(
            MetricKind::Counter,
            "notify_rs_requests",
            "no _total",
            &[],
            &[],
        );
        let error = counter.expect_err("refused");
        assert_eq!(error.status(), sys::NOTIFY_ERR_INVALID_ARGUMENT);
        assert!(error.message().contains("notify_rs_requests"), "{error}");
        let registered = fake.calls_of(NOTIFY_FAKEHOST_METRIC_REGISTER);
        assert!(registered[0].text.contains("_total"), "{:?}", registered[0]);

        let descending = host.metric(
            MetricKind::Histogram,
            "notify_rs_seconds",
            "h",
            &[],
            &[1.0, 0.5],
        );
        assert_eq!(
            descending.err().map(|e| e.status()),
            Some(sys::NOTIFY_ERR_INVALID_ARGUMENT)
        );
        let labels = [("a", "1"), ("b", "2"), ("c", "3"), ("d", "4"), ("e", "5")];
        assert!(
            host.metric(MetricKind::Gauge, "notify_rs_wide", "w", &labels, &[])
                .is_err()
        );
    }

    #[test]
    fn an_older_host_has_no_operations() {
        let fake = FakeHost::new();
        let (api, ctx) = fake.host().raw();
        // A 1.5 host: the same table, its size ending before metric_register.
        // SAFETY: the fake host's table, valid until free; a copy we own.
        let mut older = unsafe { *api };
        older.size = core::mem::offset_of!(sys::notify_host_api, metric_register) as u32;
        // SAFETY: `older` outlives `host` (both end with this test); ctx is the fake host's.
        let host = unsafe { Host::from_raw(&older, ctx) };
        let error = host
            .metric(MetricKind::Gauge, "notify_rs_gauge", "g", &[], &[])
            .expect_err("unsupported");
        assert_eq!(error.status(), sys::NOTIFY_ERR_UNSUPPORTED);
        let none = Metric::none();
        none.add(1.0);
        none.set(1.0);
        none.observe(1.0);
        assert!(host.set_ready(false, "down").is_none());
        assert!(host.stats_view(StatsViewKind::Health).is_none());
        assert!(host.log_enabled(LogLevel::Debug));
        assert!(fake.calls_of(NOTIFY_FAKEHOST_METRIC_REGISTER).is_empty());
        assert!(fake.calls_of(NOTIFY_FAKEHOST_SET_READY).is_empty());
    }

    #[test]
    fn readiness_and_log_levels_reach_the_host() {
        let fake = FakeHost::new();
        let host = fake.host();
        assert_eq!(host.set_ready(false, "bus lost"), Some(()));
        let health = host.stats_view(StatsViewKind::Health).unwrap().unwrap();
        assert!(health.contains("\"ready\":false"), "{health}");
        assert_eq!(host.set_ready(true, ""), Some(()));
        let changes = fake.calls_of(NOTIFY_FAKEHOST_SET_READY);
        assert_eq!(changes.len(), 2);
        assert_eq!(
            (changes[0].number, changes[0].text.as_str()),
            (0, "bus lost")
        );
        assert_eq!(changes[1].number, 1);

        assert!(host.log_enabled(LogLevel::Debug));
        fake.set_log_level(sys::NOTIFY_LOG_WARN);
        assert!(!host.log_enabled(LogLevel::Info));
        assert!(host.log_enabled(LogLevel::Error));
        let logs = host.stats_view(StatsViewKind::RecentLogs).unwrap().unwrap();
        assert_eq!(logs, "{\"entries\":[]}");
    }

    // ---- reconfigure ----------------------------------------------------------------------

    /// Applies a changed `room` live, logging "room: <old> -> <new>"; refuses "bad" and panics
    /// on "panic".
    struct Room {
        host: Host,
        room: Mutex<String>,
    }

    fn room_of(config: &Config<'_>) -> Result<String, Error> {
        config.string_or("room", "lobby")
    }

    impl Plugin for Room {
        const RECONFIGURABLE: bool = true;
        fn create(host: Host, config: &Config<'_>) -> Result<Self, Error> {
            Ok(Room {
                host,
                room: Mutex::new(room_of(config)?),
            })
        }
        fn reconfigure(&self, config: &Config<'_>) -> Result<(), Error> {
            let next = room_of(config)?;
            match next.as_str() {
                "bad" => Err(Error::invalid_argument("room 'bad' is not allowed")),
                "panic" => panic!("reconfigure blew up"),
                _ => {
                    let mut room = self.room.lock().unwrap();
                    notify_sdk::log!(self.host, Info, "room: {} -> {next}", *room);
                    *room = next;
                    Ok(())
                }
            }
        }
    }
    impl Handler for Room {
        const EVENT_MASK: u32 = 0;
        fn on_event(&self, _event: &Event<'_>) {}
    }

    /// The same without RECONFIGURABLE: its reconfigure must never be reachable.
    struct Fixed;
    impl Plugin for Fixed {
        fn create(_host: Host, _config: &Config<'_>) -> Result<Self, Error> {
            Ok(Fixed)
        }
    }
    impl Handler for Fixed {
        const EVENT_MASK: u32 = 0;
        fn on_event(&self, _event: &Event<'_>) {}
    }

    extern "C" fn room_entry() -> *const notify_plugin_descriptor {
        notify_sdk::plugin_descriptor! {
            plugin: Room, name: "room", version: "1", description: "d",
            kinds: [handler],
            config_keys: [("room", ConfigType::String, "the room")],
        }
    }
    extern "C" fn fixed_entry() -> *const notify_plugin_descriptor {
        notify_sdk::plugin_descriptor! {
            plugin: Fixed, name: "fixed", version: "1", description: "d",
            kinds: [handler],
            config_keys: [("room", ConfigType::String, "the room")],
        }
    }

    #[test]
    fn only_a_reconfigurable_plugin_gets_a_reconfigure() {
        // SAFETY: static descriptors returned by the entries.
        let (room_descriptor, fixed_descriptor) = unsafe { (&*room_entry(), &*fixed_entry()) };
        assert!(room_descriptor.reconfigure.is_some());
        assert!(fixed_descriptor.reconfigure.is_none());
        assert_eq!(
            room_descriptor.size as usize,
            core::mem::size_of::<notify_plugin_descriptor>()
        );

        let fake = FakeHost::new();
        assert_eq!(fake.use_entry(fixed_entry), sys::NOTIFY_OK);
        assert_eq!(fake.create(), sys::NOTIFY_OK);
        fake.config_string("room", "hall");
        assert_eq!(fake.reconfigure(), sys::NOTIFY_ERR_UNSUPPORTED);
        assert!(
            fake.last_error().contains("needs a restart"),
            "{}",
            fake.last_error()
        );
    }

    #[test]
    fn reconfigure_applies_all_or_keeps_the_old_configuration() {
        let fake = FakeHost::new();
        assert_eq!(fake.use_entry(room_entry), sys::NOTIFY_OK);
        assert_eq!(fake.create(), sys::NOTIFY_OK);
        assert_eq!(fake.start(), sys::NOTIFY_OK);

        fake.config_string("room", "hall");
        assert_eq!(fake.reconfigure(), sys::NOTIFY_OK);
        assert_eq!(fake.logs(), ["room: lobby -> hall"]);

        fake.config_string("room", "bad");
        assert_eq!(fake.reconfigure(), sys::NOTIFY_ERR_INVALID_ARGUMENT);
        assert_eq!(fake.last_error(), "room 'bad' is not allowed");

        // A panic fails closed: INTERNAL, logged once, the instance keeps serving.
        fake.config_string("room", "panic");
        assert_eq!(fake.reconfigure(), sys::NOTIFY_ERR_INTERNAL);
        assert!(
            fake.logs()
                .iter()
                .any(|line| line.contains("plugin panicked in reconfigure")),
            "{:?}",
            fake.logs()
        );

        fake.config_remove("room");
        assert_eq!(fake.reconfigure(), sys::NOTIFY_OK);
        assert_eq!(
            fake.logs().last().map(String::as_str),
            Some("room: hall -> lobby")
        );
        fake.destroy();
    }
}
