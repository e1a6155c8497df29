//! The OpenAPI document of `/_vitrine/`: served, kept in `docs/openapi.json`, and true to what
//! the routes answer. Schemathesis fuzzes the running server against it in CI
//! (`tools/schemathesis`); these tests pin the document itself.
//!
//! After a deliberate change of the API: `VITRINE_UPDATE_OPENAPI=1 cargo test -p vitrine-server
//! --test api openapi` rewrites `docs/openapi.json`.

use crate::support::*;
use serde_json::Value;

fn kept_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json")
}

fn generated() -> Value {
    serde_json::to_value(vitrine_server::sandbox::openapi()).unwrap()
}

#[tokio::test]
async fn the_served_document_is_the_one_kept_in_docs() {
    let doc = generated();
    let pretty = serde_json::to_string_pretty(&doc).unwrap() + "\n";
    if std::env::var_os("VITRINE_UPDATE_OPENAPI").is_some() {
        std::fs::write(kept_path(), &pretty).unwrap();
    }
    let kept = std::fs::read_to_string(kept_path()).unwrap();
    assert!(
        kept == pretty,
        "docs/openapi.json is not the API's description any more; if the change is meant, run \
         VITRINE_UPDATE_OPENAPI=1 cargo test -p vitrine-server --test api openapi"
    );

    let app = spawn_app().await;
    let r = app.get("/_vitrine/openapi.json").await;
    assert_eq!(r.status.as_u16(), 200);
    assert_eq!(r.body, doc);
}

#[test]
fn every_route_is_described_with_errors_in_vitrines_shape() {
    let doc = generated();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for expected in [
        "/_vitrine/health",
        "/_vitrine/sandbox",
        "/_vitrine/customers/{wa_id}/cart/items/{retailer_id}",
        "/_vitrine/customers/{wa_id}/cart/send",
        "/_vitrine/clock/advance",
        "/_vitrine/webhooks/{id}/redeliver",
        "/_vitrine/catalogs/{id}/import",
    ] {
        assert!(paths.contains_key(expected), "{expected} is not described");
    }
    let mut operations = 0;
    for (path, item) in paths {
        assert!(path.starts_with("/_vitrine/"), "{path}");
        for (method, op) in item.as_object().unwrap() {
            if !["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                continue;
            }
            operations += 1;
            let responses = &op["responses"];
            assert!(responses["200"].is_object(), "{method} {path} has no 200");
            assert_eq!(
                responses["default"]["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ErrorBody",
                "{method} {path}"
            );
            // Every path parameter of the template is declared.
            let declared: Vec<&str> = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "path")
                        .filter_map(|p| p["name"].as_str())
                        .collect()
                })
                .unwrap_or_default();
            for segment in path.split('/') {
                if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                    assert!(declared.contains(&name), "{method} {path} lacks {name}");
                }
            }
        }
    }
    assert!(operations >= 45, "only {operations} operations described");
    let error = &doc["components"]["schemas"]["ErrorBody"];
    assert_eq!(error["required"], serde_json::json!(["error"]));
}

#[tokio::test]
async fn the_document_is_guarded_like_the_rest() {
    let app = spawn_with(Options {
        admin_token: Some("s3cret".into()),
        ..Options::default()
    })
    .await;
    let r = app.get("/_vitrine/openapi.json").await;
    assert_eq!(r.status.as_u16(), 401);
    assert_eq!(r.body["error"]["code"], "unauthorized");
    let r = app
        .send(
            app.client
                .get(app.url("/_vitrine/openapi.json"))
                .bearer_auth("s3cret"),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200);
}
