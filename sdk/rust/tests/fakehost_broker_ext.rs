//! The broker's ABI 1.2–1.4 members (durable subscriptions, cluster, presence) and the host's
//! 1.3 cluster members, on the fake host: vtable members follow the declared capabilities,
//! calls reach the trait and back, undeclared work fails closed, and the host wrappers are
//! recorded (BROKER_MESSAGE, BROKER_COMMAND, CLUSTER_NODE_SEEN) as notifyd would receive them.

#[cfg(not(notify_fakehost))]
#[test]
fn fake_host_library_is_linked() {
    panic!(
        "these tests need the fake host: build CMake target notify_fakehost and run \
         `NOTIFY_FAKEHOST_LIB_DIR=<folder of libnotify_fakehost.a> cargo test --offline`"
    );
}

#[cfg(notify_fakehost)]
#[path = "support/fakehost.rs"]
mod fakehost;

#[cfg(notify_fakehost)]
mod with_fake_host {
    use super::fakehost::*;
    use core::ffi::c_void;
    use notify_sdk::sys::{self, notify_plugin_descriptor};
    use notify_sdk::{
        Broker, BrokerDirect, BrokerPublish, BrokerReply, BusMessage, ClusterCommand,
        ClusterViewKind, CommandKind, Config, DurableSubscription, Error, Host, InterestKind,
        NodeInfo, Plugin, PresenceEntry, PresenceStats, StreamPosition, Target,
    };
    use std::collections::BTreeMap;
    use std::sync::Mutex;

    // ---- a broker with every 1.2–1.4 capability, in memory --------------------------------

    type Record = (String, String, String, u64); // client, user, topic, acked

    struct FullBroker {
        host: Host,
        subscriptions: Mutex<Vec<Record>>,
        interests: Mutex<Vec<(InterestKind, String, bool)>>,
        /// topic -> client -> (user, info)
        presence: Mutex<BTreeMap<String, BTreeMap<String, (String, String)>>>,
    }

    impl Plugin for FullBroker {
        fn create(host: Host, _config: &Config<'_>) -> Result<Self, Error> {
            Ok(FullBroker {
                host,
                subscriptions: Mutex::new(Vec::new()),
                interests: Mutex::new(Vec::new()),
                presence: Mutex::new(BTreeMap::new()),
            })
        }
    }

    impl Broker for FullBroker {
        const CAPABILITIES: u32 = sys::NOTIFY_BROKER_CAP_DURABLE_SUBSCRIPTIONS
            | sys::NOTIFY_BROKER_CAP_CLUSTER
            | sys::NOTIFY_BROKER_CAP_PRESENCE;

        fn publish(&self, _publish: &BrokerPublish<'_>) -> BrokerReply {
            BrokerReply::Done(Ok(StreamPosition {
                offset: 1,
                epoch: "e".into(),
            }))
        }

