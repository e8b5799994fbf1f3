//! ABI 1.7 through the SDK's own trampolines, against a small host table made here (no fake
//! host library needed): `Host::keep_headers` from `create` (and its error from a 1.6 host),
//! connection headers, transport, address and publish data read by an auth plugin, including
//! from a 1.6 host's smaller structs (allocated at exactly their size, followed by members that
//! would fault if read), the publish data replacement and the close code of a DENY, answered now
//! or through a completion handle, and `Host::conn_open_with_headers`.

use core::ffi::c_void;
use notify_sdk::sys::{
    self, notify_auth_request, notify_auth_result, notify_authz_request, notify_header,
    notify_host_api, notify_host_ctx, notify_plugin_descriptor, notify_str,
};
use notify_sdk::{
    Auth, AuthAnswer, AuthReply, AuthRequest, AuthzRequest, Config, Encoding, Error, Host, Plugin,
};
use std::alloc::{Layout, alloc_zeroed, dealloc};
use std::sync::Mutex;

// ---- a host of our own --------------------------------------------------------------------

/// What the host saw; the `ctx` of the table points to it.
#[derive(Default)]
struct Seen {
    logs: Mutex<Vec<String>>,
    kept: Mutex<Vec<Vec<String>>>,
    keep_status: Mutex<sys::notify_status>,
    completed: Mutex<Vec<Completed>>,
    opened: Mutex<Vec<Opened>>,
}

#[derive(Debug, PartialEq)]
struct Completed {
    request_id: u64,
    size: u32,
    decision: u32,
    reason: String,
    /// The replacement, when the result has the 1.7 members and says to replace.
    data: Option<Vec<u8>>,
    close_code: u16,
}

#[derive(Debug, PartialEq)]
struct Opened {
    conn: u64,
    remote_address: String,
    headers: Vec<(String, Vec<u8>)>,
}

fn bytes<'a>(data: *const u8, len: usize) -> &'a [u8] {
    if data.is_null() || len == 0 {
        return &[];
    }
    // SAFETY: the SDK's views are valid during the host call that passes them.
    unsafe { core::slice::from_raw_parts(data, len) }
}

fn text(view: notify_str) -> String {
    String::from_utf8_lossy(bytes(view.data.cast(), view.len)).into_owned()
}

fn seen<'a>(ctx: *mut notify_host_ctx) -> &'a Seen {
    // SAFETY: every table here is used with a ctx pointing to a `Seen` the test keeps alive.
    unsafe { &*ctx.cast::<Seen>() }
}

unsafe extern "C" fn host_log(ctx: *mut notify_host_ctx, _level: u32, message: notify_str) {
    seen(ctx).logs.lock().unwrap().push(text(message));
}

unsafe extern "C" fn host_keep_headers(
    ctx: *mut notify_host_ctx,
    names: *const notify_str,
    count: usize,
) -> sys::notify_status {
    // SAFETY: `count` views, BORROWED for the call.
    let names = unsafe { core::slice::from_raw_parts(names, count) };
    let seen = seen(ctx);
    seen.kept
        .lock()
        .unwrap()
        .push(names.iter().copied().map(text).collect());
    *seen.keep_status.lock().unwrap()
}

unsafe extern "C" fn host_auth_complete(
    ctx: *mut notify_host_ctx,
    request_id: u64,
    result: *const notify_auth_result,
) {
    // SAFETY: the SDK's result, valid for the call.
    let result = unsafe { &*result };
    let has_1_7 = result.size as usize >= core::mem::size_of::<notify_auth_result>();
    seen(ctx).completed.lock().unwrap().push(Completed {
        request_id,
        size: result.size,
        decision: result.decision,
        reason: text(result.reason),
        data: (has_1_7 && result.replace_data)
            .then(|| bytes(result.data.data, result.data.len).to_vec()),
        close_code: if has_1_7 { result.close_code } else { 0 },
    });
}

