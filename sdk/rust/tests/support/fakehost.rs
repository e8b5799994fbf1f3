//! FFI declarations for sdk/fakehost/include/notify/fakehost.h (the fake notifyd) and a small
//! safe wrapper for the SDK's tests. Linked by build.rs when NOTIFY_FAKEHOST_LIB_DIR is set.
#![allow(non_camel_case_types, dead_code)]

use core::ffi::{c_char, c_int, c_void};
use notify_sdk::sys::*;
use std::ffi::{CStr, CString};

#[repr(C)]
pub struct notify_fakehost {
    _opaque: [u8; 0],
}

#[repr(C)]
pub struct notify_fakehost_auth_answer {
    pub status: notify_status,
    pub pending: bool,
    pub answered: bool,
    pub decision: notify_auth_decision,
    pub client_id: *const c_char,
    pub user_id: *const c_char,
    pub reason: *const c_char,
    pub error_code: u32,
    pub expires_at_ms: i64,
    pub info: *const c_char,
    pub topics: *const *const c_char,
    pub topic_count: usize,
}

pub type notify_fakehost_call_kind = u32;
pub const NOTIFY_FAKEHOST_LOG: notify_fakehost_call_kind = 1;
pub const NOTIFY_FAKEHOST_PUBLISH: notify_fakehost_call_kind = 2;
pub const NOTIFY_FAKEHOST_SUBSCRIBE: notify_fakehost_call_kind = 3;
pub const NOTIFY_FAKEHOST_UNSUBSCRIBE: notify_fakehost_call_kind = 4;
pub const NOTIFY_FAKEHOST_DISCONNECT: notify_fakehost_call_kind = 5;
pub const NOTIFY_FAKEHOST_AUTH_COMPLETE: notify_fakehost_call_kind = 6;
pub const NOTIFY_FAKEHOST_BROKER_PUBLISH_COMPLETE: notify_fakehost_call_kind = 7;
pub const NOTIFY_FAKEHOST_CONN_OPEN: notify_fakehost_call_kind = 8;
pub const NOTIFY_FAKEHOST_CONN_RECEIVE: notify_fakehost_call_kind = 9;
pub const NOTIFY_FAKEHOST_CONN_CLOSED: notify_fakehost_call_kind = 10;
pub const NOTIFY_FAKEHOST_SET_MAX_FRAME_SIZE: notify_fakehost_call_kind = 11;
pub const NOTIFY_FAKEHOST_BROKER_MESSAGE: notify_fakehost_call_kind = 12;
pub const NOTIFY_FAKEHOST_BROKER_COMMAND: notify_fakehost_call_kind = 13;
pub const NOTIFY_FAKEHOST_BROKER_STREAM_LOST: notify_fakehost_call_kind = 14;
pub const NOTIFY_FAKEHOST_CLUSTER_NODE_SEEN: notify_fakehost_call_kind = 15;
pub const NOTIFY_FAKEHOST_API_CALL: notify_fakehost_call_kind = 16;
pub const NOTIFY_FAKEHOST_API_REPLY: notify_fakehost_call_kind = 17;
pub const NOTIFY_FAKEHOST_METRIC_REGISTER: notify_fakehost_call_kind = 18;
pub const NOTIFY_FAKEHOST_SET_READY: notify_fakehost_call_kind = 19;

/// ABI 1.5: what a scripted server API handler answers (strings copied after it returns).
#[repr(C)]
pub struct notify_fakehost_api_reply {
    pub status: notify_status,
    pub error_code: u32,
    pub error_message: *const c_char,
    pub result: *const c_char,
}

pub type notify_fakehost_api_handler = Option<
    unsafe extern "C" fn(
        handler_ctx: *mut c_void,
        method: *const c_char,
        params: *const c_char,
        request_id: *const c_char,
        reply: *mut notify_fakehost_api_reply,
    ),
>;

#[repr(C)]
pub struct notify_fakehost_call {
    pub kind: notify_fakehost_call_kind,
    pub time_ms: i64,
    pub level: notify_log_level,
    pub target: notify_target_kind,
    pub id: notify_str,
    pub topic: notify_str,
    pub text: notify_str,
    pub payload: notify_bytes,
    pub topics: *const notify_str,
    pub topic_count: usize,
    pub clients: *const notify_str,
    pub client_count: usize,
    pub users: *const notify_str,
    pub user_count: usize,
    pub conn: u64,
    pub request_id: u64,
    pub number: u64,
    pub status: notify_status,
}

