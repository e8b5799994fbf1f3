//! The token file: parsing, constant-time lookup, reload when the file's version changes.

use std::fs::Metadata;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// How recent an mtime may be and still be recorded as the table's version. A rewrite within
/// the same timestamp tick (coarse clocks: up to 2 s on some file systems) leaves the version
/// unchanged, so a version this young is not trusted: the next lookup reads the file again.
const SETTLE: Duration = Duration::from_secs(2);

/// What identifies one version of the file: a rewrite in place changes the length or the
/// ctime (writing sets it, and so does setting the mtime back), a replacement by rename the
/// inode (and the ctime), either one normally the mtime.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileVersion {
    len: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
    dev: u64,
    ino: u64,
}

impl FileVersion {
    fn of(meta: &Metadata) -> FileVersion {
        FileVersion {
            len: meta.len(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
            dev: meta.dev(),
            ino: meta.ino(),
        }
    }
}

/// True when `meta`'s mtime is at least [`SETTLE`] away from `now` (either side).
fn settled(meta: &Metadata, now: SystemTime) -> bool {
    let Ok(modified) = meta.modified() else {
        return false;
    };
    let distance = match now.duration_since(modified) {
        Ok(age) => age,
        Err(ahead) => ahead.duration(),
    };
    distance >= SETTLE
}

/// One read of the file, checked against a stat before and after it.
enum Read {
    /// The file did not change while read: its entries and version.
    Stable {
        entries: Vec<(String, String)>,
        version: FileVersion,
        settled: bool,
    },
    /// The file changed while being read: the read is discarded.
    Raced,
}

fn stat(path: &Path) -> Result<Metadata, String> {
    std::fs::metadata(path).map_err(|error| format!("cannot read {}: {error}", path.display()))
}

/// Reads and parses the file, `before` being its stat just before. The error names the file
/// (and the line).
fn read(path: &Path, before: &Metadata) -> Result<Read, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    let after = stat(path)?;
    let version = FileVersion::of(before);
    if FileVersion::of(&after) != version {
        return Ok(Read::Raced);
    }
    let entries =
        parse(&text).map_err(|(line, why)| format!("{}:{line}: {why}", path.display()))?;
    Ok(Read::Stable {
        entries,
        version,
        settled: settled(&after, SystemTime::now()),
    })
}

/// What [`TokenTable::reload_if_changed`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Reload {
    /// Nothing new: the recorded version, or a re-read of a young version that found the
    /// same tokens, or a read discarded because the file changed meanwhile (retried at the
    /// next lookup).
    Unchanged,
    /// New tokens are in use.
    Reloaded,
    /// The file is missing, unreadable or malformed; the last good tokens stay. `warn` is
    /// true the first time for this failing version of the file (false while it stays so).
    Failed { message: String, warn: bool },
}

pub struct TokenTable {
    entries: Vec<(String, String)>,
    /// The version `entries` came from, once settled (`None`: read the file again).
    version: Option<FileVersion>,
    /// The version `entries` came from, settled or not.
    loaded: Option<FileVersion>,
    /// The failing version last reported (`Some(None)`: the file could not be stat'ed).
    failed: Option<Option<FileVersion>>,
}

impl TokenTable {
    /// Reads and parses the file; the error names the file (and the line).
    pub fn load(path: &Path) -> Result<TokenTable, String> {
        for _ in 0..3 {
            let before = stat(path)?;
            if let Read::Stable {
                entries,
                version,
                settled,
            } = read(path, &before)?
            {
                return Ok(TokenTable {
                    entries,
                    version: settled.then_some(version),
                    loaded: Some(version),
                    failed: None,
                });
            }
        }
        Err(format!(
            "{} keeps changing while being read; replace it by an atomic rename",
            path.display()
        ))
    }

    /// Re-reads the file unless its version is the one recorded. On a failure the table is
    /// unchanged.
    pub fn reload_if_changed(&mut self, path: &Path) -> Reload {
        let before = match stat(path) {
            Ok(meta) => meta,
            Err(message) => return self.failure(None, message),
        };
        let current = FileVersion::of(&before);
        if self.version == Some(current) {
            return Reload::Unchanged;
        }
        // A failing version that has settled is not read again until it changes.
        if self.failed == Some(Some(current)) && settled(&before, SystemTime::now()) {
            return Reload::Failed {
                message: String::new(),
                warn: false,
            };
        }
        match read(path, &before) {
            Ok(Read::Raced) => Reload::Unchanged,
            Ok(Read::Stable {
                entries,
                version,
                settled,
            }) => {
                let changed = entries != self.entries || self.loaded != Some(version);
                self.entries = entries;
                self.version = settled.then_some(version);
                self.loaded = Some(version);
                self.failed = None;
                if changed {
                    Reload::Reloaded
                } else {
                    Reload::Unchanged
                }
            }
            Err(message) => self.failure(Some(current), message),
        }
    }

    fn failure(&mut self, version: Option<FileVersion>, message: String) -> Reload {
        let warn = self.failed != Some(version);
        self.failed = Some(version);
        Reload::Failed { message, warn }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The user of `token`. Every entry is compared, in time independent of where the
    /// bytes differ, so the answer's timing does not reveal a token's prefix.
    pub fn user_of(&self, token: &str) -> Option<&str> {
        let mut found = None;
        for (known, user) in &self.entries {
            if constant_time_eq(known.as_bytes(), token.as_bytes()) && found.is_none() {
                found = Some(user.as_str());
            }
        }
        found
    }
}

/// `TOKEN USER_ID` per line; `#` comments and blank lines skipped. Errors carry the line.
pub fn parse(text: &str) -> Result<Vec<(String, String)>, (usize, String)> {
    let mut entries = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.as_slice() {
            [token, user] => entries.push(((*token).to_owned(), (*user).to_owned())),
            _ => return Err((index + 1, "expected `TOKEN USER_ID`".to_owned())),
        }
    }
    Ok(entries)
}

fn constant_time_eq(left: &[u8], right: &[u8]) -> bool {
    if left.len() != right.len() {
        return false;
    }
    left.iter()
        .zip(right)
        .fold(0u8, |diff, (a, b)| diff | (a ^ b))
        == 0
}

#[cfg(test)]
mod unit_tests {
    use super::*;

    #[test]
    fn parses_pairs_comments_and_blank_lines() {
        let entries = parse("# tokens\n\nabc alice\n  def\tbob  \n").unwrap();
        assert_eq!(
            entries,
            vec![("abc".into(), "alice".into()), ("def".into(), "bob".into())]
        );
    }

    #[test]
    fn a_malformed_line_is_named() {
        assert_eq!(parse("abc alice\nlonely\n").unwrap_err().0, 2);
        assert_eq!(parse("a b c\n").unwrap_err().0, 1);
    }

    #[test]
    fn lookup_is_exact() {
        let table = TokenTable {
            entries: parse("abc alice\n").unwrap(),
            version: None,
            loaded: None,
            failed: None,
        };
        assert_eq!(table.user_of("abc"), Some("alice"));
        assert_eq!(table.user_of("ab"), None);
        assert_eq!(table.user_of("abcd"), None);
        assert_eq!(table.user_of(""), None);
    }
}
