//! Rendering: Graph JSON responses with Meta's headers, and Meta's error envelope.

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use vitrine_core::ApiError;

pub const JSON_UTF8: &str = "application/json; charset=UTF-8";

/// Per-request facts every Graph response repeats in its headers.
#[derive(Debug, Clone)]
pub struct GraphMeta {
    pub api_version: String,
    pub trace_id: String,
}

fn with_headers(mut resp: Response, meta: &GraphMeta) -> Response {
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_UTF8));
    if let Ok(v) = HeaderValue::from_str(&meta.api_version) {
        h.insert("facebook-api-version", v);
    }
    if let Ok(v) = HeaderValue::from_str(&meta.trace_id) {
        h.insert("x-fb-trace-id", v.clone());
        h.insert("x-fb-request-id", v);
    }
    resp
}

fn json_bytes(value: &impl Serialize) -> Vec<u8> {
    // Serializing our own response types cannot fail (no maps with non-string keys).
    serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec())
}

pub fn graph_ok(meta: &GraphMeta, body: &impl Serialize) -> Response {
    with_headers(
        (StatusCode::OK, Body::from(json_bytes(body))).into_response(),
        meta,
    )
}

/// A use-case's typed answer or its error, rendered.
pub fn graph_result<T: Serialize>(meta: &GraphMeta, result: Result<T, ApiError>) -> Response {
    match result {
        Ok(v) => graph_ok(meta, &v),
        Err(e) => graph_error(meta, &e),
    }
}

pub fn graph_error(meta: &GraphMeta, err: &ApiError) -> Response {
    let status = StatusCode::from_u16(err.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    let body = json_bytes(&err.to_wire(&meta.trace_id));
    let mut resp = with_headers((status, Body::from(body)).into_response(), meta);
    if let Some(id) = &err.usage_of {
        // The whole allowance is used (100 %), regained within the second.
        let usage = serde_json::json!({ id.as_str(): [{
            "type": "whatsapp_business_messaging",
            "call_count": 100,
            "total_cputime": 0,
            "total_time": 0,
            "estimated_time_to_regain_access": 0
        }] });
        if let Ok(v) = HeaderValue::from_str(&usage.to_string()) {
            resp.headers_mut().insert("x-business-use-case-usage", v);
        }
    }
    resp
}

/// A handler panicked: answer Meta's code 1 instead of dropping the connection.
pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    let meta = GraphMeta {
        api_version: "v23.0".to_owned(),
        trace_id: "VitrinePanic".to_owned(),
    };
    graph_error(&meta, &ApiError::new(vitrine_core::ErrorKind::Unknown))
}