unsafe extern "C" fn host_conn_open(
    ctx: *mut notify_host_ctx,
    conn: u64,
    info: *const sys::notify_conn_info,
) -> sys::notify_status {
    // SAFETY: the SDK's info, valid for the call (this host is 1.7: it reads every member).
    let info = unsafe { &*info };
    let headers: &[notify_header] = if info.headers.is_null() {
        &[]
    } else {
        // SAFETY: `header_count` headers, BORROWED for the call.
        unsafe { core::slice::from_raw_parts(info.headers, info.header_count) }
    };
    seen(ctx).opened.lock().unwrap().push(Opened {
        conn,
        remote_address: text(info.remote_address),
        headers: headers
            .iter()
            .map(|h| {
                (
                    text(h.name),
                    bytes(h.value.data.cast(), h.value.len).to_vec(),
                )
            })
            .collect(),
    });
    sys::NOTIFY_OK
}

/// A host table of ABI 1.`minor`: 1.7 has every member, 1.6 ends before `keep_headers`.
fn table(minor: u16) -> notify_host_api {
    // SAFETY: all-zero is a valid table (integers and `None` function pointers).
    let mut api: notify_host_api = unsafe { core::mem::zeroed() };
    api.size = if minor >= 7 {
        core::mem::size_of::<notify_host_api>()
    } else {
        core::mem::offset_of!(notify_host_api, keep_headers)
    } as u32;
    api.abi_major = 1;
    api.abi_minor = minor;
    api.log = Some(host_log);
    api.auth_complete = Some(host_auth_complete);
    api.conn_open = Some(host_conn_open);
    api.keep_headers = Some(host_keep_headers);
    api
}

fn ctx_of(seen: &Seen) -> *mut notify_host_ctx {
    (seen as *const Seen).cast_mut().cast()
}

// ---- the plugin ---------------------------------------------------------------------------

/// Asks for two headers; admits a connect with `x-api-key: k1`, denies others with a close
/// code; moderates publishes ("darn" becomes "****"). Token "later" answers through the
/// completion handle. What it read of a request comes back in the answer's `info`.
struct Gate {
    kept: Result<(), Error>,
}

impl Plugin for Gate {
    fn create(host: Host, _config: &Config<'_>) -> Result<Self, Error> {
        let kept = host.keep_headers(&["X-Api-Key", "origin"]);
        if let Err(error) = &kept {
            notify_sdk::log!(host, Warn, "no headers: {error}");
        }
        Ok(Gate { kept })
    }
}

fn answer_now_or_later(
    token: &[u8],
    later: Option<notify_sdk::AuthCompletion>,
    answer: AuthAnswer,
) -> AuthReply {
    if token == b"later" {
        later.expect("first take").complete(answer);
        AuthReply::Pending
    } else {
        answer.into()
    }
}

impl Auth for Gate {
    fn authenticate(&self, request: &AuthRequest<'_>) -> AuthReply {
        let seen: Vec<String> = request
            .headers()
            .map(|(name, value)| format!("{name}={}", String::from_utf8_lossy(value)))
            .collect();
        let answer = if request.header("x-api-key") == Some("k1") {
            AuthAnswer::allow().user_id("alice")
        } else {
            AuthAnswer::deny("no key").close_code(sys::NOTIFY_CLOSE_DISCONNECTED)
        };
        let answer = answer.info(format!("{:?} kept={:?}", seen, self.kept.is_ok()));
        let later = (request.token() == "later")
            .then(|| request.complete_later())
            .flatten();
        answer_now_or_later(request.token_bytes(), later, answer)
    }

    fn authorize_publish(&self, request: &AuthzRequest<'_>) -> AuthReply {
        let data = String::from_utf8_lossy(request.data()).into_owned();
        let mut answer = AuthAnswer::allow().info(format!(
            "{}|{}|{}|{data}",
            request.transport(),
            request.remote_address(),
            request.header("origin").unwrap_or("-"),
        ));
        if data.contains("darn") {
            answer = answer.replace_data(data.replace("darn", "****"));
        }
        let later = (request.token() == "later")
            .then(|| request.complete_later())
            .flatten();
        answer_now_or_later(request.token_bytes(), later, answer)
    }
}

extern "C" fn gate_entry() -> *const notify_plugin_descriptor {
    notify_sdk::plugin_descriptor! {
        plugin: Gate, name: "gate", version: "1", description: "ABI 1.7 test auth",
        kinds: [auth],
        config_keys: [],
    }
}

/// One created instance of `Gate` on a host table; destroyed on drop.
struct Running {
    descriptor: &'static notify_plugin_descriptor,
    instance: *mut c_void,
}

