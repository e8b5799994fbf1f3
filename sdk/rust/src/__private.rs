//! Used by the macros and the trampolines; not a stable API.
//!
//! Every `extern "C"` function here is a trampoline the host calls through the descriptor.
//! Each one: checks its pointers, copies host structs by their declared `size`, runs the
//! plugin inside `Instance::guard` (catch_unwind) and fails closed on a panic.

use crate::auth::{Auth, AuthAnswer, AuthReply, AuthRequest, AuthzRequest};
use crate::broker::{
    Broker, BrokerPublish, BrokerReply, DurableSubscription, HistoryEntry, HistoryRequest,
    PresenceEntry,
};
use crate::cluster::{BrokerDirect, ClusterCommand, InterestKind};
use crate::config::Config;
use crate::error::{Error, write_message};
use crate::handler::{Event, Handler};
use crate::host::{Host, LogLevel};
use crate::plugin::{Instance, Plugin, drop_payload, panic_message};
use crate::sys::{self, notify_error, notify_status};
use crate::transport::{Frame, Transport};
use crate::views::{str_of, str_view};
use core::ffi::{c_char, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};

pub use crate::sys::{notify_config_key, notify_plugin_descriptor};

/// Makes static ABI data (raw pointers to other statics) shareable between threads.
///
/// The field is private and the only constructor is `unsafe`: `Sync` is asserted for the
/// value wrapped, whatever its type, so the caller (the macros) vouches for it.
#[repr(transparent)]
pub struct StaticCell<T>(T);

impl<T> StaticCell<T> {
    /// Wraps `value` for a `static`.
    ///
    /// # Safety
    /// `value` must be safe to read from any thread for as long as the cell lives, and never
    /// change: a descriptor, a vtable or a key table (integers, `Option<fn>` and raw pointers
    /// to other such immutable statics, e.g. NUL-terminated strings), as `export_plugin!` and
    /// `plugin_descriptor!` build. Nothing with interior mutability or thread affinity.
    pub const unsafe fn new(value: T) -> Self {
        StaticCell(value)
    }

    /// The wrapped value.
    pub const fn get(&self) -> &T {
        &self.0
    }
}

// SAFETY: a StaticCell is only built through `new`, whose contract is that the value is
// immutable data readable from any thread (descriptors, vtables and key tables pointing to other
// immutable statics); `get` hands out shared references only.
unsafe impl<T> Sync for StaticCell<T> {}

/// `text` plus a NUL, at compile time; fails the build on an interior NUL.
pub const fn nul_terminated<const N: usize>(text: &str) -> [u8; N] {
    let bytes = text.as_bytes();
    assert!(bytes.len() + 1 == N, "nul_terminated: N must be len + 1");
    let mut out = [0u8; N];
    let mut index = 0;
    while index < bytes.len() {
        assert!(
            bytes[index] != 0,
            "plugin descriptor strings must not contain NUL"
        );
        out[index] = bytes[index];
        index += 1;
    }
    out
}

/// True for a plugin name notifyd accepts: `[a-z0-9_-]+`. Checked at compile time by the macros.
pub const fn is_valid_plugin_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    if bytes.is_empty() {
        return false;
    }
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        if !(byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_' || byte == b'-') {
            return false;
        }
        index += 1;
    }
    true
}

/// A copy of a host struct that starts with `uint32_t size`: the first `min(size,
/// size_of::<T>())` bytes, the rest zeroed (what an older host does not send reads as 0/NULL).
/// `None` for NULL or a size too small to hold `size` itself.
///
/// # Safety
/// `raw` must be NULL or point to a readable struct of at least its declared `size` bytes, of
/// a type whose all-zero bytes are valid (true of every `sys` struct: integers, bools, raw
/// pointers and `Option<fn>`).
pub unsafe fn read_sized<T: Copy>(raw: *const T) -> Option<T> {
    if raw.is_null() {
        return None;
    }
    // SAFETY: `size` is the first member of every such struct (contract) and is readable.
    let declared = unsafe { raw.cast::<u32>().read_unaligned() } as usize;
    if declared < core::mem::size_of::<u32>() {
        return None;
    }
    let mut copy = core::mem::MaybeUninit::<T>::zeroed();
    let count = declared.min(core::mem::size_of::<T>());
    // SAFETY: `count` bytes are readable at `raw` (contract: at least `size` bytes) and fit in
    // `copy`; all-zero bytes are a valid T (contract), and a prefix of a valid host struct
    // over zeroes stays valid (each member is either fully copied or left zero, since `size`
    // ends at a member boundary).
    unsafe {
        core::ptr::copy_nonoverlapping(raw.cast::<u8>(), copy.as_mut_ptr().cast::<u8>(), count);
        Some(copy.assume_init())
    }
}