unsafe extern "C" {
    pub fn notify_fakehost_new() -> *mut notify_fakehost;
    pub fn notify_fakehost_free(host: *mut notify_fakehost);
    pub fn notify_fakehost_last_error(host: *const notify_fakehost) -> *const c_char;
    pub fn notify_fakehost_config_string(
        host: *mut notify_fakehost,
        key: *const c_char,
        value: *const c_char,
    );
    pub fn notify_fakehost_config_int(host: *mut notify_fakehost, key: *const c_char, value: i64);
    pub fn notify_fakehost_config_bool(host: *mut notify_fakehost, key: *const c_char, value: bool);
    pub fn notify_fakehost_config_double(
        host: *mut notify_fakehost,
        key: *const c_char,
        value: f64,
    );
    pub fn notify_fakehost_config_duration_ms(
        host: *mut notify_fakehost,
        key: *const c_char,
        value: i64,
    );
    pub fn notify_fakehost_config_path(
        host: *mut notify_fakehost,
        key: *const c_char,
        value: *const c_char,
    );
    pub fn notify_fakehost_config_string_array(
        host: *mut notify_fakehost,
        key: *const c_char,
        values: *const *const c_char,
        count: usize,
    );
    pub fn notify_fakehost_set_manifest_dir(host: *mut notify_fakehost, dir: *const c_char);
    pub fn notify_fakehost_set_instance_name(host: *mut notify_fakehost, name: *const c_char);
    pub fn notify_fakehost_set_now_ms(host: *mut notify_fakehost, now_ms: i64);
    pub fn notify_fakehost_set_action_status(host: *mut notify_fakehost, status: notify_status);
    pub fn notify_fakehost_set_log_to_stderr(host: *mut notify_fakehost, on: bool);
    pub fn notify_fakehost_load(
        host: *mut notify_fakehost,
        plugin_path: *const c_char,
    ) -> notify_status;
    pub fn notify_fakehost_use(
        host: *mut notify_fakehost,
        entry: notify_plugin_entry_fn,
    ) -> notify_status;
    pub fn notify_fakehost_descriptor(
        host: *const notify_fakehost,
    ) -> *const notify_plugin_descriptor;
    pub fn notify_fakehost_api(host: *const notify_fakehost) -> *const notify_host_api;
    pub fn notify_fakehost_ctx(host: *const notify_fakehost) -> *mut notify_host_ctx;
    pub fn notify_fakehost_instance(host: *const notify_fakehost) -> *mut c_void;
    pub fn notify_fakehost_create(host: *mut notify_fakehost) -> notify_status;
    pub fn notify_fakehost_start(host: *mut notify_fakehost) -> notify_status;
    pub fn notify_fakehost_stop(host: *mut notify_fakehost);
    pub fn notify_fakehost_destroy(host: *mut notify_fakehost);
    pub fn notify_fakehost_event(host: *mut notify_fakehost, event: *const notify_event) -> bool;
    pub fn notify_fakehost_authenticate(
        host: *mut notify_fakehost,
        request: *const notify_auth_request,
        timeout_ms: c_int,
        out: *mut notify_fakehost_auth_answer,
    ) -> notify_status;
    pub fn notify_fakehost_authorize_subscribe(
        host: *mut notify_fakehost,
        request: *const notify_authz_request,
        timeout_ms: c_int,
        out: *mut notify_fakehost_auth_answer,
    ) -> notify_status;
    pub fn notify_fakehost_authorize_publish(
        host: *mut notify_fakehost,
        request: *const notify_authz_request,
        timeout_ms: c_int,
        out: *mut notify_fakehost_auth_answer,
    ) -> notify_status;
    pub fn notify_fakehost_deliver(
        host: *mut notify_fakehost,
        json: notify_bytes,
        binary: notify_bytes,
        conns: *const u64,
        count: usize,
    );
    pub fn notify_fakehost_frames_alive(host: *const notify_fakehost) -> usize;
    pub fn notify_fakehost_close(
        host: *mut notify_fakehost,
        conn: u64,
        code: u16,
        reason: *const c_char,
    );
    pub fn notify_fakehost_call_count(host: *const notify_fakehost) -> usize;
    pub fn notify_fakehost_call_at(
        host: *const notify_fakehost,
        index: usize,
    ) -> *const notify_fakehost_call;
    pub fn notify_fakehost_count_of(
        host: *const notify_fakehost,
        kind: notify_fakehost_call_kind,
    ) -> usize;
    pub fn notify_fakehost_set_api_handler(
        host: *mut notify_fakehost,
        handler: notify_fakehost_api_handler,
        handler_ctx: *mut c_void,
    );
    pub fn notify_fakehost_api_deliver(host: *mut notify_fakehost) -> usize;
    pub fn notify_fakehost_api_pending(host: *const notify_fakehost) -> usize;
    pub fn notify_fakehost_set_api_auto_deliver(host: *mut notify_fakehost, on: bool);
    pub fn notify_fakehost_wait_for(
        host: *mut notify_fakehost,
        kind: notify_fakehost_call_kind,
        count: usize,
        timeout_ms: c_int,
    ) -> bool;
    // ABI 1.6
    pub fn notify_fakehost_config_remove(host: *mut notify_fakehost, key: *const c_char);
    pub fn notify_fakehost_reconfigure(host: *mut notify_fakehost) -> notify_status;
    pub fn notify_fakehost_set_log_level(host: *mut notify_fakehost, level: notify_log_level);
    pub fn notify_fakehost_ready(host: *const notify_fakehost) -> bool;
    pub fn notify_fakehost_metric_value(
        host: *const notify_fakehost,
        name: *const c_char,
        label_values: *const *const c_char,
        label_count: usize,
        out: *mut f64,
    ) -> bool;
    pub fn notify_fakehost_metric_histogram(
        host: *const notify_fakehost,
        name: *const c_char,
        label_values: *const *const c_char,
        label_count: usize,
        count: *mut u64,
        sum: *mut f64,
    ) -> bool;
}

