//! What each free/busy API reports: the decisions, apart from HTTP.
//!
//! - [`zonio`]: one person's busy and tentative time, merged by the engine, clipped to
//!   a window of at most [`zonio::MAX_WINDOW_DAYS`].
//! - [`cronofy`]: one period per event of the token's account, with Cronofy's
//!   defaults, filters and managed events, in pages of [`cronofy::PAGE_SIZE`].
//!
//! Both answer within the free/busy deadline or not at all ([`in_time`]): a late
//! answer is a 503, never a partial one that would show unread time as free. A person
//! with a source never read gets it read first, for part of the deadline
//! ([`read_sources_first`]); if it is still unread, its time is unknown (a 503 for the
//! Zonio-style API, `unknown` periods for the Cronofy-style one).

pub mod cronofy;
pub mod zonio;

use std::future::Future;
use std::time::Duration;

use crate::error::ApiError;
use crate::sources::Sources;
use crate::store::{AccountEvents, EventQuery, Store};

/// `answer`, if it is ready within `deadline`.
///
/// # Errors
///
/// `answer`'s own error, or [`ApiError::Timeout`] past the deadline. Store work already
/// started on a blocking thread finishes in the background.
pub async fn in_time<T>(
    deadline: Duration,
    answer: impl Future<Output = Result<T, ApiError>>,
) -> Result<T, ApiError> {
    tokio::time::timeout(deadline, answer)
        .await
        .map_err(|_| ApiError::Timeout("free/busy not found in time".into()))?
}

/// `found` again after reading its sources never read, waiting at most `wait` for them;
/// as `found` stood if nothing was unread. Reads that outlast the wait go on, so the next
/// request is served from their snapshots.
///
/// # Errors
///
/// 500 if the store fails.
pub async fn read_sources_first(
    store: &Store,
    sources: &Sources,
    wait: Duration,
    email: &str,
    query: &EventQuery,
    found: AccountEvents,
) -> Result<AccountEvents, ApiError> {
    if found.unread.is_empty() {
        return Ok(found);
    }
    let _ = tokio::time::timeout(wait, sources.read_unread(&found.unread)).await;
    Ok(store
        .account_events(email, query.clone())
        .await?
        .unwrap_or(found))
}
