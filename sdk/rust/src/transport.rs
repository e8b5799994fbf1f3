//! Transport plugins: accept connections, report them to the host, send frames.

use crate::host::{Encoding, Host};
use crate::plugin::Plugin;
use crate::sys::{self, notify_frame};
use crate::views::bytes_from;
use core::marker::PhantomData;

/// A host frame, borrowed for the `deliver` call. `retain()` keeps it past the call.
pub struct Frame<'a> {
    host: Host,
    raw: *const notify_frame,
    _call: PhantomData<&'a notify_frame>,
}

impl<'a> Frame<'a> {
    /// # Safety
    /// `raw` must be the frame the host passed to this `deliver` call.
    pub(crate) unsafe fn from_raw(host: Host, raw: *const notify_frame) -> Self {
        Frame {
            host,
            raw,
            _call: PhantomData,
        }
    }

    /// The frame's bytes in `encoding` (serialized once per encoding by the host).
    pub fn bytes(&self, encoding: Encoding) -> &'a [u8] {
        // SAFETY: the frame is referenced for the whole call ('a); the bytes are valid while
        // a reference is held.
        unsafe { frame_bytes(self.host, self.raw, encoding) }
    }

    /// Takes a reference of the frame that outlives the call (release on drop).
    pub fn retain(&self) -> RetainedFrame {
        // SAFETY: the frame is valid during the call; retain adds a reference we own.
        unsafe { retain(self.host, self.raw) }
    }
}

/// # Safety
/// `raw` must be a frame the caller holds a reference to for at least `'b`.
unsafe fn frame_bytes<'b>(host: Host, raw: *const notify_frame, encoding: Encoding) -> &'b [u8] {
    let (api, _) = host.raw();
    // SAFETY: the host table is valid until exit; frame_bytes is ABI 1.0; the returned bytes
    // are HOST-owned and valid while the reference is held ('b, caller's contract).
    unsafe {
        match (*api).frame_bytes {
            Some(frame_bytes) => bytes_from(frame_bytes(raw, encoding.raw())),
            None => &[],
        }
    }
}

/// # Safety
/// `raw` must be a valid frame the caller holds a reference to.
unsafe fn retain(host: Host, raw: *const notify_frame) -> RetainedFrame {
    let (api, _) = host.raw();
    // SAFETY: the host table is valid until exit; frame_retain is ABI 1.0 and thread-safe.
    unsafe {
        if let Some(frame_retain) = (*api).frame_retain {
            frame_retain(raw);
        }
    }
    RetainedFrame { host, raw }
}

/// A frame reference the plugin owns: `Send` and `Sync`, released exactly once on drop.
pub struct RetainedFrame {
    host: Host,
    raw: *const sys::notify_frame,
}

// SAFETY: frames are immutable and host-refcounted; retain/release/frame_bytes are callable
// from any thread (ABI THREADS), and we own one reference.
unsafe impl Send for RetainedFrame {}
// SAFETY: as Send: only immutable reads through thread-safe host calls.
unsafe impl Sync for RetainedFrame {}

impl RetainedFrame {
    pub fn bytes(&self, encoding: Encoding) -> &[u8] {
        // SAFETY: we hold a reference for as long as `self` (and the borrow) lives.
        unsafe { frame_bytes(self.host, self.raw, encoding) }
    }
}

impl Clone for RetainedFrame {
    fn clone(&self) -> Self {
        // SAFETY: we hold a reference, so the frame is valid; the clone owns a new one.
        unsafe { retain(self.host, self.raw) }
    }
}

impl Drop for RetainedFrame {
    fn drop(&mut self) {
        let (api, _) = self.host.raw();
        // SAFETY: releases the one reference this value owns; ABI 1.0, any thread.
        unsafe {
            if let Some(frame_release) = (*api).frame_release {
                frame_release(self.raw);
            }
        }
    }
}

/// A transport plugin. `deliver`/`close` run on the core thread and must not block: queue
/// the frame (retain it) for your I/O threads.
pub trait Transport: Plugin {
    /// Queues `frame` for each of `conns` (unknown ids are skipped silently).
    fn deliver(&self, frame: &Frame<'_>, conns: &[u64]);

    /// Closes `conn` after what is queued, with `code` (`NOTIFY_CLOSE_*`) and `reason`; then
    /// report it with `host.conn_closed`.
    fn close(&self, conn: u64, code: u16, reason: &str) {
        let _ = (conn, code, reason);
    }
}
