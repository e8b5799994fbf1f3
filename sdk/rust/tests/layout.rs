//! Layout sync: compiles tests/layout/layout.c against include/notify/notify.h with the C
//! compiler on PATH (`cc`, or $CC), and compares every struct's size and alignment and every
//! member's offset and size, every integer constant's value and every string constant's text
//! with what `src/sys.rs` declares. A wrong, missing, reordered or
//! retyped member fails the test with the line that differs.
//!
//! The header comes from $NOTIFY_INCLUDE_DIR, else the repository's include/ folder.
use notify_sdk::sys::*;
use std::path::PathBuf;
use std::process::Command;

const fn member_size<T, F>(_: fn(&T) -> &F) -> usize {
    core::mem::size_of::<F>()
}

macro_rules! struct_line {
    ($type:ident) => {
        format!(
            "S {} {} {}",
            stringify!($type),
            core::mem::size_of::<$type>(),
            core::mem::align_of::<$type>()
        )
    };
}

macro_rules! field_line {
    ($type:ident, $member:ident, $c_name:expr) => {
        format!(
            "F {} {} {} {}",
            stringify!($type),
            $c_name,
            core::mem::offset_of!($type, $member),
            member_size(|value: &$type| &value.$member)
        )
    };
}

macro_rules! constant_line {
    ($name:ident) => {
        format!("C {} {}", stringify!($name), $name as i64)
    };
}

macro_rules! string_line {
    ($name:ident) => {
        format!("T {} {}", stringify!($name), $name)
    };
}

include!("layout/rust_side.rs");

fn c_side() -> Vec<String> {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let include_dir = std::env::var_os("NOTIFY_INCLUDE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir.join("../../include"));
    let compiler = std::env::var("CC").unwrap_or_else(|_| "cc".to_owned());
    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let program = out_dir.join("notify_layout");
    let status = Command::new(&compiler)
        .args(["-std=c11", "-Wall", "-Werror", "-o"])
        .arg(&program)
        .arg("-I")
        .arg(&include_dir)
        .arg(manifest_dir.join("tests/layout/layout.c"))
        .status()
        .unwrap_or_else(|error| panic!("cannot run the C compiler `{compiler}`: {error}"));
    assert!(
        status.success(),
        "{compiler} failed to build tests/layout/layout.c"
    );
    let output = Command::new(&program)
        .output()
        .expect("run the layout program");
    assert!(output.status.success());
    String::from_utf8(output.stdout)
        .expect("utf-8")
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_struct_and_member_matches_the_c_header() {
    let c_lines = c_side();
    let rust_lines: Vec<String> = all_layouts!(struct_line, field_line, constant_line, string_line);
    let mut mismatches = Vec::new();
    for index in 0..c_lines.len().max(rust_lines.len()) {
        let c_line = c_lines
            .get(index)
            .map(String::as_str)
            .unwrap_or("<missing>");
        let rust_line = rust_lines
            .get(index)
            .map(String::as_str)
            .unwrap_or("<missing>");
        if c_line != rust_line {
            mismatches.push(format!("  C:    {c_line}\n  Rust: {rust_line}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "sys.rs differs from notify.h:\n{}",
        mismatches.join("\n")
    );
    assert!(
        c_lines.len() > 200,
        "expected every struct's members, got {} lines",
        c_lines.len()
    );
}

/// Every struct, member and constant of src/sys.rs is in the generated lists (run
/// tests/layout/generate.py after editing sys.rs).
#[test]
fn the_lists_cover_all_of_sys_rs() {
    let sys_rs = include_str!("../src/sys.rs");
    let listed = include_str!("layout/rust_side.rs");
    let mut missing = Vec::new();
    let mut current_struct: Option<&str> = None;
    for line in sys_rs.lines() {
        if let Some(rest) = line.strip_prefix("pub struct ") {
            let name = rest.split_whitespace().next().unwrap_or("");
            current_struct = Some(name);
            if !listed.contains(&format!("$struct_line!({name})"))
                && !sys_rs.contains(&format!("pub struct {name} {{\n    _opaque"))
            {
                missing.push(name.to_owned());
            }
        } else if line == "}" {
            current_struct = None;
        } else if let (Some(owner), Some(rest)) =
            (current_struct, line.trim_start().strip_prefix("pub "))
        {
            let member = rest.split(':').next().unwrap_or("");
            if !listed.contains(&format!("$field_line!({owner}, {member},")) {
                missing.push(format!("{owner}.{member}"));
            }
        } else if let Some(rest) = line.strip_prefix("pub const NOTIFY_") {
            let name = format!("NOTIFY_{}", rest.split(':').next().unwrap_or(""));
            let listed_as = if line.contains(": &str =") {
                format!("$string_line!({name})")
            } else {
                format!("$constant_line!({name})")
            };
            if !listed.contains(&listed_as) {
                missing.push(name);
            }
        }
    }
    assert!(
        missing.is_empty(),
        "not in tests/layout (run tests/layout/generate.py): {missing:?}"
    );
}

#[test]
fn constants_match_the_header() {
    assert_eq!((NOTIFY_ABI_MAJOR, NOTIFY_ABI_MINOR), (1, 7));
    assert_eq!(
        (NOTIFY_MAX_KEPT_HEADERS, NOTIFY_MAX_KEPT_HEADER_BYTES),
        (32, 8192)
    );
    assert_eq!(notify_event_bit(NOTIFY_EVENT_DATA), 1 << 9);
    assert_eq!(NOTIFY_ERROR_MESSAGE_MAX, 512);
}
