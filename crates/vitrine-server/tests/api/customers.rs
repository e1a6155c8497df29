//! Simulated customers: their messages reach the business as `messages` webhooks, and open the
//! 24-hour customer service window that free-form sends need (spec §5.3, §5.4, §5.8, §9.4).

use crate::support::receiver::{Behaviour as Rx, Receiver};
use crate::support::*;
use serde_json::{json, Value};
use vitrine_core::seed;

async fn customer_says(app: &TestApp, wa_id: &str, body: Value) -> Value {
    let r = app
        .post_json(&format!("/_vitrine/customers/{wa_id}/messages"), body)
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    r.body
}

fn statuses_of(app_rows: &[Value]) -> Vec<Value> {
    app_rows
        .iter()
        .map(|w| {
            serde_json::from_str::<Value>(w["body"].as_str().unwrap()).unwrap()["entry"][0]
                ["changes"][0]["value"]["statuses"][0]
                .clone()
        })
        .collect()
}

#[tokio::test]
async fn customers_are_created_and_named() {
    let app = spawn_app().await;
    let r = app.get(&format!("/_vitrine/customers/{CUSTOMER}")).await;
    assert_eq!(r.body["name"], seed::CUSTOMER_NAME);
    let r = app
        .post_json(
            "/_vitrine/customers",
            json!({ "wa_id": "+1 555 000 1111", "name": "Bea" }),
        )
        .await;
    assert_eq!(r.body["wa_id"], "15550001111");
    assert_eq!(r.body["name"], "Bea");
    assert_eq!(r.body["devices"][0]["platform"], "android");
    assert_eq!(
        app.get("/_vitrine/customers/15550001111").await.body["name"],
        "Bea"
    );
    assert_eq!(
        app.post_json("/_vitrine/customers", json!({ "wa_id": "nope" }))
            .await
            .status
            .as_u16(),
        400
    );
    assert_eq!(
        app.get("/_vitrine/customers/19990000000")
            .await
            .status
            .as_u16(),
        404
    );
}

#[tokio::test]
async fn a_customer_message_reaches_the_business_as_meta_sends_it() {
    let rx = Receiver::start(Rx::default()).await;
    let app = spawn_app().await;
    app.set_webhook(&rx.url).await;
    let sent = customer_says(
        &app,
        "15552223333",
        json!({ "text": "Do you ship to Lisbon? ☀" }),
    )
    .await;
    let got = app.received(&rx, 1).await;
    let body = &got[0];
    assert!(body.body.is_ascii());
    assert_eq!(
        body.json(),
        json!({
            "object": "whatsapp_business_account",
            "entry": [{
                "id": seed::WABA_ID,
                "changes": [{
                    "value": {
                        "messaging_product": "whatsapp",
                        "metadata": { "display_phone_number": seed::DISPLAY_PHONE_NUMBER, "phone_number_id": PHONE },
                        "contacts": [{ "profile": { "name": "Customer 3333" }, "wa_id": "15552223333", "user_id": "US.10408646585225718131" }],
                        "messages": [{
                            "from": "15552223333",
                            "from_user_id": "US.10408646585225718131",
                            "id": sent["wamid"],
                            "timestamp": sent["timestamp"],
                            "text": { "body": "Do you ship to Lisbon? ☀" },
                            "type": "text"
                        }]
                    },
                    "field": "messages"
                }]
            }]
        })
    );
    assert!(
        sent["wamid"]
            .as_str()
            .unwrap()
            .starts_with("wamid.HBgLMTU1NTIyMjMzMzMVAgASGC"),
        "{}",
        sent["wamid"]
    );
    // A quoted reply carries the business message it answers.
    let wamid = app.post_message(text("Yes, we do!")).await.wamid();
    customer_says(
        &app,
        CUSTOMER,
        json!({ "text": "Great", "reply_to": wamid }),
    )
    .await;
    app.tick(app.delivered_ms());
    let got = app.received(&rx, 4).await;
    let reply = got
        .iter()
        .map(|r| r.json())
        .find(|v| v["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"] == "Great")
        .unwrap();
    assert_eq!(
        reply["entry"][0]["changes"][0]["value"]["messages"][0]["context"],
        json!({ "from": seed::DISPLAY_PHONE_NUMBER, "id": wamid })
    );
}

