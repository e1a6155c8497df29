//! POST /_vitrine/catalogs/{id}/import: a CSV or TSV data feed in the body (`?format=tsv`, or a
//! `text/tab-separated-values` content type, for TSV). Answers the import report.

use super::api::Record;
use super::OpError;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;
use serde::Deserialize;
use utoipa::IntoParams;
use vitrine_core::catalog::feed::{looks_like_tsv, FeedReader};
use vitrine_core::id::CatalogId;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// csv or tsv [default: from the Content-Type or the first line].
    #[param(pattern = "^(csv|tsv)$")]
    format: Option<String>,
}

/// Imports a data feed into a catalog: each row creates or updates a product.
#[utoipa::path(post, path = "/catalogs/{id}/import", tag = "catalogs",
    params(("id" = String, Path, description = "The catalog id"), ImportQuery),
    request_body(content = String, content_type = "text/csv",
        description = "The feed, CSV or TSV, with Meta's column names"),
    responses((status = 200, description = "The import report: rows created, updated and refused with their line",
        body = Record)))]
pub async fn import(
    State(state): State<AppState>,
    Path(id): Path<CatalogId>,
    Query(q): Query<ImportQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Record>, OpError> {
    let content_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let first_line = body
        .split(|b| *b == b'\n')
        .next()
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    let tab = match q.format.as_deref() {
        Some("tsv") => true,
        Some("csv") => false,
        Some(_) => return Err(OpError::bad_request("format must be csv or tsv")),
        None => content_type.contains("tab-separated") || looks_like_tsv("", &first_line),
    };
    let feed =
        FeedReader::new(std::io::Cursor::new(body.to_vec()), tab).map_err(OpError::bad_request)?;
    let report = state
        .sandbox
        .import_feed(&id, futures_util::stream::iter(feed), |_| {})
        .await?;
    Ok(Json(Record::of(&report)))
}
