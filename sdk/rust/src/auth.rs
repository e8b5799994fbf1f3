//! Auth plugins: decide connects (and refreshes), subscribes and publishes, now or later.

use crate::headers::Headers;
use crate::host::{Host, LogLevel};
use crate::plugin::{Liveness, Plugin};
use crate::sys::{self, notify_auth_request, notify_auth_result, notify_authz_request};
use crate::views::{bytes_from, raw_str_bytes, str_of, str_view};
use core::cell::Cell;
use core::marker::PhantomData;

/// An auth plugin's decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Deny,
    /// No opinion: the next auth plugin decides; all defer = deny.
    Defer,
}

/// An owned answer: the SDK lends views of it to the host only while the host copies them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthAnswer {
    pub decision: Decision,
    /// ALLOW: the client id ("" = the host makes one).
    pub client_id: String,
    /// ALLOW: the user id ("" = anonymous).
    pub user_id: String,
    /// DENY: shown to the client.
    pub reason: String,
    /// DENY: a protocol error code (`NOTIFY_AUTH_ERROR_*`, e.g. 101 unauthorized); 0 = default.
    pub error_code: u32,
    /// ALLOW: Unix time in ms when the credentials expire; 0 = never.
    pub expires_at_ms: i64,
    /// ALLOW of a connect: a JSON object describing the client, "" = none.
    pub info: String,
    /// ALLOW of a connect: topics the host subscribes the client to.
    pub topics: Vec<String>,
    /// ABI 1.7, ALLOW of a publish: publish these bytes instead of what the client sent
    /// (moderation; empty is allowed); `None` keeps the client's data. A host older than 1.7
    /// cannot replace the data: such an ALLOW is sent to it as a DENY (fail closed).
    pub data: Option<Vec<u8>>,
    /// ABI 1.7, DENY: after the error reply, close the connection with this code (4000-4999,
    /// e.g. `sys::NOTIFY_CLOSE_DISCONNECTED`) and `reason`; 0 = keep it open (a denied connect
    /// is always closed). Ignored by a host older than 1.7.
    pub close_code: u16,
}

