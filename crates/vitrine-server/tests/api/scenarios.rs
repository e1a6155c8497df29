//! What the scenario runner stands on: following the message log, the time of customer
//! actions, send counters, and a thread exported as a scenario file.

use crate::support::*;
use serde_json::json;

#[tokio::test]
async fn the_message_log_can_be_followed_oldest_first() {
    let app = spawn_app().await;
    let r = app.get("/_vitrine/messages?limit=1").await;
    // The demo's greeting is a customer message: no business message yet.
    assert_eq!(r.body["paging"], json!({ "before": null, "after": null }));
    let w1 = app.post_message(text("one")).await.wamid();
    let r = app.get("/_vitrine/messages?limit=1").await;
    let start = r.body["paging"]["after"].as_str().unwrap().to_owned();
    let w2 = app.post_message(text("two")).await.wamid();
    let w3 = app.post_message(text("three")).await.wamid();
    let r = app
        .get(&format!("/_vitrine/messages?after={start}&limit=1"))
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    assert_eq!(r.body["data"][0]["wamid"], json!(w2));
    assert_eq!(r.body["paging"]["more"], json!(true));
    let next = r.body["paging"]["after"].as_str().unwrap().to_owned();
    assert_eq!(r.body["paging"]["cursors"], json!([next]));
    let r = app.get(&format!("/_vitrine/messages?after={next}")).await;
    let got: Vec<_> = r.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["wamid"].clone())
        .collect();
    assert_eq!(got, vec![json!(w3)]);
    assert_eq!(r.body["paging"]["more"], json!(false));
    let last = r.body["paging"]["after"].as_str().unwrap().to_owned();
    // Nothing new: the same cursor comes back.
    let r = app.get(&format!("/_vitrine/messages?after={last}")).await;
    assert_eq!(
        r.body,
        json!({ "data": [], "paging": { "after": last, "cursors": [], "more": false } })
    );
    assert_ne!(w1, w2);
    let r = app.get("/_vitrine/messages?after=x").await;
    assert_eq!(r.status.as_u16(), 400);
    assert_eq!(
        r.body,
        json!({ "error": { "code": "invalid_request", "message": "after must be a cursor from paging.after" } })
    );
    let r = app
        .get(&format!("/_vitrine/messages?after={last}&before={last}"))
        .await;
    assert_eq!(
        r.body,
        json!({ "error": { "code": "invalid_request", "message": "give before or after, not both" } })
    );
}

#[tokio::test]
async fn customer_actions_answer_their_sandbox_time() {
    let app = spawn_app().await;
    let r = app
        .post_json(
            &format!("/_vitrine/customers/{CUSTOMER}/messages"),
            json!({ "text": "Hi" }),
        )
        .await;
    let at = r.body["at"].as_i64().unwrap();
    assert_eq!(r.body["timestamp"], json!((at / 1000).to_string()));
    assert_eq!(r.body["window_open_until"], json!(at + 24 * 3600 * 1000));
}

#[tokio::test]
async fn stats_count_accepted_refused_and_failed_sends() {
    let app = spawn_app().await;
    app.post_message(text("hello")).await.wamid();
    app.post_message(json!({ "messaging_product": "whatsapp", "to": CUSTOMER, "type": "text" }))
        .await;
    // A customer who never wrote: accepted, then failed with 131047.
    app.post_message(json!({ "messaging_product": "whatsapp", "to": "15550001111", "type": "text", "text": { "body": "hi" } }))
        .await
        .wamid();
    let r = app.get("/_vitrine/stats").await;
    assert_eq!(
        r.body["sends"],
        json!({ "accepted": 2, "refused": { "100": 1 }, "failed": { "131047": 1 } })
    );
    assert_eq!(r.body["live_nodes"], json!(1));
    assert_eq!(r.body["node"], json!(app.sandbox.node_id));
}

