//! Typed access to an instance's manifest table (the host's `config_get_*` accessors).

use crate::error::Error;
use crate::host::Host;
use crate::sys::{self, notify_config, notify_host_api};
use core::marker::PhantomData;
use std::ffi::CString;
use std::path::PathBuf;
use std::time::Duration;

/// The type of a config key in the plugin's schema (`notify_config_type`), for
/// [`export_plugin!`](crate::export_plugin)'s `config_keys`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum ConfigType {
    String = sys::NOTIFY_CONFIG_STRING,
    Int = sys::NOTIFY_CONFIG_INT,
    Bool = sys::NOTIFY_CONFIG_BOOL,
    Double = sys::NOTIFY_CONFIG_DOUBLE,
    StringArray = sys::NOTIFY_CONFIG_STRING_ARRAY,
    /// A string; relative paths resolve against the manifest's folder.
    Path = sys::NOTIFY_CONFIG_PATH,
    /// "250ms", "30s", "5m", "1h", or an integer of seconds.
    Duration = sys::NOTIFY_CONFIG_DURATION,
}

/// The instance's manifest table, borrowed for the `create` call.
///
/// Every getter answers `Ok(None)` when the key is absent (keep your default), `Ok(Some(v))`
/// when set, and an [`Error`] naming the key otherwise (a schema mismatch, bad UTF-8, ...).
/// Strings are borrowed for the `create` call: copy what you keep (`to_owned`).
pub struct Config<'a> {
    host: Host,
    raw: *const notify_config,
    _create_call: PhantomData<&'a notify_config>,
}

/// Reads a 1.0 config accessor of the host table through a raw place (no reference to the
/// whole table is formed, so a host table smaller than ours is never over-read).
macro_rules! accessor {
    ($config:expr, $member:ident) => {{
        let api = $config.api();
        // SAFETY: `api` is the host's table, valid until exit; config accessors are ABI 1.0
        // members, inside every table of major 1.
        unsafe { core::ptr::addr_of!((*api).$member).read() }
    }};
}

type Getter<T> = unsafe extern "C" fn(
    *const notify_config,
    *const core::ffi::c_char,
    *mut T,
) -> sys::notify_status;