impl Running {
    fn create(api: &notify_host_api, seen: &Seen) -> Running {
        // SAFETY: the static descriptor of the entry.
        let descriptor = unsafe { &*gate_entry() };
        let mut instance = core::ptr::null_mut();
        // SAFETY: all-zero is a valid notify_error.
        let mut err: sys::notify_error = unsafe { core::mem::zeroed() };
        // SAFETY: a table and ctx that outlive the instance (the caller's locals, dropped after
        // it); Gate reads no configuration, so the NULL config is never passed to the host.
        let status = unsafe {
            (descriptor.create.unwrap())(
                api,
                ctx_of(seen),
                core::ptr::null(),
                &mut instance,
                &mut err,
            )
        };
        assert_eq!(status, sys::NOTIFY_OK);
        Running {
            descriptor,
            instance,
        }
    }

    /// Calls `authenticate` with `request` (whatever its declared size) and a result of
    /// `result_size` bytes preset as notifyd does.
    ///
    /// # Safety
    /// `request` must be readable for its declared size, its views valid during the call.
    unsafe fn authenticate(
        &self,
        request: *const notify_auth_request,
        result_size: usize,
    ) -> (sys::notify_status, notify_auth_result) {
        let mut result = preset_result(result_size);
        // SAFETY: all-zero is a valid notify_error.
        let mut err: sys::notify_error = unsafe { core::mem::zeroed() };
        // SAFETY: the auth vtable of the descriptor; the caller's request; our result storage.
        let status = unsafe {
            ((*self.descriptor.auth).authenticate.unwrap())(
                self.instance,
                request,
                &mut result,
                &mut err,
            )
        };
        (status, result)
    }

    /// As `authenticate`, for `authorize_publish`.
    ///
    /// # Safety
    /// As `authenticate`.
    unsafe fn authorize_publish(
        &self,
        request: *const notify_authz_request,
        result_size: usize,
    ) -> (sys::notify_status, notify_auth_result) {
        let mut result = preset_result(result_size);
        // SAFETY: all-zero is a valid notify_error.
        let mut err: sys::notify_error = unsafe { core::mem::zeroed() };
        // SAFETY: as authenticate.
        let status = unsafe {
            ((*self.descriptor.auth).authorize_publish.unwrap())(
                self.instance,
                request,
                &mut result,
                &mut err,
            )
        };
        (status, result)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        // SAFETY: the instance create returned, destroyed once.
        unsafe { (self.descriptor.destroy.unwrap())(self.instance) }
    }
}

/// What notifyd presets: its size, DEFER, the rest zero. Members past `size` hold sentinels
/// that the SDK must leave alone.
fn preset_result(size: usize) -> notify_auth_result {
    // SAFETY: all-zero is a valid notify_auth_result.
    let mut result: notify_auth_result = unsafe { core::mem::zeroed() };
    result.size = size as u32;
    result.decision = sys::NOTIFY_AUTH_DEFER;
    if size < core::mem::size_of::<notify_auth_result>() {
        result.data.len = 77;
        result.replace_data = true;
        result.close_code = 0xbeef;
    }
    result
}

const FULL_RESULT: usize = core::mem::size_of::<notify_auth_result>();
const RESULT_1_6: usize = core::mem::offset_of!(notify_auth_result, data);

fn view(text: &[u8]) -> notify_str {
    notify_str {
        data: text.as_ptr().cast(),
        len: text.len(),
    }
}

fn header(name: &'static str, value: &'static [u8]) -> notify_header {
    notify_header {
        name: view(name.as_bytes()),
        value: view(value),
    }
}

/// Text of a view in a result the SDK wrote (valid until the next auth answer on this thread).
fn result_text(view: notify_str) -> String {
    text(view)
}

/// A copy of the first `size` bytes of `value` in an allocation of exactly `size` bytes (so a
/// read past it is a heap overflow that tools report), freed on drop.
struct Exact<T> {
    ptr: *mut u8,
    layout: Layout,
    _type: core::marker::PhantomData<T>,
}

impl<T> Exact<T> {
    fn new(value: &T, size: usize) -> Exact<T> {
        let layout = Layout::from_size_align(size, core::mem::align_of::<T>()).unwrap();
        // SAFETY: a non-zero size.
        let ptr = unsafe { alloc_zeroed(layout) };
        assert!(!ptr.is_null());
        // SAFETY: `size` <= size_of::<T>() bytes of `value` into our allocation of `size`.
        unsafe {
            assert!(size <= core::mem::size_of::<T>());
            core::ptr::copy_nonoverlapping((value as *const T).cast::<u8>(), ptr, size)
        };
        Exact {
            ptr,
            layout,
            _type: core::marker::PhantomData,
        }
    }
    fn as_ptr(&self) -> *const T {
        self.ptr.cast()
    }
}