impl AuthAnswer {
    fn with_decision(decision: Decision) -> Self {
        AuthAnswer {
            decision,
            client_id: String::new(),
            user_id: String::new(),
            reason: String::new(),
            error_code: 0,
            expires_at_ms: 0,
            info: String::new(),
            topics: Vec::new(),
            data: None,
            close_code: 0,
        }
    }
    pub fn allow() -> Self {
        Self::with_decision(Decision::Allow)
    }
    pub fn deny(reason: impl Into<String>) -> Self {
        let mut answer = Self::with_decision(Decision::Deny);
        answer.reason = reason.into();
        answer
    }
    pub fn defer() -> Self {
        Self::with_decision(Decision::Defer)
    }
    pub fn user_id(mut self, user_id: impl Into<String>) -> Self {
        self.user_id = user_id.into();
        self
    }
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = client_id.into();
        self
    }
    pub fn error_code(mut self, error_code: u32) -> Self {
        self.error_code = error_code;
        self
    }
    pub fn expires_at_ms(mut self, expires_at_ms: i64) -> Self {
        self.expires_at_ms = expires_at_ms;
        self
    }
    pub fn info(mut self, info: impl Into<String>) -> Self {
        self.info = info.into();
        self
    }
    pub fn topics(mut self, topics: Vec<String>) -> Self {
        self.topics = topics;
        self
    }
    /// ABI 1.7, ALLOW of a publish: publish `data` instead of what the client sent (see
    /// [`data`](Self::data): a host older than 1.7 gets a DENY instead).
    pub fn replace_data(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.data = Some(data.into());
        self
    }
    /// ABI 1.7, DENY: close the connection with `close_code` (4000-4999) after the error
    /// reply (see the `close_code` field).
    pub fn close_code(mut self, close_code: u16) -> Self {
        self.close_code = close_code;
        self
    }

    /// The answer the SDK gives when the plugin cannot: a panic, a dropped completion.
    pub(crate) fn internal_error() -> Self {
        Self::deny("internal error")
    }

    /// Writes views of `self` into `out`, whose `size` the host preset: members past it are
    /// left alone (an older host). `topic_views` must outlive the host's read of `out`.
    ///
    /// An ALLOW that replaces the data, for a result too small to carry the replacement (a
    /// host older than 1.7), is written as DENY "internal error" instead, so the client's data
    /// is never published in place of the replacement; the return value is then `false` (the
    /// caller logs why).
    ///
    /// # Safety
    /// `out` must point to writable storage of at least `(*out).size` bytes (the host's
    /// `notify_auth_result`), and `self` and `topic_views` must outlive the host's use of
    /// the views (until the ABI call returns).
    #[must_use = "false: the answer was downgraded to DENY and should be logged"]
    pub(crate) unsafe fn write_views(
        &self,
        out: *mut notify_auth_result,
        topic_views: &mut Vec<sys::notify_str>,
    ) -> bool {
        // SAFETY: `size` is the first member, inside the host's storage (contract).
        let size = unsafe { core::ptr::addr_of!((*out).size).read() };
        let downgraded = self.decision == Decision::Allow
            && self.data.is_some()
            && !sys::has_field(size, crate::field_end!(notify_auth_result, replace_data));
        // The DENY lives in a static: the host reads its views after this returns.
        static DOWNGRADED: std::sync::LazyLock<AuthAnswer> =
            std::sync::LazyLock::new(AuthAnswer::internal_error);
        let answer: &AuthAnswer = if downgraded { &DOWNGRADED } else { self };
        topic_views.clear();
        topic_views.extend(answer.topics.iter().map(|topic| str_view(topic)));
        let decision = match answer.decision {
            Decision::Allow => sys::NOTIFY_AUTH_ALLOW,
            Decision::Deny => sys::NOTIFY_AUTH_DENY,
            Decision::Defer => sys::NOTIFY_AUTH_DEFER,
        };
        let data = match &answer.data {
            Some(data) if !data.is_empty() => crate::views::bytes_view(data),
            _ => sys::notify_bytes {
                data: core::ptr::null(),
                len: 0,
            },
        };
        // SAFETY: `out` is writable for `size` bytes (contract); each member is written
        // through a raw pointer only when `size` covers it.
        unsafe {
            macro_rules! put {
                ($member:ident, $value:expr) => {
                    if sys::has_field(size, crate::field_end!(notify_auth_result, $member)) {
                        core::ptr::addr_of_mut!((*out).$member).write($value);
                    }
                };
            }
            put!(decision, decision);
            put!(client_id, str_view(&answer.client_id));
            put!(user_id, str_view(&answer.user_id));
            put!(reason, str_view(&answer.reason));
            put!(error_code, answer.error_code);
            put!(expires_at_ms, answer.expires_at_ms);
            put!(info, str_view(&answer.info));
            put!(
                topics,
                if topic_views.is_empty() {
                    core::ptr::null()
                } else {
                    topic_views.as_ptr()
                }
            );
            put!(topic_count, topic_views.len());
            put!(data, data);
            put!(replace_data, answer.data.is_some());
            put!(close_code, answer.close_code);
        }
        !downgraded
    }
}

/// What `authenticate`/`authorize_*` return.
#[derive(Debug)]
pub enum AuthReply {
    /// Decided now.
    Answer(AuthAnswer),
    /// The request's [`AuthCompletion`] (taken with `complete_later()`) answers later.
    Pending,
}

impl From<AuthAnswer> for AuthReply {
    fn from(answer: AuthAnswer) -> Self {
        AuthReply::Answer(answer)
    }
}

/// Why a connect-time auth question is asked (ABI 1.4; an older host only asks Connect).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthPurpose {
    Connect,
    /// A connected client's new token: keep the user, set the new expiry.
    Refresh,
    Other(u32),
}

/// The one answer to a `NOTIFY_PENDING` auth call, from any thread.
///
/// `complete` consumes it, so it answers at most once; dropping it unanswered answers DENY
/// ("internal error") and logs a warning, so a request is never left hanging (fail closed).
///
/// Answer (or drop) it before the plugin instance is dropped: answers sent while the plugin
/// value is being dropped (from its `Drop`, or by a thread it joins there) still go out. Once
/// `destroy` has dropped the value, the handle is dead: `complete` and `Drop` make no host
/// call at all (no answer, no log), since the ABI forbids host calls after `destroy` returns;
/// the host has failed the request itself by then.
#[must_use = "dropping an AuthCompletion answers DENY"]
pub struct AuthCompletion {
    host: Host,
    alive: Liveness,
    request_id: u64,
    answered: bool,
}

