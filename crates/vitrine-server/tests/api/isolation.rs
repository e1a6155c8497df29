//! Isolation: a system-user token reaches the nodes of its own business only, and an app's
//! nodes answer that app's access token only. Every node type and every edge it has on Meta,
//! with every method, in both directions between the two seeded businesses, answers Meta's
//! 100/33 to a foreign token, and changes nothing.

use crate::support::*;
use reqwest::Method;
use serde_json::{json, Value};
use vitrine_core::seed;

/// The edges each node type has (as the router knows them), and the node itself (`None`).
const EDGES: &[(&str, &[Option<&str>])] = &[
    ("business", &[None, Some("owned_product_catalogs")]),
    ("app", &[None, Some("subscriptions")]),
    (
        "waba",
        &[
            None,
            Some("message_templates"),
            Some("product_catalogs"),
            Some("subscribed_apps"),
            Some("phone_numbers"),
        ],
    ),
    (
        "phone_number",
        &[
            None,
            Some("messages"),
            Some("whatsapp_commerce_settings"),
            Some("media"),
            Some("register"),
        ],
    ),
    (
        "catalog",
        &[
            None,
            Some("products"),
            Some("items_batch"),
            Some("check_batch_request_status"),
            Some("product_feeds"),
        ],
    ),
    ("product", &[None]),
    ("template", &[None]),
    ("media", &[None]),
];

