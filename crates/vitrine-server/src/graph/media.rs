//! POST /{version}/{phone-number-id}/media (multipart, streamed to the store),
//! GET /{version}/{media-id}, DELETE /{version}/{media-id}, and the download URL those hand out,
//! GET /whatsapp_business/attachments/?mid=&ext=&hash= (with the bearer token).

use super::GraphRequest;
use crate::response::{graph_error, graph_ok};
use crate::AppState;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::Value;
use std::sync::Arc;
use vitrine_core::media::{MediaOrigin, MediaRecord};
use vitrine_core::usecase::media::{MediaUpload, UploadFields};
use vitrine_core::{ApiError, Sandbox};

/// A text field of a multipart upload is at most this long.
const FIELD_MAX: usize = 64 * 1024;
/// Past its limit an upload is still read (and dropped) up to this many bytes, so that the
/// client gets the error instead of a connection reset; beyond it the connection is closed.
const DRAIN_MAX: u64 = 256 * 1024 * 1024;

/// POST /{phone-number-id}/media: each `file` chunk goes to the store as it arrives.
pub async fn upload(req: GraphRequest, headers: &HeaderMap, body: Option<Body>) -> Response {
    let GraphRequest {
        state,
        meta,
        principal,
        node_id,
        params,
    } = req;
    // The route resolved the node to a phone number.
    let phone_number_id = vitrine_core::id::PhoneNumberId::from(node_id);
    let sandbox = &state.sandbox;
    if let Err(e) = sandbox.may_upload_media(&principal, &phone_number_id) {
        return graph_error(&meta, &e);
    }
    let mut params = params.into_map();
    let mut fields = UploadFields::default();
    let mut upload: Option<MediaUpload> = None;
    if let Some(body) = body {
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let result = read_multipart(
            sandbox,
            &phone_number_id,
            content_type,
            body,
            &mut params,
            &mut fields,
            &mut upload,
        )
        .await;
        if let Err(e) = result {
            if let Some(u) = upload {
                u.abort().await;
            }
            return graph_error(&meta, &e);
        }
    }
    let params = crate::params::Params::from_map(params);
    let params = match params.typed() {
        Ok(p) => p,
        Err(e) => {
            if let Some(u) = upload {
                u.abort().await;
            }
            return graph_error(&meta, &e);
        }
    };
    match sandbox.finish_media_upload(upload, &fields, &params).await {
        Ok(created) => graph_ok(&meta, &created),
        Err(e) => graph_error(&meta, &e),
    }
}

async fn read_multipart(
    sandbox: &Sandbox,
    phone_number_id: &vitrine_core::id::PhoneNumberId,
    content_type: &str,
    body: Body,
    params: &mut serde_json::Map<String, Value>,
    fields: &mut UploadFields,
    upload: &mut Option<MediaUpload>,
) -> Result<(), ApiError> {
    let bad = |e: multer::Error| ApiError::invalid_param(format!("Invalid multipart body: {e}"));
    let boundary = multer::parse_boundary(content_type).map_err(bad)?;
    let mut multipart = multer::Multipart::new(body.into_data_stream(), boundary);
    while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" && upload.is_none() {
            fields.part_type = field.content_type().map(|m| m.to_string());
            fields.filename = field.file_name().map(str::to_owned);
            let mut u = sandbox
                .begin_media(
                    phone_number_id,
                    MediaOrigin::Upload,
                    fields.part_type.as_deref(),
                    fields.filename.as_deref(),
                )
                .await?;
            let filled = fill(&mut u, &mut field).await;
            *upload = Some(u);
            filled?;
            continue;
        }
        if name == "file" {
            // A second file: read past it.
            while field.chunk().await.map_err(bad)?.is_some() {}
            continue;
        }
        let mut text = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(bad)? {
            if text.len() + chunk.len() > FIELD_MAX {
                return Err(ApiError::invalid_param(format!(
                    "Param {name} is too long."
                )));
            }
            text.extend_from_slice(&chunk);
        }
        let text = String::from_utf8_lossy(&text).into_owned();
        params.insert(name, Value::String(text));
    }
    Ok(())
}