/// The instance behind the host's `void *`.
///
/// # Safety
/// `instance` must be NULL or a pointer returned by [`create`] for this `T`, not yet destroyed.
unsafe fn instance_ref<'i, T: Plugin>(instance: *mut c_void) -> Option<&'i Instance<T>> {
    // SAFETY: forwarded contract: a live Box<Instance<T>> made by `create::<T>`.
    unsafe { instance.cast::<Instance<T>>().as_ref() }
}

// ---- descriptor ---------------------------------------------------------------------------

/// The descriptor of plugin `T` with no kinds yet (the macro adds them).
pub const fn descriptor<T: Plugin>(
    name: *const c_char,
    version: *const c_char,
    description: *const c_char,
    config_keys: &'static [notify_config_key],
) -> notify_plugin_descriptor {
    notify_plugin_descriptor {
        size: core::mem::size_of::<notify_plugin_descriptor>() as u32,
        abi_major: sys::NOTIFY_ABI_MAJOR,
        abi_minor: sys::NOTIFY_ABI_MINOR,
        name,
        version,
        description,
        kinds: 0,
        config_keys: if config_keys.is_empty() {
            core::ptr::null()
        } else {
            config_keys.as_ptr()
        },
        config_key_count: config_keys.len(),
        create: Some(create::<T>),
        start: Some(start::<T>),
        stop: Some(stop::<T>),
        destroy: Some(destroy::<T>),
        transport: core::ptr::null(),
        auth: core::ptr::null(),
        broker: core::ptr::null(),
        handler: core::ptr::null(),
        // NULL unless the plugin says it applies changes live: notifyd then refuses a changed
        // table as needing a restart instead of calling a reconfigure that cannot work.
        reconfigure: if T::RECONFIGURABLE {
            Some(reconfigure::<T>)
        } else {
            None
        },
    }
}

/// One entry of a descriptor's `config_keys`.
pub const fn config_key(
    name: *const c_char,
    key_type: crate::ConfigType,
    doc: *const c_char,
) -> notify_config_key {
    notify_config_key {
        name,
        type_: key_type as u32,
        doc,
    }
}

// ---- lifecycle ----------------------------------------------------------------------------

unsafe extern "C" fn create<T: Plugin>(
    api: *const sys::notify_host_api,
    ctx: *mut sys::notify_host_ctx,
    config: *const sys::notify_config,
    instance: *mut *mut c_void,
    err: *mut notify_error,
) -> notify_status {
    if api.is_null() || instance.is_null() {
        // SAFETY: `err` is NULL or the host's writable buffer.
        unsafe { write_message(err, "create: NULL host table or instance pointer") };
        return sys::NOTIFY_ERR_INVALID_ARGUMENT;
    }
    // SAFETY: the host's table and ctx, valid until exit / destroy.
    let host = unsafe { Host::from_raw(api, ctx) };
    // SAFETY: the host's config for this create call.
    let config = unsafe { Config::from_raw(host, config) };
    match catch_unwind(AssertUnwindSafe(|| T::create(host, &config))) {
        Ok(Ok(plugin)) => {
            let boxed = Box::new(Instance::new(plugin, host));
            // SAFETY: `instance` is the host's writable out pointer (checked non-NULL).
            unsafe { instance.write(Box::into_raw(boxed).cast()) };
            sys::NOTIFY_OK
        }
        Ok(Err(error)) => {
            // SAFETY: `err` is NULL or the host's writable buffer.
            unsafe { error.write_to(err) };
            error.status()
        }
        Err(payload) => {
            let message = format!(
                "plugin panicked in create: {}; failing closed",
                panic_message(&*payload)
            );
            drop_payload(payload);
            host.log(LogLevel::Error, &message);
            // SAFETY: `err` is NULL or the host's writable buffer.
            unsafe { write_message(err, &message) };
            sys::NOTIFY_ERR_INTERNAL
        }
    }
}

unsafe extern "C" fn start<T: Plugin>(
    instance: *mut c_void,
    err: *mut notify_error,
) -> notify_status {
    // SAFETY: the host passes the pointer create returned.
    let Some(instance) = (unsafe { instance_ref::<T>(instance) }) else {
        return sys::NOTIFY_ERR_INVALID_ARGUMENT;
    };
    let result = instance.guard(
        "start",
        || Err(Error::internal("plugin panicked in start")),
        |plugin| plugin.start(),
    );
    // SAFETY: `err` is NULL or the host's writable buffer.
    unsafe { status_of(result, err) }
}

