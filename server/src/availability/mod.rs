//! What each free/busy API reports: the decisions, apart from HTTP.
//!
//! - [`zonio`]: one person's busy and tentative time, merged by the engine, clipped to
//!   a window of at most [`zonio::MAX_WINDOW_DAYS`].
//! - [`cronofy`]: one period per event of the token's account, with Cronofy's
//!   defaults, filters and managed events, in pages of [`cronofy::PAGE_SIZE`].
//!
//! Both answer within the free/busy deadline or not at all ([`in_time`]): a late
//! answer is a 503, never a partial one that would show unread time as free.

pub mod cronofy;
pub mod zonio;

use std::future::Future;
use std::time::Duration;

use crate::error::ApiError;

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
