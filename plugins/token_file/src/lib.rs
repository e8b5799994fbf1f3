//! token_file -- an auth plugin that accepts the static tokens listed in a file.
//!
//! The file (config key `file`) holds one `TOKEN USER_ID` pair per line, separated by spaces
//! or tabs; blank lines and lines starting with `#` are ignored. A connect whose token is
//! listed is allowed as that user; any other token, including one that is not UTF-8, is
//! denied with error 101 (unauthorized). Subscribes and publishes are left to the next plugin
//! (defer).
//!
//! The decision is made on a worker thread and answered through the SDK's completion handle
//! (NOTIFY_PENDING), so the core thread never touches the file system. The worker re-reads
//! the file when its version changes (length, mtime, ctime or inode; see `tokens`); a file
//! that became missing, unreadable or malformed keeps the last good table and logs why once
//! per failing version of the file.

mod tokens;

use notify_sdk::{
    Auth, AuthAnswer, AuthCompletion, AuthReply, AuthRequest, Config, ConfigType, Error, Host,
    LogLevel, Plugin, sys,
};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::mpsc::{Sender, channel};
use std::thread::JoinHandle;
use tokens::{Reload, TokenTable};

/// One question for the worker: the token to look up and the handle that answers it.
struct Lookup {
    token: String,
    completion: AuthCompletion,
}

struct TokenFile {
    /// Dropping the sender ends the worker once it has answered what is queued.
    lookups: Mutex<Option<Sender<Lookup>>>,
    worker: Mutex<Option<JoinHandle<()>>>,
    host: Host,
}

impl Plugin for TokenFile {
    fn create(host: Host, config: &Config<'_>) -> Result<Self, Error> {
        let path = config.path("file")?.ok_or_else(|| {
            Error::invalid_argument("config key 'file': required (the token file)")
        })?;
        // Read once now, so that a missing or malformed file stops notifyd at start-up.
        let table = TokenTable::load(&path)
            .map_err(|message| Error::invalid_argument(format!("config key 'file': {message}")))?;
        let (sender, receiver) = channel::<Lookup>();
        let worker = std::thread::Builder::new()
            .name("token_file".into())
            .spawn(move || run_worker(host, path, table, receiver))
            .map_err(|error| Error::internal(format!("cannot start the worker thread: {error}")))?;
        Ok(TokenFile {
            lookups: Mutex::new(Some(sender)),
            worker: Mutex::new(Some(worker)),
            host,
        })
    }

    fn stop(&self) {
        self.shut_down();
    }
}

impl TokenFile {
    /// Closes the queue and waits for the worker: every queued request is answered before
    /// this returns (no host call may happen after destroy).
    fn shut_down(&self) {
        if let Ok(mut lookups) = self.lookups.lock() {
            lookups.take();
        }
        let worker = self.worker.lock().ok().and_then(|mut worker| worker.take());
        if let Some(worker) = worker
            && worker.join().is_err()
        {
            self.host
                .log(LogLevel::Error, "token_file: the worker thread panicked");
        }
    }
}

impl Drop for TokenFile {
    fn drop(&mut self) {
        self.shut_down();
    }
}

impl Auth for TokenFile {
    fn authenticate(&self, request: &AuthRequest<'_>) -> AuthReply {
        // `token()` reads a non-UTF-8 token as "", i.e. absent: deny it as what it is instead.
        let Ok(token) = core::str::from_utf8(request.token_bytes()) else {
            return AuthAnswer::deny("malformed token (not UTF-8)")
                .error_code(sys::NOTIFY_AUTH_ERROR_UNAUTHORIZED)
                .into();
        };
        let Some(completion) = request.complete_later() else {
            return AuthAnswer::deny("internal error").into();
        };
        let lookup = Lookup {
            token: token.to_owned(),
            completion,
        };
        let queue = self.lookups.lock().ok().and_then(|lookups| lookups.clone());
        match queue {
            // On a send error the returned Lookup is dropped: its handle answers DENY.
            Some(queue) => {
                let _ = queue.send(lookup);
            }
            None => lookup
                .completion
                .complete(AuthAnswer::deny("shutting down")),
        }
        AuthReply::Pending
    }
}

/// The worker: answers lookups in order, re-reading the file when its version changed.
fn run_worker(
    host: Host,
    path: PathBuf,
    mut table: TokenTable,
    lookups: std::sync::mpsc::Receiver<Lookup>,
) {
    for lookup in lookups {
        match table.reload_if_changed(&path) {
            Reload::Reloaded => notify_sdk::log!(
                host,
                Info,
                "token_file: re-read {} ({} tokens)",
                path.display(),
                table.len()
            ),
            Reload::Unchanged | Reload::Failed { warn: false, .. } => {}
            Reload::Failed {
                message,
                warn: true,
            } => notify_sdk::log!(
                host,
                Warn,
                "token_file: keeping the last good tokens: {message}"
            ),
        }
        let answer = match table.user_of(&lookup.token) {
            Some(user_id) => AuthAnswer::allow().user_id(user_id),
            None => {
                AuthAnswer::deny("unknown token").error_code(sys::NOTIFY_AUTH_ERROR_UNAUTHORIZED)
            }
        };
        lookup.completion.complete(answer);
    }
}

notify_sdk::export_plugin! {
    plugin: TokenFile,
    name: "token_file",
    version: env!("CARGO_PKG_VERSION"),
    description: "Static tokens from a file (TOKEN USER_ID per line), answered from a worker thread",
    kinds: [auth],
    config_keys: [
        ("file", ConfigType::Path, "The token file: one `TOKEN USER_ID` per line, `#` comments (required)."),
    ],
}