/// ABI 1.6: the changed manifest table, valid only during the call.
unsafe extern "C" fn reconfigure<T: Plugin>(
    instance: *mut c_void,
    config: *const sys::notify_config,
    err: *mut notify_error,
) -> notify_status {
    // SAFETY: the host passes the pointer create returned.
    let Some(instance) = (unsafe { instance_ref::<T>(instance) }) else {
        // SAFETY: `err` is NULL or the host's buffer.
        return unsafe { invalid(err, "reconfigure: NULL instance") };
    };
    if config.is_null() {
        // SAFETY: `err` is NULL or the host's buffer.
        return unsafe { invalid(err, "reconfigure: NULL config") };
    }
    // SAFETY: the host's config for this call; `Config<'_>` does not outlive it.
    let config = unsafe { Config::from_raw(instance.host, config) };
    let result = instance.guard(
        "reconfigure",
        || {
            Err(Error::internal(
                "plugin panicked in reconfigure; the old configuration stays",
            ))
        },
        |plugin| plugin.reconfigure(&config),
    );
    // SAFETY: `err` is NULL or the host's writable buffer.
    unsafe { status_of(result, err) }
}

/// A plugin call's result as the ABI's answer: `NOTIFY_OK`, or the error's status with its
/// message in `err`.
///
/// # Safety
/// `err` must be NULL or the host's writable buffer.
unsafe fn status_of(result: Result<(), Error>, err: *mut notify_error) -> notify_status {
    match result {
        Ok(()) => sys::NOTIFY_OK,
        Err(error) => {
            // SAFETY: forwarded contract.
            unsafe { error.write_to(err) };
            error.status()
        }
    }
}

unsafe extern "C" fn stop<T: Plugin>(instance: *mut c_void) {
    // SAFETY: the host passes the pointer create returned.
    if let Some(instance) = unsafe { instance_ref::<T>(instance) } {
        instance.guard("stop", || (), |plugin| plugin.stop());
    }
}

unsafe extern "C" fn destroy<T: Plugin>(instance: *mut c_void) {
    if instance.is_null() {
        return;
    }
    // SAFETY: the pointer create made with Box::into_raw; the host destroys it exactly once
    // and makes no call for it afterwards.
    let boxed = unsafe { Box::from_raw(instance.cast::<Instance<T>>()) };
    let host = boxed.host;
    let alive = boxed.alive.clone();
    // Completion handles still answer while the plugin value is dropped (its Drop may answer
    // or drop them, or join threads that do)...
    if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(boxed))) {
        host.log(
            LogLevel::Error,
            &format!(
                "plugin panicked in destroy: {}; some of its memory may leak",
                panic_message(&*payload)
            ),
        );
        drop_payload(payload);
    }
    // ...and not once it is gone: this waits for any handle's host call in flight, and every
    // handle left (kept by a detached thread, say) answers nothing from now on, since no host
    // call may follow destroy's return.
    alive.end();
}

// ---- handler ------------------------------------------------------------------------------

pub const fn handler_vtable<T: Handler>() -> sys::notify_handler_vtable {
    sys::notify_handler_vtable {
        size: core::mem::size_of::<sys::notify_handler_vtable>() as u32,
        event_mask: T::EVENT_MASK,
        on_event: Some(on_event::<T>),
    }
}

unsafe extern "C" fn on_event<T: Handler>(instance: *mut c_void, event: *const sys::notify_event) {
    // SAFETY: the host passes the pointer create returned.
    let Some(instance) = (unsafe { instance_ref::<T>(instance) }) else {
        return;
    };
    // SAFETY: the host's event, readable for its declared size during the call.
    let Some(raw) = (unsafe { read_sized(event) }) else {
        return;
    };
    // SAFETY: the views in `raw` are BORROWED for this call, which outlives `event`.
    let event = unsafe { Event::from_raw(raw) };
    // Fail closed for an event = drop it.
    instance.guard("on_event", || (), |plugin| plugin.on_event(&event));
}

// ---- auth ---------------------------------------------------------------------------------

pub const fn auth_vtable<T: Auth>() -> sys::notify_auth_vtable {
    sys::notify_auth_vtable {
        size: core::mem::size_of::<sys::notify_auth_vtable>() as u32,
        authenticate: Some(authenticate::<T>),
        authorize_subscribe: Some(authorize_subscribe::<T>),
        authorize_publish: Some(authorize_publish::<T>),
    }
}