impl<T> Drop for Exact<T> {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout.
        unsafe { dealloc(self.ptr, self.layout) }
    }
}

/// A dangling array that faults if read: what follows an older host's struct is not ours.
fn dangling_headers() -> *const notify_header {
    core::ptr::NonNull::<notify_header>::dangling().as_ptr()
}

// ---- tests --------------------------------------------------------------------------------

#[test]
fn keep_headers_reaches_a_1_7_host_and_errs_on_a_1_6_host() {
    let seen = Seen::default();
    let api = table(7);
    // SAFETY: `api` and `seen` outlive `host`.
    let host = unsafe { Host::from_raw(&api, ctx_of(&seen)) };
    assert_eq!(host.keep_headers(&["authorization", "x-tenant"]), Ok(()));
    *seen.keep_status.lock().unwrap() = sys::NOTIFY_ERR_INVALID_ARGUMENT;
    let refused = host.keep_headers(&["bad name"]).expect_err("refused");
    assert_eq!(refused.status(), sys::NOTIFY_ERR_INVALID_ARGUMENT);
    assert!(refused.message().contains("keep_headers"), "{refused}");
    assert_eq!(
        *seen.kept.lock().unwrap(),
        [vec!["authorization", "x-tenant"], vec!["bad name"]]
    );

    let older = table(6);
    // SAFETY: `older` and `seen` outlive `host`.
    let host = unsafe { Host::from_raw(&older, ctx_of(&seen)) };
    let error = host.keep_headers(&["authorization"]).expect_err("1.6");
    assert_eq!(error.status(), sys::NOTIFY_ERR_UNSUPPORTED);
    assert!(error.message().contains("1.7"), "{error}");
    assert_eq!(seen.kept.lock().unwrap().len(), 2, "no call to a 1.6 host");
}

#[test]
fn an_auth_plugin_reads_the_kept_headers_and_closes_on_deny() {
    let seen = Seen::default();
    let api = table(7);
    let gate = Running::create(&api, &seen);
    assert_eq!(*seen.kept.lock().unwrap(), [vec!["X-Api-Key", "origin"]]);

    let headers = [
        header("origin", b"https://example.org"),
        header("x-api-key", b"k1"),
    ];
    // SAFETY: all-zero is a valid notify_auth_request.
    let mut request: notify_auth_request = unsafe { core::mem::zeroed() };
    request.size = core::mem::size_of::<notify_auth_request>() as u32;
    request.request_id = 1;
    request.headers = headers.as_ptr();
    request.header_count = headers.len();
    // SAFETY: the request and its views live until the call returns.
    let (status, result) = unsafe { gate.authenticate(&request, FULL_RESULT) };
    assert_eq!(status, sys::NOTIFY_OK);
    assert_eq!(result.decision, sys::NOTIFY_AUTH_ALLOW);
    assert_eq!(result_text(result.user_id), "alice");
    assert_eq!(
        result_text(result.info),
        "[\"origin=https://example.org\", \"x-api-key=k1\"] kept=true"
    );
    assert_eq!((result.close_code, result.replace_data), (0, false));

    // No key: DENY, and the connection is closed with the plugin's code.
    request.header_count = 1;
    // SAFETY: as above.
    let (_, result) = unsafe { gate.authenticate(&request, FULL_RESULT) };
    assert_eq!(result.decision, sys::NOTIFY_AUTH_DENY);
    assert_eq!(result_text(result.reason), "no key");
    assert_eq!(result.close_code, sys::NOTIFY_CLOSE_DISCONNECTED);

    // The same through the completion handle.
    let later = b"later";
    request.token = view(later);
    request.request_id = 2;
    // SAFETY: as above.
    let (status, _) = unsafe { gate.authenticate(&request, FULL_RESULT) };
    assert_eq!(status, sys::NOTIFY_PENDING);
    assert_eq!(
        seen.completed.lock().unwrap().pop(),
        Some(Completed {
            request_id: 2,
            size: FULL_RESULT as u32,
            decision: sys::NOTIFY_AUTH_DENY,
            reason: "no key".into(),
            data: None,
            close_code: sys::NOTIFY_CLOSE_DISCONNECTED,
        })
    );
}

