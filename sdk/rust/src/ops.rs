//! ABI 1.6, operations: the plugin's own metrics ([`Metric`]), its readiness, whether a log
//! level is on, and the process's stats documents ([`StatsViewKind`]).

use crate::error::Error;
use crate::host::{Host, LogLevel, host_member};
use crate::sys::{self, notify_host_api, notify_metric};
use crate::views::{no_owned_bytes, str_view, take_owned_text};

/// What a metric family counts, as Prometheus types it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricKind {
    /// Only grows ([`Metric::add`] with a value >= 0); its name ends in `_total`.
    Counter,
    /// Goes up and down ([`Metric::set`], or [`Metric::add`] with any sign).
    Gauge,
    /// Counts observations into buckets ([`Metric::observe`]).
    Histogram,
}

impl MetricKind {
    fn raw(self) -> sys::notify_metric_kind {
        match self {
            MetricKind::Counter => sys::NOTIFY_METRIC_COUNTER,
            MetricKind::Gauge => sys::NOTIFY_METRIC_GAUGE,
            MetricKind::Histogram => sys::NOTIFY_METRIC_HISTOGRAM,
        }
    }
}

/// The documents of [`Host::stats_view`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatsViewKind {
    /// Every metric of the process in the Prometheus text format 0.0.4.
    Prometheus,
    /// The same metrics as JSON (`{"time_ms":..,"metrics":[..]}`).
    Json,
    /// Readiness: `{"live":true,"ready":..,"started":..,"problems":[..]}`.
    Health,
    /// The last warnings and errors logged: `{"entries":[..]}`.
    RecentLogs,
}

impl StatsViewKind {
    fn raw(self) -> sys::notify_stats_view_kind {
        match self {
            StatsViewKind::Prometheus => sys::NOTIFY_STATS_PROMETHEUS,
            StatsViewKind::Json => sys::NOTIFY_STATS_JSON,
            StatsViewKind::Health => sys::NOTIFY_STATS_HEALTH,
            StatsViewKind::RecentLogs => sys::NOTIFY_STATS_RECENT_LOGS,
        }
    }
}

type Update = unsafe extern "C" fn(metric: *mut notify_metric, value: f64);

/// One registered series, from [`Host::metric`]: a `Copy` handle that is `Send` and `Sync`, to
/// keep in the plugin and update from any thread, as often as every message (the host's
/// updates are lock-free). An update that does not fit the kind (a `set` on a counter, a
/// negative `add` to a counter, an `observe` on a gauge) or a value that is not finite is
/// ignored by the host.
///
/// Unlike a [`Host`], a `Metric` stays valid until the process exits, also after the instance
/// is destroyed: a thread's late update is harmless.
#[derive(Clone, Copy, Debug)]
pub struct Metric {
    raw: *mut notify_metric,
    add: Option<Update>,
    set: Option<Update>,
    observe: Option<Update>,
}

// SAFETY: the series is HOST-owned and valid until the process exits (notify.h,
// notify_metric), and metric_add/set/observe are callable from any thread ("THREAD: any").
// The handle holds only that pointer and the host's function pointers.
unsafe impl Send for Metric {}
// SAFETY: as for Send: every access is one of the host's thread-safe update calls.
unsafe impl Sync for Metric {}

impl Metric {
    /// A handle whose updates do nothing, for a host older than ABI 1.6:
    /// `host.metric(..).unwrap_or_else(|_| Metric::none())` keeps the plugin's code the same.
    pub const fn none() -> Metric {
        Metric {
            raw: core::ptr::null_mut(),
            add: None,
            set: None,
            observe: None,
        }
    }

    /// Counters: adds `value` >= 0. Gauges: adds `value` of any sign.
    pub fn add(&self, value: f64) {
        self.update(self.add, value);
    }

    /// Gauges: sets the value.
    pub fn set(&self, value: f64) {
        self.update(self.set, value);
    }

    /// Histograms: counts one observation (seconds for a latency).
    pub fn observe(&self, value: f64) {
        self.update(self.observe, value);
    }

    fn update(&self, function: Option<Update>, value: f64) {
        if let Some(function) = function.filter(|_| !self.raw.is_null()) {
            // SAFETY: a series the host registered (valid until exit) and the host's update
            // function, callable from any thread.
            unsafe { function(self.raw, value) }
        }
    }
}

/// The ABI's optional array: NULL when empty.
fn array_or_null<T>(items: &[T]) -> *const T {
    if items.is_empty() {
        core::ptr::null()
    } else {
        items.as_ptr()
    }
}

