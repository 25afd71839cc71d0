//! `GET /v1/sources`: how every source stands, for operators (a token with the
//! `read_sources` scope); see [`crate::sources::status`].

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Serialize;

use crate::auth::Scope;
use crate::error::ApiError;
use crate::sources::status::{self, SourceStatus};
use crate::sources::sync::ConfigStatus;
use crate::state::AppState;

/// The answer: the config's last load, and every stored source.
#[derive(Debug, Serialize)]
pub struct SourcesReport {
    /// When the config file was last applied or refused, and why it was refused.
    pub config: ConfigStatus,
    /// Every source, ordered by calendar id.
    pub sources: Vec<SourceStatus>,
}

/// Every source's status.
///
/// # Errors
///
/// 401 or 403 without a `read_sources` token; 500 if the store fails.
pub async fn status(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<SourcesReport>, ApiError> {
    state.tokens().authorize(&headers, Scope::ReadSources)?;
    let records = state.store().sources().await?;
    Ok(Json(SourcesReport {
        config: state.sources().config_status(),
        sources: status::of(&records, &state.sources().specs(), chrono::Utc::now()),
    }))
}