#[test]
fn a_1_6_hosts_requests_are_read_only_to_their_size() {
    let seen = Seen::default();
    let api = table(6);
    let gate = Running::create(&api, &seen);
    assert!(seen.kept.lock().unwrap().is_empty());
    assert!(
        seen.logs.lock().unwrap()[0].contains("no headers: keep_headers: notifyd is older"),
        "{:?}",
        seen.logs.lock().unwrap()
    );

    // What follows a 1.6 request would fault if read; the copy the plugin gets is exactly
    // 1.6-sized (a read past it is a heap overflow).
    // SAFETY: all-zero is a valid notify_auth_request.
    let mut request: notify_auth_request = unsafe { core::mem::zeroed() };
    let size_1_6 = core::mem::offset_of!(notify_auth_request, headers);
    request.size = size_1_6 as u32;
    request.request_id = 3;
    request.headers = dangling_headers();
    request.header_count = 4;
    // SAFETY: readable for its declared (1.6) size; the dangling members are past it.
    let (_, result) = unsafe { gate.authenticate(&request, RESULT_1_6) };
    assert_eq!(result.decision, sys::NOTIFY_AUTH_DENY);
    assert_eq!(result_text(result.info), "[] kept=false");
    // The 1.7 members of a 1.6 result are not the SDK's to write.
    assert_eq!(
        (result.data.len, result.replace_data, result.close_code),
        (77, true, 0xbeef)
    );
    let exact = Exact::new(&request, size_1_6);
    // SAFETY: as above, in an allocation of exactly 1.6 size.
    let (_, result) = unsafe { gate.authenticate(exact.as_ptr(), RESULT_1_6) };
    assert_eq!(result_text(result.info), "[] kept=false");

    // SAFETY: all-zero is a valid notify_authz_request.
    let mut authz: notify_authz_request = unsafe { core::mem::zeroed() };
    let size_1_6 = core::mem::offset_of!(notify_authz_request, transport);
    authz.size = size_1_6 as u32;
    authz.request_id = 4;
    authz.topic = view(b"chat");
    authz.headers = dangling_headers();
    authz.header_count = 2;
    authz.transport = notify_str {
        data: core::ptr::NonNull::dangling().as_ptr(),
        len: 5,
    };
    authz.remote_address = authz.transport;
    authz.data = sys::notify_bytes {
        data: core::ptr::NonNull::dangling().as_ptr(),
        len: 5,
    };
    let exact = Exact::new(&authz, size_1_6);
    // SAFETY: readable for its declared size, in an allocation of exactly that size.
    let (status, result) = unsafe { gate.authorize_publish(exact.as_ptr(), RESULT_1_6) };
    assert_eq!(status, sys::NOTIFY_OK);
    assert_eq!(result.decision, sys::NOTIFY_AUTH_ALLOW);
    assert_eq!(result_text(result.info), "||-|");
}

#[test]
fn a_publish_is_moderated_now_or_later() {
    let seen = Seen::default();
    let api = table(7);
    let gate = Running::create(&api, &seen);
    let headers = [header("origin", b"https://example.org")];
    let payload = b"{\"text\":\"darn it\"}";
    // SAFETY: all-zero is a valid notify_authz_request.
    let mut request: notify_authz_request = unsafe { core::mem::zeroed() };
    request.size = core::mem::size_of::<notify_authz_request>() as u32;
    request.request_id = 5;
    request.topic = view(b"chat");
    request.transport = view(b"ws");
    request.remote_address = view(b"10.0.0.7:5123");
    request.headers = headers.as_ptr();
    request.header_count = headers.len();
    request.data = sys::notify_bytes {
        data: payload.as_ptr(),
        len: payload.len(),
    };
    // SAFETY: the request and its views live until the call returns.
    let (status, result) = unsafe { gate.authorize_publish(&request, FULL_RESULT) };
    assert_eq!(status, sys::NOTIFY_OK);
    assert_eq!(result.decision, sys::NOTIFY_AUTH_ALLOW);
    assert_eq!(
        result_text(result.info),
        "ws|10.0.0.7:5123|https://example.org|{\"text\":\"darn it\"}"
    );
    assert!(result.replace_data);
    assert_eq!(
        bytes(result.data.data, result.data.len),
        b"{\"text\":\"**** it\"}"
    );

    // A clean publish keeps the client's data.
    let clean = b"{\"text\":\"hi\"}";
    request.data = sys::notify_bytes {
        data: clean.as_ptr(),
        len: clean.len(),
    };
    // SAFETY: as above.
    let (_, result) = unsafe { gate.authorize_publish(&request, FULL_RESULT) };
    assert_eq!(result.decision, sys::NOTIFY_AUTH_ALLOW);
    assert!(!result.replace_data);

    // Through the completion handle.
    request.data = sys::notify_bytes {
        data: payload.as_ptr(),
        len: payload.len(),
    };
    let later = b"later";
    request.token = view(later);
    request.request_id = 6;
    // SAFETY: as above.
    let (status, _) = unsafe { gate.authorize_publish(&request, FULL_RESULT) };
    assert_eq!(status, sys::NOTIFY_PENDING);
    let completed = seen.completed.lock().unwrap().pop().expect("answered");
    assert_eq!(
        (completed.decision, completed.data),
        (
            sys::NOTIFY_AUTH_ALLOW,
            Some(b"{\"text\":\"**** it\"}".to_vec())
        )
    );
}

