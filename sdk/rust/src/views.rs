//! Conversions between the ABI's views (`notify_str`, `notify_bytes`) and Rust slices.

use crate::error::Error;
use crate::sys::{notify_bytes, notify_owned_bytes, notify_str};

/// A view of `text` for the host. OWNERSHIP: BORROWED from `text`; the caller keeps `text`
/// alive for as long as the host may read the view (until the host call returns).
pub(crate) fn str_view(text: &str) -> notify_str {
    notify_str {
        data: text.as_ptr().cast(),
        len: text.len(),
    }
}

/// A view of `bytes` for the host. OWNERSHIP as [`str_view`].
pub(crate) fn bytes_view(bytes: &[u8]) -> notify_bytes {
    notify_bytes {
        data: bytes.as_ptr(),
        len: bytes.len(),
    }
}

/// The bytes of a host view.
///
/// # Safety
/// `view.data` must be NULL or point to `view.len` readable bytes that stay valid and unchanged
/// for `'a` (the ABI's BORROWED: until the call that passed the view returns).
pub(crate) unsafe fn bytes_of<'a>(data: *const u8, len: usize) -> &'a [u8] {
    if data.is_null() || len == 0 {
        &[]
    } else {
        // SAFETY: non-null, `len` readable bytes valid for 'a: the caller's contract.
        unsafe { core::slice::from_raw_parts(data, len) }
    }
}

/// The text of a host `notify_str`. The ABI says it is UTF-8; text that is not is seen as ""
/// rather than trusted (use the raw bytes through [`raw_str_bytes`] when that matters).
///
/// # Safety
/// As [`bytes_of`].
pub(crate) unsafe fn str_of<'a>(view: notify_str) -> &'a str {
    // SAFETY: forwarded contract.
    let bytes = unsafe { raw_str_bytes(view) };
    core::str::from_utf8(bytes).unwrap_or("")
}

/// The bytes of a host `notify_str`.
///
/// # Safety
/// As [`bytes_of`].
pub(crate) unsafe fn raw_str_bytes<'a>(view: notify_str) -> &'a [u8] {
    // SAFETY: forwarded contract.
    unsafe { bytes_of(view.data.cast(), view.len) }
}

/// The bytes of a host `notify_bytes`.
///
/// # Safety
/// As [`bytes_of`].
pub(crate) unsafe fn bytes_from<'a>(view: notify_bytes) -> &'a [u8] {
    // SAFETY: forwarded contract.
    unsafe { bytes_of(view.data, view.len) }
}

/// Empty storage for a host call that hands over OWNED bytes.
pub(crate) fn no_owned_bytes() -> notify_owned_bytes {
    notify_owned_bytes {
        data: core::ptr::null_mut(),
        len: 0,
        release: None,
        release_ctx: core::ptr::null_mut(),
    }
}

/// Copies a document the host handed over (`cluster_view`, `stats_view`) as text, then releases
/// the host's bytes. `what` names the call in the error for bytes that are not UTF-8.
///
/// # Safety
/// `out` must be what a successful host call filled: OWNED by us, `len` readable bytes at
/// `data` (or NULL and 0) until released, and not released yet.
pub(crate) unsafe fn take_owned_text(out: notify_owned_bytes, what: &str) -> Result<String, Error> {
    // SAFETY: forwarded contract; the copy happens before the release below.
    let text = String::from_utf8(unsafe { bytes_of(out.data, out.len) }.to_vec());
    if let Some(release) = out.release {
        // SAFETY: released exactly once, with the context the host gave.
        unsafe { release(out.release_ctx, out.data) };
    }
    text.map_err(|_| Error::internal(format!("{what}: the host's document is not UTF-8")))
}
