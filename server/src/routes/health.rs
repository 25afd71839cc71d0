//! `GET /healthz`: whether the server and its database answer.

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use crate::app::AppState;
use crate::error::ApiError;

/// The health report.
#[derive(Debug, Serialize)]
pub struct Health {
    /// Always `"ok"`: any failure answers 503 in the error shape instead.
    pub status: &'static str,
    /// The database's schema version, read from the file on every call.
    pub schema_version: i64,
}

/// Reads the schema version from the database, so a 200 means SQLite answered.
pub async fn healthz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    let schema_version = state
        .with_store(|store| store.schema_version())
        .await?
        .map_err(|e| ApiError::Unavailable(format!("database does not answer: {e}")))?;
    Ok(Json(Health {
        status: "ok",
        schema_version,
    }))
}
