//! Forwarding (messaging spec §5): a customer forwards a product message to a friend, who sees
//! it as it is now, shops from it in their own chat with the business and orders; forwards that
//! reach a business carry `context.forwarded` / `frequently_forwarded`.

use crate::support::*;
use serde_json::{json, Value};
use vitrine_core::seed;

const FRIEND: &str = "16505550999";

async fn forward(app: &TestApp, from: &str, id: &str, to: Value, to_business: Value) -> Resp {
    app.post_json(
        &format!("/_vitrine/customers/{from}/forwards"),
        json!({ "id": id, "to": to, "to_business": to_business }),
    )
    .await
}

/// A business message to the demo customer, delivered.
async fn delivered(app: &TestApp, body: Value) -> String {
    let wamid = app.post_message(body).await.wamid();
    app.advance(app.delivered_ms());
    wamid
}

#[tokio::test]
async fn a_friend_orders_from_a_forwarded_product_message() {
    let app = spawn_app().await;
    app.set_webhook("http://127.0.0.1:9/").await;
    let mpm = delivered(
        &app,
        mpm(json!([{ "title": "Coffee", "product_items": items(&["beans-house-blend-250g", "mug-stoneware-350ml"]) }])),
    )
    .await;
    let r = forward(&app, CUSTOMER, &mpm, json!([FRIEND]), json!([])).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    let peer_id = r.body["customers"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(r.body["forwards"], 1);
    assert_eq!(r.body["customers"][0]["to"], FRIEND);
    // Between customers nothing reaches the business.
    let log = app
        .get(&format!("/_vitrine/webhooks?wamid={peer_id}"))
        .await;
    assert_eq!(log.body["data"], json!([]));

    // The friend sees it forwarded, with products as they are now.
    let beans = app
        .get(&format!(
            "/_vitrine/customers/{FRIEND}/products/beans-house-blend-250g"
        ))
        .await;
    assert_eq!(beans.status.as_u16(), 200, "{}", beans.text);
    let chats = app
        .get(&format!("/_vitrine/customers/{FRIEND}/peers"))
        .await;
    assert_eq!(chats.body["data"][0]["wa_id"], CUSTOMER);
    let chat = app
        .get(&format!("/_vitrine/customers/{FRIEND}/peers/{CUSTOMER}"))
        .await;
    let m = &chat.body["messages"][0];
    assert_eq!(m["id"], peer_id);
    assert_eq!(m["from"], "friend");
    assert_eq!(m["forwarded"], true);
    assert_eq!(m["type"], "product_list");
    assert_eq!(m["origin"]["phone_number_id"], PHONE);
    assert_eq!(m["origin"]["business"], "Vitrine Demo Store");
    assert_eq!(
        m["products"][0]["product_retailer_id"],
        "beans-house-blend-250g"
    );
    assert_eq!(m["products"][0]["price"], beans.body["price"]);
    assert_eq!(
        app.get(&format!("/_vitrine/customers/{CUSTOMER}/peers/{FRIEND}"))
            .await
            .body["messages"][0]["from"],
        "me"
    );

    // "Message business" from the forwarded card: a question from the friend's own chat.
    let r = app
        .post_json(
            &format!("/_vitrine/customers/{FRIEND}/messages"),
            json!({ "text": "Is the mug dishwasher safe?", "about": { "forwarded": peer_id, "product_retailer_id": "mug-stoneware-350ml" } }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    let msg = app.inbound_webhook(&r.body["wamid"]).await;
    assert_eq!(msg["from"], FRIEND);
    assert_eq!(
        msg["context"],
        json!({ "from": seed::DISPLAY_PHONE_NUMBER, "id": "wamid.HBgLMTY1MDU1NTA5OTkVAgARGA9wcm9kdWN0X2lucXVpcnkA",
            "referred_product": { "catalog_id": CATALOG, "product_retailer_id": "mug-stoneware-350ml" } })
    );

    // The friend fills a cart in their own chat with the business and sends it.
    let r = app
        .post_json(
            &format!("/_vitrine/customers/{FRIEND}/cart/items"),
            json!({ "product_retailer_id": "beans-house-blend-250g", "quantity": 2 }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    let r = app
        .post_json(
            &format!("/_vitrine/customers/{FRIEND}/cart/send"),
            json!({ "text": "From Alex's tip" }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    let order = app.inbound_webhook(&r.body["wamid"]).await;
    assert_eq!(order["from"], FRIEND);
    assert_eq!(order["type"], "order");
    assert_eq!(order["order"]["text"], "From Alex's tip");
    assert_eq!(
        order["order"]["product_items"][0]["product_retailer_id"],
        "beans-house-blend-250g"
    );
    assert_eq!(order["order"]["product_items"][0]["quantity"], 2);
    // The order opened the friend's window: the business can answer.
    let answer = app
        .post_message(json!({ "messaging_product": "whatsapp", "to": FRIEND, "type": "text", "text": { "body": "Thanks!" } }))
        .await
        .wamid();
    app.advance(app.delivered_ms());
    assert_eq!(app.stored(&answer).await["status"], "delivered");
}

#[tokio::test]
async fn forwards_to_a_business_are_marked_and_counted() {
    let app = spawn_app().await;
    app.set_webhook("http://127.0.0.1:9/").await;
    // The other business has its own app, with its own callback.
    app.sandbox
        .set_app_callback(&seed::OTHER_APP_ID.into(), "http://127.0.0.1:9/")
        .await
        .unwrap();
    let tip = delivered(&app, text("20% off everything today")).await;
    // A chain of customers: after five forwards, the business sees "frequently forwarded".
    let chain = ["16505550901", "16505550902", "16505550903", "16505550904"];
    let mut id = tip.clone();
    let mut from = CUSTOMER.to_owned();
    for next in chain {
        let r = forward(&app, &from, &id, json!([next]), json!([])).await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.text);
        id = r.body["customers"][0]["id"].as_str().unwrap().to_owned();
        from = next.to_owned();
    }
    // The fifth forward: still "forwarded".
    let r = forward(&app, &from, &id, json!([]), json!([PHONE])).await;
    assert_eq!(r.body["forwards"], 5);
    let msg = app.inbound_webhook(&r.body["businesses"][0]["wamid"]).await;
    assert_eq!(msg["from"], from);
    assert_eq!(msg["type"], "text");
    assert_eq!(msg["text"], json!({ "body": "20% off everything today" }));
    assert_eq!(msg["context"], json!({ "forwarded": true }));
    // One more hop, then to the business: the sixth forward.
    let r = forward(&app, &from, &id, json!(["16505550905"]), json!([])).await;
    let id6 = r.body["customers"][0]["id"].as_str().unwrap().to_owned();
    let r = forward(&app, "16505550905", &id6, json!([]), json!([PHONE])).await;
    assert_eq!(r.body["forwards"], 6);
    let msg = app.inbound_webhook(&r.body["businesses"][0]["wamid"]).await;
    assert_eq!(msg["context"], json!({ "frequently_forwarded": true }));
    // Friends see "forwarded" up to five forwards, then "frequently forwarded"; such content
    // goes to one chat at a time.
    let chat = app
        .get("/_vitrine/customers/16505550905/peers/16505550904")
        .await;
    assert_eq!(chat.body["messages"][0]["forwarded"], true);
    let r = forward(&app, "16505550905", &id6, json!(["16505550906"]), json!([])).await;
    let id7 = r.body["customers"][0]["id"].as_str().unwrap().to_owned();
    let chat = app
        .get("/_vitrine/customers/16505550906/peers/16505550905")
        .await;
    assert_eq!(chat.body["messages"][0]["frequently_forwarded"], true);
    assert_eq!(chat.body["messages"][0]["forwards"], 6);
    let r = forward(
        &app,
        "16505550906",
        &id7,
        json!([FRIEND, CUSTOMER]),
        json!([]),
    )
    .await;
    assert_eq!(r.status.as_u16(), 409);
    assert_eq!(
        r.body["error"]["message"],
        "Forward to 1 to 1 chat at a time."
    );

    // A product message forwarded to the business arrives as unsupported, marked forwarded.
    let spm = delivered(&app, spm("mug-stoneware-350ml")).await;
    let r = forward(&app, CUSTOMER, &spm, json!([]), json!([PHONE])).await;
    let msg = app.inbound_webhook(&r.body["businesses"][0]["wamid"]).await;
    assert_eq!(
        msg,
        json!({ "context": { "forwarded": true }, "from": CUSTOMER, "from_user_id": CUSTOMER_BSUID,
            "id": r.body["businesses"][0]["wamid"], "timestamp": msg["timestamp"], "type": "unsupported",
            "errors": [{ "code": 131051, "title": "Message type unknown", "message": "Message type unknown",
                "error_data": { "details": "Message type is currently not supported." } }],
            "unsupported": { "type": "product" } })
    );

    // A customer's photo forwarded to another business is re-hosted there.
    let photo = noise(3_000, 4);
    let r = app
        .send(
            app.client
                .post(app.url(&format!(
                    "/_vitrine/customers/{CUSTOMER}/media?caption=Look"
                )))
                .header("content-type", "image/png")
                .body(photo.clone()),
        )
        .await;
    let sent = r.body["wamid"].as_str().unwrap().to_owned();
    let r = forward(
        &app,
        CUSTOMER,
        &sent,
        json!([]),
        json!([seed::OTHER_PHONE_NUMBER_ID]),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    let msg = app.inbound_webhook(&r.body["businesses"][0]["wamid"]).await;
    assert_eq!(msg["type"], "image");
    assert_eq!(msg["context"], json!({ "forwarded": true }));
    assert_eq!(msg["image"]["caption"], "Look");
    let id = msg["image"]["id"].as_str().unwrap();
    let info = app.get_as(id, seed::OTHER_ACCESS_TOKEN).await;
    assert_eq!(info.status.as_u16(), 200, "{}", info.text);
    let (_, _, got) = app
        .download(
            info.body["url"].as_str().unwrap(),
            Some(seed::OTHER_ACCESS_TOKEN),
        )
        .await;
    assert!(got == photo);
    // The demo business cannot read the other business's copy.
    app.get_as(id, TOKEN)
        .await
        .assert_error(400, unsupported("get", id));
}

#[tokio::test]
async fn what_cannot_be_forwarded() {
    let app = spawn_app().await;
    let tip = delivered(&app, text("Hi")).await;
    let six: Vec<String> = (0..6).map(|i| format!("1650555091{i}")).collect();
    let r = forward(&app, CUSTOMER, &tip, json!(six), json!([])).await;
    assert_eq!(r.status.as_u16(), 409);
    assert_eq!(
        r.body["error"],
        json!({ "code": "cannot_forward", "message": "Forward to 1 to 5 chats at a time." })
    );
    let r = forward(&app, CUSTOMER, &tip, json!([]), json!([])).await;
    assert_eq!(r.status.as_u16(), 409);
    let r = forward(&app, CUSTOMER, &tip, json!([CUSTOMER]), json!([])).await;
    assert_eq!(r.body["error"]["message"], "Forward to someone else.");
    // Someone else's message, or nothing at all.
    let r = forward(&app, FRIEND, &tip, json!([CUSTOMER]), json!([])).await;
    assert_eq!(r.status.as_u16(), 404);
    app.post_json("/_vitrine/customers", json!({ "wa_id": FRIEND }))
        .await;
    let r = forward(&app, FRIEND, &tip, json!([CUSTOMER]), json!([])).await;
    assert_eq!(r.status.as_u16(), 404);
    let r = forward(&app, CUSTOMER, "wamid.nope", json!([FRIEND]), json!([])).await;
    assert_eq!(r.status.as_u16(), 404);
    // A message not yet on the phone.
    let fresh = app.post_message(text("just sent")).await.wamid();
    let r = forward(&app, CUSTOMER, &fresh, json!([FRIEND]), json!([])).await;
    assert_eq!(r.status.as_u16(), 409);
    // Media sent by link never reached Vitrine's storage: it cannot go to a business.
    let linked = delivered(
        &app,
        json!({ "messaging_product": "whatsapp", "to": CUSTOMER, "type": "image", "image": { "link": "https://cdn.example/a.png" } }),
    )
    .await;
    let r = forward(&app, CUSTOMER, &linked, json!([]), json!([PHONE])).await;
    assert_eq!(r.status.as_u16(), 409);
    // ...but it can go to a friend.
    let r = forward(&app, CUSTOMER, &linked, json!([FRIEND]), json!([])).await;
    assert_eq!(r.status.as_u16(), 200);
}