fn c(text: &str) -> CString {
    CString::new(text).expect("no NUL in test strings")
}

/// # Safety
/// `text` must be NULL or a NUL-terminated string valid while read.
unsafe fn owned(text: *const c_char) -> String {
    if text.is_null() {
        return String::new();
    }
    // SAFETY: contract.
    unsafe { CStr::from_ptr(text) }
        .to_string_lossy()
        .into_owned()
}

fn view_text(view: notify_str) -> String {
    if view.data.is_null() {
        return String::new();
    }
    // SAFETY: the fake host's recorded copies live until notify_fakehost_free.
    let bytes = unsafe { core::slice::from_raw_parts(view.data.cast::<u8>(), view.len) };
    String::from_utf8_lossy(bytes).into_owned()
}

/// A recorded host call, copied.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Call {
    pub kind: u32,
    pub level: u32,
    pub target: u32,
    pub id: String,
    pub topic: String,
    pub text: String,
    pub payload: Vec<u8>,
    pub topics: Vec<String>,
    pub clients: Vec<String>,
    pub users: Vec<String>,
    pub request_id: u64,
    pub number: u64,
    pub status: i32,
}

/// `count` recorded views at `data`.
///
/// # Safety
/// `data` must be NULL or point to `count` views owned by the fake host until free.
unsafe fn texts(data: *const notify_str, count: usize) -> Vec<String> {
    if data.is_null() {
        return Vec::new();
    }
    // SAFETY: contract.
    (0..count)
        .map(|i| view_text(unsafe { *data.add(i) }))
        .collect()
}

/// An auth answer as the fake host saw it, copied.
#[derive(Clone, Debug, Default)]
pub struct Answer {
    pub status: i32,
    pub pending: bool,
    pub answered: bool,
    pub decision: u32,
    pub client_id: String,
    pub user_id: String,
    pub reason: String,
    pub error_code: u32,
    pub expires_at_ms: i64,
    pub info: String,
    pub topics: Vec<String>,
}

/// Owns one fake host.
pub struct FakeHost {
    raw: *mut notify_fakehost,
}