/// Turns a plugin's reply into the ABI answer: PENDING once the completion handle was taken
/// (it answers, or answers DENY when dropped), else the answer written into `result`.
///
/// # Safety
/// `result` must be the host's result storage for this call (NULL tolerated).
unsafe fn finish_auth<T: Plugin>(
    instance: &Instance<T>,
    entry: &str,
    completion_taken: bool,
    reply: AuthReply,
    result: *mut sys::notify_auth_result,
) -> notify_status {
    if completion_taken {
        if let AuthReply::Answer(_) = reply {
            instance.host.log(
                LogLevel::Warn,
                &format!("{entry}: answered now after taking the completion handle; the handle's answer counts"),
            );
        }
        return sys::NOTIFY_PENDING;
    }
    let answer = match reply {
        AuthReply::Answer(answer) => answer,
        AuthReply::Pending => {
            instance.host.log(
                LogLevel::Error,
                &format!("{entry}: replied Pending without taking the completion handle; denying"),
            );
            AuthAnswer::internal_error()
        }
    };
    if result.is_null() {
        return sys::NOTIFY_ERR_INVALID_ARGUMENT;
    }
    let mut topic_views = Vec::new();
    // SAFETY: `result` is the host's storage, writable for its preset `size`. The host reads
    // the views right after this trampoline returns, so `answer` and `topic_views` (whose heap
    // buffers the views point into) are moved into a thread-local slot that keeps them alive
    // until the next synchronous auth answer on this thread; moving a String or Vec does not
    // move its heap buffer.
    let written = unsafe { answer.write_views(result, &mut topic_views) };
    if !written {
        instance.host.log(
            LogLevel::Error,
            &format!("{entry}: {}", crate::auth::DATA_REPLACEMENT_UNSUPPORTED),
        );
    }
    keep_until_next_call(answer, topic_views);
    sys::NOTIFY_OK
}

thread_local! {
    /// The last synchronous auth answer of this thread: the host reads its views after the
    /// trampoline returned (the ABI: "valid until authenticate() returns" — we keep them one
    /// call longer, until the next auth answer on this thread replaces them).
    static LAST_AUTH_ANSWER: core::cell::RefCell<Option<(AuthAnswer, Vec<sys::notify_str>)>> =
        const { core::cell::RefCell::new(None) };
}

fn keep_until_next_call(answer: AuthAnswer, topic_views: Vec<sys::notify_str>) {
    LAST_AUTH_ANSWER.with(|slot| {
        if let Ok(mut slot) = slot.try_borrow_mut() {
            *slot = Some((answer, topic_views));
        }
    });
}

unsafe extern "C" fn authenticate<T: Auth>(
    instance: *mut c_void,
    request: *const sys::notify_auth_request,
    result: *mut sys::notify_auth_result,
    _err: *mut notify_error,
) -> notify_status {
    // SAFETY: the host passes the pointer create returned.
    let Some(instance) = (unsafe { instance_ref::<T>(instance) }) else {
        return sys::NOTIFY_ERR_INVALID_ARGUMENT;
    };
    // SAFETY: the host's request, readable for its declared size during the call.
    let Some(raw) = (unsafe { read_sized(request) }) else {
        return sys::NOTIFY_ERR_INVALID_ARGUMENT;
    };
    // SAFETY: views BORROWED for the call.
    let request = unsafe { AuthRequest::from_raw(raw, instance.host, &instance.alive) };
    let reply = instance.guard(
        "authenticate",
        || AuthReply::Answer(AuthAnswer::internal_error()),
        |plugin| plugin.authenticate(&request),
    );
    // SAFETY: `result` is the host's result storage.
    unsafe {
        finish_auth(
            instance,
            "authenticate",
            request.pending_slot().taken(),
            reply,
            result,
        )
    }
}