impl Host {
    /// ABI 1.6: registers one series of a metric family and returns its handle. Register at
    /// `create` or `start` (it is a lookup, not for hot paths); registering the same name and
    /// label values again, from any instance, returns the same series.
    ///
    /// The host checks the Prometheus rules: `name` matches `[a-z_][a-z0-9_]*` and starts with
    /// `notify_` (a counter's ends in `_total`, units are base units: `_seconds`, `_bytes`);
    /// `help` is one line; at most 4 `labels` (name, value), with few values each (an
    /// instance, an outcome, a reason: never a topic, client or user id) and at most 256
    /// series per family; every series of a family has the same kind, help, label names and
    /// buckets. `buckets` are a histogram's finite, strictly ascending upper bounds (empty =
    /// the host's default latency buckets, 0.0001 s to 10 s); empty for the other kinds.
    ///
    /// `Err` with `NOTIFY_ERR_INVALID_ARGUMENT` (the host's log says which rule was broken),
    /// `NOTIFY_ERR_LIMIT` (too many series), or `NOTIFY_ERR_UNSUPPORTED` on a host older than
    /// ABI 1.6 (see [`Metric::none`]). Any thread.
    pub fn metric(
        &self,
        kind: MetricKind,
        name: &str,
        help: &str,
        labels: &[(&str, &str)],
        buckets: &[f64],
    ) -> Result<Metric, Error> {
        let (Some(register), Some(add), Some(set), Some(observe)) = (
            host_member!(self, metric_register),
            host_member!(self, metric_add),
            host_member!(self, metric_set),
            host_member!(self, metric_observe),
        ) else {
            return Err(Error::unsupported(format!(
                "metric {name}: the host has no metrics (ABI older than 1.6)"
            )));
        };
        let label_names: Vec<sys::notify_str> = labels.iter().map(|(n, _)| str_view(n)).collect();
        let label_values: Vec<sys::notify_str> = labels.iter().map(|(_, v)| str_view(v)).collect();
        let desc = sys::notify_metric_desc {
            size: core::mem::size_of::<sys::notify_metric_desc>() as u32,
            kind: kind.raw(),
            name: str_view(name),
            help: str_view(help),
            label_names: array_or_null(&label_names),
            label_values: array_or_null(&label_values),
            label_count: labels.len(),
            buckets: array_or_null(buckets),
            bucket_count: buckets.len(),
        };
        let mut raw: *mut notify_metric = core::ptr::null_mut();
        // SAFETY: `desc`, its arrays and every view in them are BORROWED and live until the
        // call returns (the host copies); `raw` is our writable out pointer.
        let status = unsafe { register(self.ctx, &desc, &mut raw) };
        if status != sys::NOTIFY_OK || raw.is_null() {
            return Err(Error::new(
                status,
                format!(
                    "metric {name}: metric_register failed with status {status} (the host's log says why)"
                ),
            ));
        }
        Ok(Metric {
            raw,
            add: Some(add),
            set: Some(set),
            observe: Some(observe),
        })
    }

    /// ABI 1.6: says whether this instance can serve, for `/readyz`-style checks. An instance
    /// is ready once its `start` returned `Ok`; one that loses what it needs (a broker its
    /// bus) says `set_ready(false, "why")`, and `set_ready(true, "")` once it is back. The host
    /// logs each change. Any thread. `None` on a host older than 1.6.
    pub fn set_ready(&self, ready: bool, reason: &str) -> Option<()> {
        let set_ready = host_member!(self, set_ready)?;
        // SAFETY: the reason is BORROWED for the call and outlives it.
        unsafe { set_ready(self.ctx, ready, str_view(reason)) };
        Some(())
    }

    /// ABI 1.6: whether a line at `level` from this instance would be logged (the manifest's
    /// `[log]` levels; it can change on a reload): skip formatting debug lines nobody reads.
    /// `true` on a host older than 1.6, which cannot say (its `log` still filters). Any thread.
    pub fn log_enabled(&self, level: LogLevel) -> bool {
        match host_member!(self, log_enabled) {
            // SAFETY: the host's function with our ctx; plain integer argument.
            Some(log_enabled) => unsafe { log_enabled(self.ctx, level.raw()) },
            None => true,
        }
    }

    /// ABI 1.6: one document about the process ([`StatsViewKind`]), copied. The host's own
    /// gauges are at most about a second old. Any thread. `None` on a host older than 1.6.
    pub fn stats_view(&self, kind: StatsViewKind) -> Option<Result<String, Error>> {
        let stats_view = host_member!(self, stats_view)?;
        let mut out = no_owned_bytes();
        // SAFETY: `out` is our writable storage for the call; plain integer kind.
        let status = unsafe { stats_view(self.ctx, kind.raw(), &mut out) };
        if status != sys::NOTIFY_OK {
            return Some(Err(Error::new(
                status,
                format!("stats_view failed with status {status}"),
            )));
        }
        // SAFETY: on success `out` is OWNED by us and not released yet.
        Some(unsafe { take_owned_text(out, "stats_view") })
    }
}