impl AuthCompletion {
    /// The request id the host gave (for logs).
    pub fn request_id(&self) -> u64 {
        self.request_id
    }

    /// Answers the request (nothing happens once the instance was destroyed).
    pub fn complete(mut self, answer: AuthAnswer) {
        self.answered = true;
        self.alive.while_alive(|| self.send(&answer));
    }

    /// The host call. Callers hold `alive`'s read lock (`while_alive`).
    fn send(&self, answer: &AuthAnswer) {
        let (api, ctx) = self.host.raw();
        // SAFETY: the host table is valid until exit; auth_complete is an ABI 1.0 member.
        let Some(auth_complete) = (unsafe { (*api).auth_complete }) else {
            return;
        };
        let mut result = zeroed_result();
        if self.host.abi_version() < (1, 7) {
            // The host reads only the members it knows: declare what it knows of the 1.7 ones
            // (none), so that an answer it cannot carry out is written as such (fail closed).
            result.size = crate::field_end!(notify_auth_result, topic_count) as u32;
        }
        let mut topic_views = Vec::new();
        // SAFETY: `result` is our own full-size struct (size at most our sizeof); `answer` and
        // `topic_views` live until auth_complete returns, and the host copies before return.
        let written = unsafe { answer.write_views(&mut result, &mut topic_views) };
        if !written {
            self.host.log(
                LogLevel::Error,
                &format!(
                    "auth request {}: {DATA_REPLACEMENT_UNSUPPORTED}",
                    self.request_id
                ),
            );
        }
        // SAFETY: as above.
        unsafe { auth_complete(ctx, self.request_id, &result) };
    }
}

impl Drop for AuthCompletion {
    fn drop(&mut self) {
        if self.answered {
            return;
        }
        self.answered = true;
        // One read lock for the log and the answer (a nested one could deadlock with destroy).
        self.alive.while_alive(|| {
            self.host.log(
                LogLevel::Warn,
                &format!(
                    "auth request {} was dropped unanswered; denying",
                    self.request_id
                ),
            );
            self.send(&AuthAnswer::internal_error());
        });
    }
}

/// Logged when an ALLOW replacing the publish data went to a host older than 1.7 as a DENY.
pub(crate) const DATA_REPLACEMENT_UNSUPPORTED: &str = "an ALLOW replacing the publish data was \
    answered DENY: this notifyd is older than ABI 1.7 and cannot replace the data";

/// A zeroed result of this crate's size (what we pass to auth_complete).
pub(crate) fn zeroed_result() -> notify_auth_result {
    notify_auth_result {
        size: core::mem::size_of::<notify_auth_result>() as u32,
        decision: sys::NOTIFY_AUTH_DENY,
        client_id: str_view(""),
        user_id: str_view(""),
        reason: str_view(""),
        error_code: 0,
        expires_at_ms: 0,
        info: str_view(""),
        topics: core::ptr::null(),
        topic_count: 0,
        data: sys::notify_bytes {
            data: core::ptr::null(),
            len: 0,
        },
        replace_data: false,
        close_code: 0,
    }
}

/// Shared by both request kinds: lends out the completion handle once.
pub(crate) struct PendingSlot {
    host: Host,
    alive: Liveness,
    request_id: u64,
    taken: Cell<bool>,
}

impl PendingSlot {
    pub(crate) fn new(host: Host, alive: &Liveness, request_id: u64) -> Self {
        PendingSlot {
            host,
            alive: alive.clone(),
            request_id,
            taken: Cell::new(false),
        }
    }
    fn take(&self) -> Option<AuthCompletion> {
        if self.taken.replace(true) {
            None
        } else {
            Some(AuthCompletion {
                host: self.host,
                alive: self.alive.clone(),
                request_id: self.request_id,
                answered: false,
            })
        }
    }
    pub(crate) fn taken(&self) -> bool {
        self.taken.get()
    }
}

/// A connect (or refresh) to authenticate, borrowed for the call.
pub struct AuthRequest<'a> {
    raw: notify_auth_request,
    pending: PendingSlot,
    _call: PhantomData<&'a notify_auth_request>,
}

