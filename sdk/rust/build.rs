//! Links the fake host (sdk/fakehost, CMake target `notify_fakehost`) into this crate's
//! integration tests when NOTIFY_FAKEHOST_LIB_DIR names the folder holding
//! libnotify_fakehost.a. Only test targets get it (`rustc-link-arg-tests`), never the library
//! or a plugin built on it. Without the variable, the fake-host tests do not pretend to pass:
//! `tests/fakehost_*.rs` then contain one failing test that says how to run them.
//!
//! Plugin crates run this same script (`build = "<sdk>/build.rs"`): it applies to the package
//! being built (CARGO_MANIFEST_DIR). A package without integration tests (`tests/*.rs`), such
//! as the SDK installed in `<prefix>/share/notify/rust/notify-sdk` built as a dependency, gets
//! no link arguments: cargo refuses `rustc-link-arg-tests` for a package without test targets.
//! Nothing here reads the Notify source tree.
use std::path::Path;

fn main() {
    println!("cargo::rerun-if-env-changed=NOTIFY_FAKEHOST_LIB_DIR");
    println!("cargo::rustc-check-cfg=cfg(notify_fakehost)");
    let Ok(dir) = std::env::var("NOTIFY_FAKEHOST_LIB_DIR") else {
        return;
    };
    let archive = Path::new(&dir).join("libnotify_fakehost.a");
    if !archive.is_file() {
        panic!(
            "NOTIFY_FAKEHOST_LIB_DIR={dir}: no libnotify_fakehost.a there (build CMake target notify_fakehost)"
        );
    }
    println!("cargo::rerun-if-changed={}", archive.display());
    println!("cargo::rustc-cfg=notify_fakehost");
    if !has_integration_tests() {
        return;
    }
    println!("cargo::rustc-link-arg-tests=-L{dir}");
    println!("cargo::rustc-link-arg-tests=-Wl,--whole-archive");
    println!("cargo::rustc-link-arg-tests=-lnotify_fakehost");
    println!("cargo::rustc-link-arg-tests=-Wl,--no-whole-archive");
    println!("cargo::rustc-link-arg-tests=-lstdc++");
    println!("cargo::rustc-link-arg-tests=-ldl");
}

/// True when the package being built has integration tests (`tests/*.rs`, the targets cargo
/// discovers), the only targets `rustc-link-arg-tests` applies to.
fn has_integration_tests() -> bool {
    let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR") else {
        return false;
    };
    let tests = Path::new(&dir).join("tests");
    let Ok(entries) = std::fs::read_dir(&tests) else {
        return false;
    };
    // Adding the first test file must rerun this script (the directory is watched).
    println!("cargo::rerun-if-changed={}", tests.display());
    entries.flatten().any(|entry| {
        let path = entry.path();
        path.is_file() && path.extension().is_some_and(|ext| ext == "rs")
    })
}
