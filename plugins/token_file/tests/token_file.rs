//! token_file against the fake host: the plugin (linked in as an rlib) is loaded through its
//! entry function and descriptor as notifyd would (notifyd dlopens the cdylib).

#[cfg(not(notify_fakehost))]
#[test]
fn fake_host_library_is_linked() {
    panic!(
        "these tests need the fake host: build CMake target notify_fakehost and run \
         `NOTIFY_FAKEHOST_LIB_DIR=<folder of libnotify_fakehost.a> cargo test --offline`"
    );
}

#[cfg(notify_fakehost)]
#[path = "../../../sdk/rust/tests/support/fakehost.rs"]
mod fakehost;

#[cfg(notify_fakehost)]
mod with_fake_host {
    use super::fakehost::*;
    use notify_sdk::sys;
    use std::path::PathBuf;

    /// A folder of its own per test (tests run in parallel).
    fn scratch(name: &str) -> PathBuf {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("token_file-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn started(dir: &PathBuf, contents: &str) -> FakeHost {
        std::fs::write(dir.join("tokens.txt"), contents).unwrap();
        let host = FakeHost::new();
        assert_eq!(
            host.use_entry(notify_token_file::notify_plugin_entry_v1),
            sys::NOTIFY_OK,
            "{}",
            host.last_error()
        );
        host.set_manifest_dir(dir.to_str().unwrap());
        host.config_path("file", "tokens.txt");
        assert_eq!(host.create(), sys::NOTIFY_OK, "{}", host.last_error());
        assert_eq!(host.start(), sys::NOTIFY_OK, "{}", host.last_error());
        host
    }

    #[test]
    fn a_known_token_is_allowed_as_its_user_from_the_worker() {
        let dir = scratch("known");
        let host = started(&dir, "# test tokens\nsecret-a alice\nsecret-b bob\n");
        let (status, answer) = host.authenticate("secret-b", 5000);
        assert_eq!(status, sys::NOTIFY_OK);
        assert!(
            answer.pending && answer.answered,
            "answered through auth_complete: {answer:?}"
        );
        assert_eq!(answer.decision, sys::NOTIFY_AUTH_ALLOW);
        assert_eq!(answer.user_id, "bob");
        host.stop();
        host.destroy();
    }

    #[test]
    fn an_unknown_token_is_denied_with_101() {
        let dir = scratch("unknown");
        let host = started(&dir, "secret-a alice\n");
        for token in ["nope", "", "secret-", "secret-aa"] {
            let (_, answer) = host.authenticate(token, 5000);
            assert_eq!(answer.decision, sys::NOTIFY_AUTH_DENY, "{token}");
            assert_eq!(answer.error_code, 101, "{token}");
        }
    }

    #[test]
    fn the_file_is_read_again_when_it_changes() {
        let dir = scratch("reload");
        let host = started(&dir, "old alice\n");
        assert_eq!(
            host.authenticate("old", 5000).1.decision,
            sys::NOTIFY_AUTH_ALLOW
        );
        let file = dir.join("tokens.txt");
        std::fs::write(&file, "new carol\n").unwrap();
        // Make sure the mtime differs even on a coarse clock.
        let later = std::time::SystemTime::now() + std::time::Duration::from_secs(5);
        std::fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_modified(later)
            .unwrap();
        let (_, answer) = host.authenticate("new", 5000);
        assert_eq!(answer.decision, sys::NOTIFY_AUTH_ALLOW);
        assert_eq!(answer.user_id, "carol");
        assert_eq!(
            host.authenticate("old", 5000).1.decision,
            sys::NOTIFY_AUTH_DENY
        );
    }

    #[test]
    fn a_missing_or_malformed_file_fails_create_naming_it() {
        let dir = scratch("bad");
        let host = FakeHost::new();
        assert_eq!(
            host.use_entry(notify_token_file::notify_plugin_entry_v1),
            sys::NOTIFY_OK,
            "{}",
            host.last_error()
        );
        host.set_manifest_dir(dir.to_str().unwrap());
        host.config_path("file", "absent.txt");
        assert_eq!(host.create(), sys::NOTIFY_ERR_INVALID_ARGUMENT);
        assert!(
            host.last_error().contains("config key 'file': cannot read"),
            "{}",
            host.last_error()
        );

        std::fs::write(dir.join("broken.txt"), "ok alice\nbroken\n").unwrap();
        let host = FakeHost::new();
        assert_eq!(
            host.use_entry(notify_token_file::notify_plugin_entry_v1),
            sys::NOTIFY_OK,
            "{}",
            host.last_error()
        );
        host.set_manifest_dir(dir.to_str().unwrap());
        host.config_path("file", "broken.txt");
        assert_eq!(host.create(), sys::NOTIFY_ERR_INVALID_ARGUMENT);
        assert!(
            host.last_error()
                .contains("broken.txt:2: expected `TOKEN USER_ID`"),
            "{}",
            host.last_error()
        );
    }

    #[test]
    fn the_file_key_is_required() {
        let host = FakeHost::new();
        assert_eq!(
            host.use_entry(notify_token_file::notify_plugin_entry_v1),
            sys::NOTIFY_OK,
            "{}",
            host.last_error()
        );
        assert_eq!(host.create(), sys::NOTIFY_ERR_INVALID_ARGUMENT);
        assert!(
            host.last_error().contains("config key 'file': required"),
            "{}",
            host.last_error()
        );
    }

    #[test]
    fn subscribes_and_publishes_are_deferred() {
        let dir = scratch("defer");
        let host = started(&dir, "a alice\n");
        let (_, answer) = host.authorize_subscribe("news", 1000);
        assert_eq!(answer.decision, sys::NOTIFY_AUTH_DEFER);
    }
}