/// # Safety
/// As the vtable's authorize_* members.
unsafe fn authorize<T: Auth>(
    instance: *mut c_void,
    request: *const sys::notify_authz_request,
    result: *mut sys::notify_auth_result,
    entry: &'static str,
    decide: fn(&T, &AuthzRequest<'_>) -> AuthReply,
) -> notify_status {
    // SAFETY: the host passes the pointer create returned.
    let Some(instance) = (unsafe { instance_ref::<T>(instance) }) else {
        return sys::NOTIFY_ERR_INVALID_ARGUMENT;
    };
    // SAFETY: the host's request, readable for its declared size during the call.
    let Some(raw) = (unsafe { read_sized(request) }) else {
        return sys::NOTIFY_ERR_INVALID_ARGUMENT;
    };
    // SAFETY: views BORROWED for the call.
    let request = unsafe { AuthzRequest::from_raw(raw, instance.host, &instance.alive) };
    let reply = instance.guard(
        entry,
        || AuthReply::Answer(AuthAnswer::internal_error()),
        |plugin| decide(plugin, &request),
    );
    // SAFETY: `result` is the host's result storage.
    unsafe {
        finish_auth(
            instance,
            entry,
            request.pending_slot().taken(),
            reply,
            result,
        )
    }
}

unsafe extern "C" fn authorize_subscribe<T: Auth>(
    instance: *mut c_void,
    request: *const sys::notify_authz_request,
    result: *mut sys::notify_auth_result,
    _err: *mut notify_error,
) -> notify_status {
    // SAFETY: forwarded from the host's call.
    unsafe {
        authorize::<T>(
            instance,
            request,
            result,
            "authorize_subscribe",
            T::authorize_subscribe,
        )
    }
}

unsafe extern "C" fn authorize_publish<T: Auth>(
    instance: *mut c_void,
    request: *const sys::notify_authz_request,
    result: *mut sys::notify_auth_result,
    _err: *mut notify_error,
) -> notify_status {
    // SAFETY: forwarded from the host's call.
    unsafe {
        authorize::<T>(
            instance,
            request,
            result,
            "authorize_publish",
            T::authorize_publish,
        )
    }
}

// ---- broker -------------------------------------------------------------------------------

/// The broker's vtable: `capabilities` is `T::CAPABILITIES`, and the 1.2–1.4 members are set
/// only for the capabilities it declares (NULL otherwise, so the host never calls them);
/// `history_remove` (1.5) only when `T::HISTORY_REMOVE`.
pub const fn broker_vtable<T: Broker>() -> sys::notify_broker_vtable {
    let durable = T::CAPABILITIES & sys::NOTIFY_BROKER_CAP_DURABLE_SUBSCRIPTIONS != 0;
    let cluster = T::CAPABILITIES & sys::NOTIFY_BROKER_CAP_CLUSTER != 0;
    let presence = T::CAPABILITIES & sys::NOTIFY_BROKER_CAP_PRESENCE != 0;
    sys::notify_broker_vtable {
        size: core::mem::size_of::<sys::notify_broker_vtable>() as u32,
        capabilities: T::CAPABILITIES,
        publish: Some(broker_publish::<T>),
        history_read: Some(history_read::<T>),
        subscription_save: if durable {
            Some(subscription_save::<T>)
        } else {
            None
        },
        subscription_remove: if durable {
            Some(subscription_remove::<T>)
        } else {
            None
        },
        subscriptions_load: if durable {
            Some(subscriptions_load::<T>)
        } else {
            None
        },
        interest: if cluster { Some(interest::<T>) } else { None },
        publish_direct: if cluster {
            Some(publish_direct::<T>)
        } else {
            None
        },
        send_command: if cluster {
            Some(send_command::<T>)
        } else {
            None
        },
        presence_add: if presence {
            Some(presence_add::<T>)
        } else {
            None
        },
        presence_remove: if presence {
            Some(presence_remove::<T>)
        } else {
            None
        },
        presence_read: if presence {
            Some(presence_read::<T>)
        } else {
            None
        },
        presence_stats: if presence {
            Some(presence_stats::<T>)
        } else {
            None
        },
        history_remove: if T::HISTORY_REMOVE {
            Some(history_remove::<T>)
        } else {
            None
        },
    }
}

thread_local! {
    /// The epoch of the last synchronous position on this thread (its view must outlive the
    /// trampoline: the host copies it after `publish` returns).
    static LAST_EPOCH: core::cell::RefCell<String> = const { core::cell::RefCell::new(String::new()) };
}

/// Writes `position` into the host's storage, keeping the epoch alive past the call.
///
/// # Safety
/// `out` must be NULL or the host's writable `notify_stream_position` (at least its `size`).
unsafe fn write_position(out: *mut sys::notify_stream_position, position: crate::StreamPosition) {
    if out.is_null() {
        return;
    }
    LAST_EPOCH.with(|slot| {
        let Ok(mut epoch) = slot.try_borrow_mut() else {
            return;
        };
        *epoch = position.epoch;
        // SAFETY: `out` is writable (contract); the offset and epoch members are ABI 1.0.
        // The epoch view points into the thread-local string, valid until the next
        // synchronous answer on this thread, after the host copied it.
        unsafe {
            core::ptr::addr_of_mut!((*out).offset).write(position.offset);
            core::ptr::addr_of_mut!((*out).epoch).write(str_view(&epoch));
        }
    });
}

unsafe extern "C" fn broker_publish<T: Broker>(
    instance: *mut c_void,
    publish: *const sys::notify_broker_publish,
    position: *mut sys::notify_stream_position,
    err: *mut notify_error,
) -> notify_status {
    // SAFETY: the host passes the pointer create returned.
    let Some(instance) = (unsafe { instance_ref::<T>(instance) }) else {
        return sys::NOTIFY_ERR_INVALID_ARGUMENT;
    };
    // SAFETY: the host's publish, readable for its declared size during the call.
    let Some(raw) = (unsafe { read_sized(publish) }) else {
        return sys::NOTIFY_ERR_INVALID_ARGUMENT;
    };
    // SAFETY: views BORROWED for the call.
    let publish = unsafe { BrokerPublish::from_raw(raw, instance.host, &instance.alive) };
    let reply = instance.guard(
        "publish",
        || BrokerReply::Done(Err(Error::internal("internal error: the broker panicked"))),
        |plugin| plugin.publish(&publish),
    );
    if publish.completion_taken() {
        return sys::NOTIFY_PENDING;
    }
    match reply {
        BrokerReply::Done(Ok(stream_position)) => {
            // SAFETY: `position` is the host's storage.
            unsafe { write_position(position, stream_position) };
            sys::NOTIFY_OK
        }
        BrokerReply::Done(Err(error)) => {
            // SAFETY: `err` is NULL or the host's buffer.
            unsafe { error.write_to(err) };
            error.status()
        }
        BrokerReply::Pending => {
            let message = "publish: replied Pending without taking the completion handle";
            instance.host.log(LogLevel::Error, message);
            // SAFETY: `err` is NULL or the host's buffer.
            unsafe { write_message(err, message) };
            sys::NOTIFY_ERR_INTERNAL
        }
    }
}

unsafe extern "C" fn history_read<T: Broker>(
    instance: *mut c_void,
    request: *const sys::notify_history_request,
    sink: sys::notify_history_sink,
    sink_ctx: *mut c_void,
    current: *mut sys::notify_stream_position,
    err: *mut notify_error,
) -> notify_status {
    // SAFETY: the host passes the pointer create returned.
    let Some(instance) = (unsafe { instance_ref::<T>(instance) }) else {
        return sys::NOTIFY_ERR_INVALID_ARGUMENT;
    };
    // SAFETY: the host's request, readable for its declared size during the call.
    let Some(raw) = (unsafe { read_sized(request) }) else {
        return sys::NOTIFY_ERR_INVALID_ARGUMENT;
    };
    // SAFETY: views BORROWED for the call.
    let request = unsafe { HistoryRequest::from_raw(raw) };
    let mut feed = |entry: HistoryEntry<'_>| -> bool {
        match sink {
            // SAFETY: the host's sink and context for this call; the payload view is BORROWED
            // for the sink call and `entry.payload` outlives it.
            Some(sink) => unsafe {
                sink(
                    sink_ctx,
                    entry.offset,
                    entry.time_ms,
                    crate::views::bytes_view(entry.payload),
                )
            },
            None => false,
        }
    };
    let result = instance.guard(
        "history_read",
        || Err(Error::internal("internal error: the broker panicked")),
        |plugin| plugin.history_read(&request, &mut feed),
    );
    match result {
        Ok(stream_position) => {
            // SAFETY: `current` is the host's storage.
            unsafe { write_position(current, stream_position) };
            sys::NOTIFY_OK
        }
        Err(error) => {
            // SAFETY: `err` is NULL or the host's buffer.
            unsafe { error.write_to(err) };
            error.status()
        }
    }
}

