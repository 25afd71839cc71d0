//! The config file (the seed, with its sources) kept in force without a restart: read at
//! start-up, again on SIGHUP, and whenever its contents change (looked at every
//! [`POLL`]). A file with any mistake is refused whole, with a message naming the entry;
//! the config in force stays as it was.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tokio::task::JoinHandle;

use crate::outbox::webhook::Webhooks;
use crate::seed::{Seed, SeedError};
use crate::sources::Sources;
use crate::store::Store;

/// How often the file is looked at for a change.
pub const POLL: Duration = Duration::from_secs(2);

/// What applying the file did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    /// Accounts, calendars (sources included) and events created or changed.
    pub changed: usize,
    /// Sources the file no longer names, now stopped.
    pub retired: usize,
    /// Sources configured.
    pub sources: usize,
}

/// Reads `path` and makes it the config in force: the store upserts it, sources it no
/// longer names stop, `sources` syncs what it names, and its hosts' webhooks replace
/// those in `webhooks`.
///
/// # Errors
///
/// The seed's error, naming the file or the entry; then nothing changed.
pub async fn apply(
    path: &Path,
    store: &Store,
    sources: &Sources,
    webhooks: &Webhooks,
    now: DateTime<Utc>,
) -> Result<Applied, SeedError> {
    let result = apply_seed(&Seed::read(path)?, store, sources, webhooks, now).await;
    sources.record_config(now, result.as_ref().err().map(ToString::to_string));
    result
}

async fn apply_seed(
    seed: &Seed,
    store: &Store,
    sources: &Sources,
    webhooks: &Webhooks,
    now: DateTime<Utc>,
) -> Result<Applied, SeedError> {
    let (report, retired, checked) = seed.apply(store, now).await?;
    let applied = Applied {
        changed: report.accounts + report.calendars + report.events,
        retired,
        sources: checked.sources.len(),
    };
    sources.configure(checked.sources);
    webhooks.configure_hosts(checked.webhooks);
    Ok(applied)
}

/// Watches `path` for as long as `sources` lives: applies it on SIGHUP and when its
/// bytes change, logging what was applied or why it was refused.
pub fn watch(path: PathBuf, sources: &Sources, webhooks: &Webhooks) -> JoinHandle<()> {
    let sources = sources.downgrade();
    let webhooks = webhooks.clone();
    tokio::spawn(async move {
        let mut seen = digest(&path);
        #[cfg(unix)]
        let mut hangup =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
        loop {
            #[cfg(unix)]
            let signalled = async {
                match hangup.as_mut() {
                    Some(signal) => {
                        signal.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            #[cfg(not(unix))]
            let signalled = std::future::pending::<()>();
            let why = tokio::select! {
                () = signalled => "SIGHUP",
                () = tokio::time::sleep(POLL) => "",
            };
            let Some(sources) = sources.upgrade() else {
                return;
            };
            let now_seen = digest(&path);
            if why.is_empty() && now_seen == seen {
                continue;
            }
            seen = now_seen;
            let why = if why.is_empty() {
                "the file changed"
            } else {
                why
            };
            match apply(&path, sources.store(), &sources, &webhooks, Utc::now()).await {
                Ok(applied) => tracing::info!(
                    config = %path.display(),
                    reason = why,
                    changed = applied.changed,
                    retired = applied.retired,
                    sources = applied.sources,
                    "config reloaded"
                ),
                Err(error) => tracing::error!(
                    config = %path.display(),
                    reason = why,
                    %error,
                    "config refused; the one in force stays"
                ),
            }
        }
    })
}

/// The file's digest, or `None` while it cannot be read (an editor replacing it).
fn digest(path: &Path) -> Option<[u8; 32]> {
    std::fs::read(path)
        .ok()
        .map(|bytes| Sha256::digest(&bytes).into())
}