#[tokio::test]
async fn free_form_messages_need_the_24_hour_window() {
    let app = spawn_app().await;
    app.post_json("/_vitrine/clock/freeze", json!({})).await;
    let stranger = "15554445555";
    let mut body = spm("gift-card-25");
    body["to"] = json!(stranger);
    // Never wrote: accepted, then failed with 131047.
    let wamid = app.post_message(body.clone()).await.wamid();
    app.advance(app.sent_ms());
    let stored = app.stored(&wamid).await;
    assert_eq!(stored["status"], "failed");
    assert_eq!(stored["statuses"].as_array().unwrap().len(), 1);
    assert_eq!(
        stored["statuses"][0]["errors"],
        json!([{
            "code": 131047,
            "title": "Re-engagement message",
            "message": "Re-engagement message",
            "error_data": { "details": "Message failed to send because more than 24 hours have passed since the customer last replied to this number." },
            "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"
        }])
    );
    // The customer writes: the window opens, the same send is delivered.
    customer_says(&app, stranger, json!({ "text": "Hello" })).await;
    let wamid = app.post_message(body.clone()).await.wamid();
    app.advance(app.delivered_ms());
    assert_eq!(app.stored(&wamid).await["status"], "delivered");
    // 24 hours and a second later, it closes again.
    app.post_json("/_vitrine/clock/advance", json!({ "seconds": 86_400 }))
        .await;
    let wamid = app.post_message(body.clone()).await.wamid();
    app.post_json("/_vitrine/clock/advance", json!({ "seconds": 1 }))
        .await;
    assert_eq!(app.stored(&wamid).await["status"], "failed");
    // Just inside 24 hours it is still open.
    customer_says(&app, stranger, json!({ "text": "Back again" })).await;
    app.post_json("/_vitrine/clock/advance", json!({ "seconds": 86_399 }))
        .await;
    let wamid = app.post_message(body).await.wamid();
    app.post_json("/_vitrine/clock/advance", json!({ "seconds": 1 }))
        .await;
    assert_eq!(app.stored(&wamid).await["status"], "delivered");
}

#[tokio::test]
async fn the_failed_status_webhook_of_a_closed_window() {
    let rx = Receiver::start(Rx::default()).await;
    let app = spawn_app().await;
    app.set_webhook(&rx.url).await;
    let mut body = text("Still there?");
    body["to"] = json!("15556667777");
    let wamid = app.post_message(body).await.wamid();
    app.tick(app.sent_ms());
    let rows = app
        .wait_webhooks(&format!("wamid={wamid}&status=delivered"), |w| {
            !w.is_empty()
        })
        .await;
    let statuses = statuses_of(&rows);
    assert_eq!(rows.len(), 1, "a failed message gets no sent or delivered");
    assert_eq!(statuses[0]["status"], "failed");
    assert_eq!(statuses[0]["errors"][0]["code"], 131047);
    assert_eq!(statuses[0]["recipient_id"], "15556667777");
}

#[tokio::test]
async fn the_window_is_shared_by_the_business_number_only() {
    let app = spawn_app().await;
    app.post_json("/_vitrine/clock/freeze", json!({})).await;
    // The demo customer greeted the demo number at start, not the other business's number.
    let wamid = app
        .post_message_as(
            seed::OTHER_PHONE_NUMBER_ID,
            seed::OTHER_ACCESS_TOKEN,
            text("hi"),
        )
        .await
        .wamid();
    app.advance(app.sent_ms());
    assert_eq!(app.stored(&wamid).await["status"], "failed");
    let wamid = app.post_message(text("hi")).await.wamid();
    app.advance(app.delivered_ms());
    assert_eq!(app.stored(&wamid).await["status"], "delivered");
    let r = app
        .post_json(
            &format!("/_vitrine/customers/{CUSTOMER}/messages"),
            json!({ "text": "" }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 400);
    let r = app
        .post_json(
            &format!("/_vitrine/customers/{CUSTOMER}/messages"),
            json!({ "text": "x", "phone_number_id": "1" }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 400);
}

/// Since April 2026 Meta names the customer by business-scoped user id beside the phone number
/// in every webhook (pywa 4.5 cannot parse a status or a message without it).
#[tokio::test]
async fn webhooks_name_the_customer_by_the_same_bsuid_in_messages_and_statuses() {
    let rx = Receiver::start(Rx::default()).await;
    let app = spawn_app().await;
    app.set_webhook(&rx.url).await;
    customer_says(&app, "447700900123", json!({ "text": "Hello from London" })).await;
    let wamid = app
        .post_message(json!({
            "messaging_product": "whatsapp", "to": "447700900123", "type": "text",
            "text": { "body": "Hello back" }
        }))
        .await
        .wamid();
    app.tick(app.delivered_ms());
    let got = app.received(&rx, 3).await;
    let bsuid = "GB.24684405242018278630";
    for r in &got {
        let value = &r.json()["entry"][0]["changes"][0]["value"];
        if let Some(messages) = value.get("messages") {
            assert_eq!(value["contacts"][0]["wa_id"], "447700900123");
            assert_eq!(value["contacts"][0]["user_id"], bsuid);
            assert_eq!(messages[0]["from_user_id"], bsuid);
        } else {
            assert_eq!(value["statuses"][0]["id"], wamid.as_str());
            assert_eq!(
                value["contacts"],
                json!([{ "wa_id": "447700900123", "user_id": bsuid }])
            );
        }
    }
}