impl<'a> AuthRequest<'a> {
    /// # Safety
    /// `raw` must be a copy of the host's request (members past its size zeroed) whose views
    /// stay valid for `'a`.
    pub(crate) unsafe fn from_raw(raw: notify_auth_request, host: Host, alive: &Liveness) -> Self {
        AuthRequest {
            raw,
            pending: PendingSlot::new(host, alive, raw.request_id),
            _call: PhantomData,
        }
    }
    pub(crate) fn pending_slot(&self) -> &PendingSlot {
        &self.pending
    }
    pub fn request_id(&self) -> u64 {
        self.raw.request_id
    }
    /// The connect command's token as text: "" when there is none OR when its bytes are not
    /// UTF-8 (the two look the same here). A plugin that must tell them apart (to deny a
    /// malformed token rather than treat it as absent) reads [`token_bytes`](Self::token_bytes).
    pub fn token(&self) -> &'a str {
        // SAFETY: the request's views are BORROWED for the call ('a).
        unsafe { str_of(self.raw.token) }
    }
    /// The connect command's token as the host sent it, UTF-8 or not (empty when none).
    pub fn token_bytes(&self) -> &'a [u8] {
        // SAFETY: as token.
        unsafe { raw_str_bytes(self.raw.token) }
    }
    pub fn client_id(&self) -> &'a str {
        // SAFETY: as token.
        unsafe { str_of(self.raw.client_id) }
    }
    pub fn user_id(&self) -> &'a str {
        // SAFETY: as token.
        unsafe { str_of(self.raw.user_id) }
    }
    pub fn remote_address(&self) -> &'a str {
        // SAFETY: as token.
        unsafe { str_of(self.raw.remote_address) }
    }
    /// The transport instance's name.
    pub fn transport(&self) -> &'a str {
        // SAFETY: as token.
        unsafe { str_of(self.raw.transport) }
    }
    pub fn purpose(&self) -> AuthPurpose {
        if !sys::has_field(
            self.raw.size,
            crate::field_end!(notify_auth_request, purpose),
        ) {
            return AuthPurpose::Connect;
        }
        match self.raw.purpose {
            sys::NOTIFY_AUTH_PURPOSE_CONNECT => AuthPurpose::Connect,
            sys::NOTIFY_AUTH_PURPOSE_REFRESH => AuthPurpose::Refresh,
            other => AuthPurpose::Other(other),
        }
    }
    /// ABI 1.7: the connection's kept headers, `(name, value)` pairs (see [`Headers`]); empty
    /// from an older host. Ask for the names in `create` with
    /// [`Host::keep_headers`](crate::Host::keep_headers).
    pub fn headers(&self) -> Headers<'a> {
        if !sys::has_field(
            self.raw.size,
            crate::field_end!(notify_auth_request, header_count),
        ) {
            return Headers::empty();
        }
        // SAFETY: members present (size checked); the array and its views are BORROWED for
        // the call ('a).
        unsafe { Headers::from_raw(self.raw.headers, self.raw.header_count) }
    }
    /// ABI 1.7: the first kept header named `name` (ASCII case-insensitive) as text: `None`
    /// when absent, `Some("")` when empty OR not UTF-8 (see [`header_bytes`](Self::header_bytes)).
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.header_bytes(name)
            .map(|value| core::str::from_utf8(value).unwrap_or(""))
    }
    /// ABI 1.7: the first kept header named `name` (ASCII case-insensitive) as received.
    pub fn header_bytes(&self, name: &str) -> Option<&'a [u8]> {
        self.headers().get(name)
    }
    /// Takes the completion handle to answer later from any thread; then return
    /// [`AuthReply::Pending`]. `None` if it was already taken in this call.
    pub fn complete_later(&self) -> Option<AuthCompletion> {
        self.pending.take()
    }
}

/// A client-side subscribe or publish to authorize, borrowed for the call.
pub struct AuthzRequest<'a> {
    raw: notify_authz_request,
    pending: PendingSlot,
    _call: PhantomData<&'a notify_authz_request>,
}

