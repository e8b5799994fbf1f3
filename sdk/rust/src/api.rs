//! ABI 1.5: the server API through the host (`host->api_call`), for front-end plugins (an
//! HTTP or gRPC API, a queue consumer, ...) and any plugin that acts on Notify the way a
//! backend does. The methods, their JSON parameters and results are in docs/api.md.

use crate::plugin::{drop_payload, panic_message};
use crate::sys::{self, notify_api_reply};
use crate::views::{bytes_from, str_of};
use core::ffi::c_void;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// The answer to one [`Host::api_call`](crate::Host::api_call), owned (copied out of the
/// host's reply, which is borrowed only for the callback).
///
/// On success `status` is `NOTIFY_OK`, `error_code` 0 and `result` one JSON object. On failure
/// `status` is negative, `error_code` a protocol error code (100 internal, 102 bad_request,
/// 103 unknown method, 105 limit, 108 not_found, 109 too_large, ...: docs/api.md),
/// `error_message` names what failed and where, and `result` is empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiReply {
    /// `NOTIFY_OK` or a negative `NOTIFY_ERR_*`.
    pub status: sys::notify_status,
    /// 0 on success, else the protocol error code.
    pub error_code: u32,
    /// "" on success.
    pub error_message: String,
    /// The result, one JSON object (UTF-8; bytes that are not are replaced by U+FFFD), or ""
    /// on failure.
    pub result: String,
}

impl ApiReply {
    /// True when the request succeeded (`status == NOTIFY_OK`).
    pub fn is_ok(&self) -> bool {
        self.status == sys::NOTIFY_OK
    }

    /// The result JSON, or the reply itself as the error.
    pub fn into_result(self) -> Result<String, ApiReply> {
        if self.is_ok() {
            Ok(self.result)
        } else {
            Err(self)
        }
    }

    /// An answer the SDK makes itself (a host that called back without a reply).
    pub(crate) fn internal(message: &str) -> ApiReply {
        ApiReply {
            status: sys::NOTIFY_ERR_INTERNAL,
            error_code: 100,
            error_message: message.to_owned(),
            result: String::new(),
        }
    }

    /// Copies the host's reply.
    ///
    /// # Safety
    /// `raw` must be NULL or point to the host's reply, readable for its declared `size`, with
    /// views valid for the call.
    pub(crate) unsafe fn copy_of(raw: *const notify_api_reply) -> ApiReply {
        // SAFETY: forwarded contract; read_sized copies at most `size` bytes.
        let Some(reply) = (unsafe { crate::__private::read_sized(raw) }) else {
            return ApiReply::internal("api_call: the host answered without a reply");
        };
        // SAFETY: views BORROWED for the callback, which is still running. Members past the
        // host's `size` were zeroed by read_sized (empty views).
        unsafe {
            ApiReply {
                status: reply.status,
                error_code: reply.error_code,
                error_message: str_of(reply.error_message).to_owned(),
                result: String::from_utf8_lossy(bytes_from(reply.result)).into_owned(),
            }
        }
    }
}

/// What `user_data` points to while the host holds an api_call.
pub(crate) type ApiDone = Box<dyn FnOnce(ApiReply) + Send + 'static>;

/// The `notify_api_callback` of every [`Host::api_call`](crate::Host::api_call): takes back
/// the boxed closure (exactly once, as the host calls back exactly once), copies the reply and
/// runs the closure inside `catch_unwind`, so a panic never unwinds into the host.
///
/// # Safety
/// `user_data` must be the `Box<ApiDone>` that `Host::api_call` leaked for this request, not
/// yet taken back; `reply` as [`ApiReply::copy_of`].
pub(crate) unsafe extern "C" fn api_done(user_data: *mut c_void, reply: *const notify_api_reply) {
    if user_data.is_null() {
        return;
    }
    // SAFETY: the box Host::api_call leaked for this request (contract), taken back once.
    let done = unsafe { Box::from_raw(user_data.cast::<ApiDone>()) };
    // SAFETY: the host's reply for this callback (contract).
    let reply = unsafe { ApiReply::copy_of(reply) };
    if let Err(payload) = catch_unwind(AssertUnwindSafe(move || (*done)(reply))) {
        // No host call here: the instance's ctx may be gone by the time a late answer comes.
        // stderr through write!, which reports a failure instead of panicking as eprintln! does.
        let _ = writeln!(
            std::io::stderr(),
            "notify-sdk: an api_call callback panicked: {}; the reply is dropped",
            panic_message(&*payload)
        );
        drop_payload(payload);
    }
}