        fn subscription_save(&self, s: &DurableSubscription<'_>) -> Result<(), Error> {
            let mut records = self.subscriptions.lock().unwrap();
            records.retain(|r| !(r.0 == s.client_id && r.2 == s.topic));
            records.push((
                s.client_id.into(),
                s.user_id.into(),
                s.topic.into(),
                s.acked_offset,
            ));
            Ok(())
        }
        fn subscription_remove(&self, client_id: &str, topic: &str) -> Result<(), Error> {
            let mut records = self.subscriptions.lock().unwrap();
            records.retain(|r| !(r.0 == client_id && r.2 == topic));
            Ok(())
        }
        fn subscriptions_load(
            &self,
            sink: &mut dyn FnMut(&DurableSubscription<'_>) -> bool,
        ) -> Result<(), Error> {
            for (client_id, user_id, topic, acked_offset) in
                self.subscriptions.lock().unwrap().iter()
            {
                let record = DurableSubscription {
                    client_id,
                    user_id,
                    resume_token: "rt",
                    topic,
                    acked_offset: *acked_offset,
                };
                if !sink(&record) {
                    break;
                }
            }
            Ok(())
        }

        fn interest(&self, kind: InterestKind, name: &str, up: bool) -> Result<(), Error> {
            match name {
                "panic" => panic!("interest exploded"),
                "offline" => Err(Error::io("bus unreachable")),
                _ => {
                    self.interests.lock().unwrap().push((kind, name.into(), up));
                    Ok(())
                }
            }
        }
        /// A one-node bus: the direct message comes straight back to this node.
        fn publish_direct(&self, direct: &BrokerDirect<'_>) -> Result<(), Error> {
            self.host
                .broker_message(&BusMessage {
                    clients: &direct.clients,
                    users: &direct.users,
                    payload: direct.payload,
                    time_ms: direct.time_ms,
                    publish_key: direct.publish_key,
                    ..BusMessage::default()
                })
                .ok_or_else(|| Error::unsupported("host older than 1.3"))
        }
        /// Test only: hands the command back as if another node had sent it.
        fn send_command(&self, command: &ClusterCommand<'_>) -> Result<(), Error> {
            self.host
                .broker_command(command)
                .ok_or_else(|| Error::unsupported("host older than 1.3"))
        }

        fn presence_add(&self, topic: &str, entry: &PresenceEntry<'_>) -> Result<(), Error> {
            self.presence
                .lock()
                .unwrap()
                .entry(topic.into())
                .or_default()
                .insert(
                    entry.client_id.into(),
                    (entry.user_id.into(), entry.info.into()),
                );
            Ok(())
        }
        fn presence_remove(&self, topic: &str, client_id: &str) -> Result<(), Error> {
            if let Some(clients) = self.presence.lock().unwrap().get_mut(topic) {
                clients.remove(client_id);
            }
            Ok(())
        }
        fn presence_read(
            &self,
            topic: &str,
            sink: &mut dyn FnMut(&PresenceEntry<'_>) -> bool,
        ) -> Result<(), Error> {
            let presence = self.presence.lock().unwrap();
            for (client_id, (user_id, info)) in presence.get(topic).into_iter().flatten() {
                if !sink(&PresenceEntry {
                    client_id,
                    user_id,
                    info,
                }) {
                    break;
                }
            }
            Ok(())
        }
        fn presence_stats(&self, topic: &str) -> Result<PresenceStats, Error> {
            let presence = self.presence.lock().unwrap();
            let clients = presence.get(topic);
            let mut users: Vec<&str> = clients
                .into_iter()
                .flatten()
                .map(|(_, (user, _))| user.as_str())
                .filter(|user| !user.is_empty())
                .collect();
            users.sort_unstable();
            users.dedup();
            Ok(PresenceStats {
                clients: clients.map_or(0, |c| c.len() as u64),
                users: users.len() as u64,
            })
        }
    }

    extern "C" fn full_entry() -> *const notify_plugin_descriptor {
        notify_sdk::plugin_descriptor! {
            plugin: FullBroker,
            name: "full_broker",
            version: "0",
            description: "SDK test broker with the 1.2-1.4 capabilities",
            kinds: [broker],
            config_keys: [],
        }
    }

    // ---- brokers that declare less --------------------------------------------------------

    struct PlainBroker;
    impl Plugin for PlainBroker {
        fn create(_host: Host, _config: &Config<'_>) -> Result<Self, Error> {
            Ok(PlainBroker)
        }
    }
    impl Broker for PlainBroker {
        fn publish(&self, _publish: &BrokerPublish<'_>) -> BrokerReply {
            BrokerReply::Done(Err(Error::unsupported("no")))
        }
    }
    extern "C" fn plain_entry() -> *const notify_plugin_descriptor {
        notify_sdk::plugin_descriptor! {
            plugin: PlainBroker,
            name: "plain_broker",
            version: "0",
            description: "SDK test broker without capabilities",
            kinds: [broker],
            config_keys: [],
        }
    }

    /// Declares presence but implements none of it: every call must fail, never pretend.
    struct LazyBroker;
    impl Plugin for LazyBroker {
        fn create(_host: Host, _config: &Config<'_>) -> Result<Self, Error> {
            Ok(LazyBroker)
        }
    }
    impl Broker for LazyBroker {
        const CAPABILITIES: u32 = sys::NOTIFY_BROKER_CAP_PRESENCE;
        fn publish(&self, _publish: &BrokerPublish<'_>) -> BrokerReply {
            BrokerReply::Done(Err(Error::unsupported("no")))
        }
    }
    extern "C" fn lazy_entry() -> *const notify_plugin_descriptor {
        notify_sdk::plugin_descriptor! {
            plugin: LazyBroker,
            name: "lazy_broker",
            version: "0",
            description: "SDK test broker declaring presence without it",
            kinds: [broker],
            config_keys: [],
        }
    }

    // ---- helpers: call the vtable as notifyd does ------------------------------------------

    fn created(entry: extern "C" fn() -> *const notify_plugin_descriptor) -> FakeHost {
        let host = FakeHost::new();
        assert_eq!(
            host.use_entry(entry),
            sys::NOTIFY_OK,
            "{}",
            host.last_error()
        );
        assert_eq!(host.create(), sys::NOTIFY_OK, "{}", host.last_error());
        host
    }

    fn vtable(host: &FakeHost) -> sys::notify_broker_vtable {
        // SAFETY: the descriptor and its broker vtable are the plugin's statics.
        unsafe { *(*host.descriptor()).broker }
    }

    fn view(text: &str) -> sys::notify_str {
        sys::notify_str {
            data: text.as_ptr().cast(),
            len: text.len(),
        }
    }

    fn message_of(err: &sys::notify_error) -> String {
        // SAFETY: the SDK NUL-terminates what it writes; a zeroed buffer is "".
        unsafe { core::ffi::CStr::from_ptr(err.message.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    }

    fn new_err() -> sys::notify_error {
        sys::notify_error {
            message: [0; sys::NOTIFY_ERROR_MESSAGE_MAX],
        }
    }

    unsafe extern "C" fn collect_subscription(
        sink_ctx: *mut c_void,
        record: *const sys::notify_durable_subscription,
    ) -> bool {
        // SAFETY: the test passes a Vec<String> as the context; the record is BORROWED.
        let (out, record) = unsafe { (&mut *sink_ctx.cast::<Vec<String>>(), &*record) };
        let text = |v: sys::notify_str| {
            // SAFETY: the record's views are valid during the sink call.
            String::from_utf8_lossy(unsafe { core::slice::from_raw_parts(v.data.cast(), v.len) })
                .into_owned()
        };
        out.push(format!(
            "{}/{}/{}/{}@{}",
            text(record.client_id),
            text(record.user_id),
            text(record.resume_token),
            text(record.topic),
            record.acked_offset
        ));
        true
    }

    unsafe extern "C" fn collect_presence(
        sink_ctx: *mut c_void,
        entry: *const sys::notify_presence_entry,
    ) -> bool {
        // SAFETY: the test passes a Vec<String> as the context; the entry is BORROWED.
        let (out, entry) = unsafe { (&mut *sink_ctx.cast::<Vec<String>>(), &*entry) };
        let text = |v: sys::notify_str| {
            // SAFETY: the entry's views are valid during the sink call.
            String::from_utf8_lossy(unsafe { core::slice::from_raw_parts(v.data.cast(), v.len) })
                .into_owned()
        };
        out.push(format!(
            "{}/{}/{}",
            text(entry.client_id),
            text(entry.user_id),
            text(entry.info)
        ));
        true
    }

    // ---- tests ----------------------------------------------------------------------------

    #[test]
    fn vtable_members_follow_the_declared_capabilities() {
        let plain = created(plain_entry);
        let v = vtable(&plain);
        assert_eq!(v.capabilities, 0);
        assert!(v.publish.is_some());
        assert!(v.subscription_save.is_none() && v.subscription_remove.is_none());
        assert!(v.subscriptions_load.is_none());
        assert!(v.interest.is_none() && v.publish_direct.is_none() && v.send_command.is_none());
        assert!(v.presence_add.is_none() && v.presence_remove.is_none());
        assert!(v.presence_read.is_none() && v.presence_stats.is_none());

        let full = created(full_entry);
        let v = vtable(&full);
        assert_eq!(v.capabilities, FullBroker::CAPABILITIES);
        assert_eq!(
            v.size as usize,
            core::mem::size_of::<sys::notify_broker_vtable>()
        );
        assert!(v.subscription_save.is_some() && v.subscription_remove.is_some());
        assert!(v.subscriptions_load.is_some());
        assert!(v.interest.is_some() && v.publish_direct.is_some() && v.send_command.is_some());
        assert!(v.presence_add.is_some() && v.presence_remove.is_some());
        assert!(v.presence_read.is_some() && v.presence_stats.is_some());

        let lazy = created(lazy_entry);
        let v = vtable(&lazy);
        assert_eq!(v.capabilities, sys::NOTIFY_BROKER_CAP_PRESENCE);
        assert!(v.presence_add.is_some() && v.interest.is_none());
        assert!(v.subscription_save.is_none());
    }

    #[test]
    fn durable_subscriptions_are_saved_removed_and_loaded() {
        let host = created(full_entry);
        let v = vtable(&host);
        let mut err = new_err();
        let save = |client: &str, topic: &str, acked: u64, err: &mut sys::notify_error| {
            let record = sys::notify_durable_subscription {
                size: core::mem::size_of::<sys::notify_durable_subscription>() as u32,
                client_id: view(client),
                user_id: view("u1"),
                resume_token: view("ignored"),
                topic: view(topic),
                acked_offset: acked,
            };
            // SAFETY: the record and its views live until the call returns.
            unsafe { (v.subscription_save.unwrap())(host.instance(), &record, err) }
        };
        assert_eq!(save("c1", "orders", 3, &mut err), sys::NOTIFY_OK);
        assert_eq!(save("c2", "orders", 1, &mut err), sys::NOTIFY_OK);
        assert_eq!(save("c1", "orders", 5, &mut err), sys::NOTIFY_OK); // a later save wins
        // SAFETY: views live until the call returns.
        let status = unsafe {
            (v.subscription_remove.unwrap())(host.instance(), view("c2"), view("orders"), &mut err)
        };
        assert_eq!(status, sys::NOTIFY_OK);
        // SAFETY: as above; removing a missing record is OK.
        let status = unsafe {
            (v.subscription_remove.unwrap())(host.instance(), view("zz"), view("orders"), &mut err)
        };
        assert_eq!(status, sys::NOTIFY_OK);

        let mut loaded: Vec<String> = Vec::new();
        // SAFETY: the sink context is `loaded`, alive for the call.
        let status = unsafe {
            (v.subscriptions_load.unwrap())(
                host.instance(),
                Some(collect_subscription),
                (&mut loaded as *mut Vec<String>).cast(),
                &mut err,
            )
        };
        assert_eq!(status, sys::NOTIFY_OK, "{}", message_of(&err));
        assert_eq!(loaded, ["c1/u1/rt/orders@5"]);

        // A NULL sink is refused, not called.
        // SAFETY: NULL sink and context.
        let status = unsafe {
            (v.subscriptions_load.unwrap())(host.instance(), None, core::ptr::null_mut(), &mut err)
        };
        assert_eq!(status, sys::NOTIFY_ERR_INVALID_ARGUMENT);
    }

    #[test]
    fn cluster_calls_reach_the_broker_and_the_host() {
        let host = created(full_entry);
        let v = vtable(&host);
        let mut err = new_err();

        // SAFETY: the name view lives until the call returns.
        let status = unsafe {
            (v.interest.unwrap())(
                host.instance(),
                sys::NOTIFY_INTEREST_TOPIC,
                view("news"),
                true,
                &mut err,
            )
        };
        assert_eq!(status, sys::NOTIFY_OK);
        // SAFETY: as above.
        let status =
            unsafe { (v.interest.unwrap())(host.instance(), 9, view("x"), false, &mut err) };
        assert_eq!(status, sys::NOTIFY_OK);
        // SAFETY: as above.
        let status =
            unsafe { (v.interest.unwrap())(host.instance(), 1, view("offline"), true, &mut err) };
        assert_eq!(status, sys::NOTIFY_ERR_IO);
        assert_eq!(message_of(&err), "bus unreachable");

        // publish_direct: the one-node bus hands the message back through broker_message.
        let clients = [view("c1"), view("c2")];
        let users = [view("u9")];
        let direct = sys::notify_broker_direct {
            size: core::mem::size_of::<sys::notify_broker_direct>() as u32,
            clients: clients.as_ptr(),
            client_count: clients.len(),
            users: users.as_ptr(),
            user_count: users.len(),
            payload: sys::notify_bytes {
                data: b"hi".as_ptr(),
                len: 2,
            },
            time_ms: 5,
            publish_key: view("k1"),
        };
        // SAFETY: the struct, arrays and views live until the call returns.
        let status = unsafe { (v.publish_direct.unwrap())(host.instance(), &direct, &mut err) };
        assert_eq!(status, sys::NOTIFY_OK, "{}", message_of(&err));
        let messages = host.calls_of(NOTIFY_FAKEHOST_BROKER_MESSAGE);
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].clients, ["c1", "c2"]);
        assert_eq!(messages[0].users, ["u9"]);
        assert_eq!(messages[0].payload, b"hi");
        assert_eq!(messages[0].topic, "");

        // send_command: every field reaches the broker (here handed back to the host).
        let command = sys::notify_cluster_command {
            size: core::mem::size_of::<sys::notify_cluster_command>() as u32,
            type_: sys::NOTIFY_COMMAND_DISCONNECT,
            target: sys::NOTIFY_TARGET_USER,
            id: view("u9"),
            topic: view(""),
            code: 4003,
            reason: view("bye"),
            time_ms: 7,
        };
        // SAFETY: the command and its views live until the call returns.
        let status = unsafe { (v.send_command.unwrap())(host.instance(), &command, &mut err) };
        assert_eq!(status, sys::NOTIFY_OK, "{}", message_of(&err));
        let commands = host.calls_of(NOTIFY_FAKEHOST_BROKER_COMMAND);
        assert_eq!(commands.len(), 1);
        let c = &commands[0];
        assert_eq!(
            (c.number, c.target, c.id.as_str(), c.status, c.text.as_str()),
            (
                sys::NOTIFY_COMMAND_DISCONNECT as u64,
                sys::NOTIFY_TARGET_USER,
                "u9",
                4003,
                "bye"
            )
        );
        // An unknown target kind is refused before the broker sees it.
        let bad = sys::notify_cluster_command {
            target: 77,
            ..command
        };
        // SAFETY: as above.
        let status = unsafe { (v.send_command.unwrap())(host.instance(), &bad, &mut err) };
        assert_eq!(status, sys::NOTIFY_ERR_INVALID_ARGUMENT);
        assert!(message_of(&err).contains("unknown target kind 77"));
        assert_eq!(host.calls_of(NOTIFY_FAKEHOST_BROKER_COMMAND).len(), 1);

        // A panic fails the call closed, is logged once, and the broker keeps serving.
        for _ in 0..2 {
            // SAFETY: as above.
            let status =
                unsafe { (v.interest.unwrap())(host.instance(), 1, view("panic"), true, &mut err) };
            assert_eq!(status, sys::NOTIFY_ERR_INTERNAL);
        }
        let panics: Vec<String> = host
            .logs()
            .into_iter()
            .filter(|line| line.contains("panicked"))
            .collect();
        assert_eq!(
            panics,
            ["plugin panicked in interest: interest exploded; failing closed"]
        );
        // SAFETY: as above.
        let status =
            unsafe { (v.interest.unwrap())(host.instance(), 3, view("u1"), false, &mut err) };
        assert_eq!(status, sys::NOTIFY_OK);
    }

    #[test]
    fn presence_is_added_read_counted_and_removed() {
        let host = created(full_entry);
        let v = vtable(&host);
        let mut err = new_err();
        let add = |client: &str, user: &str, err: &mut sys::notify_error| {
            let entry = sys::notify_presence_entry {
                size: core::mem::size_of::<sys::notify_presence_entry>() as u32,
                client_id: view(client),
                user_id: view(user),
                info: view("{\"n\":1}"),
            };
            // SAFETY: the entry and its views live until the call returns.
            unsafe { (v.presence_add.unwrap())(host.instance(), view("room"), &entry, err) }
        };
        assert_eq!(add("c1", "u1", &mut err), sys::NOTIFY_OK);
        assert_eq!(add("c2", "u1", &mut err), sys::NOTIFY_OK);
        assert_eq!(add("c3", "", &mut err), sys::NOTIFY_OK);

        let mut stats = sys::notify_presence_stats {
            size: 0,
            clients: 0,
            users: 0,
        };
        // SAFETY: `stats` is our storage for the call.
        let status = unsafe {
            (v.presence_stats.unwrap())(host.instance(), view("room"), &mut stats, &mut err)
        };
        assert_eq!(status, sys::NOTIFY_OK);
        assert_eq!((stats.clients, stats.users), (3, 1));
        assert_eq!(
            stats.size as usize,
            core::mem::size_of::<sys::notify_presence_stats>()
        );

        // SAFETY: views live until the call returns.
        let status = unsafe {
            (v.presence_remove.unwrap())(host.instance(), view("room"), view("c2"), &mut err)
        };
        assert_eq!(status, sys::NOTIFY_OK);
        let mut entries: Vec<String> = Vec::new();
        // SAFETY: the sink context is `entries`, alive for the call.
        let status = unsafe {
            (v.presence_read.unwrap())(
                host.instance(),
                view("room"),
                Some(collect_presence),
                (&mut entries as *mut Vec<String>).cast(),
                &mut err,
            )
        };
        assert_eq!(status, sys::NOTIFY_OK);
        assert_eq!(entries, ["c1/u1/{\"n\":1}", "c3//{\"n\":1}"]);
    }

    #[test]
    fn a_declared_capability_left_unimplemented_fails_closed() {
        let host = created(lazy_entry);
        let v = vtable(&host);
        let mut err = new_err();
        let mut stats = sys::notify_presence_stats {
            size: 0,
            clients: 42,
            users: 42,
        };
        // SAFETY: `stats` is our storage for the call.
        let status = unsafe {
            (v.presence_stats.unwrap())(host.instance(), view("room"), &mut stats, &mut err)
        };
        assert_eq!(status, sys::NOTIFY_ERR_UNSUPPORTED);
        assert!(message_of(&err).contains("presence_stats is not implemented"));
        assert_eq!(
            (stats.size, stats.clients),
            (0, 42),
            "nothing written on failure"
        );
        let mut entries: Vec<String> = Vec::new();
        // SAFETY: as in the presence test.
        let status = unsafe {
            (v.presence_read.unwrap())(
                host.instance(),
                view("room"),
                Some(collect_presence),
                (&mut entries as *mut Vec<String>).cast(),
                &mut err,
            )
        };
        assert_eq!(status, sys::NOTIFY_ERR_UNSUPPORTED);
        assert!(entries.is_empty());
    }

    #[test]
    fn host_cluster_wrappers_reach_the_host() {
        let fake = created(full_entry);
        let host = fake.host();

        let me = host.node_info().expect("a 1.4 host has node_info");
        assert!(me.id.starts_with("fakehost"), "{me:?}");
        assert_eq!(
            (me.name.as_str(), me.app_id.as_str()),
            ("fakehost", "fakehost")
        );

        let nodes = host.cluster_view(ClusterViewKind::Nodes).unwrap().unwrap();
        assert!(
            nodes.starts_with("{\"nodes\":[") && nodes.contains(&me.id),
            "{nodes}"
        );
        let handout = host
            .cluster_view(ClusterViewKind::Handout)
            .unwrap()
            .unwrap();
        assert_eq!(handout, "{\"node\":null,\"candidates\":[]}");

        let other = NodeInfo {
            id: "n2".into(),
            name: "second".into(),
            uptime_ms: 1,
            ..NodeInfo::default()
        };
        assert_eq!(host.cluster_node_seen(&other, 15_000), Some(()));
        let seen = fake.calls_of(NOTIFY_FAKEHOST_CLUSTER_NODE_SEEN);
        assert_eq!(seen.len(), 1);
        assert_eq!(
            (seen[0].id.as_str(), seen[0].text.as_str(), seen[0].number),
            ("n2", "second", 15_000)
        );

        let message = BusMessage {
            topic: "news",
            offset: 12,
            epoch: "ep",
            payload: b"m",
            ..BusMessage::default()
        };
        assert_eq!(host.broker_message(&message), Some(()));
        let recorded = fake.calls_of(NOTIFY_FAKEHOST_BROKER_MESSAGE);
        assert_eq!(
            (
                recorded[0].topic.as_str(),
                recorded[0].number,
                recorded[0].id.as_str()
            ),
            ("news", 12, "ep")
        );

        let command = ClusterCommand {
            kind: CommandKind::Subscribe,
            target: Target::Client,
            id: "c1",
            topic: "news",
            code: 0,
            reason: "",
            time_ms: 3,
        };
        assert_eq!(host.broker_command(&command), Some(()));
        let recorded = fake.calls_of(NOTIFY_FAKEHOST_BROKER_COMMAND);
        assert_eq!(
            (recorded[0].number, recorded[0].topic.as_str()),
            (sys::NOTIFY_COMMAND_SUBSCRIBE as u64, "news")
        );
    }

    /// A host table as a 1.2 host has it (smaller `size`): the 1.3 wrappers answer `None`
    /// without reading past its end.
    #[test]
    fn an_older_host_answers_none() {
        let fake = created(full_entry);
        let (api, ctx) = fake.host().raw();
        // SAFETY: a copy of the fake host's table; its functions stay valid.
        let mut old = unsafe { *api };
        old.size = notify_sdk::field_end!(sys::notify_host_api, set_max_frame_size) as u32;
        old.abi_minor = 2;
        // SAFETY: `old` outlives `host` (both locals of this test); ctx is the fake's.
        let host = unsafe { Host::from_raw(&old, ctx) };
        assert!(host.node_info().is_none());
        assert!(host.cluster_view(ClusterViewKind::Nodes).is_none());
        assert!(host.broker_message(&BusMessage::default()).is_none());
        assert!(host.cluster_node_seen(&NodeInfo::default(), 1).is_none());
        assert!(
            host.broker_command(&ClusterCommand {
                kind: CommandKind::Subscribe,
                target: Target::Client,
                id: "c",
                topic: "t",
                code: 0,
                reason: "",
                time_ms: 0,
            })
            .is_none()
        );
        assert!(fake.calls_of(NOTIFY_FAKEHOST_BROKER_MESSAGE).is_empty());
    }
}