impl<'a> AuthzRequest<'a> {
    /// # Safety
    /// As [`AuthRequest::from_raw`].
    pub(crate) unsafe fn from_raw(raw: notify_authz_request, host: Host, alive: &Liveness) -> Self {
        AuthzRequest {
            raw,
            pending: PendingSlot::new(host, alive, raw.request_id),
            _call: PhantomData,
        }
    }
    pub(crate) fn pending_slot(&self) -> &PendingSlot {
        &self.pending
    }
    pub fn request_id(&self) -> u64 {
        self.raw.request_id
    }
    pub fn client_id(&self) -> &'a str {
        // SAFETY: the request's views are BORROWED for the call ('a).
        unsafe { str_of(self.raw.client_id) }
    }
    pub fn user_id(&self) -> &'a str {
        // SAFETY: as client_id.
        unsafe { str_of(self.raw.user_id) }
    }
    pub fn topic(&self) -> &'a str {
        // SAFETY: as client_id.
        unsafe { str_of(self.raw.topic) }
    }
    /// ABI 1.4: a subscribe's subscription token as text: "" when there is none (or the host
    /// is older) OR when its bytes are not UTF-8 (the two look the same here; see
    /// [`token_bytes`](Self::token_bytes)).
    pub fn token(&self) -> &'a str {
        core::str::from_utf8(self.token_bytes()).unwrap_or("")
    }
    /// ABI 1.4: a subscribe's subscription token as the host sent it, UTF-8 or not (empty when
    /// none or from an older host).
    pub fn token_bytes(&self) -> &'a [u8] {
        if !sys::has_field(
            self.raw.size,
            crate::field_end!(notify_authz_request, token),
        ) {
            return &[];
        }
        // SAFETY: member present (size checked); views BORROWED for the call.
        unsafe { raw_str_bytes(self.raw.token) }
    }
    /// ABI 1.4: the namespace admits only subscribers with a verified subscription token.
    pub fn token_required(&self) -> bool {
        sys::has_field(
            self.raw.size,
            crate::field_end!(notify_authz_request, flags),
        ) && self.raw.flags & sys::NOTIFY_AUTHZ_TOKEN_REQUIRED != 0
    }
    /// ABI 1.7: the transport instance's name ("" from an older host).
    pub fn transport(&self) -> &'a str {
        if !sys::has_field(
            self.raw.size,
            crate::field_end!(notify_authz_request, transport),
        ) {
            return "";
        }
        // SAFETY: member present (size checked); views BORROWED for the call.
        unsafe { str_of(self.raw.transport) }
    }
    /// ABI 1.7: the client's address, as [`AuthRequest::remote_address`] ("" from an older
    /// host).
    pub fn remote_address(&self) -> &'a str {
        if !sys::has_field(
            self.raw.size,
            crate::field_end!(notify_authz_request, remote_address),
        ) {
            return "";
        }
        // SAFETY: member present (size checked); views BORROWED for the call.
        unsafe { str_of(self.raw.remote_address) }
    }
    /// ABI 1.7: the connection's kept headers, as [`AuthRequest::headers`] (empty from an
    /// older host).
    pub fn headers(&self) -> Headers<'a> {
        if !sys::has_field(
            self.raw.size,
            crate::field_end!(notify_authz_request, header_count),
        ) {
            return Headers::empty();
        }
        // SAFETY: members present (size checked); the array and its views are BORROWED for
        // the call ('a).
        unsafe { Headers::from_raw(self.raw.headers, self.raw.header_count) }
    }
    /// ABI 1.7: as [`AuthRequest::header`].
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.header_bytes(name)
            .map(|value| core::str::from_utf8(value).unwrap_or(""))
    }
    /// ABI 1.7: as [`AuthRequest::header_bytes`].
    pub fn header_bytes(&self, name: &str) -> Option<&'a [u8]> {
        self.headers().get(name)
    }
    /// ABI 1.7: a publish's payload as the client sent it (empty for a subscribe, and from an
    /// older host). An ALLOW may publish other bytes instead: [`AuthAnswer::replace_data`].
    pub fn data(&self) -> &'a [u8] {
        if !sys::has_field(self.raw.size, crate::field_end!(notify_authz_request, data)) {
            return &[];
        }
        // SAFETY: member present (size checked); views BORROWED for the call.
        unsafe { bytes_from(self.raw.data) }
    }
    /// As [`AuthRequest::complete_later`].
    pub fn complete_later(&self) -> Option<AuthCompletion> {
        self.pending.take()
    }
}

/// An auth plugin. Calls run on the core thread and must not block: slow checks take the
/// request's completion handle, hand it to a worker and return [`AuthReply::Pending`].
pub trait Auth: Plugin {
    /// Decides a connect or refresh. Default: defer.
    fn authenticate(&self, request: &AuthRequest<'_>) -> AuthReply {
        let _ = request;
        AuthReply::Answer(AuthAnswer::defer())
    }
    /// Decides a client-side subscribe. Default: defer.
    fn authorize_subscribe(&self, request: &AuthzRequest<'_>) -> AuthReply {
        let _ = request;
        AuthReply::Answer(AuthAnswer::defer())
    }
    /// Decides a client-side publish. Default: defer.
    fn authorize_publish(&self, request: &AuthzRequest<'_>) -> AuthReply {
        let _ = request;
        AuthReply::Answer(AuthAnswer::defer())
    }
}

