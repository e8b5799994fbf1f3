//! The base trait of every plugin and the instance the host holds.

use crate::config::Config;
use crate::error::Error;
use crate::host::{Host, LogLevel};
use core::any::Any;
use core::sync::atomic::{AtomicBool, Ordering};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, PoisonError, RwLock};

/// A plugin instance: one per manifest table (`[[handler]]`, `[[auth]]`, ...).
///
/// Calls come from several host threads (create/start/stop on the main thread, vtable calls
/// on the core thread, completions from your own threads), hence `Send + Sync` and `&self`:
/// keep mutable state behind a `Mutex` or atomics. Dropping the value is `destroy`: stop your
/// threads in `stop` or `Drop`; no host call is allowed afterwards.
pub trait Plugin: Sized + Send + Sync + 'static {
    /// Builds an instance from its manifest table. An `Err` stops notifyd before it listens,
    /// naming the plugin and the message (say the key: [`Config`]'s errors do).
    fn create(host: Host, config: &Config<'_>) -> Result<Self, Error>;

    /// Starts serving (transports begin listening here). Main thread.
    fn start(&self) -> Result<(), Error> {
        Ok(())
    }

    /// Begins a graceful shutdown; return once done or after a bounded wait. Main thread.
    fn stop(&self) {}

    /// ABI 1.6: `true` when [`reconfigure`](Plugin::reconfigure) applies a changed manifest
    /// table live. `false` (the default) leaves the descriptor's `reconfigure` NULL, and
    /// notifyd refuses a change to this plugin's table on SIGHUP as needing a restart.
    const RECONFIGURABLE: bool = false;

    /// ABI 1.6, called only when [`RECONFIGURABLE`](Plugin::RECONFIGURABLE) is `true`: on each
    /// reload (SIGHUP) whose new manifest passed every check, with the instance's table, changed
    /// or not (so that the files it names, such as keys, are read again).
    /// Check the whole table first, then apply all of it or nothing: `Ok` once applied (log
    /// one line saying what changed), `Err` to keep the old configuration (notifyd logs the
    /// message and keeps going). Main thread, while the other calls keep coming from the host's
    /// threads: hence `&self`, with the settings that can change behind a `Mutex`, `RwLock` or
    /// atomics. `config` is valid only during the call: copy what you keep.
    fn reconfigure(&self, config: &Config<'_>) -> Result<(), Error> {
        let _ = config;
        Err(Error::unsupported(
            "this plugin cannot change its configuration live (Plugin::reconfigure)",
        ))
    }
}

/// What the host's `void *instance` points to.
#[doc(hidden)]
pub struct Instance<T> {
    pub(crate) plugin: T,
    pub(crate) host: Host,
    /// Set by the first panic caught in this instance: later panics are not logged again.
    panic_logged: AtomicBool,
    /// Cleared by `destroy` once `plugin` is dropped; shared with every completion handle.
    pub(crate) alive: Liveness,
}

impl<T: Plugin> Instance<T> {
    pub(crate) fn new(plugin: T, host: Host) -> Self {
        Instance {
            plugin,
            host,
            panic_logged: AtomicBool::new(false),
            alive: Liveness::new(),
        }
    }

    /// Runs one plugin call. A panic is caught: the first one of the instance is logged
    /// ("plugin panicked in <entry>: <message>; failing closed") and `fail_closed` answers.
    pub(crate) fn guard<R>(
        &self,
        entry: &str,
        fail_closed: impl FnOnce() -> R,
        call: impl FnOnce(&T) -> R,
    ) -> R {
        match catch_unwind(AssertUnwindSafe(|| call(&self.plugin))) {
            Ok(answer) => answer,
            Err(payload) => {
                if !self.panic_logged.swap(true, Ordering::AcqRel) {
                    let message = panic_message(&*payload);
                    let line = format!("plugin panicked in {entry}: {message}; failing closed");
                    // The log call runs host code only; a panic here is impossible in practice
                    // but would still be caught rather than cross the C boundary.
                    let _ =
                        catch_unwind(AssertUnwindSafe(|| self.host.log(LogLevel::Error, &line)));
                }
                drop_payload(payload);
                fail_closed()
            }
        }
    }
}

/// Whether an instance may still be called back: true from `create` until `destroy` has
/// dropped the plugin value, then false for good. Completion handles ([`AuthCompletion`],
/// [`PublishCompletion`]) hold a clone, so one kept past `destroy` (by a detached thread, say)
/// answers nothing instead of calling the host with a dead ctx.
///
/// The race is closed by the lock, not just the flag: a handle makes its host call while
/// holding the read lock ([`Liveness::while_alive`]), and `destroy` clears the flag under the
/// write lock ([`Liveness::end`]), which waits for every such call in flight. So each host call
/// of a handle either returns before `destroy` returns or never starts.
///
/// [`AuthCompletion`]: crate::AuthCompletion
/// [`PublishCompletion`]: crate::PublishCompletion
#[derive(Clone, Debug)]
pub(crate) struct Liveness(Arc<RwLock<bool>>);

impl Liveness {
    pub(crate) fn new() -> Self {
        Liveness(Arc::new(RwLock::new(true)))
    }

    /// Runs `call` (which may call the host) under the read lock if the instance is alive;
    /// `None`, without running it, once it was destroyed. `call` must not re-enter
    /// `while_alive` (a nested read lock can deadlock against a waiting `end`).
    pub(crate) fn while_alive<R>(&self, call: impl FnOnce() -> R) -> Option<R> {
        // Poisoning cannot leave the flag half-written (a bool store does not panic).
        let alive = self.0.read().unwrap_or_else(PoisonError::into_inner);
        if *alive { Some(call()) } else { None }
    }

    /// Marks the instance destroyed, after every host call in flight under `while_alive`.
    pub(crate) fn end(&self) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = false;
    }
}

/// The text of a panic payload (`panic!("...")` carries a `&str` or a `String`).
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

/// Drops a panic payload whose own Drop might panic, without letting that unwind further.
pub(crate) fn drop_payload(payload: Box<dyn Any + Send>) {
    if let Err(nested) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        // The payload's Drop panicked: leak what it left rather than risk another unwind.
        core::mem::forget(nested);
    }
}
