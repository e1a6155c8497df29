//! GET /assets/demo/{name}.svg: product images for the demo catalog, drawn from the product.

use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use vitrine_core::seed;

pub fn router() -> Router<AppState> {
    Router::new().route("/assets/demo/{file}", get(demo_image))
}

const PALETTE: [&str; 6] = [
    "#f4a261", "#2a9d8f", "#e76f51", "#264653", "#8ab17d", "#b56576",
];

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn demo_image(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let sku = file.strip_suffix(".svg").unwrap_or(&file);
    let product = state.sandbox.read(|dir| {
        dir.catalog(&seed::CATALOG_ID.into())
            .and_then(|c| c.product(&sku.into()))
            .map(|p| (p.name.clone(), p.category.clone()))
    });
    let Some((name, category)) = product else {
        return (StatusCode::NOT_FOUND, "no such demo image").into_response();
    };
    let hash = sku
        .bytes()
        .fold(0usize, |h, b| h.wrapping_mul(31).wrapping_add(b as usize));
    let color = PALETTE[hash % PALETTE.len()];
    let initial = name.chars().next().unwrap_or('?');
    let svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="600" height="600" viewBox="0 0 600 600"><rect width="600" height="600" fill="{color}"/><circle cx="300" cy="250" r="140" fill="#ffffff" fill-opacity="0.25"/><text x="300" y="300" font-family="sans-serif" font-size="150" text-anchor="middle" fill="#ffffff">{initial}</text><text x="300" y="480" font-family="sans-serif" font-size="34" text-anchor="middle" fill="#ffffff">{name}</text><text x="300" y="530" font-family="sans-serif" font-size="24" text-anchor="middle" fill="#ffffff" fill-opacity="0.8">{category}</text></svg>"##,
        initial = escape(&initial.to_string()),
        name = escape(&name),
        category = escape(category.as_deref().unwrap_or("")),
    );
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        svg,
    )
        .into_response()
}