#[test]
fn a_replacement_a_1_6_host_cannot_make_is_a_deny() {
    let seen = Seen::default();
    let api = table(6);
    let gate = Running::create(&api, &seen);
    let payload = b"darn";
    // SAFETY: all-zero is a valid notify_authz_request.
    let mut request: notify_authz_request = unsafe { core::mem::zeroed() };
    // A 1.6 host sends no data; a request that has it with a result that has no room for a
    // replacement plays the worst case (a plugin replacing data whatever it was sent).
    request.size = core::mem::size_of::<notify_authz_request>() as u32;
    request.topic = view(b"chat");
    request.data = sys::notify_bytes {
        data: payload.as_ptr(),
        len: payload.len(),
    };
    // SAFETY: the request and its views live until the call returns.
    let (status, result) = unsafe { gate.authorize_publish(&request, RESULT_1_6) };
    assert_eq!(status, sys::NOTIFY_OK);
    assert_eq!(result.decision, sys::NOTIFY_AUTH_DENY);
    assert_eq!(result_text(result.reason), "internal error");
    assert_eq!(
        (result.data.len, result.replace_data, result.close_code),
        (77, true, 0xbeef)
    );

    // Through the completion handle: the host's version decides.
    let later = b"later";
    request.token = view(later);
    request.request_id = 7;
    // SAFETY: as above.
    let (status, _) = unsafe { gate.authorize_publish(&request, RESULT_1_6) };
    assert_eq!(status, sys::NOTIFY_PENDING);
    let completed = seen.completed.lock().unwrap().pop().expect("answered");
    assert_eq!(
        (
            completed.decision,
            completed.reason.as_str(),
            completed.data
        ),
        (sys::NOTIFY_AUTH_DENY, "internal error", None)
    );
    assert_eq!(completed.size as usize, RESULT_1_6);
    let logs = seen.logs.lock().unwrap();
    assert_eq!(
        logs.iter()
            .filter(|line| line.contains("older than ABI 1.7 and cannot replace the data"))
            .count(),
        2,
        "{logs:?}"
    );
}

#[test]
fn a_transport_passes_the_upgrade_headers() {
    let seen = Seen::default();
    let api = table(7);
    // SAFETY: `api` and `seen` outlive `host`.
    let host = unsafe { Host::from_raw(&api, ctx_of(&seen)) };
    let headers: [(&str, &[u8]); 2] = [("origin", b"https://example.org"), ("x-raw", b"\xff")];
    host.conn_open_with_headers(9, "10.0.0.7:5123", Encoding::Json, &headers)
        .unwrap();
    host.conn_open(10, "10.0.0.8:1", Encoding::Binary).unwrap();
    assert_eq!(
        *seen.opened.lock().unwrap(),
        [
            Opened {
                conn: 9,
                remote_address: "10.0.0.7:5123".into(),
                headers: vec![
                    ("origin".into(), b"https://example.org".to_vec()),
                    ("x-raw".into(), b"\xff".to_vec()),
                ],
            },
            Opened {
                conn: 10,
                remote_address: "10.0.0.8:1".into(),
                headers: vec![],
            },
        ]
    );
}
