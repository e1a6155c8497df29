//! The web UI: `GET /` and `GET /ui/{file}`. The page, its script and its style sheet are
//! embedded in the binary; they read the `/_vitrine/` API (and the Graph API with the sandbox's
//! token) from the browser, so the UI follows the same access rule as the API.

use crate::AppState;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

const INDEX: &str = include_str!("../ui/index.html");
const SCRIPT: &str = include_str!("../ui/app.js");
const STYLE: &str = include_str!("../ui/app.css");
const ICON: &str = include_str!("../ui/icon.svg");

/// Other methods on these paths, and every other path, fall through to the Graph dispatcher,
/// which answers in Meta's envelope.
pub fn router() -> Router<AppState> {
    let page = |content_type: &'static str, body: &'static str| {
        get(move || async move { serve(content_type, body) }).fallback(crate::graph::dispatch)
    };
    Router::new()
        .route("/", page("text/html; charset=utf-8", INDEX))
        .route("/ui/app.js", page("text/javascript; charset=utf-8", SCRIPT))
        .route("/ui/app.css", page("text/css; charset=utf-8", STYLE))
        .route("/ui/icon.svg", page("image/svg+xml", ICON))
}

fn serve(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}
