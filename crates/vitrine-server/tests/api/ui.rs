//! The web UI's page and the /_vitrine/ endpoints it reads: customers, conversations and the
//! live event stream.

use crate::support::*;
use serde_json::{json, Value};
use std::time::Duration;

#[tokio::test]
async fn the_page_and_its_assets_are_served_from_the_binary() {
    let app = spawn_app().await;
    let r = app.get("/").await;
    assert_eq!(r.status.as_u16(), 200);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(
        r.text.contains(r#"<script src="/ui/app.js">"#),
        "{}",
        r.text
    );
    // Nothing from elsewhere: the UI works offline.
    for path in ["/", "/ui/app.js", "/ui/app.css"] {
        let r = app.get(path).await;
        assert_eq!(r.status.as_u16(), 200, "{path}");
        assert!(
            !r.text.contains("https://"),
            "{path} loads something remote"
        );
    }
    assert_eq!(
        app.get("/ui/app.js").await.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert_eq!(
        app.get("/ui/app.css").await.header("content-type"),
        Some("text/css; charset=utf-8")
    );
    // Other methods and unknown files still answer in Meta's envelope.
    for r in [
        app.send(app.client.post(app.url("/"))).await,
        app.get("/ui/nope.js").await,
    ] {
        assert!(r.status.is_client_error(), "{}", r.text);
        assert!(r.body["error"]["code"].is_number(), "{}", r.text);
    }
}

#[tokio::test]
async fn customers_are_listed_with_their_devices() {
    let app = spawn_app().await;
    app.post_json(
        "/_vitrine/customers",
        json!({ "wa_id": "447700900123", "name": "Sam" }),
    )
    .await;
    let r = app.get("/_vitrine/customers").await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    let ids: Vec<&str> = r.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["wa_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![CUSTOMER, "447700900123"]);
    assert_eq!(r.body["data"][1]["name"], "Sam");
    assert_eq!(r.body["data"][1]["devices"].as_array().unwrap().len(), 1);
}

fn by_from<'a>(messages: &'a [Value], from: &str) -> Vec<&'a Value> {
    messages.iter().filter(|m| m["from"] == from).collect()
}

#[tokio::test]
async fn a_conversation_shows_both_sides_with_statuses_and_orders() {
    let app = spawn_app().await;
    let wamid = app
        .post_message(mpm(json!([
            { "title": "Coffee", "product_items": items(&["beans-house-blend-250g", "mug-stoneware-350ml"]) }
        ])))
        .await
        .wamid();
    let r = app
        .post_json(
            &format!("/_vitrine/customers/{CUSTOMER}/cart/items"),
            json!({ "product_retailer_id": "beans-house-blend-250g", "quantity": 2 }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    app.post_json(
        &format!("/_vitrine/customers/{CUSTOMER}/cart/items"),
        json!({ "product_retailer_id": "mug-stoneware-350ml" }),
    )
    .await;
    let r = app
        .post_json(
            &format!("/_vitrine/customers/{CUSTOMER}/cart/send"),
            json!({ "text": "After 6pm" }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);

    let r = app.get("/_vitrine/conversations").await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    let threads = r.body["data"].as_array().unwrap();
    assert_eq!(threads.len(), 1, "{threads:?}");
    assert_eq!(threads[0]["phone_number_id"], PHONE);
    assert_eq!(threads[0]["wa_id"], CUSTOMER);
    assert_eq!(threads[0]["window_open"], true);
    assert!(threads[0]["name"].is_string());

    // Statuses come with the sandbox clock: `delivered` once its time has come.
    app.tick_and_run(app.delivered_ms()).await;
    let r = app
        .get(&format!("/_vitrine/conversations/{PHONE}/{CUSTOMER}"))
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    let mpm = by_from(r.body["messages"].as_array().unwrap(), "business")[0].clone();
    assert_eq!(mpm["status"], "delivered", "{}", r.text);
    let conv = r.body;
    let messages = conv["messages"].as_array().unwrap();
    let business = by_from(messages, "business");
    assert_eq!(business.len(), 1);
    let mpm = business[0];
    assert_eq!(mpm["wamid"], wamid);
    assert_eq!(mpm["type"], "product_list");
    assert_eq!(mpm["content"]["header"], "Our picks");
    let statuses: Vec<&str> = mpm["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["sent", "delivered"]);
    let products = mpm["products"].as_array().unwrap();
    assert_eq!(products.len(), 2);
    assert_eq!(products[0]["product_retailer_id"], "beans-house-blend-250g");
    assert_eq!(products[0]["orderable"], true);
    assert_eq!(
        products[0]["as_sent"]["retailer_id"],
        "beans-house-blend-250g"
    );
    assert_eq!(products[0]["as_sent"]["price"], products[0]["price"]);

    // The customer's side, oldest first: the demo greeting, then the order.
    let customer = by_from(messages, "customer");
    assert_eq!(customer.len(), 2);
    assert_eq!(customer[0]["type"], "text");
    let order = customer[1];
    assert_eq!(order["type"], "order");
    assert_eq!(order["content"]["text"], "After 6pm");
    assert_eq!(
        order["lines"][0]["product_retailer_id"],
        "beans-house-blend-250g"
    );
    assert_eq!(order["lines"][0]["quantity"], 2);
    assert!(order["lines"][0]["name"].is_string());
    let lines = order["lines"].as_array().unwrap();
    let total: i64 = lines
        .iter()
        .map(|l| l["item_price"].as_i64().unwrap() * l["quantity"].as_i64().unwrap())
        .sum();
    assert_eq!(order["total"], total);
    assert_eq!(order["currency"], "USD");

    // Looking at the thread is not the customer reading it.
    assert_eq!(app.stored(&wamid).await["status"], "delivered");
}

#[tokio::test]
async fn a_failed_message_carries_its_error_in_the_conversation() {
    let app = spawn_app().await;
    let wamid = app.post_message(text("hello")).await.wamid();
    let r = app
        .post_json(
            &format!("/_vitrine/messages/{wamid}/fail"),
            json!({ "code": 131026 }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    let r = app
        .get(&format!("/_vitrine/conversations/{PHONE}/{CUSTOMER}"))
        .await;
    let m = by_from(r.body["messages"].as_array().unwrap(), "business")[0].clone();
    assert_eq!(m["status"], "failed");
    let failed = m["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["status"] == "failed")
        .unwrap()
        .clone();
    assert_eq!(failed["errors"][0]["code"], 131026);
}

#[tokio::test]
async fn an_unknown_thread_is_a_vitrine_error() {
    let app = spawn_app().await;
    let r = app.get("/_vitrine/conversations/999/16505550123").await;
    assert_eq!(r.status.as_u16(), 404);
    assert_eq!(r.body["error"]["code"], "not_found");
    // A known number with a customer it never talked to: an empty thread.
    let r = app
        .get(&format!("/_vitrine/conversations/{PHONE}/15550001111"))
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    assert_eq!(r.body["messages"], json!([]));
    assert_eq!(r.body["window_open"], false);
}

/// Reads server-sent events until one named `name` arrives; returns its data.
async fn next_event(resp: &mut reqwest::Response, buf: &mut String, name: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let event = block
                .lines()
                .find_map(|l| l.strip_prefix("event: "))
                .unwrap_or("message");
            let data = block
                .lines()
                .find_map(|l| l.strip_prefix("data: "))
                .unwrap_or("null");
            if event == name {
                return serde_json::from_str(data).unwrap();
            }
        }
        let chunk = tokio::time::timeout_at(deadline, resp.chunk())
            .await
            .unwrap_or_else(|_| panic!("no {name} event; read: {buf}"))
            .unwrap()
            .expect("the stream ended");
        buf.push_str(std::str::from_utf8(&chunk).unwrap());
    }
}

#[tokio::test]
async fn the_event_stream_says_what_changed() {
    // Live on purpose: the stream is fed by what the running server and its background tasks
    // do, read as a browser reads it.
    let app = spawn_live().await;
    let mut resp = app
        .client
        .get(app.url("/_vitrine/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(
        resp.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    let mut buf = String::new();
    let ready = next_event(&mut resp, &mut buf, "ready").await;
    assert!(ready["activity"]["messages"].is_string(), "{ready}");

    // A business message.
    app.post_message(text("hello")).await.wamid();
    let change = next_event(&mut resp, &mut buf, "change").await;
    assert!(
        change["kinds"]
            .as_array()
            .unwrap()
            .contains(&json!("messages")),
        "{change}"
    );

    // A catalog change (through the Graph API) is a directory change.
    let product = app
        .sandbox
        .read(|dir| {
            dir.catalog(&CATALOG.into())
                .and_then(|c| c.product(&"tee-classic-white".into()))
                .map(|p| p.id.clone())
        })
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let r = app
        .send(
            app.client
                .post(app.url(&format!("/v23.0/{product}")))
                .bearer_auth(TOKEN)
                .json(&json!({ "availability": "out of stock" })),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    loop {
        let change = next_event(&mut resp, &mut buf, "change").await;
        if change["kinds"]
            .as_array()
            .unwrap()
            .contains(&json!("directory"))
        {
            break;
        }
        assert!(std::time::Instant::now() < deadline);
    }
}

/// Waits for a `change` event naming `kind`.
async fn next_change(resp: &mut reqwest::Response, buf: &mut String, kind: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let change = next_event(resp, buf, "change").await;
        if change["kinds"].as_array().unwrap().contains(&json!(kind)) {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "no {kind} change");
    }
}

#[tokio::test]
async fn the_event_stream_hears_of_changes_made_on_another_node() {
    let db = fresh_database().await;
    // Live on purpose: node A's cluster task follows node B's changes on its own (NOTIFY on
    // PostgreSQL) and its event stream says so.
    let a = spawn_with(Options {
        database: Some(db.url.clone()),
        live: true,
        ..Default::default()
    })
    .await;
    let b = spawn_with(Options {
        database: Some(db.url.clone()),
        live: true,
        ..Default::default()
    })
    .await;
    let mut resp = a
        .client
        .get(a.url("/_vitrine/events"))
        .send()
        .await
        .unwrap();
    let mut buf = String::new();
    next_event(&mut resp, &mut buf, "ready").await;
    // A customer writes through node B: A follows B's window change from the change log.
    let r = b
        .post_json(
            &format!("/_vitrine/customers/{CUSTOMER}/messages"),
            json!({ "text": "anyone?" }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    next_change(&mut resp, &mut buf, "directory").await;
    // The business answers through node B: A reads it from the store.
    b.post_message(text("yes!")).await.wamid();
    next_change(&mut resp, &mut buf, "messages").await;
    // And A's thread shows both.
    let r = a
        .get(&format!("/_vitrine/conversations/{PHONE}/{CUSTOMER}"))
        .await;
    let bodies: Vec<&str> = r.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["content"]["body"].as_str())
        .collect();
    assert!(bodies.ends_with(&["anyone?", "yes!"]), "{bodies:?}");
    drop(resp);
    a.stop().await;
    b.stop().await;
}

#[tokio::test]
async fn open_event_streams_do_not_hold_up_a_graceful_shutdown() {
    // Live on purpose: a graceful stop with the dispatcher and the cluster task running too.
    let app = spawn_live().await;
    let mut streams = vec![];
    for _ in 0..2 {
        let mut resp = app
            .client
            .get(app.url("/_vitrine/events"))
            .send()
            .await
            .unwrap();
        let mut buf = String::new();
        next_event(&mut resp, &mut buf, "ready").await;
        streams.push(resp);
    }
    tokio::time::timeout(Duration::from_secs(5), app.stop())
        .await
        .expect("the shutdown waited for the event streams");
    for mut resp in streams {
        // Each stream ended (or its connection closed).
        let end = tokio::time::timeout(Duration::from_secs(5), async {
            while let Ok(Some(_)) = resp.chunk().await {}
        })
        .await;
        assert!(end.is_ok(), "a stream stayed open");
    }
}

#[tokio::test]
async fn the_new_endpoints_follow_the_access_rule() {
    let app = spawn_with(Options {
        admin_token: Some("s3cret".into()),
        ..Default::default()
    })
    .await;
    for path in [
        "/_vitrine/events",
        "/_vitrine/conversations",
        "/_vitrine/customers",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status.as_u16(), 401, "{path}");
        assert_eq!(r.body["error"]["code"], "unauthorized");
    }
    let r = app
        .send(
            app.client
                .get(app.url("/_vitrine/conversations"))
                .bearer_auth("s3cret"),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    // The page itself is public: it asks for the token.
    assert_eq!(app.get("/").await.status.as_u16(), 200);
}

#[tokio::test]
async fn looking_at_a_cart_that_did_not_change_writes_nothing() {
    let app = spawn_app().await;
    app.post_json(
        &format!("/_vitrine/customers/{CUSTOMER}/cart/items"),
        json!({ "product_retailer_id": "mug-stoneware-350ml" }),
    )
    .await;
    let before = app.sandbox.revision();
    for _ in 0..3 {
        let r = app
            .get(&format!("/_vitrine/customers/{CUSTOMER}/cart"))
            .await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.text);
        assert_eq!(r.body["notice"], Value::Null);
    }
    // Another node's change could land meanwhile; here none does, and the looks wrote nothing
    // beyond the cluster's replay of the add (applied again from the change log).
    let changes = app
        .store
        .changes_since(0, 100_000)
        .await
        .unwrap()
        .into_iter()
        .flat_map(|(_, c)| c)
        .filter(|c| matches!(c, vitrine_core::directory::DirectoryChange::Cart(_)))
        .count();
    assert_eq!(changes, 1, "revision before: {before}");
}