/// Runs one status-returning broker call (ABI 1.2–1.5 members): a missing instance is
/// `NOTIFY_ERR_INVALID_ARGUMENT`, a panic `NOTIFY_ERR_INTERNAL` (logged once), an `Err` its
/// status with the message in `err`.
///
/// # Safety
/// `instance` as the vtable's: the pointer create returned; `err` NULL or the host's buffer.
unsafe fn broker_status<T: Broker>(
    instance: *mut c_void,
    err: *mut notify_error,
    entry: &'static str,
    call: impl FnOnce(&T) -> Result<(), Error>,
) -> notify_status {
    // SAFETY: the host passes the pointer create returned.
    let Some(instance) = (unsafe { instance_ref::<T>(instance) }) else {
        // SAFETY: `err` is NULL or the host's buffer.
        unsafe { write_message(err, "NULL broker instance") };
        return sys::NOTIFY_ERR_INVALID_ARGUMENT;
    };
    let result = instance.guard(
        entry,
        || Err(Error::internal("internal error: the broker panicked")),
        call,
    );
    // SAFETY: `err` is NULL or the host's buffer.
    unsafe { status_of(result, err) }
}

/// For a malformed host argument: `NOTIFY_ERR_INVALID_ARGUMENT` with `message` in `err`.
///
/// # Safety
/// `err` must be NULL or the host's writable buffer.
unsafe fn invalid(err: *mut notify_error, message: &str) -> notify_status {
    // SAFETY: forwarded contract.
    unsafe { write_message(err, message) };
    sys::NOTIFY_ERR_INVALID_ARGUMENT
}

unsafe extern "C" fn subscription_save<T: Broker>(
    instance: *mut c_void,
    subscription: *const sys::notify_durable_subscription,
    err: *mut notify_error,
) -> notify_status {
    // SAFETY: the host's record, readable for its declared size during the call.
    let Some(raw) = (unsafe { read_sized(subscription) }) else {
        // SAFETY: `err` is NULL or the host's buffer.
        return unsafe { invalid(err, "subscription_save: NULL subscription") };
    };
    // SAFETY: views BORROWED for the call.
    let subscription = unsafe { DurableSubscription::from_raw(&raw) };
    // SAFETY: forwarded from the host's call.
    unsafe {
        broker_status::<T>(instance, err, "subscription_save", |plugin| {
            plugin.subscription_save(&subscription)
        })
    }
}

