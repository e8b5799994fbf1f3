#!/usr/bin/env bash
# Builds and tests the hello_rs plugin against an installed Notify, outside the Notify tree.
#
#   NOTIFY_PREFIX=/usr/local ./build.sh        (NOTIFY_PREFIX: a `cmake --install` prefix)
#
# 1. links ./notify-sdk to $NOTIFY_PREFIX/share/notify/rust/notify-sdk, the installed SDK crate
#    (Cargo.toml depends on it with `path = "notify-sdk"`);
# 2. cargo build --offline --locked --release;
# 3. cargo test --offline --locked with NOTIFY_FAKEHOST_LIB_DIR = the prefix's folder holding
#    libnotify_fakehost.a (the unit test runs the plugin on the fake host);
# 4. copies the plugin to $PLUGIN_OUT_DIR/notify_hello_rs.so (default: ./out), a folder to name in a
#    manifest's `[plugins] dirs` (notifyd loads notify_<name>.so).
# Honours CARGO_TARGET_DIR (default ./target), RUSTFLAGS and PLUGIN_OUT_DIR.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$here"
name=hello_rs
lib=notify_$name

: "${NOTIFY_PREFIX:?set NOTIFY_PREFIX to the prefix Notify was installed to (cmake --install ... --prefix P)}"
prefix=$(cd "$NOTIFY_PREFIX" && pwd)
sdk="$prefix/share/notify/rust/notify-sdk"
if [[ ! -f "$sdk/Cargo.toml" ]]; then
  echo "build.sh: no Rust SDK in $sdk (is NOTIFY_PREFIX a Notify install prefix?)" >&2
  exit 1
fi
# The fake host library: lib/ by default, lib64/ or lib/<multiarch>/ on some systems.
fakehost_dir=${NOTIFY_FAKEHOST_LIB_DIR:-}
if [[ -z "$fakehost_dir" ]]; then
  for dir in "$prefix/lib" "$prefix/lib64" "$prefix"/lib/*-linux-gnu; do
    if [[ -f "$dir/libnotify_fakehost.a" ]]; then fakehost_dir=$dir; break; fi
  done
fi
if [[ -z "$fakehost_dir" ]]; then
  echo "build.sh: no libnotify_fakehost.a under $prefix (set NOTIFY_FAKEHOST_LIB_DIR)" >&2
  exit 1
fi

[[ -x "$HOME/.cargo/bin/cargo" ]] && export PATH="$HOME/.cargo/bin:$PATH"
ln -sfn "$sdk" notify-sdk

cargo build --offline --locked --release
NOTIFY_FAKEHOST_LIB_DIR="$fakehost_dir" cargo test --offline --locked

target_dir=${CARGO_TARGET_DIR:-$here/target}
out_dir=${PLUGIN_OUT_DIR:-$here/out}
mkdir -p "$out_dir"
cp "$target_dir/release/lib$lib.so" "$out_dir/$lib.so"
echo "build.sh: $out_dir/$lib.so"