#[cfg(test)]
mod unit_tests {
    use super::*;
    use core::ffi::c_char;

    fn authz(size: u32, token: &[u8]) -> notify_authz_request {
        // SAFETY: all-zero is a valid notify_authz_request (integers, NULL views).
        let mut raw: notify_authz_request = unsafe { core::mem::zeroed() };
        raw.size = size;
        raw.token = sys::notify_str {
            data: token.as_ptr().cast(),
            len: token.len(),
        };
        raw
    }

    #[test]
    fn authz_token_bytes_keep_what_token_hides() {
        // SAFETY: a dangling host is never called (no completion is taken); views outlive use.
        let host = unsafe { Host::from_raw(core::ptr::null(), core::ptr::null_mut()) };
        let alive = Liveness::new();
        let full = core::mem::size_of::<notify_authz_request>() as u32;
        let bad: &[u8] = b"\xffsub";
        // SAFETY: `bad` outlives the request.
        let request = unsafe { AuthzRequest::from_raw(authz(full, bad), host, &alive) };
        assert_eq!(request.token(), "");
        assert_eq!(request.token_bytes(), bad);
        // SAFETY: as above.
        let request = unsafe { AuthzRequest::from_raw(authz(full, b"sub"), host, &alive) };
        assert_eq!(
            (request.token(), request.token_bytes()),
            ("sub", &b"sub"[..])
        );
        // An older host (before ABI 1.4) has no token member: nothing, whatever is there.
        let old = crate::field_end!(notify_authz_request, token) as u32 - 1;
        // SAFETY: as above.
        let request = unsafe { AuthzRequest::from_raw(authz(old, b"sub"), host, &alive) };
        assert_eq!((request.token(), request.token_bytes()), ("", &b""[..]));
    }

    // ---- ABI 1.7 --------------------------------------------------------------------------

    fn view(text: &[u8]) -> sys::notify_str {
        sys::notify_str {
            data: text.as_ptr().cast(),
            len: text.len(),
        }
    }

    fn header(name: &'static str, value: &'static [u8]) -> sys::notify_header {
        sys::notify_header {
            name: view(name.as_bytes()),
            value: view(value),
        }
    }

    /// Headers as a 1.7 host kept them: a repeated name, a value that is not UTF-8.
    fn kept_headers() -> Vec<sys::notify_header> {
        vec![
            header("x-api-key", b"k1"),
            header("origin", b"https://example.org"),
            header("x-api-key", b"k2"),
            header("x-raw", b"\xffbin"),
            header("x-empty", b""),
        ]
    }

    /// Members of an older host's struct that a reader must never touch: a dangling array
    /// pointer that would fault if it were read.
    fn dangling_headers() -> *const sys::notify_header {
        core::ptr::NonNull::<sys::notify_header>::dangling().as_ptr()
    }

    fn no_host() -> Host {
        // SAFETY: a dangling host is never called (no completion is taken).
        unsafe { Host::from_raw(core::ptr::null(), core::ptr::null_mut()) }
    }

