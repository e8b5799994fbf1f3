//! The error a plugin returns to the host: a `NOTIFY_ERR_*` status and a message.

use crate::sys;
use core::fmt;

/// A failed call: a negative `notify_status` and a human-readable message (copied into the
/// host's `notify_error` buffer, truncated to 511 bytes at a character boundary).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    status: sys::notify_status,
    message: String,
}

impl Error {
    /// An error with `status` (a negative `NOTIFY_ERR_*`; anything else becomes
    /// `NOTIFY_ERR_INTERNAL`, so that an error can never read as success or pending).
    pub fn new(status: sys::notify_status, message: impl Into<String>) -> Self {
        let status = if status < 0 {
            status
        } else {
            sys::NOTIFY_ERR_INTERNAL
        };
        Error {
            status,
            message: message.into(),
        }
    }
    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(sys::NOTIFY_ERR_INVALID_ARGUMENT, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(sys::NOTIFY_ERR_NOT_FOUND, message)
    }
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::new(sys::NOTIFY_ERR_UNSUPPORTED, message)
    }
    pub fn io(message: impl Into<String>) -> Self {
        Self::new(sys::NOTIFY_ERR_IO, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(sys::NOTIFY_ERR_INTERNAL, message)
    }
    pub fn closed(message: impl Into<String>) -> Self {
        Self::new(sys::NOTIFY_ERR_CLOSED, message)
    }
    /// The negative `NOTIFY_ERR_*` status.
    pub fn status(&self) -> sys::notify_status {
        self.status
    }
    pub fn message(&self) -> &str {
        &self.message
    }

    /// A host call's status as a result: `Ok` for `NOTIFY_OK`, else an error naming `what`.
    pub(crate) fn check(status: sys::notify_status, what: &str) -> Result<(), Error> {
        if status == sys::NOTIFY_OK {
            Ok(())
        } else {
            Err(Error::new(
                status,
                format!("{what} failed with status {status}"),
            ))
        }
    }

    /// Copies the message into the host's buffer (NUL-terminated, truncated to fit).
    ///
    /// # Safety
    /// `err` must be NULL or point to a writable `notify_error` (the ABI's caller storage).
    pub(crate) unsafe fn write_to(&self, err: *mut sys::notify_error) {
        // SAFETY: forwarded contract.
        unsafe { write_message(err, &self.message) }
    }
}

/// Writes `message` into `err` as a NUL-terminated C string, cut at a UTF-8 boundary to fit.
///
/// # Safety
/// `err` must be NULL or point to a writable `notify_error`.
pub(crate) unsafe fn write_message(err: *mut sys::notify_error, message: &str) {
    if err.is_null() {
        return;
    }
    let mut end = message.len().min(sys::NOTIFY_ERROR_MESSAGE_MAX - 1);
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    let bytes = &message.as_bytes()[..end];
    // SAFETY: `err` points to a writable notify_error (contract); we write `end + 1 <= 512`
    // bytes into its 512-byte message array, through a raw pointer to avoid forming a
    // reference to possibly uninitialised caller storage.
    unsafe {
        let buffer = core::ptr::addr_of_mut!((*err).message).cast::<u8>();
        core::ptr::copy_nonoverlapping(bytes.as_ptr(), buffer, end);
        buffer.add(end).write(0);
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (status {})", self.message, self.status)
    }
}

impl std::error::Error for Error {}