impl<'a> Config<'a> {
    /// # Safety
    /// `raw` must be the config the host passed to `create` with `host`, valid for `'a`.
    pub unsafe fn from_raw(host: Host, raw: *const notify_config) -> Config<'a> {
        Config {
            host,
            raw,
            _create_call: PhantomData,
        }
    }

    fn api(&self) -> *const notify_host_api {
        self.host.api
    }

    fn key_cstring(key: &str) -> Result<CString, Error> {
        CString::new(key)
            .map_err(|_| Error::invalid_argument(format!("config key '{key}': contains NUL")))
    }

    /// Calls one accessor and maps its status: OK → Some, NOT_FOUND → None, else an error
    /// naming the key and the expected type.
    fn get<T: Default>(
        &self,
        getter: Option<Getter<T>>,
        key: &str,
        expected: &str,
    ) -> Result<Option<T>, Error> {
        let getter = getter.ok_or_else(|| {
            Error::unsupported(format!("config key '{key}': host has no accessor"))
        })?;
        let key_c = Self::key_cstring(key)?;
        let mut value = T::default();
        // SAFETY: `raw` is this instance's config (constructor contract), the key is a
        // NUL-terminated string that outlives the call and `value` is writable storage of the
        // accessor's out type.
        let status = unsafe { getter(self.raw, key_c.as_ptr(), &mut value) };
        match status {
            sys::NOTIFY_OK => Ok(Some(value)),
            sys::NOTIFY_ERR_NOT_FOUND => Ok(None),
            sys::NOTIFY_ERR_WRONG_TYPE => Err(Error::new(
                status,
                format!("config key '{key}': expected {expected}"),
            )),
            other => Err(Error::new(
                other,
                format!("config key '{key}': cannot be read (status {other})"),
            )),
        }
    }

    fn text(&self, view: sys::notify_str, key: &str) -> Result<&'a str, Error> {
        // SAFETY: a config string is HOST-owned and valid until the instance is destroyed,
        // which outlives 'a (the create call).
        let bytes = unsafe { crate::views::raw_str_bytes(view) };
        core::str::from_utf8(bytes)
            .map_err(|_| Error::invalid_argument(format!("config key '{key}': not UTF-8")))
    }

    /// A `string` key.
    pub fn string(&self, key: &str) -> Result<Option<&'a str>, Error> {
        let empty = sys::notify_str {
            data: core::ptr::null(),
            len: 0,
        };
        let getter = accessor!(self, config_get_string);
        match self.get_view(getter, key, "a string", empty)? {
            Some(view) => Ok(Some(self.text(view, key)?)),
            None => Ok(None),
        }
    }

    /// A `path` key, resolved by the host against the manifest's folder.
    pub fn path(&self, key: &str) -> Result<Option<PathBuf>, Error> {
        let empty = sys::notify_str {
            data: core::ptr::null(),
            len: 0,
        };
        let getter = accessor!(self, config_get_path);
        match self.get_view(getter, key, "a path", empty)? {
            Some(view) => Ok(Some(PathBuf::from(self.text(view, key)?))),
            None => Ok(None),
        }
    }

    fn get_view(
        &self,
        getter: Option<Getter<sys::notify_str>>,
        key: &str,
        expected: &str,
        empty: sys::notify_str,
    ) -> Result<Option<sys::notify_str>, Error> {
        let getter = getter.ok_or_else(|| {
            Error::unsupported(format!("config key '{key}': host has no accessor"))
        })?;
        let key_c = Self::key_cstring(key)?;
        let mut view = empty;
        // SAFETY: as in `get`: our config, a NUL-terminated key, writable out storage.
        let status = unsafe { getter(self.raw, key_c.as_ptr(), &mut view) };
        match status {
            sys::NOTIFY_OK => Ok(Some(view)),
            sys::NOTIFY_ERR_NOT_FOUND => Ok(None),
            sys::NOTIFY_ERR_WRONG_TYPE => Err(Error::new(
                status,
                format!("config key '{key}': expected {expected}"),
            )),
            other => Err(Error::new(
                other,
                format!("config key '{key}': cannot be read (status {other})"),
            )),
        }
    }

    /// An `int` key.
    pub fn int(&self, key: &str) -> Result<Option<i64>, Error> {
        self.get(accessor!(self, config_get_int), key, "an integer")
    }

    /// A `bool` key.
    pub fn bool(&self, key: &str) -> Result<Option<bool>, Error> {
        self.get(accessor!(self, config_get_bool), key, "a boolean")
    }

    /// A `double` key.
    pub fn double(&self, key: &str) -> Result<Option<f64>, Error> {
        self.get(accessor!(self, config_get_double), key, "a number")
    }

    /// A `duration` key ("250ms", "30s", ...). Negative values are an error naming the key.
    pub fn duration(&self, key: &str) -> Result<Option<Duration>, Error> {
        match self.get(accessor!(self, config_get_duration_ms), key, "a duration")? {
            Some(ms) if ms < 0 => Err(Error::invalid_argument(format!(
                "config key '{key}': must not be negative"
            ))),
            Some(ms) => Ok(Some(Duration::from_millis(ms as u64))),
            None => Ok(None),
        }
    }

    /// A `string array` key, copied.
    pub fn string_array(&self, key: &str) -> Result<Option<Vec<String>>, Error> {
        let Some(count) = self.get(
            accessor!(self, config_get_array_size),
            key,
            "an array of strings",
        )?
        else {
            return Ok(None);
        };
        let getter = accessor!(self, config_get_array_string).ok_or_else(|| {
            Error::unsupported(format!("config key '{key}': host has no accessor"))
        })?;
        let key_c = Self::key_cstring(key)?;
        let mut values = Vec::with_capacity(count);
        for index in 0..count {
            let mut view = sys::notify_str {
                data: core::ptr::null(),
                len: 0,
            };
            // SAFETY: our config, a NUL-terminated key, an index below the size the host
            // reported, writable out storage.
            let status = unsafe { getter(self.raw, key_c.as_ptr(), index, &mut view) };
            Error::check(status, &format!("config key '{key}' [{index}]"))?;
            values.push(self.text(view, key)?.to_owned());
        }
        Ok(Some(values))
    }

    /// `string(key)`, or `default` when absent, as an owned `String`.
    pub fn string_or(&self, key: &str, default: &str) -> Result<String, Error> {
        Ok(self.string(key)?.unwrap_or(default).to_owned())
    }
}
