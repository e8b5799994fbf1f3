//! Auth plugins: decide connects (and refreshes), subscribes and publishes, now or later.

use crate::host::{Host, LogLevel};
use crate::plugin::{Liveness, Plugin};
use crate::sys::{self, notify_auth_request, notify_auth_result, notify_authz_request};
use crate::views::{raw_str_bytes, str_of, str_view};
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

    /// The answer the SDK gives when the plugin cannot: a panic, a dropped completion.
    pub(crate) fn internal_error() -> Self {
        Self::deny("internal error")
    }

    /// Writes views of `self` into `out`, whose `size` the host preset: members past it are
    /// left alone (an older host). `topic_views` must outlive the host's read of `out`.
    ///
    /// # Safety
    /// `out` must point to writable storage of at least `(*out).size` bytes (the host's
    /// `notify_auth_result`), and `self` and `topic_views` must outlive the host's use of
    /// the views (until the ABI call returns).
    pub(crate) unsafe fn write_views(
        &self,
        out: *mut notify_auth_result,
        topic_views: &mut Vec<sys::notify_str>,
    ) {
        topic_views.clear();
        topic_views.extend(self.topics.iter().map(|topic| str_view(topic)));
        let decision = match self.decision {
            Decision::Allow => sys::NOTIFY_AUTH_ALLOW,
            Decision::Deny => sys::NOTIFY_AUTH_DENY,
            Decision::Defer => sys::NOTIFY_AUTH_DEFER,
        };
        // SAFETY: `out` is writable for `size` bytes (contract); each member is written
        // through a raw pointer only when `size` covers it.
        unsafe {
            let size = core::ptr::addr_of!((*out).size).read();
            macro_rules! put {
                ($member:ident, $value:expr) => {
                    if sys::has_field(size, crate::field_end!(notify_auth_result, $member)) {
                        core::ptr::addr_of_mut!((*out).$member).write($value);
                    }
                };
            }
            put!(decision, decision);
            put!(client_id, str_view(&self.client_id));
            put!(user_id, str_view(&self.user_id));
            put!(reason, str_view(&self.reason));
            put!(error_code, self.error_code);
            put!(expires_at_ms, self.expires_at_ms);
            put!(info, str_view(&self.info));
            put!(
                topics,
                if topic_views.is_empty() {
                    core::ptr::null()
                } else {
                    topic_views.as_ptr()
                }
            );
            put!(topic_count, topic_views.len());
        }
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
        let mut topic_views = Vec::new();
        // SAFETY: `result` is our own full-size struct (size = our sizeof); `answer` and
        // `topic_views` live until auth_complete returns, and the host copies before return.
        unsafe {
            answer.write_views(&mut result, &mut topic_views);
            auth_complete(ctx, self.request_id, &result);
        }
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
}
