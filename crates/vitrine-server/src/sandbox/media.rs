//! GET /_vitrine/media/{id}: a media's bytes for the web UI (the phone shows photos, plays voice
//! notes), without the bearer token the Graph download needs.

use super::OpError;
use crate::AppState;
use axum::extract::{Path, State};
use axum::response::Response;
use vitrine_core::id::MediaId;

/// A media's bytes, as uploaded, with its type.
#[utoipa::path(get, path = "/media/{id}", tag = "media",
    params(("id" = String, Path, description = "The media id")),
    responses((status = 200, description = "The bytes", content_type = "application/octet-stream",
        body = Vec<u8>)))]
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<MediaId>,
) -> Result<Response, OpError> {
    let record = state
        .sandbox
        .media_record(&id)
        .await?
        .ok_or_else(|| OpError::not_found(format!("No media {id} (it may have expired).")))?;
    Ok(crate::graph::media::media_response(
        state.sandbox.clone(),
        record,
    ))
}
