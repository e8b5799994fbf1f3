//! Links the fake host (sdk/fakehost, CMake target `notify_fakehost`) into this crate's
//! integration tests when NOTIFY_FAKEHOST_LIB_DIR names the folder holding
//! libnotify_fakehost.a. Only test targets get it (`rustc-link-arg-tests`), never the library
//! or a plugin built on it. Without the variable, the fake-host tests do not pretend to pass:
//! `tests/fakehost_*.rs` then contain one failing test that says how to run them.
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
    println!("cargo::rustc-link-arg-tests=-L{dir}");
    println!("cargo::rustc-link-arg-tests=-Wl,--whole-archive");
    println!("cargo::rustc-link-arg-tests=-lnotify_fakehost");
    println!("cargo::rustc-link-arg-tests=-Wl,--no-whole-archive");
    println!("cargo::rustc-link-arg-tests=-lstdc++");
    println!("cargo::rustc-link-arg-tests=-ldl");
}