impl FakeHost {
    pub fn new() -> FakeHost {
        // SAFETY: plain constructor.
        let raw = unsafe { notify_fakehost_new() };
        assert!(!raw.is_null());
        FakeHost { raw }
    }
    pub fn last_error(&self) -> String {
        // SAFETY: returns a fake-host-owned string.
        unsafe { owned(notify_fakehost_last_error(self.raw)) }
    }
    pub fn config_string(&self, key: &str, value: &str) {
        // SAFETY: valid host and NUL-terminated strings (copied).
        unsafe { notify_fakehost_config_string(self.raw, c(key).as_ptr(), c(value).as_ptr()) }
    }
    pub fn config_int(&self, key: &str, value: i64) {
        // SAFETY: valid host, NUL-terminated key.
        unsafe { notify_fakehost_config_int(self.raw, c(key).as_ptr(), value) }
    }
    pub fn config_bool(&self, key: &str, value: bool) {
        // SAFETY: as config_int.
        unsafe { notify_fakehost_config_bool(self.raw, c(key).as_ptr(), value) }
    }
    pub fn config_double(&self, key: &str, value: f64) {
        // SAFETY: as config_int.
        unsafe { notify_fakehost_config_double(self.raw, c(key).as_ptr(), value) }
    }
    pub fn config_duration_ms(&self, key: &str, value: i64) {
        // SAFETY: as config_int.
        unsafe { notify_fakehost_config_duration_ms(self.raw, c(key).as_ptr(), value) }
    }
    pub fn config_path(&self, key: &str, value: &str) {
        // SAFETY: as config_string.
        unsafe { notify_fakehost_config_path(self.raw, c(key).as_ptr(), c(value).as_ptr()) }
    }
    pub fn config_string_array(&self, key: &str, values: &[&str]) {
        let owned: Vec<CString> = values.iter().map(|v| c(v)).collect();
        let pointers: Vec<*const c_char> = owned.iter().map(|v| v.as_ptr()).collect();
        // SAFETY: `pointers` and the strings outlive the call (copied by the fake host).
        unsafe {
            notify_fakehost_config_string_array(
                self.raw,
                c(key).as_ptr(),
                pointers.as_ptr(),
                pointers.len(),
            )
        }
    }
    pub fn set_manifest_dir(&self, dir: &str) {
        // SAFETY: as config_string.
        unsafe { notify_fakehost_set_manifest_dir(self.raw, c(dir).as_ptr()) }
    }
    pub fn set_action_status(&self, status: i32) {
        // SAFETY: valid host.
        unsafe { notify_fakehost_set_action_status(self.raw, status) }
    }
    pub fn load(&self, path: &str) -> i32 {
        // SAFETY: valid host, NUL-terminated path.
        unsafe { notify_fakehost_load(self.raw, c(path).as_ptr()) }
    }
    pub fn use_entry(
        &self,
        entry: unsafe extern "C" fn() -> *const notify_plugin_descriptor,
    ) -> i32 {
        // SAFETY: a valid entry function of a plugin linked into the test.
        unsafe { notify_fakehost_use(self.raw, Some(entry)) }
    }
    pub fn descriptor(&self) -> *const notify_plugin_descriptor {
        // SAFETY: valid host.
        unsafe { notify_fakehost_descriptor(self.raw) }
    }
    pub fn create(&self) -> i32 {
        // SAFETY: valid host.
        unsafe { notify_fakehost_create(self.raw) }
    }
    pub fn start(&self) -> i32 {
        // SAFETY: valid host.
        unsafe { notify_fakehost_start(self.raw) }
    }
    pub fn stop(&self) {
        // SAFETY: valid host.
        unsafe { notify_fakehost_stop(self.raw) }
    }
    pub fn destroy(&self) {
        // SAFETY: valid host.
        unsafe { notify_fakehost_destroy(self.raw) }
    }
    /// Sends one event as given (`size` 0: the whole current struct).
    pub fn event_raw(&self, event: &notify_event) -> bool {
        // SAFETY: the event and its views live until the call returns.
        unsafe { notify_fakehost_event(self.raw, event) }
    }
    /// ABI 1.5: scripts the server API (NULL handler: every call answers 103).
    ///
    /// # Safety
    /// `handler_ctx` must stay valid while the fake host may deliver.
    pub unsafe fn set_api_handler(
        &self,
        handler: notify_fakehost_api_handler,
        handler_ctx: *mut c_void,
    ) {
        // SAFETY: valid host; the context is the caller's contract.
        unsafe { notify_fakehost_set_api_handler(self.raw, handler, handler_ctx) }
    }
    /// Answers every queued api_call on this thread; how many.
    pub fn api_deliver(&self) -> usize {
        // SAFETY: valid host.
        unsafe { notify_fakehost_api_deliver(self.raw) }
    }
    pub fn api_pending(&self) -> usize {
        // SAFETY: valid host.
        unsafe { notify_fakehost_api_pending(self.raw) }
    }
    pub fn set_api_auto_deliver(&self, on: bool) {
        // SAFETY: valid host.
        unsafe { notify_fakehost_set_api_auto_deliver(self.raw, on) }
    }
    /// Sends one event (size and time filled by the fake host).
    pub fn event(&self, kind: u32, client_id: &str, data: &[u8]) -> bool {
        // SAFETY: zeroed is a valid notify_event (integers, NULL views, false).
        let mut event: notify_event = unsafe { core::mem::zeroed() };
        event.type_ = kind;
        event.client_id = notify_str {
            data: client_id.as_ptr().cast(),
            len: client_id.len(),
        };
        event.data = notify_bytes {
            data: data.as_ptr(),
            len: data.len(),
        };
        // SAFETY: the event and its views live until the call returns.
        unsafe { notify_fakehost_event(self.raw, &event) }
    }
    pub fn authenticate(&self, token: &str, timeout_ms: i32) -> (i32, Answer) {
        self.authenticate_bytes(token.as_bytes(), timeout_ms)
    }
    /// As `authenticate`, with a token that need not be UTF-8 (a misbehaving client's bytes).
    pub fn authenticate_bytes(&self, token: &[u8], timeout_ms: i32) -> (i32, Answer) {
        // SAFETY: zeroed is a valid request. Size 0: the fake host fills in its own
        // sizeof, so a fake host built against an older notify.h never has this crate's larger
        // struct read past the end of its copy (it plays an older host instead).
        let mut request: notify_auth_request = unsafe { core::mem::zeroed() };
        request.token = notify_str {
            data: token.as_ptr().cast(),
            len: token.len(),
        };
        // SAFETY: zeroed is a valid answer storage.
        let mut answer: notify_fakehost_auth_answer = unsafe { core::mem::zeroed() };
        // SAFETY: request, views and out storage live until the call returns.
        let status =
            unsafe { notify_fakehost_authenticate(self.raw, &request, timeout_ms, &mut answer) };
        (status, copy_answer(&answer))
    }
    pub fn authorize_subscribe(&self, topic: &str, timeout_ms: i32) -> (i32, Answer) {
        // SAFETY: zeroed is a valid request (size 0: the fake host's own, as above).
        let mut request: notify_authz_request = unsafe { core::mem::zeroed() };
        request.topic = notify_str {
            data: topic.as_ptr().cast(),
            len: topic.len(),
        };
        // SAFETY: zeroed is a valid answer storage.
        let mut answer: notify_fakehost_auth_answer = unsafe { core::mem::zeroed() };
        // SAFETY: request, views and out storage live until the call returns.
        let status = unsafe {
            notify_fakehost_authorize_subscribe(self.raw, &request, timeout_ms, &mut answer)
        };
        (status, copy_answer(&answer))
    }
    /// Hands the transport one frame for `conns` (JSON and binary encodings given).
    pub fn deliver(&self, json: &[u8], binary: &[u8], conns: &[u64]) {
        let json = notify_bytes {
            data: json.as_ptr(),
            len: json.len(),
        };
        let binary = notify_bytes {
            data: binary.as_ptr(),
            len: binary.len(),
        };
        // SAFETY: the views and the id array live until the call returns (the fake host copies).
        unsafe { notify_fakehost_deliver(self.raw, json, binary, conns.as_ptr(), conns.len()) }
    }
    pub fn frames_alive(&self) -> usize {
        // SAFETY: valid host.
        unsafe { notify_fakehost_frames_alive(self.raw) }
    }
    pub fn close(&self, conn: u64, code: u16, reason: &str) {
        // SAFETY: valid host, NUL-terminated reason.
        unsafe { notify_fakehost_close(self.raw, conn, code, c(reason).as_ptr()) }
    }
    /// The host table and ctx the plugin was given, as a `Host` (to call the SDK's host
    /// wrappers as the plugin would).
    pub fn host(&self) -> notify_sdk::Host {
        // SAFETY: the fake host's table and ctx stay valid until notify_fakehost_free.
        unsafe {
            notify_sdk::Host::from_raw(notify_fakehost_api(self.raw), notify_fakehost_ctx(self.raw))
        }
    }
    /// The plugin's instance pointer and descriptor, to call a vtable directly.
    pub fn instance(&self) -> *mut c_void {
        // SAFETY: valid host.
        unsafe { notify_fakehost_instance(self.raw) }
    }
    pub fn calls(&self) -> Vec<Call> {
        // SAFETY: valid host.
        let count = unsafe { notify_fakehost_call_count(self.raw) };
        (0..count)
            .map(|index| {
                // SAFETY: index < count: a record owned by the fake host until free.
                let call = unsafe { &*notify_fakehost_call_at(self.raw, index) };
                let payload = if call.payload.data.is_null() {
                    Vec::new()
                } else {
                    // SAFETY: the record's copy, valid until free.
                    unsafe { core::slice::from_raw_parts(call.payload.data, call.payload.len) }
                        .to_vec()
                };
                let topics = (0..call.topic_count)
                    // SAFETY: topic_count views, valid until free.
                    .map(|i| view_text(unsafe { *call.topics.add(i) }))
                    .collect();
                Call {
                    kind: call.kind,
                    level: call.level,
                    target: call.target,
                    id: view_text(call.id),
                    topic: view_text(call.topic),
                    text: view_text(call.text),
                    payload,
                    topics,
                    // SAFETY: the record's arrays, valid until free.
                    clients: unsafe { texts(call.clients, call.client_count) },
                    // SAFETY: as clients.
                    users: unsafe { texts(call.users, call.user_count) },
                    request_id: call.request_id,
                    number: call.number,
                    status: call.status,
                }
            })
            .collect()
    }
    pub fn calls_of(&self, kind: u32) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|call| call.kind == kind)
            .collect()
    }
    pub fn logs(&self) -> Vec<String> {
        self.calls_of(NOTIFY_FAKEHOST_LOG)
            .into_iter()
            .map(|call| call.text)
            .collect()
    }
    pub fn wait_for(&self, kind: u32, count: usize, timeout_ms: i32) -> bool {
        // SAFETY: valid host.
        unsafe { notify_fakehost_wait_for(self.raw, kind, count, timeout_ms) }
    }
    // ---- ABI 1.6 ----
    pub fn config_remove(&self, key: &str) {
        // SAFETY: valid host, NUL-terminated key.
        unsafe { notify_fakehost_config_remove(self.raw, c(key).as_ptr()) }
    }
    /// Plays a SIGHUP with the table as the config setters left it: the plugin's status, and
    /// last_error() holding its message when negative.
    pub fn reconfigure(&self) -> i32 {
        // SAFETY: valid host.
        unsafe { notify_fakehost_reconfigure(self.raw) }
    }
    pub fn set_log_level(&self, level: notify_log_level) {
        // SAFETY: valid host.
        unsafe { notify_fakehost_set_log_level(self.raw, level) }
    }
    /// What a HEALTH view says: started, not stopped, and not reported not ready.
    pub fn ready(&self) -> bool {
        // SAFETY: valid host.
        unsafe { notify_fakehost_ready(self.raw) }
    }
    /// A counter's or gauge's value by name and label values; None when there is no such
    /// series.
    pub fn metric_value(&self, name: &str, label_values: &[&str]) -> Option<f64> {
        let values: Vec<CString> = label_values.iter().map(|v| c(v)).collect();
        let pointers: Vec<*const c_char> = values.iter().map(|v| v.as_ptr()).collect();
        let mut out = 0.0;
        // SAFETY: valid host; NUL-terminated strings that outlive the call.
        unsafe {
            notify_fakehost_metric_value(
                self.raw,
                c(name).as_ptr(),
                pointers.as_ptr(),
                pointers.len(),
                &mut out,
            )
        }
        .then_some(out)
    }
    /// A histogram's (count, sum); None when there is no such series.
    pub fn metric_histogram(&self, name: &str, label_values: &[&str]) -> Option<(u64, f64)> {
        let values: Vec<CString> = label_values.iter().map(|v| c(v)).collect();
        let pointers: Vec<*const c_char> = values.iter().map(|v| v.as_ptr()).collect();
        let (mut count, mut sum) = (0u64, 0.0);
        // SAFETY: valid host; NUL-terminated strings that outlive the call.
        unsafe {
            notify_fakehost_metric_histogram(
                self.raw,
                c(name).as_ptr(),
                pointers.as_ptr(),
                pointers.len(),
                &mut count,
                &mut sum,
            )
        }
        .then_some((count, sum))
    }
}

fn copy_answer(answer: &notify_fakehost_auth_answer) -> Answer {
    // SAFETY: every string is NULL or owned by the fake host until free.
    unsafe {
        Answer {
            status: answer.status,
            pending: answer.pending,
            answered: answer.answered,
            decision: answer.decision,
            client_id: owned(answer.client_id),
            user_id: owned(answer.user_id),
            reason: owned(answer.reason),
            error_code: answer.error_code,
            expires_at_ms: answer.expires_at_ms,
            info: owned(answer.info),
            topics: (0..answer.topic_count)
                .map(|i| owned(*answer.topics.add(i)))
                .collect(),
        }
    }
}

impl Drop for FakeHost {
    fn drop(&mut self) {
        // SAFETY: we own the host; freed once.
        unsafe { notify_fakehost_free(self.raw) }
    }
}
