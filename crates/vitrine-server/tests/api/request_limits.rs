//! The limits of a request (README "Limits of a request"): the largest body, the deepest JSON,
//! the most and longest header fields. Each over-limit request gets Meta's envelope on Graph
//! paths and Vitrine's own shape on `/_vitrine/`, and nothing already stored is lost. (The
//! limits inside a message, such as sections, products, rows, buttons and cards, are tested with
//! their message types.)

use crate::support::*;
use serde_json::{json, Value};

fn nested(depth: usize) -> Value {
    let mut v = json!("deep");
    for _ in 0..depth {
        v = json!([v]);
    }
    v
}

#[tokio::test]
async fn a_body_over_64_mib_is_refused_and_nothing_is_lost() {
    let app = spawn_app().await;
    let kept = app.post_message(text("before")).await.wamid();
    let big = vec![b'a'; vitrine_server::BODY_LIMIT + 1];
    let r = app
        .send(
            app.client
                .post(app.url(&format!("/v23.0/{PHONE}/messages")))
                .bearer_auth(TOKEN)
                .header("content-type", "application/json")
                .body(big.clone()),
        )
        .await;
    r.assert_error(
        500,
        json!({
            "message": "(#1) Please reduce the amount of data you're asking for, then retry your request",
            "type": "OAuthException",
            "code": 1,
            "is_transient": true,
        }),
    );
    let r = app
        .send(
            app.client
                .post(app.url("/_vitrine/customers"))
                .header("content-type", "application/json")
                .body(big),
        )
        .await;
    assert_eq!(r.status.as_u16(), 413, "{}", r.text);
    assert_eq!(r.body["error"]["code"], "invalid_request", "{}", r.text);
    assert_eq!(app.stored(&kept).await["wamid"], kept);
}

#[tokio::test]
async fn json_nested_deeper_than_128_levels_is_refused() {
    let app = spawn_app().await;
    // 120 levels: read (an unknown field is ignored, as Meta does).
    let mut body = text("x");
    body["text"]["extra"] = nested(120);
    app.post_message(body).await.wamid();
    // 200 levels: the JSON reader stops at 128, and says so in Meta's envelope.
    let mut body = text("x");
    body["text"]["extra"] = nested(200);
    let r = app.post_message(body.clone()).await;
    assert_eq!(r.status.as_u16(), 400, "{}", r.text);
    assert_eq!(r.body["error"]["code"], 100, "{}", r.text);
    let details = r.body["error"]["error_data"]["details"].as_str().unwrap();
    assert!(
        details.starts_with("Invalid JSON in the request body: recursion limit exceeded"),
        "{details}"
    );
    let r = app.post_json("/_vitrine/customers", body).await;
    assert_eq!(r.status.as_u16(), 400, "{}", r.text);
    assert_eq!(r.body["error"]["code"], "invalid_request");
}

#[tokio::test]
async fn header_fields_over_the_limits_get_431_in_the_right_shape() {
    let app = spawn_app().await;
    let many = |req: reqwest::RequestBuilder| {
        (0..vitrine_server::MAX_HEADERS).fold(req, |r, i| r.header(format!("x-extra-{i}"), "1"))
    };
    let long = |req: reqwest::RequestBuilder| {
        req.header("x-long", "v".repeat(vitrine_server::MAX_HEADER_BYTES))
    };
    let wide = |req: reqwest::RequestBuilder| {
        (0..8).fold(req, |r, i| {
            r.header(
                format!("x-wide-{i}"),
                "w".repeat(vitrine_server::MAX_HEADERS_TOTAL_BYTES / 8),
            )
        })
    };
    type Shape = fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder;
    let shapes: [(&str, Shape); 3] = [("many", many), ("long", long), ("wide", wide)];
    for (what, shape) in shapes {
        let r = app
            .send(shape(
                app.client
                    .post(app.url(&format!("/v23.0/{PHONE}/messages")))
                    .bearer_auth(TOKEN)
                    .json(&text("hi")),
            ))
            .await;
        assert_eq!(r.status.as_u16(), 431, "{what}: {}", r.text);
        assert_eq!(r.body["error"]["code"], 1, "{what}: {}", r.text);
        assert_eq!(
            r.body["error"]["message"], "(#1) Request header fields too large",
            "{what}"
        );
        assert!(r.header("x-fb-trace-id").is_some());
        let r = app
            .send(shape(app.client.get(app.url("/_vitrine/sandbox"))))
            .await;
        assert_eq!(r.status.as_u16(), 431, "{what}: {}", r.text);
        assert_eq!(r.body["error"]["code"], "request_too_large", "{what}");
    }
    let listed = app.get("/_vitrine/messages").await;
    assert_eq!(listed.body["data"], json!([]), "nothing was sent");
    // Within the limits, all is well.
    let r = app
        .send(
            app.client
                .post(app.url(&format!("/v23.0/{PHONE}/messages")))
                .bearer_auth(TOKEN)
                .header("x-long", "v".repeat(8 * 1024))
                .json(&text("hi")),
        )
        .await;
    r.wamid();
}