/// One business's nodes by type, and the tokens that speak for it.
struct Side {
    token: String,
    app_token: String,
    nodes: Vec<(&'static str, String)>,
}

async fn graph(app: &TestApp, method: Method, path: &str, token: &str, body: Value) -> Resp {
    app.send(
        app.client
            .request(method, app.url(&format!("/v23.0/{path}")))
            .bearer_auth(token)
            .json(&body),
    )
    .await
}

/// Creates what the seed does not give a business (a catalog with a product, a template) and
/// lists its nodes.
async fn side(
    app: &TestApp,
    token: &str,
    business: &str,
    app_id: &str,
    app_secret: &str,
    waba: &str,
    phone: &str,
) -> Side {
    let r = graph(
        app,
        Method::POST,
        &format!("{business}/owned_product_catalogs"),
        token,
        json!({ "name": "Isolation" }),
    )
    .await;
    let catalog = r.body["id"].as_str().expect("catalog").to_owned();
    let r = graph(
        app,
        Method::POST,
        &format!("{catalog}/products"),
        token,
        json!({
            "retailer_id": "iso-1", "name": "Iso", "description": "d", "price": 100,
            "currency": "USD", "availability": "in stock", "condition": "new",
            "url": "https://example.com/i", "image_url": "https://example.com/i.jpg",
        }),
    )
    .await;
    let product = r.body["id"].as_str().expect("product").to_owned();
    let r = graph(
        app,
        Method::POST,
        &format!("{waba}/message_templates"),
        token,
        json!({ "name": "iso_hello", "language": "en_US", "category": "UTILITY",
                "components": [ { "type": "BODY", "text": "Hello" } ] }),
    )
    .await;
    let template = r.body["id"].as_str().expect("template").to_owned();
    let r = app
        .upload_as(
            phone,
            token,
            "",
            &[
                Part::File("file", "iso.png", Some("image/png"), b"\x89PNG isolation"),
                Part::Text("messaging_product", "whatsapp"),
                Part::Text("type", "image/png"),
            ],
        )
        .await;
    let media = r.body["id"].as_str().expect("media").to_owned();
    Side {
        token: token.to_owned(),
        app_token: format!("{app_id}|{app_secret}"),
        nodes: vec![
            ("business", business.to_owned()),
            ("app", app_id.to_owned()),
            ("waba", waba.to_owned()),
            ("phone_number", phone.to_owned()),
            ("catalog", catalog),
            ("product", product),
            ("template", template),
            ("media", media),
        ],
    }
}

/// A snapshot of what a business owns, to show a refused call changed nothing.
async fn state_of(app: &TestApp, s: &Side) -> Vec<Value> {
    let mut out = vec![];
    for (kind, id) in &s.nodes {
        let token = if *kind == "app" {
            &s.app_token
        } else {
            &s.token
        };
        let path = match *kind {
            "app" => format!("{id}/subscriptions"),
            "waba" => format!("{id}/subscribed_apps"),
            "business" => format!("{id}/owned_product_catalogs"),
            "catalog" => format!("{id}/products?fields=id,name,price"),
            "phone_number" => format!("{id}/whatsapp_commerce_settings"),
            _ => id.clone(),
        };
        let mut body = graph(app, Method::GET, &path, token, json!({})).await.body;
        if let Some(media) = body.as_object_mut().filter(|_| *kind == "media") {
            // The download URL is signed until a time that moves with the clock.
            media.remove("url");
        }
        out.push(body);
    }
    out
}

#[tokio::test]
async fn no_token_reaches_another_business() {
    let app = spawn_app().await;
    let demo = side(
        &app,
        TOKEN,
        seed::BUSINESS_ID,
        seed::APP_ID,
        seed::APP_SECRET,
        seed::WABA_ID,
        PHONE,
    )
    .await;
    let other = side(
        &app,
        seed::OTHER_ACCESS_TOKEN,
        seed::OTHER_BUSINESS_ID,
        seed::OTHER_APP_ID,
        seed::OTHER_APP_SECRET,
        seed::OTHER_WABA_ID,
        seed::OTHER_PHONE_NUMBER_ID,
    )
    .await;
    let before = (state_of(&app, &demo).await, state_of(&app, &other).await);
    let mut checked = 0;
    for (caller, target) in [(&demo, &other), (&other, &demo)] {
        for (kind, id) in &target.nodes {
            let edges = EDGES.iter().find(|(k, _)| k == kind).unwrap().1;
            for edge in edges {
                let path = match edge {
                    Some(e) => format!("{id}/{e}"),
                    None => id.clone(),
                };
                for method in [Method::GET, Method::POST, Method::DELETE] {
                    for token in [&caller.token, &caller.app_token] {
                        // A plausible body, so that nothing but the node decides the answer.
                        let body = json!({
                            "name": "x", "messaging_product": "whatsapp", "to": CUSTOMER,
                            "type": "text", "text": { "body": "take over" },
                            "callback_url": "http://127.0.0.1:9/steal", "verify_token": "x",
                            "object": "whatsapp_business_account", "fields": "messages",
                            "is_cart_enabled": false, "catalog_id": id, "price": 1,
                        });
                        let r = graph(&app, method.clone(), &path, token, body).await;
                        assert_eq!(
                            (
                                r.status.as_u16(),
                                &r.body["error"]["code"],
                                &r.body["error"]["error_subcode"]
                            ),
                            (400, &json!(100), &json!(33)),
                            "{method} {path} with {token}: {}",
                            r.text
                        );
                        let message = r.body["error"]["message"].as_str().unwrap();
                        assert!(
                            message.contains(&format!("Object with ID '{id}'")),
                            "{message}"
                        );
                        checked += 1;
                    }
                }
            }
        }
    }
    assert_eq!(
        checked,
        2 * 2 * 3 * EDGES.iter().map(|(_, e)| e.len()).sum::<usize>()
    );
    // A media's download URL answers its own business's token only.
    for (owner, stranger) in [(&demo, &other), (&other, &demo)] {
        let (_, id) = owner.nodes.iter().find(|(k, _)| *k == "media").unwrap();
        let info = graph(&app, Method::GET, id, &owner.token, json!({})).await;
        let url = info.body["url"].as_str().expect("url").to_owned();
        let (status, _, _) = app.download(&url, Some(&stranger.token)).await;
        assert_eq!(status.as_u16(), 404, "{url} with a stranger's token");
        let (status, _, bytes) = app.download(&url, Some(&owner.token)).await;
        assert_eq!(
            (status.as_u16(), bytes.as_slice()),
            (200, &b"\x89PNG isolation"[..])
        );
    }
    let after = (state_of(&app, &demo).await, state_of(&app, &other).await);
    assert_eq!(before, after, "a refused call changed something");
}

/// Each business's webhooks go to its own app's callback: re-pointing one app never brings the
/// other business's statuses or customer messages.
#[tokio::test]
async fn each_business_hears_its_own_webhooks_only() {
    use crate::support::receiver::{Behaviour as Rx, Receiver};
    let demo_rx = Receiver::start(Rx::default()).await;
    let other_rx = Receiver::start(Rx {
        verify_token: Some("o".into()),
        ..Default::default()
    })
    .await;
    let app = spawn_app().await;
    app.set_webhook(&demo_rx.url).await;
    let other_app_token = format!("{}|{}", seed::OTHER_APP_ID, seed::OTHER_APP_SECRET);
    let r = graph(
        &app,
        Method::POST,
        &format!("{}/subscriptions", seed::OTHER_APP_ID),
        &other_app_token,
        json!({ "object": "whatsapp_business_account", "callback_url": other_rx.url,
                "verify_token": "o", "fields": "messages" }),
    )
    .await;
    assert_eq!(r.body, json!({ "success": true }), "{}", r.text);
    let r = app
        .post_json(
            &format!("/_vitrine/customers/{CUSTOMER}/messages"),
            json!({ "text": "a private question" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    app.post_message(text("an answer")).await.wamid();
    app.tick(app.delivered_ms());
    let demo_bodies = app.received(&demo_rx, 3).await;
    assert!(demo_bodies
        .iter()
        .any(|b| b.json().to_string().contains("a private question")));
    // The other business's customer writes: only the other receiver hears it.
    let r = app
        .post_json(
            "/_vitrine/customers/15550003333/messages",
            json!({ "text": "hello other", "phone_number_id": seed::OTHER_PHONE_NUMBER_ID }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let other_bodies = app.received(&other_rx, 1).await;
    for b in &other_bodies {
        let text = b.json().to_string();
        assert!(
            !text.contains("a private question") && !text.contains(seed::WABA_ID),
            "{text}"
        );
        assert!(text.contains("hello other"), "{text}");
    }
    // Every webhook ever queued, by destination: none crossed over.
    let log = app.get("/_vitrine/webhooks?limit=500").await.body["data"].clone();
    for w in log.as_array().unwrap() {
        let body = w["body"].as_str().unwrap();
        if w["url"] == demo_rx.url.as_str() {
            assert!(!body.contains("hello other"), "{w}");
        } else {
            assert_eq!(w["url"], other_rx.url.as_str(), "{w}");
            assert!(!body.contains("a private question"), "{w}");
        }
    }
}