unsafe extern "C" fn subscription_remove<T: Broker>(
    instance: *mut c_void,
    client_id: sys::notify_str,
    topic: sys::notify_str,
    err: *mut notify_error,
) -> notify_status {
    // SAFETY: views BORROWED for the call.
    let (client_id, topic) = unsafe { (str_of(client_id), str_of(topic)) };
    // SAFETY: forwarded from the host's call.
    unsafe {
        broker_status::<T>(instance, err, "subscription_remove", |plugin| {
            plugin.subscription_remove(client_id, topic)
        })
    }
}

unsafe extern "C" fn subscriptions_load<T: Broker>(
    instance: *mut c_void,
    sink: sys::notify_subscription_sink,
    sink_ctx: *mut c_void,
    err: *mut notify_error,
) -> notify_status {
    let Some(sink) = sink else {
        // SAFETY: `err` is NULL or the host's buffer.
        return unsafe { invalid(err, "subscriptions_load: NULL sink") };
    };
    let mut feed = |subscription: &DurableSubscription<'_>| -> bool {
        let raw = subscription.as_raw();
        // SAFETY: the host's sink and context for this call; `raw` and the strings it views
        // outlive the sink call (BORROWED for it).
        unsafe { sink(sink_ctx, &raw) }
    };
    // SAFETY: forwarded from the host's call.
    unsafe {
        broker_status::<T>(instance, err, "subscriptions_load", |plugin| {
            plugin.subscriptions_load(&mut feed)
        })
    }
}

unsafe extern "C" fn interest<T: Broker>(
    instance: *mut c_void,
    kind: u32,
    name: sys::notify_str,
    up: bool,
    err: *mut notify_error,
) -> notify_status {
    // SAFETY: the name is BORROWED for the call.
    let name = unsafe { str_of(name) };
    let kind = InterestKind::from_raw(kind);
    // SAFETY: forwarded from the host's call.
    unsafe {
        broker_status::<T>(instance, err, "interest", |plugin| {
            plugin.interest(kind, name, up)
        })
    }
}

unsafe extern "C" fn publish_direct<T: Broker>(
    instance: *mut c_void,
    direct: *const sys::notify_broker_direct,
    err: *mut notify_error,
) -> notify_status {
    // SAFETY: the host's struct, readable for its declared size during the call.
    let Some(raw) = (unsafe { read_sized(direct) }) else {
        // SAFETY: `err` is NULL or the host's buffer.
        return unsafe { invalid(err, "publish_direct: NULL message") };
    };
    // SAFETY: arrays and views BORROWED for the call.
    let direct = unsafe { BrokerDirect::from_raw(&raw) };
    // SAFETY: forwarded from the host's call.
    unsafe {
        broker_status::<T>(instance, err, "publish_direct", |plugin| {
            plugin.publish_direct(&direct)
        })
    }
}

unsafe extern "C" fn send_command<T: Broker>(
    instance: *mut c_void,
    command: *const sys::notify_cluster_command,
    err: *mut notify_error,
) -> notify_status {
    // SAFETY: the host's command, readable for its declared size during the call.
    let Some(raw) = (unsafe { read_sized(command) }) else {
        // SAFETY: `err` is NULL or the host's buffer.
        return unsafe { invalid(err, "send_command: NULL command") };
    };
    // SAFETY: views BORROWED for the call.
    let Some(command) = (unsafe { ClusterCommand::from_raw(&raw) }) else {
        let message = format!("send_command: unknown target kind {}", raw.target);
        // SAFETY: `err` is NULL or the host's buffer.
        return unsafe { invalid(err, &message) };
    };
    // SAFETY: forwarded from the host's call.
    unsafe {
        broker_status::<T>(instance, err, "send_command", |plugin| {
            plugin.send_command(&command)
        })
    }
}

unsafe extern "C" fn presence_add<T: Broker>(
    instance: *mut c_void,
    topic: sys::notify_str,
    entry: *const sys::notify_presence_entry,
    err: *mut notify_error,
) -> notify_status {
    // SAFETY: the host's entry, readable for its declared size during the call.
    let Some(raw) = (unsafe { read_sized(entry) }) else {
        // SAFETY: `err` is NULL or the host's buffer.
        return unsafe { invalid(err, "presence_add: NULL entry") };
    };
    // SAFETY: views BORROWED for the call.
    let (topic, entry) = unsafe { (str_of(topic), PresenceEntry::from_raw(&raw)) };
    // SAFETY: forwarded from the host's call.
    unsafe {
        broker_status::<T>(instance, err, "presence_add", |plugin| {
            plugin.presence_add(topic, &entry)
        })
    }
}