#[tokio::test]
async fn a_thread_exports_as_a_scenario_file() {
    let app = spawn_app().await;
    let mpm = app
        .post_message(mpm(json!([{ "title": "Coffee", "product_items": items(&["beans-house-blend-250g", "mug-stoneware-350ml"]) }])))
        .await
        .wamid();
    // The message must reach the phone before the customer can act on it.
    app.advance(app.delivered_ms());
    app.post_json(&format!("/_vitrine/customers/{CUSTOMER}/messages"), json!({ "text": "Microwave safe?", "about": { "wamid": mpm, "product_retailer_id": "mug-stoneware-350ml" } }))
        .await;
    app.post_json(
        &format!("/_vitrine/customers/{CUSTOMER}/cart/items"),
        json!({ "product_retailer_id": "beans-house-blend-250g", "quantity": 2 }),
    )
    .await;
    app.post_json(
        &format!("/_vitrine/customers/{CUSTOMER}/cart/send"),
        json!({ "text": "after 6pm" }),
    )
    .await;
    // The business answers in the very millisecond of the order: the thread follows the order
    // in which the messages were accepted, not their times.
    let answer = app
        .post_message(text("Thanks! Order 123456789 is $25.00"))
        .await
        .wamid();
    let thread = app
        .get(&format!("/_vitrine/conversations/{PHONE}/{CUSTOMER}"))
        .await;
    let messages = thread.body["messages"].as_array().unwrap();
    let [.., order, last] = messages.as_slice() else {
        panic!("{}", thread.text)
    };
    assert_eq!(order["type"], "order", "{}", thread.text);
    assert_eq!(last["wamid"], json!(answer), "{}", thread.text);
    assert_eq!(order["at"], last["at"], "one millisecond");
    let r = app
        .get(&format!(
            "/_vitrine/conversations/{PHONE}/{CUSTOMER}/scenario"
        ))
        .await;
    assert_eq!(r.status.as_u16(), 200);
    assert_eq!(
        r.header("content-type"),
        Some("application/yaml; charset=utf-8")
    );
    assert_eq!(
        r.header("content-disposition"),
        Some("attachment; filename=\"conversation-16505550123.yaml\"")
    );
    assert_eq!(
        r.text,
        r#"# Recorded by Vitrine. Run it with: vitrine scenario run conversation-16505550123.yaml
defaults:
  phone_number_id: '113859604417350'
scenarios:
- name: conversation with Alex Rivera
  description: Recorded from the conversation of 16505550123 with 113859604417350.
  customers:
  - id: customer
    name: Alex Rivera
  steps:
  - say: Hi
  - expect:
      type: product_list
      text: Tap to see more
      header: Our picks
      products:
      - beans-house-blend-250g
      - mug-stoneware-350ml
  - ask:
      product: mug-stoneware-350ml
      text: Microwave safe?
  - add:
      product: beans-house-blend-250g
      quantity: 2
  - send_cart:
      note: after 6pm
  - expect:
      type: text
      text:
        matches: ^Thanks! Order \d+ is \$25\.00$
"#
    );
    let file = vitrine_scenario::parse("exported.yaml", &r.text).unwrap();
    assert_eq!(file.scenarios[0].steps.len(), 6);
    // The customer's chat shows them in the same order, once the answer reached the phone.
    app.advance(app.delivered_ms());
    let chat = app
        .get(&format!(
            "/_vitrine/customers/{CUSTOMER}/chat?phone_number_id={PHONE}"
        ))
        .await;
    let messages = chat.body["messages"].as_array().unwrap();
    let [.., order, last] = messages.as_slice() else {
        panic!("{}", chat.text)
    };
    assert_eq!(order["content"]["type"], "order", "{}", chat.text);
    assert_eq!(last["wamid"], json!(answer), "{}", chat.text);
    let r = app
        .get(&format!("/_vitrine/conversations/999/{CUSTOMER}/scenario"))
        .await;
    assert_eq!(
        r.body,
        json!({ "error": { "code": "not_found", "message": "No business phone number 999." } })
    );
}

/// A bot answering a new customer's first message at once, through another node that has not
/// yet followed the change log, finds the window open (found by `vitrine scenario load`).
#[tokio::test]
async fn an_answer_on_another_node_sees_the_window_the_message_opened() {
    let db = fresh_database().await;
    let a = spawn_with(Options {
        database: Some(db.url.clone()),
        ..Default::default()
    })
    .await;
    let b = spawn_with(Options {
        database: Some(db.url.clone()),
        ..Default::default()
    })
    .await;
    for n in 0..5 {
        let wa_id = format!("1555000770{n}");
        let r = a
            .post_json(
                &format!("/_vitrine/customers/{wa_id}/messages"),
                json!({ "text": "Hi" }),
            )
            .await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.text);
        let sent = b
            .post_message(json!({ "messaging_product": "whatsapp", "to": wa_id, "type": "text", "text": { "body": "Hello!" } }))
            .await
            .wamid();
        b.advance(b.delivered_ms());
        let statuses: Vec<String> = b.get(&format!("/_vitrine/messages/{sent}")).await.body
            ["statuses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["status"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(statuses, vec!["sent", "delivered"], "customer {wa_id}");
    }
    assert_eq!(
        b.get("/_vitrine/stats").await.body["sends"]["failed"],
        json!({})
    );
}
