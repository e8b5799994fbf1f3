//! ABI 1.7: the HTTP headers of the request that opened a connection, as the host kept them
//! (the names some plugin asked for with [`Host::keep_headers`](crate::Host::keep_headers)).

use crate::sys::notify_header;
use crate::views::{raw_str_bytes, str_of};
use core::fmt;

/// A connection's kept headers, borrowed for the call: an iterator of `(name, value)` pairs in
/// the order received, a repeated header once per occurrence.
///
/// `name` is lowercased by the host (text that is not UTF-8 reads as `""`); `value` is the raw
/// bytes as received, surrounding whitespace removed (`core::str::from_utf8(value)` for text).
/// The host keeps the union of every plugin's names, so filter by your own list, or use
/// [`AuthRequest::header`](crate::AuthRequest::header) /
/// [`AuthzRequest::header`](crate::AuthzRequest::header). Empty from a host older than 1.7,
/// and when no plugin asked for headers or the transport has none (tcp, udp).
#[derive(Clone)]
pub struct Headers<'a> {
    rest: core::slice::Iter<'a, notify_header>,
}

impl<'a> Headers<'a> {
    /// No headers.
    pub fn empty() -> Self {
        Headers { rest: [].iter() }
    }

    /// The host's array of `count` headers at `data` (NULL or 0: none).
    ///
    /// # Safety
    /// `data` must be NULL or point to `count` readable `notify_header`s whose views are valid
    /// (NULL, or `len` readable bytes) and unchanged for `'a` (BORROWED for the call).
    pub(crate) unsafe fn from_raw(data: *const notify_header, count: usize) -> Self {
        if data.is_null() || count == 0 {
            return Self::empty();
        }
        // SAFETY: non-null, `count` readable elements valid for 'a: the caller's contract.
        let all = unsafe { core::slice::from_raw_parts(data, count) };
        Headers { rest: all.iter() }
    }

    /// The value of the first header named `name` (ASCII case-insensitive), as bytes.
    pub fn get(&self, name: &str) -> Option<&'a [u8]> {
        self.clone()
            .find(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value)
    }
}

impl<'a> Iterator for Headers<'a> {
    type Item = (&'a str, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let header = self.rest.next()?;
        // SAFETY: the views of an element of the host's array are BORROWED for 'a
        // (`from_raw`'s contract).
        Some(unsafe { (str_of(header.name), raw_str_bytes(header.value)) })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.rest.size_hint()
    }
}

impl ExactSizeIterator for Headers<'_> {}

impl DoubleEndedIterator for Headers<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let header = self.rest.next_back()?;
        // SAFETY: as next.
        Some(unsafe { (str_of(header.name), raw_str_bytes(header.value)) })
    }
}

impl core::iter::FusedIterator for Headers<'_> {}

impl fmt::Debug for Headers<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(
                self.clone()
                    .map(|(name, value)| (name, String::from_utf8_lossy(value))),
            )
            .finish()
    }
}
