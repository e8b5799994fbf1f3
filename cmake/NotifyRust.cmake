# Rust plugins and crates, built by cargo from CMake (no crates.io: std and path dependencies
# only, so `cargo --offline --locked` always works).
#
#   notify_add_rust_plugin(NAME CRATE_DIR <dir> [LIB_NAME <cargo lib name>])
#     Builds the cdylib crate in CRATE_DIR with `cargo build --offline --locked --release`
#     (CARGO_TARGET_DIR in the build tree, warnings are errors) and copies it to
#     ${NOTIFY_PLUGIN_OUTPUT_DIR}/notify_<NAME>.so. Target notify_plugin_<NAME> (in ALL), installed
#     to ${NOTIFY_PLUGIN_INSTALL_DIR}. Rebuilds when the crate's or the SDK's sources change
#     (cargo then decides what to recompile). LIB_NAME defaults to notify_<NAME>.
#
#   notify_add_cargo_test(NAME CRATE_DIR <dir>)
#     A ctest test running `cargo test --offline --locked` in CRATE_DIR against the fake host
#     (NOTIFY_FAKEHOST_LIB_DIR = the folder of libnotify_fakehost.a).
#
# Without cargo on PATH (or in ~/.cargo/bin) both say so and do nothing. Sanitizer builds
# (NOTIFY_SANITIZE) skip them: the Rust code is not instrumented, and the combination is not
# verified yet.
include_guard(GLOBAL)

find_program(NOTIFY_CARGO cargo HINTS "$ENV{HOME}/.cargo/bin" /root/.cargo/bin)
set(NOTIFY_CARGO_TARGET_DIR "${CMAKE_BINARY_DIR}/cargo" CACHE INTERNAL "")

# True (in the caller's `out`) when Rust parts can be built in this configuration.
function(notify_rust_enabled out what)
  if(NOT NOTIFY_CARGO)
    message(STATUS "${what}: skipped (cargo not found)")
    set(${out} FALSE PARENT_SCOPE)
  elseif(NOTIFY_SANITIZE)
    message(STATUS "${what}: skipped in sanitizer builds (NOTIFY_SANITIZE=${NOTIFY_SANITIZE})")
    set(${out} FALSE PARENT_SCOPE)
  else()
    set(${out} TRUE PARENT_SCOPE)
  endif()
endfunction()

# The sources a Rust crate's build depends on: its own and the SDK's.
function(notify_rust_sources out crate_dir)
  file(GLOB_RECURSE crate_sources CONFIGURE_DEPENDS
    "${ARG_CRATE_DIR}/src/*.rs" "${ARG_CRATE_DIR}/build.rs" "${ARG_CRATE_DIR}/Cargo.toml" "${ARG_CRATE_DIR}/Cargo.lock")
  file(GLOB_RECURSE sdk_sources CONFIGURE_DEPENDS
    "${PROJECT_SOURCE_DIR}/sdk/rust/src/*.rs" "${PROJECT_SOURCE_DIR}/sdk/rust/build.rs"
    "${PROJECT_SOURCE_DIR}/sdk/rust/Cargo.toml")
  set(${out} ${crate_sources} ${sdk_sources} PARENT_SCOPE)
endfunction()

function(notify_add_rust_plugin name)
  cmake_parse_arguments(ARG "" "CRATE_DIR;LIB_NAME" "" ${ARGN})
  if(NOT ARG_CRATE_DIR)
    message(FATAL_ERROR "notify_add_rust_plugin(${name}): CRATE_DIR is required")
  endif()
  if(NOT ARG_LIB_NAME)
    set(ARG_LIB_NAME "notify_${name}")
  endif()
  notify_rust_enabled(enabled "Rust plugin ${name}")
  if(NOT enabled)
    return()
  endif()
  notify_rust_sources(sources "${ARG_CRATE_DIR}")
  set(built "${NOTIFY_CARGO_TARGET_DIR}/release/lib${ARG_LIB_NAME}.so")
  set(output "${NOTIFY_PLUGIN_OUTPUT_DIR}/notify_${name}.so")
  add_custom_command(
    OUTPUT "${output}"
    COMMAND ${CMAKE_COMMAND} -E env "CARGO_TARGET_DIR=${NOTIFY_CARGO_TARGET_DIR}" "RUSTFLAGS=-D warnings"
            "${NOTIFY_CARGO}" build --offline --locked --release --quiet
            --manifest-path "${ARG_CRATE_DIR}/Cargo.toml"
    COMMAND ${CMAKE_COMMAND} -E make_directory "${NOTIFY_PLUGIN_OUTPUT_DIR}"
    COMMAND ${CMAKE_COMMAND} -E copy "${built}" "${output}"
    DEPENDS ${sources}
    WORKING_DIRECTORY "${ARG_CRATE_DIR}"
    COMMENT "cargo: building notify_${name}.so"
    VERBATIM)
  add_custom_target(notify_plugin_${name} ALL DEPENDS "${output}")
  install(FILES "${output}" DESTINATION ${NOTIFY_PLUGIN_INSTALL_DIR})
endfunction()

function(notify_add_cargo_test name)
  cmake_parse_arguments(ARG "" "CRATE_DIR" "" ${ARGN})
  if(NOT NOTIFY_BUILD_TESTS)
    return()
  endif()
  notify_rust_enabled(enabled "cargo test ${name}")
  if(NOT enabled)
    return()
  endif()
  if(NOT TARGET notify_fakehost)
    message(STATUS "cargo test ${name}: skipped until sdk/fakehost (target notify_fakehost) exists")
    return()
  endif()
  # A target folder of its own: tests link the fake host, plugins never do.
  add_test(NAME ${name}
    COMMAND ${CMAKE_COMMAND} -E env
            "NOTIFY_FAKEHOST_LIB_DIR=$<TARGET_FILE_DIR:notify_fakehost>"
            "CARGO_TARGET_DIR=${CMAKE_BINARY_DIR}/cargo-test"
            "RUSTFLAGS=-D warnings"
            "CC=${CMAKE_C_COMPILER}"
            "NOTIFY_INCLUDE_DIR=${PROJECT_SOURCE_DIR}/include"
            "${NOTIFY_CARGO}" test --offline --locked --manifest-path "${ARG_CRATE_DIR}/Cargo.toml"
    WORKING_DIRECTORY "${ARG_CRATE_DIR}")
  # cargo compiles before it tests; several cargo tests share the target folder's lock.
  set_tests_properties(${name} PROPERTIES TIMEOUT 900 LABELS rust)
endfunction()