    #[test]
    fn auth_request_headers_iterate_in_order_and_look_up_by_name() {
        let headers = kept_headers();
        // SAFETY: all-zero is a valid notify_auth_request.
        let mut raw: notify_auth_request = unsafe { core::mem::zeroed() };
        raw.size = core::mem::size_of::<notify_auth_request>() as u32;
        raw.headers = headers.as_ptr();
        raw.header_count = headers.len();
        let alive = Liveness::new();
        // SAFETY: `headers` outlives the request.
        let request = unsafe { AuthRequest::from_raw(raw, no_host(), &alive) };
        let all: Vec<(&str, &[u8])> = request.headers().collect();
        assert_eq!(
            all,
            [
                ("x-api-key", &b"k1"[..]),
                ("origin", &b"https://example.org"[..]),
                ("x-api-key", &b"k2"[..]),
                ("x-raw", &b"\xffbin"[..]),
                ("x-empty", &b""[..]),
            ]
        );
        assert_eq!(request.headers().len(), 5);
        assert_eq!(
            request.headers().next_back().map(|(n, _)| n),
            Some("x-empty")
        );
        // The first of a repeated header, names matched case-insensitively.
        assert_eq!(request.header("X-Api-Key"), Some("k1"));
        assert_eq!(request.header("origin"), Some("https://example.org"));
        assert_eq!(request.header("cookie"), None);
        // Not UTF-8: "" as text, the bytes as received.
        assert_eq!(request.header("x-raw"), Some(""));
        assert_eq!(request.header_bytes("x-raw"), Some(&b"\xffbin"[..]));
        assert_eq!(request.header("x-empty"), Some(""));
        // Debug shows what is left, values as lossy text.
        let mut rest = request.headers();
        rest.nth(2);
        assert_eq!(
            format!("{rest:?}"),
            "[(\"x-raw\", \"\u{fffd}bin\"), (\"x-empty\", \"\")]"
        );

        // NULL array or no headers: nothing.
        raw.headers = core::ptr::null();
        // SAFETY: as above.
        let request = unsafe { AuthRequest::from_raw(raw, no_host(), &alive) };
        assert_eq!(request.headers().count(), 0);
        raw.headers = headers.as_ptr();
        raw.header_count = 0;
        // SAFETY: as above.
        let request = unsafe { AuthRequest::from_raw(raw, no_host(), &alive) };
        assert_eq!(request.headers().count(), 0);
    }

    #[test]
    fn a_1_6_auth_request_has_no_headers_whatever_follows_it() {
        // SAFETY: all-zero is a valid notify_auth_request.
        let mut raw: notify_auth_request = unsafe { core::mem::zeroed() };
        // A 1.6 host's sizeof(notify_auth_request) ends where the 1.7 members begin.
        raw.size = core::mem::offset_of!(notify_auth_request, headers) as u32;
        raw.purpose = sys::NOTIFY_AUTH_PURPOSE_REFRESH;
        raw.headers = dangling_headers();
        raw.header_count = 3;
        let alive = Liveness::new();
        // SAFETY: the dangling array is never read (that is the test).
        let request = unsafe { AuthRequest::from_raw(raw, no_host(), &alive) };
        assert_eq!(request.purpose(), AuthPurpose::Refresh);
        assert_eq!(request.headers().len(), 0);
        assert_eq!(request.header("x-api-key"), None);
        // A size that covers `headers` but not `header_count` is not enough either.
        raw.size = crate::field_end!(notify_auth_request, headers) as u32;
        // SAFETY: as above.
        let request = unsafe { AuthRequest::from_raw(raw, no_host(), &alive) };
        assert_eq!(request.headers().len(), 0);
    }

    #[test]
    fn authz_request_names_transport_address_headers_and_data() {
        let headers = kept_headers();
        let mut raw = authz(core::mem::size_of::<notify_authz_request>() as u32, b"");
        raw.topic = view(b"chat");
        raw.transport = view(b"ws");
        raw.remote_address = view(b"10.0.0.7:5123");
        raw.headers = headers.as_ptr();
        raw.header_count = headers.len();
        let payload: &[u8] = b"{\"text\":\"darn\"}";
        raw.data = crate::views::bytes_view(payload);
        let alive = Liveness::new();
        // SAFETY: every view outlives the request.
        let request = unsafe { AuthzRequest::from_raw(raw, no_host(), &alive) };
        assert_eq!(
            (
                request.topic(),
                request.transport(),
                request.remote_address()
            ),
            ("chat", "ws", "10.0.0.7:5123")
        );
        assert_eq!(request.data(), payload);
        assert_eq!(request.header("ORIGIN"), Some("https://example.org"));
        assert_eq!(request.headers().len(), 5);

        // A 1.6 host: none of it, though the bytes past its struct say otherwise.
        raw.size = core::mem::offset_of!(notify_authz_request, transport) as u32;
        raw.headers = dangling_headers();
        raw.data = sys::notify_bytes {
            data: core::ptr::NonNull::<u8>::dangling().as_ptr(),
            len: 9,
        };
        raw.transport = sys::notify_str {
            data: core::ptr::NonNull::<c_char>::dangling().as_ptr(),
            len: 9,
        };
        raw.remote_address = raw.transport;
        raw.token = view(b"sub");
        // SAFETY: the dangling views are never read (that is the test).
        let request = unsafe { AuthzRequest::from_raw(raw, no_host(), &alive) };
        assert_eq!((request.transport(), request.remote_address()), ("", ""));
        assert_eq!(request.data(), b"");
        assert_eq!(request.headers().len(), 0);
        assert_eq!(request.header("origin"), None);
        assert_eq!(request.token(), "sub"); // 1.4 members still read
    }

