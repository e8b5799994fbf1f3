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
    use std::path::{Path, PathBuf};
    use std::time::{Duration, SystemTime};

    /// Sets the file's mtime (this also sets its ctime to now, as any write does).
    fn set_mtime(path: &Path, time: SystemTime) {
        std::fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(time)
            .unwrap();
    }

    /// A time long enough ago that the plugin records the version as settled.
    fn minutes_ago(minutes: u64) -> SystemTime {
        SystemTime::now() - Duration::from_secs(60 * minutes)
    }

    /// Like `started`, with a tokens file whose mtime is `mtime`.
    fn started_with_mtime(dir: &Path, contents: &str, mtime: SystemTime) -> FakeHost {
        let file = dir.join("tokens.txt");
        std::fs::write(&file, contents).unwrap();
        set_mtime(&file, mtime);
        started_from_file(dir)
    }

    fn warnings(host: &FakeHost) -> Vec<String> {
        host.logs()
            .into_iter()
            .filter(|line| line.contains("keeping the last good tokens"))
            .collect()
    }

    /// A folder of its own per test (tests run in parallel).
    fn scratch(name: &str) -> PathBuf {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("token_file-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn started(dir: &Path, contents: &str) -> FakeHost {
        std::fs::write(dir.join("tokens.txt"), contents).unwrap();
        started_from_file(dir)
    }

    fn started_from_file(dir: &Path) -> FakeHost {
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
    fn a_rewrite_that_keeps_the_mtime_is_noticed() {
        let dir = scratch("same-mtime");
        let mtime = minutes_ago(5);
        // A settled version: recorded, so only a version change makes the worker read again.
        let host = started_with_mtime(&dir, "old alice\n", mtime);
        let file = dir.join("tokens.txt");
        assert_eq!(host.authenticate("old", 5000).1.user_id, "alice");

        // Rewritten in place (another size), the mtime set back: the length and ctime differ.
        std::fs::write(&file, "newer carol\n").unwrap();
        set_mtime(&file, mtime);
        let (_, answer) = host.authenticate("newer", 5000);
        assert_eq!(answer.decision, sys::NOTIFY_AUTH_ALLOW);
        assert_eq!(answer.user_id, "carol");
        assert_eq!(
            host.authenticate("old", 5000).1.decision,
            sys::NOTIFY_AUTH_DENY
        );

        // Replaced by an atomic rename with the same size and mtime: the inode differs.
        let staged = dir.join("tokens.txt.new");
        std::fs::write(&staged, "fresh erin1\n").unwrap();
        set_mtime(&staged, mtime);
        std::fs::rename(&staged, &file).unwrap();
        let (_, answer) = host.authenticate("fresh", 5000);
        assert_eq!(answer.decision, sys::NOTIFY_AUTH_ALLOW);
        assert_eq!(answer.user_id, "erin1");
        assert_eq!(
            host.authenticate("newer", 5000).1.decision,
            sys::NOTIFY_AUTH_DENY
        );
        assert!(warnings(&host).is_empty(), "{:?}", host.logs());
    }

    #[test]
    fn a_young_file_is_read_again_at_each_lookup() {
        let dir = scratch("young");
        // Written now: its version is not recorded, so a same-size rewrite in the same
        // timestamp tick (same mtime, length and inode) is still picked up.
        let host = started(&dir, "aaa alice\n");
        let file = dir.join("tokens.txt");
        let mtime = std::fs::metadata(&file).unwrap().modified().unwrap();
        assert_eq!(host.authenticate("aaa", 5000).1.user_id, "alice");
        std::fs::write(&file, "bbb alice\n").unwrap();
        set_mtime(&file, mtime);
        assert_eq!(
            host.authenticate("bbb", 5000).1.decision,
            sys::NOTIFY_AUTH_ALLOW
        );
        assert_eq!(
            host.authenticate("aaa", 5000).1.decision,
            sys::NOTIFY_AUTH_DENY
        );
    }

    #[test]
    fn a_failing_file_warns_once_per_version() {
        let dir = scratch("warn-once");
        let host = started_with_mtime(&dir, "good alice\n", minutes_ago(10));
        let file = dir.join("tokens.txt");

        std::fs::write(&file, "broken\n").unwrap();
        set_mtime(&file, minutes_ago(5));
        for _ in 0..3 {
            let (_, answer) = host.authenticate("good", 5000);
            assert_eq!(answer.user_id, "alice", "the last good tokens stay");
        }
        let warned = warnings(&host);
        assert_eq!(warned.len(), 1, "{warned:?}");
        assert!(warned[0].contains("tokens.txt:1: expected"), "{warned:?}");

        std::fs::remove_file(&file).unwrap();
        for _ in 0..3 {
            assert_eq!(
                host.authenticate("good", 5000).1.decision,
                sys::NOTIFY_AUTH_ALLOW
            );
        }
        let warned = warnings(&host);
        assert_eq!(warned.len(), 2, "{warned:?}");
        assert!(warned[1].contains("cannot read"), "{warned:?}");

        std::fs::write(&file, "better bob\n").unwrap();
        assert_eq!(host.authenticate("better", 5000).1.user_id, "bob");
        assert_eq!(
            host.authenticate("good", 5000).1.decision,
            sys::NOTIFY_AUTH_DENY
        );
        assert_eq!(warnings(&host).len(), 2);
    }

    #[test]
    fn a_non_utf8_token_is_denied_with_101_not_read_as_empty() {
        let dir = scratch("utf8");
        let host = started(&dir, "secret-a alice\n");
        let (_, answer) = host.authenticate_bytes(b"secret-a\xff", 5000);
        assert!(
            !answer.pending,
            "denied without asking the worker: {answer:?}"
        );
        assert_eq!(answer.decision, sys::NOTIFY_AUTH_DENY);
        assert_eq!(answer.error_code, 101);
        assert_eq!(answer.reason, "malformed token (not UTF-8)");
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
