//! The token file: parsing, constant-time lookup, reload on mtime change.

use std::path::Path;
use std::time::SystemTime;

pub struct TokenTable {
    entries: Vec<(String, String)>,
    modified: Option<SystemTime>,
}

impl TokenTable {
    /// Reads and parses the file; the error names the file (and the line).
    pub fn load(path: &Path) -> Result<TokenTable, String> {
        let modified = std::fs::metadata(path)
            .and_then(|meta| meta.modified())
            .ok();
        let text = std::fs::read_to_string(path)
            .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        let entries =
            parse(&text).map_err(|(line, why)| format!("{}:{line}: {why}", path.display()))?;
        Ok(TokenTable { entries, modified })
    }

    /// Re-reads the file when its modification time differs from the last read. `Ok(true)`
    /// when re-read; on an error the table is unchanged.
    pub fn reload_if_changed(&mut self, path: &Path) -> Result<bool, String> {
        let modified = std::fs::metadata(path)
            .and_then(|meta| meta.modified())
            .ok();
        if modified == self.modified {
            return Ok(false);
        }
        *self = TokenTable::load(path)?;
        Ok(true)
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
            modified: None,
        };
        assert_eq!(table.user_of("abc"), Some("alice"));
        assert_eq!(table.user_of("ab"), None);
        assert_eq!(table.user_of("abcd"), None);
        assert_eq!(table.user_of(""), None);
    }
}