    /// A result whose 1.7 members hold values a writer must leave alone when `size` excludes
    /// them.
    fn result_of_size(size: usize) -> notify_auth_result {
        let mut result = zeroed_result();
        result.size = size as u32;
        result.decision = sys::NOTIFY_AUTH_DEFER;
        result.data = sys::notify_bytes {
            data: core::ptr::null(),
            len: 77,
        };
        result.replace_data = true;
        result.close_code = 0xbeef;
        result
    }

    #[test]
    fn an_answer_writes_the_replacement_and_close_code_for_a_1_7_host() {
        let mut views = Vec::new();
        let full = core::mem::size_of::<notify_auth_result>();
        let allow = AuthAnswer::allow().replace_data(&b"{\"text\":\"****\"}"[..]);
        let mut result = result_of_size(full);
        // SAFETY: our own full-size result; `allow` outlives the reads below.
        assert!(unsafe { allow.write_views(&mut result, &mut views) });
        assert_eq!(result.decision, sys::NOTIFY_AUTH_ALLOW);
        assert!(result.replace_data);
        // SAFETY: the view points into `allow`, alive.
        assert_eq!(unsafe { bytes_from(result.data) }, b"{\"text\":\"****\"}");
        assert_eq!(result.close_code, 0);

        // Replacing with nothing is allowed: an empty payload, still replaced.
        let empty = AuthAnswer::allow().replace_data(Vec::new());
        let mut result = result_of_size(full);
        // SAFETY: as above.
        assert!(unsafe { empty.write_views(&mut result, &mut views) });
        assert!(result.replace_data);
        assert_eq!((result.data.data, result.data.len), (core::ptr::null(), 0));

        let deny = AuthAnswer::deny("banned").close_code(sys::NOTIFY_CLOSE_DISCONNECTED);
        let mut result = result_of_size(full);
        // SAFETY: as above.
        assert!(unsafe { deny.write_views(&mut result, &mut views) });
        assert_eq!(result.decision, sys::NOTIFY_AUTH_DENY);
        assert_eq!(result.close_code, sys::NOTIFY_CLOSE_DISCONNECTED);
        assert!(!result.replace_data);
        assert_eq!(result.data.len, 0);
    }

    #[test]
    fn an_answer_to_a_1_6_host_leaves_the_new_members_alone_and_fails_closed() {
        let mut views = Vec::new();
        let older = core::mem::offset_of!(notify_auth_result, data);
        let deny = AuthAnswer::deny("banned").close_code(sys::NOTIFY_CLOSE_DISCONNECTED);
        let mut result = result_of_size(older);
        // SAFETY: writable for its (smaller) declared size; `deny` outlives the reads.
        assert!(unsafe { deny.write_views(&mut result, &mut views) });
        assert_eq!(result.decision, sys::NOTIFY_AUTH_DENY);
        // SAFETY: as above.
        assert_eq!(unsafe { str_of(result.reason) }, "banned");
        assert_eq!(
            (result.data.len, result.replace_data, result.close_code),
            (77, true, 0xbeef)
        );

        // An ALLOW that replaces the data cannot be carried out: DENY, never the original.
        let allow = AuthAnswer::allow()
            .user_id("alice")
            .replace_data(&b"clean"[..]);
        let mut result = result_of_size(older);
        // SAFETY: as above.
        assert!(!unsafe { allow.write_views(&mut result, &mut views) });
        assert_eq!(result.decision, sys::NOTIFY_AUTH_DENY);
        // SAFETY: the reason views a static answer.
        assert_eq!(unsafe { str_of(result.reason) }, "internal error");
        // SAFETY: as above.
        assert_eq!(unsafe { str_of(result.user_id) }, "");
        assert_eq!(
            (result.data.len, result.replace_data, result.close_code),
            (77, true, 0xbeef)
        );

        // A plain ALLOW is unaffected.
        let mut result = result_of_size(older);
        // SAFETY: as above.
        assert!(unsafe { AuthAnswer::allow().write_views(&mut result, &mut views) });
        assert_eq!(result.decision, sys::NOTIFY_AUTH_ALLOW);
    }
}
