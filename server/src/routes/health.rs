//! `GET /healthz`: whether the server and its database answer.

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::StoreError;

/// The health report.
#[derive(Debug, Serialize)]
pub struct Health {
    /// Always `"ok"`: any failure answers 503 in the error shape instead.
    pub status: &'static str,
    /// The database's schema version, read from it on every call.
    pub schema_version: i64,
}

/// Reads the schema version from the database, so a 200 means the database answered.
pub async fn healthz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    let schema_version = state.store().schema_version().await.map_err(|e| match e {
        // A bug on our side, not a database that is away.
        StoreError::Task(_) => ApiError::from(e),
        _ => ApiError::Unavailable(format!("database does not answer: {e}")),
    })?;
    Ok(Json(Health {
        status: "ok",
        schema_version,
    }))
}