/// Streams a file part into an upload; past the limit, reads on (dropping) up to [`DRAIN_MAX`].
async fn fill(upload: &mut MediaUpload, field: &mut multer::Field<'_>) -> Result<(), ApiError> {
    loop {
        let chunk = match field.chunk().await {
            Ok(Some(c)) => c,
            Ok(None) => return Ok(()),
            Err(e) => {
                return Err(ApiError::invalid_param(format!(
                    "Invalid multipart body: {e}"
                )))
            }
        };
        upload.push(&chunk).await?;
        if upload.over_limit() && upload.size() > DRAIN_MAX {
            return Ok(());
        }
    }
}

/// GET /{media-id}
pub fn get(req: GraphRequest, record: &MediaRecord) -> Response {
    match req.state.sandbox.media_info(&req.principal, record) {
        Ok(info) => graph_ok(&req.meta, &info),
        Err(e) => graph_error(&req.meta, &e),
    }
}

/// DELETE /{media-id}
pub async fn delete(req: GraphRequest, record: &MediaRecord) -> Response {
    match req.state.sandbox.delete_media(&req.principal, record).await {
        Ok(ok) => graph_ok(&req.meta, &ok),
        Err(e) => graph_error(&req.meta, &e),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct DownloadQuery {
    mid: Option<String>,
    ext: Option<String>,
    hash: Option<String>,
    access_token: Option<String>,
}

/// GET /whatsapp_business/attachments/?mid=&ext=&hash= with `Authorization: Bearer <token>`:
/// the bytes, or 404 on any failure (expired URL, bad token, another business's media, gone).
pub async fn download(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: Result<Query<DownloadQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let q = query.map(|Query(q)| q).unwrap_or_default();
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.trim().split_once(' ')?;
            (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("oauth"))
                .then(|| rest.trim().to_owned())
        });
    let token = bearer.or(q.access_token);
    let found = state
        .sandbox
        .media_for_download(
            token.as_deref(),
            q.mid.as_deref().unwrap_or(""),
            q.ext.as_deref().unwrap_or(""),
            q.hash.as_deref().unwrap_or(""),
        )
        .await;
    match found {
        Ok(Some(record)) => media_response(state.sandbox.clone(), record),
        Ok(None) => not_found(),
        Err(e) => {
            tracing::warn!(error = %e, "media download failed");
            not_found()
        }
    }
}

fn not_found() -> Response {
    let body = serde_json::json!({ "error": {
        "message": "The media URL has expired, is not valid, or the access token may not download it. Retrieve a new URL with GET /{media-id}.",
        "code": 404,
    } });
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "application/json; charset=UTF-8")],
        body.to_string(),
    )
        .into_response()
}

/// The bytes of a media, read from the store a chunk at a time.
pub fn media_response(sandbox: Arc<Sandbox>, record: MediaRecord) -> Response {
    let id = record.id.clone();
    let stream = futures_util::stream::unfold(Some(0i64), move |seq| {
        let sandbox = sandbox.clone();
        let id = id.clone();
        async move {
            let seq = seq?;
            match sandbox.media_chunk(&id, seq).await {
                Ok(Some(bytes)) => Some((Ok(bytes::Bytes::from(bytes)), Some(seq + 1))),
                Ok(None) => None,
                Err(e) => Some((Err(std::io::Error::other(e.to_string())), None)),
            }
        }
    })
    .boxed();
    let mut resp = Response::new(Body::from_stream(stream));
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&record.mime_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    h.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(record.file_size.max(0) as u64),
    );
    if let Some(name) = &record.filename {
        let safe: String = name
            .chars()
            .filter(|c| !c.is_control() && *c != '"' && *c != '\\')
            .collect();
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
    }
    resp
}