unsafe extern "C" fn presence_remove<T: Broker>(
    instance: *mut c_void,
    topic: sys::notify_str,
    client_id: sys::notify_str,
    err: *mut notify_error,
) -> notify_status {
    // SAFETY: views BORROWED for the call.
    let (topic, client_id) = unsafe { (str_of(topic), str_of(client_id)) };
    // SAFETY: forwarded from the host's call.
    unsafe {
        broker_status::<T>(instance, err, "presence_remove", |plugin| {
            plugin.presence_remove(topic, client_id)
        })
    }
}

unsafe extern "C" fn presence_read<T: Broker>(
    instance: *mut c_void,
    topic: sys::notify_str,
    sink: sys::notify_presence_sink,
    sink_ctx: *mut c_void,
    err: *mut notify_error,
) -> notify_status {
    let Some(sink) = sink else {
        // SAFETY: `err` is NULL or the host's buffer.
        return unsafe { invalid(err, "presence_read: NULL sink") };
    };
    // SAFETY: the topic is BORROWED for the call.
    let topic = unsafe { str_of(topic) };
    let mut feed = |entry: &PresenceEntry<'_>| -> bool {
        let raw = entry.as_raw();
        // SAFETY: the host's sink and context for this call; `raw` and the strings it views
        // outlive the sink call (valid only during it, per the ABI).
        unsafe { sink(sink_ctx, &raw) }
    };
    // SAFETY: forwarded from the host's call.
    unsafe {
        broker_status::<T>(instance, err, "presence_read", |plugin| {
            plugin.presence_read(topic, &mut feed)
        })
    }
}

unsafe extern "C" fn presence_stats<T: Broker>(
    instance: *mut c_void,
    topic: sys::notify_str,
    stats: *mut sys::notify_presence_stats,
    err: *mut notify_error,
) -> notify_status {
    if stats.is_null() {
        // SAFETY: `err` is NULL or the host's buffer.
        return unsafe { invalid(err, "presence_stats: NULL stats") };
    }
    // SAFETY: the topic is BORROWED for the call.
    let topic = unsafe { str_of(topic) };
    let mut counts = None;
    // SAFETY: forwarded from the host's call.
    let status = unsafe {
        broker_status::<T>(instance, err, "presence_stats", |plugin| {
            counts = Some(plugin.presence_stats(topic)?);
            Ok(())
        })
    };
    if let (sys::NOTIFY_OK, Some(counts)) = (status, counts) {
        // SAFETY: `stats` is the host's caller storage (checked non-NULL), a whole
        // notify_presence_stats (ABI 1.4, the struct's first version); the broker fills it and
        // sets `size` to what it filled.
        unsafe {
            stats.write(sys::notify_presence_stats {
                size: core::mem::size_of::<sys::notify_presence_stats>() as u32,
                clients: counts.clients,
                users: counts.users,
            });
        }
    }
    status
}

unsafe extern "C" fn history_remove<T: Broker>(
    instance: *mut c_void,
    topic: sys::notify_str,
    err: *mut notify_error,
) -> notify_status {
    // SAFETY: the topic is BORROWED for the call.
    let topic = unsafe { str_of(topic) };
    // SAFETY: forwarded from the host's call.
    unsafe {
        broker_status::<T>(instance, err, "history_remove", |plugin| {
            plugin.history_remove(topic)
        })
    }
}

// ---- transport ----------------------------------------------------------------------------

pub const fn transport_vtable<T: Transport>() -> sys::notify_transport_vtable {
    sys::notify_transport_vtable {
        size: core::mem::size_of::<sys::notify_transport_vtable>() as u32,
        deliver: Some(deliver::<T>),
        close: Some(close::<T>),
    }
}

unsafe extern "C" fn deliver<T: Transport>(
    instance: *mut c_void,
    frame: *const sys::notify_frame,
    conns: *const u64,
    count: usize,
) {
    // SAFETY: the host passes the pointer create returned.
    let Some(instance) = (unsafe { instance_ref::<T>(instance) }) else {
        return;
    };
    if frame.is_null() {
        return;
    }
    // SAFETY: the frame is BORROWED (referenced) for the call.
    let frame = unsafe { Frame::from_raw(instance.host, frame) };
    let conns: &[u64] = if conns.is_null() || count == 0 {
        &[]
    } else {
        // SAFETY: `count` ids BORROWED for the call.
        unsafe { core::slice::from_raw_parts(conns, count) }
    };
    // Fail closed for a delivery = the frame is dropped for these connections.
    instance.guard("deliver", || (), |plugin| plugin.deliver(&frame, conns));
}

unsafe extern "C" fn close<T: Transport>(
    instance: *mut c_void,
    conn: u64,
    code: u16,
    reason: sys::notify_str,
) {
    // SAFETY: the host passes the pointer create returned.
    let Some(instance) = (unsafe { instance_ref::<T>(instance) }) else {
        return;
    };
    // SAFETY: the reason is BORROWED for the call.
    let reason = unsafe { str_of(reason) };
    instance.guard("close", || (), |plugin| plugin.close(conn, code, reason));
}
