//! The customer's side of product messages: product inquiries, replies to buttons and lists,
//! browsing the catalog, the chat as a device shows it, and outdated devices (spec §2.9, §5.4,
//! §6.1, §9.2).

use crate::support::receiver::{Behaviour as Rx, Receiver};
use crate::support::*;
use serde_json::{json, Value};
use vitrine_core::seed;

fn message_of(r: &crate::support::receiver::Received) -> Value {
    r.json()["entry"][0]["changes"][0]["value"]["messages"][0].clone()
}

async fn wait_message(app: &TestApp, rx: &Receiver, n: usize) -> Value {
    let got = app.received(rx, n).await;
    got.iter().map(message_of).rfind(|m| !m.is_null()).unwrap()
}

#[tokio::test]
async fn a_product_inquiry_carries_the_referred_product() {
    let rx = Receiver::start(Rx::default()).await;
    let app = spawn_app().await;
    app.set_webhook(&rx.url).await;
    let wamid = app.post_message(mpm(json!([{ "title": "Coffee", "product_items": items(&["beans-house-blend-250g", "mug-stoneware-350ml"]) }]))).await.wamid();
    let r = app
        .post_json(
            &format!("/_vitrine/customers/{CUSTOMER}/messages"),
            json!({ "text": "Is this mug microwave safe?", "about": { "wamid": wamid, "product_retailer_id": "mug-stoneware-350ml" } }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    let rows = app.wait_webhooks("event=message", |w| !w.is_empty()).await;
    let m: Value = serde_json::from_str::<Value>(rows[0]["body"].as_str().unwrap()).unwrap()
        ["entry"][0]["changes"][0]["value"]["messages"][0]
        .clone();
    assert_eq!(
        m,
        json!({
            "context": {
                "from": seed::DISPLAY_PHONE_NUMBER,
                "id": wamid,
                "referred_product": { "catalog_id": CATALOG, "product_retailer_id": "mug-stoneware-350ml" }
            },
            "from": CUSTOMER,
            "from_user_id": CUSTOMER_BSUID,
            "id": r.body["wamid"],
            "timestamp": r.body["timestamp"],
            "text": { "body": "Is this mug microwave safe?" },
            "type": "text"
        })
    );
    // Only products the message showed, of messages sent to this customer.
    let r = app
        .post_json(&format!("/_vitrine/customers/{CUSTOMER}/messages"), json!({ "text": "?", "about": { "wamid": wamid, "product_retailer_id": "gift-card-25" } }))
        .await;
    assert_eq!(r.status.as_u16(), 400);
    let r = app
        .post_json("/_vitrine/customers/15550009999/messages", json!({ "text": "?", "about": { "wamid": wamid, "product_retailer_id": "mug-stoneware-350ml" } }))
        .await;
    assert_eq!(r.status.as_u16(), 400);
}

#[tokio::test]
async fn replies_to_buttons_and_lists() {
    let rx = Receiver::start(Rx::default()).await;
    let app = spawn_app().await;
    app.set_webhook(&rx.url).await;
    let buttons = app
        .post_message(interactive(json!({
            "type": "button", "body": { "text": "Confirm your order?" },
            "action": { "buttons": [ { "type": "reply", "reply": { "id": "confirm-123", "title": "Yes" } } ] }
        })))
        .await
        .wamid();
    let r = app
        .post_json(
            &format!("/_vitrine/customers/{CUSTOMER}/replies"),
            json!({ "wamid": buttons, "choice": "confirm-123" }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    app.tick(app.delivered_ms());
    let m = wait_message(&app, &rx, 3).await;
    assert_eq!(
        m,
        json!({
            "context": { "from": seed::DISPLAY_PHONE_NUMBER, "id": buttons },
            "from": CUSTOMER, "from_user_id": CUSTOMER_BSUID, "id": r.body["wamid"], "timestamp": r.body["timestamp"],
            "type": "interactive",
            "interactive": { "type": "button_reply", "button_reply": { "id": "confirm-123", "title": "Yes" } }
        })
    );
    let list = app
        .post_message(interactive(json!({
            "type": "list", "body": { "text": "Pick a slot" },
            "action": { "button": "Choose", "sections": [ { "rows": [ { "id": "slot-9", "title": "9-12", "description": "Morning" } ] } ] }
        })))
        .await
        .wamid();
    let r = app
        .post_json(
            &format!("/_vitrine/customers/{CUSTOMER}/replies"),
            json!({ "wamid": list, "choice": "slot-9" }),
        )
        .await;
    assert_eq!(
        app.inbound_webhook(&r.body["wamid"]).await["interactive"],
        json!({ "type": "list_reply", "list_reply": { "id": "slot-9", "title": "9-12", "description": "Morning" } })
    );
    let r = app
        .post_json(
            &format!("/_vitrine/customers/{CUSTOMER}/replies"),
            json!({ "wamid": list, "choice": "slot-99" }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 400);
}

#[tokio::test]
async fn browsing_the_catalog() {
    let app = spawn_app().await;
    let r = app
        .get(&format!("/_vitrine/customers/{CUSTOMER}/catalog?limit=10"))
        .await;
    assert_eq!(r.body["catalog_id"], CATALOG);
    assert_eq!(r.body["products"].as_array().unwrap().len(), 10);
    let next = r.body["next"].as_str().unwrap().to_owned();
    let mut seen = 10;
    let mut after = next;
    loop {
        let r = app
            .get(&format!(
                "/_vitrine/customers/{CUSTOMER}/catalog?limit=10&after={after}"
            ))
            .await;
        seen += r.body["products"].as_array().unwrap().len();
        match r.body["next"].as_str() {
            Some(n) => after = n.to_owned(),
            None => break,
        }
    }
    assert_eq!(seen, 26, "the staging product is not shown");
    let r = app
        .get(&format!(
            "/_vitrine/customers/{CUSTOMER}/products/beans-ethiopia-250g"
        ))
        .await;
    assert_eq!(r.body["availability"], "out of stock");
    assert_eq!(r.body["orderable"], false);
    // Hidden catalog: "Invalid catalog link".
    app.send(
        app.client
            .post(app.url(&format!(
                "/v23.0/{PHONE}/whatsapp_commerce_settings?is_catalog_visible=false"
            )))
            .bearer_auth(TOKEN),
    )
    .await;
    let r = app
        .get(&format!("/_vitrine/customers/{CUSTOMER}/catalog"))
        .await;
    assert_eq!(r.status.as_u16(), 409);
    assert_eq!(
        r.body["error"],
        json!({ "code": "invalid_catalog_link", "message": "Invalid catalog link" })
    );
}

#[tokio::test]
async fn the_chat_shows_the_latest_products_and_reading_it_sends_read() {
    let rx = Receiver::start(Rx::default()).await;
    let app = spawn_app().await;
    app.set_webhook(&rx.url).await;
    let wamid = app.post_message(spm("tote-canvas-natural")).await.wamid();
    app.tick(app.delivered_ms());
    app.wait_webhooks(&format!("wamid={wamid}&status=delivered"), |w| w.len() == 2)
        .await;
    // The price changes after sending: the chat shows the new one.
    app.send(
        app.client
            .post(app.url("/v23.0/7337219806314518"))
            .bearer_auth(TOKEN)
            .json(&json!({ "price": 1750 })),
    )
    .await;
    let r = app
        .get(&format!("/_vitrine/customers/{CUSTOMER}/chat"))
        .await;
    let msgs = r.body["messages"].as_array().unwrap();
    assert_eq!(
        msgs[0]["from"], "customer",
        "the start-up greeting comes first"
    );
    let product_msg = msgs.iter().find(|m| m["wamid"] == wamid).unwrap();
    assert_eq!(product_msg["products"][0]["price"], 1750);
    assert_eq!(
        app.stored(&wamid).await["products"][0]["price"],
        1600,
        "the message keeps what it showed"
    );
    // Reading the chat reads the message.
    let rows = app
        .wait_webhooks(&format!("wamid={wamid}&status=delivered"), |w| w.len() == 3)
        .await;
    let read = rows.iter().find(|w| w["message_status"] == "read").unwrap();
    assert_eq!(read["state"], "delivered");
    // Deleted: shown unavailable.
    app.send(
        app.client
            .delete(app.url("/v23.0/7337219806314518"))
            .bearer_auth(TOKEN),
    )
    .await;
    let r = app
        .get(&format!("/_vitrine/customers/{CUSTOMER}/chat"))
        .await;
    let product_msg = r.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["wamid"] == wamid)
        .unwrap()
        .clone();
    assert_eq!(product_msg["products"][0]["unavailable"], true);
}

#[tokio::test]
async fn an_outdated_device_cannot_receive_product_messages() {
    let app = spawn_app().await;
    app.post_json("/_vitrine/clock/freeze", json!({})).await;
    let old = "15553332222";
    app.post_json(
        "/_vitrine/customers",
        json!({ "wa_id": old, "name": "Old Phone" }),
    )
    .await;
    app.post_json(
        &format!("/_vitrine/customers/{old}/devices"),
        json!({ "id": "phone", "platform": "android", "app_version": "2.21.10" }),
    )
    .await;
    app.post_json(
        &format!("/_vitrine/customers/{old}/messages"),
        json!({ "text": "Hi" }),
    )
    .await;
    let mut body = spm("gift-card-25");
    body["to"] = json!(old);
    let wamid = app.post_message(body).await.wamid();
    app.advance(app.sent_ms());
    let stored = app.stored(&wamid).await;
    assert_eq!(stored["status"], "failed");
    assert_eq!(stored["statuses"][0]["errors"][0]["code"], 131026);
    // A multi-product message needs less: that device shows it.
    let mut body = mpm(json!([{ "product_items": items(&["gift-card-25"]) }]));
    body["to"] = json!(old);
    let wamid = app.post_message(body).await.wamid();
    app.advance(app.delivered_ms());
    assert_eq!(app.stored(&wamid).await["status"], "delivered");
    // With a current web device too, the SPM is delivered there, and the old phone shows the notice.
    app.post_json(
        &format!("/_vitrine/customers/{old}/devices"),
        json!({ "id": "web", "platform": "web", "app_version": "2.3000.1" }),
    )
    .await;
    let mut body = spm("gift-card-25");
    body["to"] = json!(old);
    let wamid = app.post_message(body).await.wamid();
    app.advance(app.delivered_ms());
    assert_eq!(app.stored(&wamid).await["status"], "delivered");
    let r = app
        .get(&format!("/_vitrine/customers/{old}/chat?device=phone"))
        .await;
    let m = r.body["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["wamid"] == wamid)
        .unwrap()
        .clone();
    assert_eq!(
        m["notice"],
        "This message can't be displayed because your version of WhatsApp is outdated."
    );
}
